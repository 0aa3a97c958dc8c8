/*
 * Copyright (c) 2026 The ovs-dpi authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* DNS parser: the header, the questions and the A/AAAA answers of a query
 * or response.
 *
 * Over TCP the message follows a 2-byte length prefix (RFC 1035 4.2.2); the
 * parser reads the message as far as the stream goes and says MORE when
 * the question lies beyond the bytes given but within the message.  A
 * question name may use compression pointers; each must point before the
 * start of the run of labels that leads to it (so the runs start ever
 * earlier and cannot loop) and at most DNS_MAX_POINTERS are followed; in
 * a well-formed message the first question has none.  Extended label types
 * (0x40, 0x80) are NO.
 *
 * Every question name is recorded in dns_qname (and its type in
 * dns_qtype); a response also records its response code and the
 * addresses of its A and AAAA answers.  mDNS (port 5353) and LLMNR (port
 * 5355) are the same format: the port refines the protocol.
 *
 * The name is written the way tshark prints dns.qry.name: labels joined by
 * '.', "<Root>" for the root, printable ASCII and UTF-8 sequences copied,
 * invalid UTF-8 replaced by U+FFFD (see dns_put_utf8()), and ASCII control
 * characters escaped C-style (\t, \n, ... or \ooo in octal). */

#include "dpi-proto.h"

#include <stdbool.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Size of the DNS header. */
#define DNS_HEADER_LEN 12

/* Compression pointers followed in one name, at most. */
#define DNS_MAX_POINTERS 16

/* Longest name on the wire (RFC 1035 2.3.4). */
#define DNS_MAX_NAME 255

/* Most questions accepted in a message: real queries hold one; mDNS may
 * ask several. */
#define DNS_MAX_QUESTIONS 64

/* Most answer records read from a message. */
#define DNS_MAX_ANSWERS 64

/* Room for a printed name: every byte may take 4 bytes escaped. */
#define DNS_NAME_BUF (DNS_MAX_NAME * 4 + 8)

/* A bounded output string. */
struct dns_out {
    char *buf;                  /* Output buffer. */
    size_t size;                /* Bytes at 'buf'. */
    size_t len;                 /* Bytes written, without the NUL. */
};

/* Appends 'n' bytes at 's' to 'out' if they fit whole, otherwise marks
 * 'out' full so that no later character is appended after a gap. */
static void
dns_put(struct dns_out *out, const char *s, size_t n)
{
    if (out->len + n < out->size) {
        memcpy(out->buf + out->len, s, n);
        out->len += n;
    } else {
        out->size = out->len + 1;
    }
}

/* Appends code point 'cp' to 'out' in UTF-8, or as \uXXXX if it is a
 * control character. */
static void
dns_put_code_point(struct dns_out *out, uint32_t cp)
{
    char tmp[8];
    size_t n;

    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
        n = (size_t) snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned) cp);
    } else if (cp < 0x80) {
        tmp[0] = (char) cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char) (0xc0 | (cp >> 6));
        tmp[1] = (char) (0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char) (0xe0 | (cp >> 12));
        tmp[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char) (0x80 | (cp & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char) (0xf0 | (cp >> 18));
        tmp[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char) (0x80 | (cp & 0x3f));
        n = 4;
    }
    dns_put(out, tmp, n);
}

/* Decodes the multi-byte sequence at 'p' (of 'n' bytes, n >= 1,
 * p[0] >= 0x80) the way tshark does and appends it to 'out'.  Returns the
 * number of bytes used.  As in tshark, a lead byte announces 2 to 6 bytes,
 * over-long forms are decoded, and an incomplete sequence, a stray
 * continuation byte, a surrogate or a value above U+10FFFF becomes one
 * U+FFFD. */
