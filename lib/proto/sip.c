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

/* SIP parser (RFC 3261).
 *
 * A SIP message starts with a request line "Method SP Request-URI SP
 * SIP/2.0 CRLF" (RFC 3261 7.1) or a status line "SIP/2.0 SP 3DIGIT SP
 * Reason-Phrase CRLF" (7.2), then header lines up to an empty line, then
 * Content-Length bytes of body.  Over UDP a datagram holds one message;
 * over TCP the stream holds messages back to back, delimited by
 * Content-Length (18.3).
 *
 * From each message the parser takes the method of a request
 * (sip_method), the Call-ID (sip_call_id) and the user part of the From
 * and To URIs (sip_from_user, sip_to_user), as tshark's sip.from.user and
 * sip.to.user show them.  Header names are case-insensitive and have
 * compact forms: f (From), t (To), i (Call-ID), l (Content-Length) (7.3.3).
 * A From/To value is a name-addr ("display" <URI>;params) or an addr-spec
 * (URI;params, where ';' starts the header parameters: 20.10); the user is
 * what precedes '@' in a sip: or sips: URI, without a ":password" (19.1.1).
 *
 * The parser follows the connection (parsers.def), so every message of a
 * dialog, in both directions, adds its values. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* "SIP/2.0", the version of every start line. */
#define SIP_VERSION "SIP/2.0"
#define SIP_VERSION_LEN 7

/* Longest method name accepted (the longest registered is 9 bytes). */
#define SIP_METHOD_MAX 32

/* Returns true if 'c' is an RFC 3261 'token' character (25.1). */
static bool
sip_is_token(uint8_t c)
{
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || (c && strchr("-.!%*_+`'~", c)));
}

/* Returns the offset of the LF ending the line that starts at 'pos' in
 * 'data' (of 'len' bytes), or 'len' if there is none. */
static size_t
sip_line_end(const uint8_t *data, size_t len, size_t pos)
{
    const uint8_t *lf = memchr(data + pos, '\n', len - pos);

    return lf ? (size_t) (lf - data) : len;
}

/* Checks the start line of 'line' ('n' bytes, without CR LF).  Returns
 * true if it is a SIP request or status line; then '*method_len' is the
 * length of the request's method (0 for a response). */
static bool
sip_start_line(const uint8_t *line, size_t n, size_t *method_len)
{
    size_t i, sp;

    if (n > SIP_VERSION_LEN + 5
        && !memcmp(line, SIP_VERSION " ", SIP_VERSION_LEN + 1)) {
        *method_len = 0;
        return (line[8] >= '1' && line[8] <= '6'
                && line[9] >= '0' && line[9] <= '9'
                && line[10] >= '0' && line[10] <= '9'
                && (n == 11 || line[11] == ' '));
    }
    for (i = 0; i < n && i <= SIP_METHOD_MAX && sip_is_token(line[i]); i++) {
        continue;
    }
    if (!i || i > SIP_METHOD_MAX || i == n || line[i] != ' ') {
        return false;
    }
    *method_len = i;
    for (sp = i + 1; sp < n && line[sp] > ' ' && line[sp] < 0x7f; sp++) {
        continue;
    }
    return (sp > i + 1 && sp + 1 + SIP_VERSION_LEN == n
            && line[sp] == ' '
            && !memcmp(line + sp + 1, SIP_VERSION, SIP_VERSION_LEN));
}

/* Returns true if header name 'name' ('n' bytes) is 'full' or its compact
 * form 'compact' (0 for none), ignoring case. */
static bool
sip_header_is(const uint8_t *name, size_t n, const char *full, char compact)
{
    return ((n == strlen(full) && !strncasecmp((const char *) name, full, n))
            || (compact && n == 1
                && (name[0] | 0x20) == compact));
}

/* Adds to field 'f' the user part of the URI in the From or To header
 * value 'v' ('n' bytes), if it has one. */
static void
sip_add_user(const uint8_t *v, size_t n, enum dpi_field f, struct dpi_md *md)
{
    size_t i = 0, start, end;

    /* A quoted display name may hold any of the delimiters below. */
    while (i < n && (v[i] == ' ' || v[i] == '\t')) {
        i++;
    }
    if (i < n && v[i] == '"') {
        for (i++; i < n && v[i] != '"'; i++) {
            if (v[i] == '\\') {
                i++;
            }
        }
        i++;
        if (i > n) {
            i = n;              /* A backslash or quote ended the value. */
        }
    }
    for (start = i; start < n && v[start] != '<'; start++) {
        continue;
    }
    start = start < n ? start + 1 : i;
    while (start < n && (v[start] == ' ' || v[start] == '\t')) {
        start++;
    }

    if (n - start >= 4 && !strncasecmp((const char *) v + start, "sip:", 4)) {
        start += 4;
    } else if (n - start >= 5
               && !strncasecmp((const char *) v + start, "sips:", 5)) {
        start += 5;
    } else {
        return;
    }
    for (end = start; end < n; end++) {
        uint8_t c = v[end];

        if (c == '@') {
            size_t u;

            for (u = start; u < end && v[u] != ':'; u++) {
                continue;
            }
            if (u > start) {
                dpi_md_add(md, f, v + start, u - start);
            }
            return;
        }
        if (c == '>' || c == ';' || c == '?' || c == ' ' || c == '\t'
            || c == '\r' || c == ',') {
            return;
        }
    }
}

/* Parses the SIP message at the start of 'data' ('len' bytes).  On
 * DPI_PROTO_YES, '*msg_len' is the message's length (headers and body) if
 * it is complete, else 'len' (for UDP: the datagram).  With 'partial_ok',
 * a message whose headers are cut short still counts as YES (UDP
 * datagrams, TCP segments after the verdict). */
