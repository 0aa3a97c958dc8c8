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

/* HTTP/1.x parser.
 *
 * A request is "METHOD SP URI SP HTTP/d.d" followed by header lines and an
 * empty line (lines end in CR LF or in a bare LF, as tshark accepts).  The
 * first request of a stream is YES only once its header block is
 * complete, so that Host and User-Agent are known wherever they sit; until
 * then it is MORE.  Pipelined requests that follow it in the same bytes
 * (after its body, when a Content-Length gives one) are read too, and in
 * follow mode every later packet that starts a request or a response is.
 *
 * Values follow tshark's conventions: http.request.uri is the URI token
 * exactly, header values are taken without the blanks around them.  A
 * response ("HTTP/d.d SP ddd") gives the status code and, once its header
 * block is complete, Content-Type and Server.
 *
 * The method refines the protocol: CONNECT makes it http_connect, and a
 * request for an absolute URI ("GET http://...") makes it http_proxy.
 * In follow mode the client's ClientHello in a CONNECT tunnel gives
 * tls_sni, and a request head split over segments is reassembled (see
 * HTTP_HEAD_HDR). */

#include "dpi-proto.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest method token accepted. */
#define HTTP_MAX_METHOD 15

/* SSDP's UDP port (UPnP Device Architecture 2.0, 1.1.2). */
#define SSDP_PORT 1900

/* Most requests read from one call (bounds the work per packet). */
#define HTTP_MAX_REQUESTS 32

/* A header whose value is kept as metadata. */
struct http_header {
    const char *name;           /* Header name, matched ignoring case. */
    enum dpi_field field;       /* Field that receives the value. */
};

/* Headers kept from requests. */
static const struct http_header http_request_headers[] = {
    { "Host", DPI_F_http_host },
    { "User-Agent", DPI_F_http_user_agent },
};

/* Headers kept from responses. */
static const struct http_header http_response_headers[] = {
    { "Content-Type", DPI_F_http_content_type },
    { "Server", DPI_F_http_server },
};

/* Returns true if 'c' may appear in a method token. */
static bool
http_is_method_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/* Checks that [p, p + n) is a prefix of, or all of, "HTTP/d.d".  Returns
 * DPI_PROTO_YES if all 8 bytes are there and valid, DPI_PROTO_MORE if the
 * 'n' bytes are a valid beginning, DPI_PROTO_NO otherwise. */
static enum dpi_proto_result
http_check_version(const uint8_t *p, size_t n)
{
    static const char tmpl[] = "HTTP/d.d";
    size_t i;

    for (i = 0; i < n && i < 8; i++) {
        bool ok = (tmpl[i] == 'd'
                   ? p[i] >= '0' && p[i] <= '9'
                   : p[i] == (uint8_t) tmpl[i]);
        if (!ok) {
            return DPI_PROTO_NO;
        }
    }
    return i == 8 ? DPI_PROTO_YES : DPI_PROTO_MORE;
}

/* Finds the end of the line that starts at 'data[pos]'.  On success stores
 * in '*eol' the offset of the terminating CR LF or LF, in '*next' the offset
 * of the following line, and returns true.  Returns false if no LF is
 * found before 'len'. */
static bool
http_find_eol(const uint8_t *data, size_t len, size_t pos,
              size_t *eol, size_t *next)
{
    const uint8_t *lf = memchr(data + pos, '\n', len - pos);

    if (!lf) {
        return false;
    }
    *next = (size_t) (lf - data) + 1;
    *eol = (size_t) (lf - data);
    if (*eol > pos && data[*eol - 1] == '\r') {
        (*eol)--;
    }
    return true;
}

/* If the header line [data + start, data + eol) is named 'name'
 * (case-insensitively), stores the offsets of its value, without
 * surrounding blanks, in '*vp' and '*ep' and returns true. */
static bool
http_header_value(const uint8_t *data, size_t start, size_t eol,
                  const char *name, size_t *vp, size_t *ep)
{
    size_t n = strlen(name);
    size_t v, e;

    if (eol - start <= n || data[start + n] != ':'
        || strncasecmp((const char *) data + start, name, n)) {
        return false;
    }
    v = start + n + 1;
    e = eol;
    while (v < e && (data[v] == ' ' || data[v] == '\t')) {
        v++;
    }
    while (e > v && (data[e - 1] == ' ' || data[e - 1] == '\t')) {
        e--;
    }
    *vp = v;
    *ep = e;
    return true;
}