static size_t
dns_put_utf8(struct dns_out *out, const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t need, i;
    uint32_t cp;

    if (c < 0xc0 || c >= 0xfe) {
        dns_put(out, "\xef\xbf\xbd", 3);
        return 1;
    }
    need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf8 ? 4 : c < 0xfc ? 5 : 6;
    cp = c & (0x7f >> need);
    for (i = 1; i < need && i < n && (p[i] & 0xc0) == 0x80; i++) {
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (i < need || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        dns_put(out, "\xef\xbf\xbd", 3);
    } else {
        dns_put_code_point(out, cp);
    }
    return i;
}

/* Appends one label of 'n' bytes at 'p' to 'out', escaped like tshark. */
static void
dns_put_label(struct dns_out *out, const uint8_t *p, size_t n)
{
    static const char esc[] = "abtnvfr";
    size_t i = 0;

    while (i < n) {
        uint8_t c = p[i];
        char tmp[5];

        if (c >= 0x20 && c < 0x7f) {
            /* A run of printable ASCII, as it is. */
            size_t j = i + 1;

            while (j < n && p[j] >= 0x20 && p[j] < 0x7f) {
                j++;
            }
            if (out->len + (j - i) < out->size) {
                dns_put(out, (const char *) p + i, j - i);
            } else {
                /* As much as fits, one byte at a time. */
                for (; i < j; i++) {
                    dns_put(out, (const char *) p + i, 1);
                }
            }
            i = j;
        } else if (c >= 0x80) {
            i += dns_put_utf8(out, p + i, n - i);
        } else {
            tmp[0] = '\\';
            if (c >= 7 && c <= 13) {
                tmp[1] = esc[c - 7];
                dns_put(out, tmp, 2);
            } else {
                tmp[1] = (char) ('0' + (c >> 6));
                tmp[2] = (char) ('0' + ((c >> 3) & 7));
                tmp[3] = (char) ('0' + (c & 7));
                dns_put(out, tmp, 4);
            }
            i++;
        }
    }
}

/* Reads the name at 'pos' of the message 'msg' ('msg_len' bytes, of
 * which 'avail' are present).  Appends it to 'out' if 'out' is nonnull and
 * stores in '*endp' the offset just past its wire form.  Returns YES, MORE
 * (the name goes beyond 'avail') or NO (malformed). */
static enum dpi_proto_result
dns_read_name(const uint8_t *msg, size_t msg_len, size_t avail, size_t pos,
              struct dns_out *out, size_t *endp)
{
    size_t run = pos, end = 0, wire_len = 0;
    unsigned int hops = 0;

    for (;;) {
        uint8_t c;

        if (pos >= msg_len) {
            return DPI_PROTO_NO;
        } else if (pos >= avail) {
            return DPI_PROTO_MORE;
        }
        c = msg[pos];
        if (c == 0) {
            if (!end) {
                end = pos + 1;
            }
            break;
        } else if ((c & 0xc0) == 0xc0) {
            size_t target;

            if (pos + 1 >= msg_len) {
                return DPI_PROTO_NO;
            } else if (pos + 1 >= avail) {
                return DPI_PROTO_MORE;
            }
            target = (size_t) (c & 0x3f) << 8 | msg[pos + 1];
            if (target >= run || target < DNS_HEADER_LEN
                || ++hops > DNS_MAX_POINTERS) {
                return DPI_PROTO_NO;
            }
            if (!end) {
                end = pos + 2;
            }
            pos = run = target;
        } else if (c & 0xc0) {
            return DPI_PROTO_NO;
        } else {
            wire_len += c + 1;
            if (wire_len + 1 > DNS_MAX_NAME || pos + 1 + c > msg_len) {
                return DPI_PROTO_NO;
            } else if (pos + 1 + c > avail) {
                return DPI_PROTO_MORE;
            }
            if (out) {
                if (out->len) {
                    dns_put(out, ".", 1);
                }
                dns_put_label(out, msg + pos + 1, c);
            }
            pos += 1 + c;
        }
    }
    if (out && !wire_len) {
        dns_put(out, "<Root>", 6);
    }
    *endp = end;
    return DPI_PROTO_YES;
}

/* Returns the name of DNS resource record type 'type' (as tshark prints
 * the common ones), or its number in 'buf'. */
static const char *
dns_type_name(unsigned int type, char buf[16])
{
    switch (type) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 41: return "OPT";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 255: return "ANY";
    }
    snprintf(buf, 16, "%u", type);
    return buf;
}

/* Returns the name of DNS response code 'rcode'. */
static const char *
dns_rcode_name(unsigned int rcode, char buf[16])
{
    static const char *const names[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
    };

    if (rcode < sizeof names / sizeof names[0]) {
        return names[rcode];
    }
    snprintf(buf, 16, "%u", rcode);
    return buf;
}

/* Writes the dotted decimal form of the IPv4 address 'a' into 'out' (at
 * least 16 bytes), as inet_ntop() does. */
static void
dns_format_ipv4(const uint8_t a[4], char *out)
{
    for (int i = 0; i < 4; i++) {
        unsigned int v = a[i];

        if (v >= 100) {
            *out++ = (char) ('0' + v / 100);
        }
        if (v >= 10) {
            *out++ = (char) ('0' + v / 10 % 10);
        }
        *out++ = (char) ('0' + v % 10);
        *out++ = i < 3 ? '.' : '\0';
    }
}

/* Records the A and AAAA answers of a complete response, starting at
 * offset 'pos' (past the questions), and the smallest of their TTLs in
 * _dns_ttl for the engine's DNS cache.  A TTL with its top bit set counts
 * as 0 (RFC 2181 8). */
