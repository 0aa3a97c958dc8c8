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

/* Parsers of network infrastructure protocols: NetBIOS, Kerberos, syslog,
 * DHCP, DHCPv6, SNMP, NTP, ONC RPC (NFS), TFTP, LDAP, NAT-PMP and PCP,
 * Modbus TCP, Diameter and NetFlow/IPFIX.
 *
 * Each checks the fixed structure of the first message of a direction
 * (magic numbers, version and type fields, lengths that must agree with
 * the datagram or record) and says NO on anything else: ports only make a
 * protocol a candidate.  None extracts metadata yet.  The facts used are
 * cited, per parser, from the protocol's specification. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* Returns the big-endian 16-bit number at 'p'. */
static uint32_t
infra_be16(const uint8_t *p)
{
    return (uint32_t) p[0] << 8 | p[1];
}

/* Returns the big-endian 32-bit number at 'p'. */
static uint32_t
infra_be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

/* A BER (ITU-T X.690) tag-length header. */
struct infra_ber {
    uint8_t tag;                /* Identifier octet (low tag numbers only). */
    size_t hdr;                 /* Bytes of identifier and length. */
    size_t len;                 /* Content length. */
};

/* Reads the BER header at 'p' (of 'n' bytes): a one-byte identifier with
 * a tag number below 31 and a definite length in short form or in long
 * form of 1 to 4 bytes.  Returns YES with '*ber' filled in, MORE if the
 * header is cut short, NO if it is not such a header. */
static enum dpi_proto_result
infra_ber_read(const uint8_t *p, size_t n, struct infra_ber *ber)
{
    size_t i, k;

    if (n < 2) {
        return DPI_PROTO_MORE;
    }
    if ((p[0] & 0x1f) == 0x1f || p[1] == 0x80 || p[1] > 0x84) {
        return DPI_PROTO_NO;
    }
    ber->tag = p[0];
    if (p[1] < 0x80) {
        ber->hdr = 2;
        ber->len = p[1];
        return DPI_PROTO_YES;
    }
    k = p[1] & 0x7f;
    if (n < 2 + k) {
        return DPI_PROTO_MORE;
    }
    ber->len = 0;
    for (i = 0; i < k; i++) {
        ber->len = ber->len << 8 | p[2 + i];
    }
    ber->hdr = 2 + k;
    return DPI_PROTO_YES;
}

/* Returns true if the 33 bytes at 'p' are a NetBIOS name in the first-level
 * encoding of RFC 1001 14.1: length 32, then 32 letters 'A' to 'P' (each
 * a half-byte of the 16-byte name). */
static bool
netbios_name_ok(const uint8_t *p)
{
    size_t i;

    if (p[0] != 0x20) {
        return false;
    }
    for (i = 1; i <= 32; i++) {
        if (p[i] < 'A' || p[i] > 'P') {
            return false;
        }
    }
    return true;
}

/* NetBIOS over TCP/IP (RFC 1002).
 *
 * Name service (UDP 137, 4.2.1): a DNS-like 12-byte header whose opcode
 * is 0 (query), 5 to 8 (registration, release, WACK, refresh) or 9 (multi
 * homed registration), with at most one question and one record of each
 * other kind, followed by an encoded name.  Datagram service (UDP 138,
 * 4.4.1): message type 0x10 to 0x16, and for the direct and broadcast
 * datagrams (0x10 to 0x12) a datagram length that matches the packet and
 * an encoded source name.  Session service (TCP 139, 4.3.1): a 4-byte
 * header of type 0x81 (session request, with two encoded names), 0x82,
 * 0x83 or 0x85 (responses and keep-alive, fixed lengths). */