/* Reads the header block that starts at 'pos' up to its empty line.  Adds
 * the values of 'hdrs' (of 'n_hdrs' elements) to 'md' if 'md' is nonnull.
 * Returns the offset just past the empty line, with the Content-Length
 * value in '*body' (0 if none), or 0 if the block is incomplete. */
static size_t
http_parse_headers(const uint8_t *data, size_t len, size_t pos,
                   const struct http_header *hdrs, size_t n_hdrs,
                   struct dpi_md *md, uint64_t *body)
{
    size_t eol, next, v, e, i;

    *body = 0;
    for (;;) {
        if (!http_find_eol(data, len, pos, &eol, &next)) {
            return 0;
        }
        if (eol == pos) {
            return next;
        }
        for (i = 0; md && i < n_hdrs; i++) {
            if (http_header_value(data, pos, eol, hdrs[i].name, &v, &e)) {
                dpi_md_add(md, hdrs[i].field, data + v, e - v);
            }
        }
        if (http_header_value(data, pos, eol, "Content-Length", &v, &e)
            && e > v && e - v < 16) {
            char num[16];

            memcpy(num, data + v, e - v);
            num[e - v] = '\0';
            *body = strtoull(num, NULL, 10);
        }
        pos = next;
    }
}

/* Parses the request line at 'data'.  Returns DPI_PROTO_YES with the
 * method length in '*method_len', the URI in ['*uri_start', '*uri_end') and
 * the offset of the first header line in '*hdr', or MORE or NO. */
static enum dpi_proto_result
http_parse_request_line(const uint8_t *data, size_t len, size_t *method_len,
                        size_t *uri_start, size_t *uri_end, size_t *hdr)
{
    enum dpi_proto_result r;
    size_t m, u, pos;

    for (m = 0; m < len; m++) {
        if (!http_is_method_char(data[m])) {
            break;
        }
        if (m >= HTTP_MAX_METHOD) {
            return DPI_PROTO_NO;
        }
    }
    if (m == len) {
        return DPI_PROTO_MORE;
    }
    if (m == 0 || data[m] != ' ') {
        return DPI_PROTO_NO;
    }

    /* URI: visible ASCII and non-ASCII bytes, up to the next space. */
    for (u = m + 1; u < len; u++) {
        uint8_t c = data[u];

        if (c == ' ') {
            break;
        } else if (c < 0x21 || c == 0x7f) {
            return DPI_PROTO_NO;
        }
    }
    if (u == len) {
        return DPI_PROTO_MORE;
    }
    if (u == m + 1) {
        return DPI_PROTO_NO;
    }

    /* Version, then the end of the request line. */
    pos = u + 1;
    r = http_check_version(data + pos, len - pos);
    if (r != DPI_PROTO_YES) {
        return r;
    }
    pos += 8;
    if (pos == len || (data[pos] == '\r' && pos + 1 == len)) {
        return DPI_PROTO_MORE;
    }
    if (data[pos] == '\r') {
        pos++;
    }
    if (data[pos] != '\n') {
        return DPI_PROTO_NO;
    }
    *method_len = m;
    *uri_start = m + 1;
    *uri_end = u;
    *hdr = pos + 1;
    return DPI_PROTO_YES;
}

/* Records the protocol that the first request's method implies. */
static void
http_refine_protocol(const uint8_t *data, size_t method_len,
                     size_t uri_start, size_t uri_end, struct dpi_md *md)
{
    uint64_t proto;

    if (dpi_md_get_u64(md, DPI_F__proto, &proto)) {
        return;
    }
    if (method_len == 7 && !memcmp(data, "CONNECT", 7)) {
        dpi_md_set_u64(md, DPI_F__proto, DPI_APP_http_connect);
    } else if (uri_end - uri_start > 7
               && !strncasecmp((const char *) data + uri_start, "http://",
                               7)) {
        dpi_md_set_u64(md, DPI_F__proto, DPI_APP_http_proxy);
    }
}

/* Parses the requests at the start of the client's bytes.  In stream mode
 * ('follow' false) the first request must be complete for YES.  Stores in
 * '*partial' the offset of a request whose head (request line and header
 * block) runs past 'len', or 'len' if there is none. */
static enum dpi_proto_result
http_parse_requests(const uint8_t *data, size_t len, bool follow,
                    struct dpi_md *md, size_t *partial)
{
    size_t pos = 0;
    int n;

