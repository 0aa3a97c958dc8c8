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

/* Redis (RESP, the Redis serialization protocol; "Redis serialization
 * protocol specification", redis.io).
 *
 * A client sends each command as an array of bulk strings:
 *
 *     *<number of elements>\r\n
 *     $<length>\r\n<command name>\r\n
 *     $<length>\r\n<argument>\r\n ...
 *
 * e.g. "*1\r\n$7\r\nCOMMAND\r\n".  The client speaks first, so its first
 * command decides: the parser checks the array header (1 to 1048576
 * elements), the first bulk string's header and that it holds a command
 * name (1 to 64 letters, digits, '_', '-' or '|'; Redis command names
 * are words such as GET, HELLO, CLIENT) followed by CRLF.  The server's
 * replies (+OK, -ERR, :1, ...) start like POP3's "+OK" greeting and are
 * not used. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <stdint.h>

/* Bounds of the array header and of a command name. */
#define REDIS_MAX_ELEMENTS 1048576
#define REDIS_MAX_NAME 64

/* Parses the decimal number at '*pos' of the 'len' bytes at 'data', which
 * must end with CRLF; stores it in '*value' and moves '*pos' past the
 * CRLF.  Returns DPI_PROTO_YES, DPI_PROTO_MORE if the bytes end first,
 * DPI_PROTO_NO if they are not digits and CRLF or the number exceeds
 * 'max'. */
static enum dpi_proto_result
redis_number(const uint8_t *data, size_t len, size_t *pos, uint64_t max,
             uint64_t *value)
{
    size_t p = *pos;
    uint64_t v = 0;

    if (p < len && (data[p] < '0' || data[p] > '9')) {
        return DPI_PROTO_NO;
    }
    while (p < len && data[p] >= '0' && data[p] <= '9') {
        v = v * 10 + (data[p] - '0');
        if (v > max || p - *pos >= 10) {
            return DPI_PROTO_NO;
        }
        p++;
    }
    if (p >= len) {
        return DPI_PROTO_MORE;
    }
    if (data[p] != '\r') {
        return DPI_PROTO_NO;
    }
    if (p + 1 >= len) {
        return DPI_PROTO_MORE;
    }
    if (data[p + 1] != '\n') {
        return DPI_PROTO_NO;
    }
    *pos = p + 2;
    *value = v;
    return DPI_PROTO_YES;
}

/* Returns true if 'c' may appear in a command name. */
static bool
redis_name_char(uint8_t c)
{
    return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '|');
}

/* Parses the start of a Redis client stream (see the top of this
 * file). */
enum dpi_proto_result
dpi_redis_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                size_t len, struct dpi_md *md)
{
    enum dpi_proto_result r;
    uint64_t n, name_len;
    size_t pos = 1, i;

    (void) md;
    if (!ctx->is_tcp || !ctx->to_server || !len || data[0] != '*') {
        return DPI_PROTO_NO;
    }
    r = redis_number(data, len, &pos, REDIS_MAX_ELEMENTS, &n);
    if (r != DPI_PROTO_YES) {
        return r;
    }
    if (n == 0) {
        return DPI_PROTO_NO;
    }
    if (pos >= len) {
        return DPI_PROTO_MORE;
    }
    if (data[pos++] != '$') {
        return DPI_PROTO_NO;
    }
    r = redis_number(data, len, &pos, REDIS_MAX_NAME, &name_len);
    if (r != DPI_PROTO_YES) {
        return r;
    }
    if (name_len == 0) {
        return DPI_PROTO_NO;
    }
    for (i = 0; i < name_len; i++, pos++) {
        if (pos >= len) {
            return DPI_PROTO_MORE;
        }
        if (!redis_name_char(data[pos])) {
            return DPI_PROTO_NO;
        }
    }
    if (pos + 2 > len) {
        return (pos == len || data[pos] == '\r') ? DPI_PROTO_MORE
                                                 : DPI_PROTO_NO;
    }
    return (data[pos] == '\r' && data[pos + 1] == '\n' ? DPI_PROTO_YES
                                                       : DPI_PROTO_NO);
}