enum dpi_proto_result
dpi_netbios_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                  size_t len, struct dpi_md *md)
{
    if (ctx->is_tcp) {
        size_t body;

        if (len < 4) {
            return DPI_PROTO_MORE;
        }
        body = (size_t) (data[1] & 1) << 16 | infra_be16(data + 2);
        if (data[1] & 0xfe) {
            return DPI_PROTO_NO;
        }
        switch (data[0]) {
        case 0x81:
            if (body < 68) {
                return DPI_PROTO_NO;
            } else if (len < 4 + 68) {
                return DPI_PROTO_MORE;
            }
            return (netbios_name_ok(data + 4) && netbios_name_ok(data + 38)
                    ? DPI_PROTO_YES : DPI_PROTO_NO);
        case 0x82:
        case 0x85:
            return body == 0 ? DPI_PROTO_YES : DPI_PROTO_NO;
        case 0x83:
            return (body == 1 && len >= 5 && data[4] >= 0x80
                    && data[4] <= 0x8f ? DPI_PROTO_YES : DPI_PROTO_NO);
        default:
            return DPI_PROTO_NO;
        }
    } else if (len >= 14 && data[0] >= 0x10 && data[0] <= 0x16
               && !(data[1] & 0xf0)) {
        /* Datagram service. */
        if (data[0] > 0x12) {
            return DPI_PROTO_YES;
        }
        return (len >= 14 + 33 && infra_be16(data + 10) == len - 14
                && netbios_name_ok(data + 14)
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    } else if (len >= 12 + 33) {
        /* Name service. */
        unsigned int opcode = (data[2] >> 3) & 0xf;
        unsigned int qd = infra_be16(data + 4), an = infra_be16(data + 6);
        unsigned int ns = infra_be16(data + 8), ar = infra_be16(data + 10);

        if ((opcode && (opcode < 5 || opcode > 9)) || qd > 1 || an > 1
            || ns > 1 || ar > 1 || qd + an != 1) {
            return DPI_PROTO_NO;
        }
        return netbios_name_ok(data + 12) ? DPI_PROTO_YES : DPI_PROTO_NO;
    }
    return DPI_PROTO_NO;
}

/* Kerberos V5 (RFC 4120 5.10 and 7.2): a message is a DER value with an
 * application tag: AS-REQ [10], AS-REP [11], TGS-REQ [12], TGS-REP [13],
 * AP-REQ [14], AP-REP [15], KRB-SAFE [20], KRB-PRIV [21], KRB-CRED [22]
 * or KRB-ERROR [30], whose content is a SEQUENCE.  Over UDP the datagram is
 * the message; over TCP a 4-byte length (high bit clear) precedes it. */
enum dpi_proto_result
dpi_kerberos_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                   size_t len, struct dpi_md *md)
{
    struct infra_ber app, seq;
    enum dpi_proto_result r;
    size_t msg_len = len;
    unsigned int num;

    if (ctx->is_tcp) {
        if (len < 4) {
            return DPI_PROTO_MORE;
        }
        msg_len = infra_be32(data);
        if (msg_len & 0x80000000) {
            return DPI_PROTO_NO;
        }
        data += 4;
        len -= 4;
    }
    r = infra_ber_read(data, len, &app);
    if (r != DPI_PROTO_YES) {
        return r == DPI_PROTO_MORE && ctx->is_tcp ? r : DPI_PROTO_NO;
    }
    num = app.tag & 0x1f;
    if ((app.tag & 0xe0) != 0x60 || !((num >= 10 && num <= 15)
                                      || (num >= 20 && num <= 22)
                                      || num == 30)
        || app.hdr + app.len != msg_len) {
        return DPI_PROTO_NO;
    }
    r = infra_ber_read(data + app.hdr, len - app.hdr, &seq);
    if (r != DPI_PROTO_YES) {
        return r == DPI_PROTO_MORE && ctx->is_tcp ? r : DPI_PROTO_NO;
    }
    return (seq.tag == 0x30 && seq.hdr + seq.len == app.len
            ? DPI_PROTO_YES : DPI_PROTO_NO);
}

/* Syslog (RFC 3164 4.1.1 and RFC 5424 6.2.1): a message starts with a
 * priority "<PRI>", PRI a decimal number 0 to 191 of 1 to 3 digits without
 * leading zero, followed by the version "1 " (RFC 5424) or by printable
 * text (RFC 3164 timestamp or content). */
enum dpi_proto_result
dpi_syslog_parse(const struct dpi_proto_ctx *ctx,
                 const uint8_t *data, size_t len,
                 struct dpi_md *md)
{
    unsigned int pri = 0;
    size_t i;

    if (len < 3 || data[0] != '<') {
        return DPI_PROTO_NO;
    }
    for (i = 1; i < len && i <= 4 && data[i] >= '0' && data[i] <= '9'; i++) {
        pri = pri * 10 + (data[i] - '0');
    }
    if (i == 1 || i > 4 || i >= len || data[i] != '>' || pri > 191
        || (data[1] == '0' && i > 2)) {
        return DPI_PROTO_NO;
    }
    i++;
    if (i < len && (data[i] < 0x20 || data[i] > 0x7e)) {
        return DPI_PROTO_NO;
    }
    return DPI_PROTO_YES;
}