    *partial = len;
    for (n = 0; n < HTTP_MAX_REQUESTS && pos < len; n++) {
        size_t m, us, ue, hdr, end;
        enum dpi_proto_result r;
        uint64_t body;

        r = http_parse_request_line(data + pos, len - pos, &m, &us, &ue,
                                    &hdr);
        if (r != DPI_PROTO_YES) {
            if (r == DPI_PROTO_MORE) {
                *partial = pos;
            }
            return n ? DPI_PROTO_YES : r;
        }
        end = http_parse_headers(data + pos, len - pos, hdr,
                                 http_request_headers,
                                 sizeof http_request_headers
                                 / sizeof http_request_headers[0],
                                 n || follow ? md : NULL, &body);
        if (!end && !n && !follow) {
            return DPI_PROTO_MORE;
        }
        if (!n && !follow) {
            /* The first request is complete: now record it. */
            end = http_parse_headers(data, len, hdr, http_request_headers,
                                     sizeof http_request_headers
                                     / sizeof http_request_headers[0],
                                     md, &body);
        }
        if (!n) {
            http_refine_protocol(data, m, us, ue, md);
        }
        dpi_md_add(md, DPI_F_http_method, data + pos, m);
        dpi_md_add(md, DPI_F_http_uri, data + pos + us, ue - us);
        if (!end) {
            *partial = pos;
            break;
        }
        if (body >= len - pos - end) {
            break;
        }
        pos += end + body;
    }
    return DPI_PROTO_YES;
}

/* Parses a status line "HTTP/d.d SP ddd" and, when complete, the header
 * block at the start of the server's bytes. */
static enum dpi_proto_result
http_parse_response(const uint8_t *data, size_t len, struct dpi_md *md)
{
    enum dpi_proto_result r = http_check_version(data, len);
    size_t i, eol, next;
    uint64_t body;

    if (r != DPI_PROTO_YES) {
        return r;
    }
    if (len == 8) {
        return DPI_PROTO_MORE;
    }
    if (data[8] != ' ') {
        return DPI_PROTO_NO;
    }
    for (i = 9; i < 12; i++) {
        if (i == len) {
            return DPI_PROTO_MORE;
        }
        if (data[i] < '0' || data[i] > '9') {
            return DPI_PROTO_NO;
        }
    }
    dpi_md_add(md, DPI_F_http_status, data + 9, 3);
    if (http_find_eol(data, len, 0, &eol, &next)) {
        http_parse_headers(data, len, next, http_response_headers,
                           sizeof http_response_headers
                           / sizeof http_response_headers[0], md, &body);
    }
    return DPI_PROTO_YES;
}

/* Follow mode keeps the start of a request head that a segment began but
 * did not finish (a long URI or many headers span several segments) in
 * field _http_head: the TCP sequence number of the byte after it, 4 bytes
 * big-endian, then the bytes from the start of the request.  The next
 * segment in sequence is appended and the request parsed again, as tshark
 * reassembles it.  A head longer than the field's value limit is given
 * up. */
#define HTTP_HEAD_HDR 4

/* Longest request head start kept in _http_head. */
#define HTTP_HEAD_MAX (DPI_MD_VALUE_MAX - HTTP_HEAD_HDR)

/* Stores in _http_head the 'len' bytes at 'data', followed in the stream by
 * the byte of sequence number 'next', or removes the field if 'len' is 0
 * or too long. */
static void
http_head_save(struct dpi_md *md, uint32_t next, const uint8_t *data,
               size_t len)
{
    uint8_t *buf;

    if (!len || len > HTTP_HEAD_MAX) {
        dpi_md_remove(md, DPI_F__http_head);
        return;
    }
    buf = malloc(HTTP_HEAD_HDR + len);
    if (!buf) {
        dpi_md_remove(md, DPI_F__http_head);
        return;
    }
    buf[0] = next >> 24;
    buf[1] = next >> 16;
    buf[2] = next >> 8;
    buf[3] = next;
    memcpy(buf + HTTP_HEAD_HDR, data, len);
    if (!dpi_md_set(md, DPI_F__http_head, buf, HTTP_HEAD_HDR + len)) {
        dpi_md_remove(md, DPI_F__http_head);
    }
    free(buf);
}

/* Follow mode, client to server: parses the requests that the segment
 * 'data' (of 'len' bytes, at sequence number 'ctx->tcp_seq') starts or
 * continues.  See HTTP_HEAD_HDR. */
