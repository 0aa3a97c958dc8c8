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
 * request is YES only once its header block is complete, so that Host and
 * User-Agent are known wherever they sit; until then it is MORE.  Values
 * follow tshark's conventions: http.request.uri is the URI token exactly,
 * http.host and http.user_agent are the header values without the blanks
 * around them.  A response ("HTTP/d.d SP ddd") is recognised from its status
 * line alone. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Longest method token accepted (the size of http_method, minus the NUL). */
#define HTTP_MAX_METHOD 15

/* Copies 'n' bytes at 'src' into 'dst' (of 'size' bytes), truncating, and
 * NUL-terminates it. */
static void
http_copy(char *dst, size_t size, const uint8_t *src, size_t n)
{
    if (n >= size) {
        n = size - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

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
 * (case-insensitively), stores its value, without surrounding blanks, in
 * 'dst' of 'size' bytes, and returns true. */
static bool
http_header_value(const uint8_t *data, size_t start, size_t eol,
                  const char *name, char *dst, size_t size)
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
    http_copy(dst, size, data + v, e - v);
    return true;
}

/* Parses a request at the start of the client's stream. */
static enum dpi_proto_result
http_parse_request(const uint8_t *data, size_t len, struct dpi_metadata *md)
{
    char host[sizeof md->http_host] = "";
    char ua[sizeof md->http_user_agent] = "";
    bool have_host = false, have_ua = false;
    size_t method_len, uri_start, uri_end, pos, eol, next;
    enum dpi_proto_result r;

    /* Method. */
    for (method_len = 0; method_len < len; method_len++) {
        if (!http_is_method_char(data[method_len])) {
            break;
        }
        if (method_len >= HTTP_MAX_METHOD) {
            return DPI_PROTO_NO;
        }
    }
    if (method_len == len) {
        return DPI_PROTO_MORE;
    }
    if (method_len == 0 || data[method_len] != ' ') {
        return DPI_PROTO_NO;
    }

    /* URI: visible ASCII and non-ASCII bytes, up to the next space. */
    uri_start = method_len + 1;
    for (uri_end = uri_start; uri_end < len; uri_end++) {
        uint8_t c = data[uri_end];

        if (c == ' ') {
            break;
        } else if (c < 0x21 || c == 0x7f) {
            return DPI_PROTO_NO;
        }
    }
    if (uri_end == len) {
        return DPI_PROTO_MORE;
    }
    if (uri_end == uri_start) {
        return DPI_PROTO_NO;
    }

    /* Version, then the end of the request line. */
    pos = uri_end + 1;
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
    pos++;

    /* Header lines, up to the empty line. */
    for (;;) {
        if (!http_find_eol(data, len, pos, &eol, &next)) {
            return DPI_PROTO_MORE;
        }
        if (eol == pos) {
            break;
        }
        if (!have_host) {
            have_host = http_header_value(data, pos, eol, "Host",
                                          host, sizeof host);
        }
        if (!have_ua) {
            have_ua = http_header_value(data, pos, eol, "User-Agent",
                                        ua, sizeof ua);
        }
        pos = next;
    }

    http_copy(md->http_method, sizeof md->http_method, data, method_len);
    http_copy(md->http_uri, sizeof md->http_uri, data + uri_start,
              uri_end - uri_start);
    if (have_host) {
        memcpy(md->http_host, host, sizeof host);
    }
    if (have_ua) {
        memcpy(md->http_user_agent, ua, sizeof ua);
    }
    return DPI_PROTO_YES;
}

/* Recognises a status line "HTTP/d.d SP ddd" at the start of the server's
 * stream. */
static enum dpi_proto_result
http_parse_response(const uint8_t *data, size_t len)
{
    enum dpi_proto_result r = http_check_version(data, len);
    size_t i;

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
    return DPI_PROTO_YES;
}

/* Parses the start of an HTTP/1.x stream: a request if 'to_server', else a
 * response.  See dpi-proto.h. */
enum dpi_proto_result
dpi_http_parse(const uint8_t *data, size_t len, bool to_server,
               struct dpi_metadata *md)
{
    if (!len) {
        return DPI_PROTO_MORE;
    }
    return (to_server
            ? http_parse_request(data, len, md)
            : http_parse_response(data, len));
}