static enum dpi_proto_result
sip_parse_message(const uint8_t *data, size_t len, bool partial_ok,
                  struct dpi_md *md, size_t *msg_len)
{
    size_t eol = sip_line_end(data, len, 0);
    size_t n = eol > 0 && eol < len && data[eol - 1] == '\r' ? eol - 1 : eol;
    size_t method_len, pos, content_length = 0;
    bool have_length = false;

    if (eol == len) {
        /* No complete start line yet: a TCP prefix may still become one
         * if it starts with a method token or the version. */
        size_t i;

        if (partial_ok || len >= 256) {
            return DPI_PROTO_NO;
        }
        for (i = 0; i < len && sip_is_token(data[i]); i++) {
            continue;
        }
        if (i < len && data[i] != ' '
            && memcmp(data, SIP_VERSION,
                      len < SIP_VERSION_LEN ? len : SIP_VERSION_LEN)) {
            return DPI_PROTO_NO;
        }
        return DPI_PROTO_MORE;
    }
    if (eol > 0 && data[eol - 1] != '\r') {
        return DPI_PROTO_NO;    /* Start lines end with CR LF. */
    }
    if (!sip_start_line(data, n, &method_len)) {
        return DPI_PROTO_NO;
    }

    /* Headers: first pass only checks they are complete, so that a
     * message still arriving adds nothing yet. */
    for (pos = eol + 1; pos < len; ) {
        size_t end = sip_line_end(data, len, pos);

        if (end == len) {
            pos = len;
            break;
        }
        if (end == pos || (end == pos + 1 && data[pos] == '\r')) {
            break;
        }
        pos = end + 1;
    }
    if (pos >= len && !partial_ok) {
        return len >= DPI_PROTO_MAX_STREAM ? DPI_PROTO_YES : DPI_PROTO_MORE;
    }

    if (method_len) {
        dpi_md_add(md, DPI_F_sip_method, data, method_len);
    }
    for (pos = eol + 1; pos < len; ) {
        size_t end = sip_line_end(data, len, pos);
        size_t line_end = end > pos && data[end - 1] == '\r' ? end - 1 : end;
        size_t colon, v;

        if (line_end == pos) {
            pos = end < len ? end + 1 : len;
            break;
        }
        if (end == len && !partial_ok) {
            break;
        }
        for (colon = pos; colon < line_end && sip_is_token(data[colon]);
             colon++) {
            continue;
        }
        v = colon;
        while (v < line_end && (data[v] == ' ' || data[v] == '\t')) {
            v++;
        }
        if (colon > pos && v < line_end && data[v] == ':'
            && data[pos] != ' ' && data[pos] != '\t') {
            const uint8_t *name = data + pos;
            size_t name_len = colon - pos;

            v++;
            while (v < line_end && (data[v] == ' ' || data[v] == '\t')) {
                v++;
            }
            if (end == len) {
                /* A header cut short: its value may be incomplete. */
            } else if (sip_header_is(name, name_len, "from", 'f')) {
                sip_add_user(data + v, line_end - v, DPI_F_sip_from_user, md);
            } else if (sip_header_is(name, name_len, "to", 't')) {
                sip_add_user(data + v, line_end - v, DPI_F_sip_to_user, md);
            } else if (sip_header_is(name, name_len, "call-id", 'i')) {
                size_t e = line_end;

                while (e > v && (data[e - 1] == ' ' || data[e - 1] == '\t')) {
                    e--;
                }
                if (e > v) {
                    dpi_md_add(md, DPI_F_sip_call_id, data + v, e - v);
                }
            } else if (sip_header_is(name, name_len, "content-length",
                                     'l')) {
                size_t d;

                content_length = 0;
                have_length = v < line_end;
                for (d = v; d < line_end && data[d] >= '0' && data[d] <= '9'
                     && content_length < DPI_PROTO_MAX_STREAM; d++) {
                    content_length = content_length * 10 + (data[d] - '0');
                }
                if (d == v) {
                    have_length = false;
                }
            }
        }
        pos = end < len ? end + 1 : len;
    }

    *msg_len = len;
    if (have_length && pos <= len && content_length <= len - pos) {
        *msg_len = pos + content_length;
    }
    return DPI_PROTO_YES;
}

/* Parses SIP.  See dpi-proto.h and the comment at the top of this file. */
enum dpi_proto_result
dpi_sip_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    bool partial_ok = !ctx->is_tcp || ctx->follow;
    enum dpi_proto_result r;
    size_t pos = 0, msg_len;

    /* Keep-alive (RFC 5626 4.4.1): CR LF CR LF pings and CR LF pongs. */
    while (ctx->follow && pos < len
           && (data[pos] == '\r' || data[pos] == '\n')) {
        pos++;
    }
    if (pos == len) {
        return ctx->follow ? DPI_PROTO_YES : DPI_PROTO_NO;
    }

    r = sip_parse_message(data + pos, len - pos, partial_ok, md, &msg_len);
    if (r != DPI_PROTO_YES || !ctx->is_tcp) {
        return r;
    }

    /* Further messages of the same TCP stream prefix or segment. */
    for (pos += msg_len; pos < len; pos += msg_len) {
        while (pos < len && (data[pos] == '\r' || data[pos] == '\n')) {
            pos++;
        }
        if (pos == len || sip_parse_message(data + pos, len - pos,
                                            partial_ok, md, &msg_len)
                          != DPI_PROTO_YES
            || msg_len == len - pos) {
            break;
        }
    }
    return DPI_PROTO_YES;
}