static enum dpi_proto_result
http_follow_requests(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                     size_t len, struct dpi_md *md)
{
    uint32_t end_seq = ctx->tcp_seq + (uint32_t) len;
    size_t cur_len = 0, partial;
    const char *cur = dpi_md_get(md, DPI_F__http_head, &cur_len);
    enum dpi_proto_result r;

    if (cur && cur_len > HTTP_HEAD_HDR) {
        const uint8_t *c = (const uint8_t *) cur;
        uint32_t next = ((uint32_t) c[0] << 24 | (uint32_t) c[1] << 16
                         | (uint32_t) c[2] << 8 | c[3]);
        size_t have = cur_len - HTTP_HEAD_HDR;

        if ((int32_t) (ctx->tcp_seq - next) < 0) {
            return DPI_PROTO_NO;        /* A retransmission. */
        }
        if (ctx->tcp_seq == next && have + len <= HTTP_HEAD_MAX) {
            uint8_t *buf = malloc(have + len);

            if (buf) {
                memcpy(buf, c + HTTP_HEAD_HDR, have);
                memcpy(buf + have, data, len);
                r = http_parse_requests(buf, have + len, true, md, &partial);
                http_head_save(md, end_seq, buf + partial,
                               have + len - partial);
                free(buf);
                return r;
            }
        }
        /* A gap, a head too long or no memory: start afresh. */
        dpi_md_remove(md, DPI_F__http_head);
    } else if (cur) {
        dpi_md_remove(md, DPI_F__http_head);
    }
    r = http_parse_requests(data, len, true, md, &partial);
    if (r != DPI_PROTO_NO) {
        http_head_save(md, end_seq, data + partial, len - partial);
    }
    return r;
}

/* Parses HTTP/1.x bytes: requests if 'ctx->to_server', else a response.
 * See dpi-proto.h. */
enum dpi_proto_result
dpi_http_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    size_t partial;
    uint64_t proto;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (!len) {
        return DPI_PROTO_MORE;
    }
    if (!ctx->to_server) {
        return http_parse_response(data, len, md);
    }
    if (ctx->follow && data[0] == 0x16
        && dpi_md_get_u64(md, DPI_F__proto, &proto)
        && proto == DPI_APP_http_connect) {
        /* A CONNECT tunnel (RFC 9110 9.3.6) that carries TLS: read the
         * ClientHello (whole in its segment) as tshark does. */
        struct dpi_proto_ctx tls_ctx = *ctx;

        tls_ctx.follow = false;
        return dpi_tls_parse(&tls_ctx, data, len, md);
    }
    return (ctx->follow
            ? http_follow_requests(ctx, data, len, md)
            : http_parse_requests(data, len, false, md, &partial));
}

/* Parses one SSDP datagram (UPnP Device Architecture 2.0, 1.1.2): HTTP
 * over UDP, a request ("M-SEARCH * HTTP/1.1", "NOTIFY * HTTP/1.1") or a
 * search response ("HTTP/1.1 200 OK"), in either direction, since a
 * response comes from the device's own port.  As tshark dissects SSDP
 * with its HTTP dissector, the request URI, Host and User-Agent go to the
 * http_* fields.  See dpi-proto.h. */
enum dpi_proto_result
dpi_ssdp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    size_t m, us, ue, hdr;
    uint64_t body;

    if (ctx->is_tcp || !len) {
        return DPI_PROTO_NO;
    }
    if (ctx->server_port != SSDP_PORT && ctx->client_port != SSDP_PORT) {
        /* tshark dissects SSDP as HTTP on its port only: identify the
         * protocol but give no http_* values elsewhere. */
        md = NULL;
    }
    if (data[0] == 'H') {
        return (http_check_version(data, len) == DPI_PROTO_YES
                && (!md || http_parse_response(data, len, md)
                           == DPI_PROTO_YES)
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    if (http_parse_request_line(data, len, &m, &us, &ue, &hdr)
        != DPI_PROTO_YES) {
        return DPI_PROTO_NO;
    }
    if (!md) {
        return DPI_PROTO_YES;
    }
    dpi_md_add(md, DPI_F_http_method, data, m);
    dpi_md_add(md, DPI_F_http_uri, data + us, ue - us);
    http_parse_headers(data, len, hdr, http_request_headers,
                       sizeof http_request_headers
                       / sizeof http_request_headers[0], md, &body);
    return DPI_PROTO_YES;
}