/* DHCP (RFC 2131 2, RFC 951): op 1 (BOOTREQUEST) or 2 (BOOTREPLY), hlen at
 * most 16, hops at most 16 (RFC 1542 4.1.1), then the magic cookie
 * 99.130.83.99 at offset 236 (RFC 2131 3) that starts the options. */
enum dpi_proto_result
dpi_dhcp_parse(const struct dpi_proto_ctx *ctx,
               const uint8_t *data, size_t len,
               struct dpi_md *md)
{
    static const uint8_t cookie[4] = { 99, 130, 83, 99 };

    if (len < 240 || (data[0] != 1 && data[0] != 2) || data[2] > 16
        || data[3] > 16 || memcmp(data + 236, cookie, 4)) {
        return DPI_PROTO_NO;
    }
    return DPI_PROTO_YES;
}

/* DHCPv6 (RFC 8415 8 and 21.1): a client/server message is a type 1 to 13
 * (SOLICIT to RELAY-REPL less the relay messages 12 and 13, which carry a
 * 34-byte header) and a 3-byte transaction id, then options, each a 2-byte
 * code and a 2-byte length, that must fill the datagram exactly; a relay
 * message (12, 13) has hop count, two addresses and then options. */
enum dpi_proto_result
dpi_dhcpv6_parse(const struct dpi_proto_ctx *ctx,
                 const uint8_t *data, size_t len,
                 struct dpi_md *md)
{
    size_t pos;

    if (len < 4 || data[0] < 1 || data[0] > 13) {
        return DPI_PROTO_NO;
    }
    pos = data[0] >= 12 ? 34 : 4;
    if (len < pos + 4) {
        return DPI_PROTO_NO;
    }
    while (pos + 4 <= len) {
        uint32_t code = infra_be16(data + pos);

        if (!code) {
            return DPI_PROTO_NO;
        }
        pos += 4 + infra_be16(data + pos + 2);
    }
    return pos == len ? DPI_PROTO_YES : DPI_PROTO_NO;
}

/* SNMP (RFC 1157 4, RFC 3416 3, RFC 3412 6): a message is a SEQUENCE that
 * fills the datagram, holding an INTEGER version 0 (v1), 1 (v2c) or 3
 * (v3).  Versions 1 and 2c continue with the community OCTET STRING and a
 * PDU whose context tag is 0 to 8; version 3 with the msgGlobalData
 * SEQUENCE. */
enum dpi_proto_result
dpi_snmp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    struct infra_ber msg, ver, next;
    size_t pos;

    if (ctx->is_tcp
        || infra_ber_read(data, len, &msg) != DPI_PROTO_YES
        || msg.tag != 0x30 || msg.hdr + msg.len != len) {
        return DPI_PROTO_NO;
    }
    pos = msg.hdr;
    if (infra_ber_read(data + pos, len - pos, &ver) != DPI_PROTO_YES
        || ver.tag != 0x02 || ver.len != 1 || pos + ver.hdr + 1 > len) {
        return DPI_PROTO_NO;
    }
    pos += ver.hdr;
    switch (data[pos++]) {
    case 0:
    case 1:
        if (infra_ber_read(data + pos, len - pos, &next) != DPI_PROTO_YES
            || next.tag != 0x04 || next.hdr + next.len > len - pos) {
            return DPI_PROTO_NO;
        }
        pos += next.hdr + next.len;
        if (infra_ber_read(data + pos, len - pos, &next) != DPI_PROTO_YES
            || next.tag < 0xa0 || next.tag > 0xa8
            || next.hdr + next.len != len - pos) {
            return DPI_PROTO_NO;
        }
        return DPI_PROTO_YES;
    case 3:
        if (infra_ber_read(data + pos, len - pos, &next) != DPI_PROTO_YES
            || next.tag != 0x30 || next.hdr + next.len > len - pos) {
            return DPI_PROTO_NO;
        }
        return DPI_PROTO_YES;
    default:
        return DPI_PROTO_NO;
    }
}

/* NTP (RFC 5905 7.3, RFC 1305 appendix B): the first byte holds the leap
 * indicator, the version (1 to 4) and the mode; modes 1 to 5 (symmetric,
 * client, server, broadcast) have a 48-byte header, optionally followed by
 * extension fields and a MAC (so at most a few hundred bytes), and a
 * stratum of at most 16; modes 6 and 7 (control, private) have a 12-byte
 * (mode 6) or 8-byte (mode 7) header at least. */