static void
dns_parse_answers(const uint8_t *msg, size_t msg_len, size_t pos,
                  unsigned int ancount, struct dpi_md *md)
{
    uint32_t min_ttl = UINT32_MAX;
    unsigned int i;

    for (i = 0; i < ancount && i < DNS_MAX_ANSWERS; i++) {
        char addr[INET6_ADDRSTRLEN];
        unsigned int type, rdlen;
        size_t end;

        if (dns_read_name(msg, msg_len, msg_len, pos, NULL, &end)
            != DPI_PROTO_YES || end + 10 > msg_len) {
            return;
        }
        type = (unsigned int) msg[end] << 8 | msg[end + 1];
        rdlen = (unsigned int) msg[end + 8] << 8 | msg[end + 9];
        pos = end + 10;
        if (pos + rdlen > msg_len) {
            return;
        }
        if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)) {
            uint32_t ttl = ((uint32_t) msg[end + 4] << 24
                            | (uint32_t) msg[end + 5] << 16
                            | (uint32_t) msg[end + 6] << 8 | msg[end + 7]);

            if (type == 1) {
                dns_format_ipv4(msg + pos, addr);
            } else {
                inet_ntop(AF_INET6, msg + pos, addr, sizeof addr);
            }
            dpi_md_add_cstr(md, DPI_F_dns_answer, addr);
            if (ttl & UINT32_C(0x80000000)) {
                ttl = 0;
            }
            if (ttl < min_ttl) {
                min_ttl = ttl;
                dpi_md_set_u64(md, DPI_F__dns_ttl, min_ttl);
            }
        }
        pos += rdlen;
    }
}

/* Parses the DNS message 'msg' of 'msg_len' bytes, of which only the first
 * 'avail' are present. */
static enum dpi_proto_result
dns_parse_message(const uint8_t *msg, size_t msg_len, size_t avail,
                  struct dpi_md *md)
{
    unsigned int opcode, qdcount, ancount, i;
    bool response;
    char buf[16];
    size_t pos;

    if (msg_len < DNS_HEADER_LEN) {
        return DPI_PROTO_NO;
    }
    if (avail < DNS_HEADER_LEN) {
        return DPI_PROTO_MORE;
    }
    response = msg[2] & 0x80;
    opcode = (msg[2] >> 3) & 0xf;
    qdcount = (unsigned int) msg[4] << 8 | msg[5];
    ancount = (unsigned int) msg[6] << 8 | msg[7];
    if (opcode == 3 || opcode > 6 || qdcount > DNS_MAX_QUESTIONS
        || (!qdcount && !(response && ancount))) {
        return DPI_PROTO_NO;
    }

    /* Check the questions first, then record them. */
    pos = DNS_HEADER_LEN;
    for (i = 0; i < qdcount; i++) {
        enum dpi_proto_result r;
        size_t end;

        r = dns_read_name(msg, msg_len, avail, pos, NULL, &end);
        if (r != DPI_PROTO_YES) {
            return r;
        }
        if (end + 4 > msg_len) {
            return DPI_PROTO_NO;
        } else if (end + 4 > avail) {
            return DPI_PROTO_MORE;
        }
        pos = end + 4;
    }
    pos = DNS_HEADER_LEN;
    for (i = 0; i < qdcount; i++) {
        char name[DNS_NAME_BUF];
        struct dns_out out = { .buf = name, .size = sizeof name };
        size_t end;

        dns_read_name(msg, msg_len, avail, pos, &out, &end);
        dpi_md_add(md, DPI_F_dns_qname, name, out.len);
        dpi_md_add_cstr(md, DPI_F_dns_qtype,
                        dns_type_name((unsigned int) msg[end] << 8
                                      | msg[end + 1], buf));
        pos = end + 4;
    }
    if (response) {
        dpi_md_add_cstr(md, DPI_F_dns_rcode,
                        dns_rcode_name(msg[3] & 0xf, buf));
        if (avail == msg_len) {
            dns_parse_answers(msg, msg_len, pos, ancount, md);
        }
    }
    return DPI_PROTO_YES;
}

/* Parses a DNS message: a UDP datagram, or the start of a TCP stream with
 * its length prefix.  See dpi-proto.h. */
enum dpi_proto_result
dpi_dns_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    enum dpi_proto_result r;
    size_t msg_len;

    if (!ctx->is_tcp) {
        r = dns_parse_message(data, len, len, md);
    } else if (len < 2) {
        return ctx->follow ? DPI_PROTO_NO : DPI_PROTO_MORE;
    } else {
        msg_len = (size_t) data[0] << 8 | data[1];
        r = dns_parse_message(data + 2, msg_len,
                              len - 2 < msg_len ? len - 2 : msg_len, md);
    }
    if (r == DPI_PROTO_YES && !ctx->is_tcp) {
        if (ctx->server_port == 5353 || ctx->client_port == 5353) {
            dpi_md_set_u64(md, DPI_F__proto, DPI_APP_mdns);
        } else if (ctx->server_port == 5355 || ctx->client_port == 5355) {
            dpi_md_set_u64(md, DPI_F__proto, DPI_APP_llmnr);
        }
    }
    return r;
}