enum dpi_proto_result
dpi_ntp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    unsigned int version, mode;

    if (ctx->is_tcp || len < 8) {
        return DPI_PROTO_NO;
    }
    version = (data[0] >> 3) & 7;
    mode = data[0] & 7;
    if (version < 1 || version > 4 || mode == 0) {
        return DPI_PROTO_NO;
    }
    if (mode <= 5) {
        return (len >= 48 && (len - 48) % 4 == 0 && data[1] <= 16
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    return mode == 6 ? (len >= 12 ? DPI_PROTO_YES : DPI_PROTO_NO)
                     : DPI_PROTO_YES;
}

/* Returns true if 'prog' is an ONC RPC program of the NFS family: portmap
 * (100000), NFS (100003), mount (100005), NLM (100021), NSM status
 * (100024), NFS ACL (100227). */
static bool
rpc_nfs_program(uint32_t prog)
{
    return (prog == 100000 || prog == 100003 || prog == 100005
            || prog == 100021 || prog == 100024 || prog == 100227);
}

/* ONC RPC for NFS (RFC 5531 9 and 11, RFC 1813).  A call is xid, message
 * type 0, RPC version 2, a program of the NFS family (rpc_nfs_program()),
 * its version (1 to 4), the procedure and the credentials (flavor, opaque
 * body of at most 400 bytes).  A reply is xid, type 1, and reply_stat 0
 * (accepted, then a verifier and accept_stat 0 to 5) or 1 (denied,
 * reject_stat 0 or 1).  Over TCP a 4-byte record mark precedes it, whose
 * length (31 bits) must be at least the fixed part.  A reply alone is
 * weak evidence; it is accepted only on the NFS and portmap ports. */
enum dpi_proto_result
dpi_nfs_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    size_t off = ctx->is_tcp ? 4 : 0;
    const uint8_t *p;

    if (len < off + 24) {
        return ctx->is_tcp ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (ctx->is_tcp && (infra_be32(data) & 0x7fffffff) < 24) {
        return DPI_PROTO_NO;
    }
    p = data + off;
    if (infra_be32(p + 4) == 0) {
        uint32_t vers = infra_be32(p + 16);

        if (len < off + 32) {
            return ctx->is_tcp ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        return (infra_be32(p + 8) == 2 && rpc_nfs_program(infra_be32(p + 12))
                && vers >= 1 && vers <= 4 && infra_be32(p + 28) <= 400
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    } else if (infra_be32(p + 4) == 1) {
        uint16_t sp = ctx->server_port, cp = ctx->client_port;
        uint32_t stat = infra_be32(p + 8);

        if (sp != 2049 && sp != 111 && cp != 2049 && cp != 111) {
            return DPI_PROTO_NO;
        }
        if (stat == 0) {
            uint32_t vlen = infra_be32(p + 16);

            if (vlen > 400 || len < off + 24 + vlen) {
                return DPI_PROTO_NO;
            }
            return (infra_be32(p + 20 + vlen) <= 5
                    ? DPI_PROTO_YES : DPI_PROTO_NO);
        }
        return (stat == 1 && infra_be32(p + 12) <= 1
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    return DPI_PROTO_NO;
}

/* Returns true if the 'n' bytes at 'p' are a NUL-terminated string of 1 to
 * 'n' - 1 printable characters. */
static bool
tftp_string_ok(const uint8_t *p, size_t n, size_t *lenp)
{
    size_t i;

    for (i = 0; i < n && p[i]; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e) {
            return false;
        }
    }
    *lenp = i;
    return i > 0 && i < n;
}

/* TFTP (RFC 1350 5, RFC 2347): RRQ (1) and WRQ (2) carry a file name and
 * a mode ("netascii", "octet" or "mail", any case), each NUL-terminated,
 * then option/value pairs: the datagram ends with a NUL; DATA (3) a block number and at most 65464 bytes
 * (RFC 2348 blksize); ACK (4) exactly a block number; ERROR (5) an error
 * code 0 to 8 and a NUL-terminated message; OACK (6) option/value pairs.
 * DATA and ACK of an ephemeral-port transfer only match the payload
 * patterns for block 1 or 0 (signature part 30-infra.sig). */
enum dpi_proto_result
dpi_tftp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    size_t n, m;

    if (ctx->is_tcp || len < 4 || data[0] != 0) {
        return DPI_PROTO_NO;
    }
    switch (data[1]) {
    case 1:
    case 2:
        /* The mode is the NUL-terminated string after the file name; some
         * clients send an empty or NUL-padded file name, so every string
         * that follows is tried. */
        if (data[len - 1] != 0) {
            return DPI_PROTO_NO;
        }
        for (n = 2; n < len; n += m + 1) {
            const char *str = (const char *) data + n;

            m = strnlen(str, len - n);
            if ((m == 8 && !strncasecmp(str, "netascii", 8))
                || (m == 5 && !strncasecmp(str, "octet", 5))
                || (m == 4 && !strncasecmp(str, "mail", 4))) {
                return n > 2 ? DPI_PROTO_YES : DPI_PROTO_NO;
            }
        }
        return DPI_PROTO_NO;
    case 3:
        return len <= 4 + 65464 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case 4:
        return len == 4 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case 5:
        return (infra_be16(data + 2) <= 8 && data[len - 1] == 0
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    case 6:
        return (len > 3 && tftp_string_ok(data + 2, len - 2, &n)
                && data[len - 1] == 0 ? DPI_PROTO_YES : DPI_PROTO_NO);
    default:
        return DPI_PROTO_NO;
    }
}

/* LDAP (RFC 4511 4.1.1 and 4.2 to 4.14): an LDAPMessage is a SEQUENCE of
 * an INTEGER messageID (1 to 4 bytes) and a protocolOp with an application
 * tag 0 to 25: constructed, except UnbindRequest [2], DelRequest [10] and
 * AbandonRequest [16], which are primitive.  Over TCP the stream starts
 * with the message; over UDP (CLDAP, RFC 1798) the datagram holds it. */
enum dpi_proto_result
dpi_ldap_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    struct infra_ber msg, id, op;
    enum dpi_proto_result r;
    unsigned int num;
    bool primitive;
    size_t pos;

    r = infra_ber_read(data, len, &msg);
    if (r != DPI_PROTO_YES || msg.tag != 0x30) {
        return r == DPI_PROTO_MORE && ctx->is_tcp ? r : DPI_PROTO_NO;
    }
    if (!ctx->is_tcp && msg.hdr + msg.len != len) {
        return DPI_PROTO_NO;
    }
    pos = msg.hdr;
    r = infra_ber_read(data + pos, len - pos, &id);
    if (r != DPI_PROTO_YES || id.tag != 0x02 || id.len < 1 || id.len > 4) {
        return r == DPI_PROTO_MORE && ctx->is_tcp ? r : DPI_PROTO_NO;
    }
    pos += id.hdr + id.len;
    if (pos > len) {
        return ctx->is_tcp ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    r = infra_ber_read(data + pos, len - pos, &op);
    if (r != DPI_PROTO_YES) {
        return r == DPI_PROTO_MORE && ctx->is_tcp ? r : DPI_PROTO_NO;
    }
    num = op.tag & 0x1f;
    primitive = num == 2 || num == 10 || num == 16;
    if ((op.tag & 0xc0) != 0x40 || num > 25
        || !(op.tag & 0x20) != primitive
        || pos + op.hdr + op.len > msg.hdr + msg.len) {
        return DPI_PROTO_NO;
    }
    return DPI_PROTO_YES;
}

/* NAT-PMP (RFC 6886 3) and its successor PCP (RFC 6887 7), which shares
 * its port 5351 (the server's; announcements go to clients' port 5350).
 * NAT-PMP is version 0; requests are opcode 0 (external address, 2
 * bytes), 1 or 2 (UDP or TCP mapping, 12 bytes); responses add 128 to the
 * opcode and carry a result code 0 to 5 (12 or 16 bytes).  PCP is version
 * 2, opcode 0 to 2 (ANNOUNCE, MAP, PEER) with the response bit 128; a
 * message is a multiple of 4 bytes, 24 to 1100 long, and a response's
 * result code is 0 to 13. */
enum dpi_proto_result
dpi_nat_pmp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                  size_t len, struct dpi_md *md)
{
    if (ctx->is_tcp || len < 2) {
        return DPI_PROTO_NO;
    }
    if (data[0] == 2) {
        if (len < 24 || len > 1100 || len % 4 || (data[1] & 0x7f) > 2) {
            return DPI_PROTO_NO;
        }
        return (data[1] & 0x80 ? data[3] <= 13 : !data[2] && !data[3])
               ? DPI_PROTO_YES : DPI_PROTO_NO;
    } else if (data[0] != 0) {
        return DPI_PROTO_NO;
    }
    switch (data[1]) {
    case 0:
        return len == 2 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case 1:
    case 2:
        return len == 12 && !infra_be16(data + 2) ? DPI_PROTO_YES
                                                   : DPI_PROTO_NO;
    case 128:
        return len == 12 && infra_be16(data + 2) <= 5 ? DPI_PROTO_YES
                                                       : DPI_PROTO_NO;
    case 129:
    case 130:
        return len == 16 && infra_be16(data + 2) <= 5 ? DPI_PROTO_YES
                                                       : DPI_PROTO_NO;
    default:
        return DPI_PROTO_NO;
    }
}

/* Modbus TCP (Modbus Messaging on TCP/IP Implementation Guide 1.0b 3.1.3,
 * Modbus Application Protocol 1.1b3 6 and 7): a 7-byte MBAP header of
 * transaction id, protocol id 0, length (unit id and PDU: 2 to 254 bytes)
 * and unit id, then the function code: 1 to 127, or an exception (code +
 * 128, then an exception code 1 to 11).  The first ADU must lie within
 * the bytes at hand once complete. */
enum dpi_proto_result
dpi_modbus_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                 size_t len, struct dpi_md *md)
{
    uint32_t adu_len;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    } else if (len < 8) {
        return DPI_PROTO_MORE;
    }
    adu_len = infra_be16(data + 4);
    if (infra_be16(data + 2) || adu_len < 2 || adu_len > 254 || !data[7]) {
        return DPI_PROTO_NO;
    } else if (data[7] & 0x80) {
        return (adu_len == 3 && len >= 9 && data[8] >= 1 && data[8] <= 11
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    return DPI_PROTO_YES;
}

/* Diameter (RFC 6733 3): version 1, a 3-byte message length of at least
 * 20 and a multiple of 4, command flags whose reserved low 4 bits are 0
 * (an error bit only in answers), a command code, application id and
 * the two identifiers; then AVPs, the first one (code, flags, 3-byte
 * length of at least 8) within the message. */
enum dpi_proto_result
dpi_diameter_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                   size_t len, struct dpi_md *md)
{
    uint32_t msg_len;

    if (len < 20) {
        return ctx->is_tcp ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    msg_len = infra_be32(data) & 0xffffff;
    if (data[0] != 1 || msg_len < 20 || msg_len % 4 || (data[4] & 0x0f)
        || ((data[4] & 0x20) && (data[4] & 0x80))) {
        return DPI_PROTO_NO;
    }
    if (msg_len >= 28) {
        uint32_t avp_len;

        if (len < 28) {
            return ctx->is_tcp ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        avp_len = infra_be32(data + 24) & 0xffffff;
        if (avp_len < 8 || 20 + avp_len > msg_len) {
            return DPI_PROTO_NO;
        }
    }
    return DPI_PROTO_YES;
}

/* NetFlow and IPFIX export datagrams.  NetFlow v5 (Cisco NetFlow Export
 * Datagram Format): a 24-byte header with a count of 1 to 30 records of
 * 48 bytes that fill the datagram exactly.  NetFlow v9 (RFC 3954 5.1 and
 * 5.2): a 20-byte header, then FlowSets, each a 2-byte id (0 template, 1
 * options template, 256 and above data) and a 2-byte length of at least
 * 4, that fill the datagram exactly.  IPFIX (RFC 7011 3.1): version 10
 * and a message length equal to the datagram's, then Sets (id 2, 3 or
 * from 256) the same way. */
enum dpi_proto_result
dpi_netflow_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                  size_t len, struct dpi_md *md)
{
    uint32_t version, count;
    size_t pos;

    if (ctx->is_tcp || len < 24) {
        return DPI_PROTO_NO;
    }
    version = infra_be16(data);
    count = infra_be16(data + 2);
    if (version == 5) {
        return (count >= 1 && count <= 30 && len == 24 + 48 * count
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    } else if (version == 9) {
        pos = 20;
    } else if (version == 10 && count == len) {
        pos = 16;
    } else {
        return DPI_PROTO_NO;
    }
    while (pos + 4 <= len) {
        uint32_t id = infra_be16(data + pos), set_len;

        set_len = infra_be16(data + pos + 2);
        if (set_len < 4
            || (version == 9 ? id > 1 && id < 256 : id < 2
                || (id > 3 && id < 256))) {
            return DPI_PROTO_NO;
        }
        pos += set_len;
    }
    return pos == len ? DPI_PROTO_YES : DPI_PROTO_NO;
}
