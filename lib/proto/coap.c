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

/* CoAP over UDP (RFC 7252 3).
 *
 *     byte 0   version (2 bits, 1), type (2 bits), token length TKL
 *              (4 bits, 0 to 8; 9 to 15 are a message format error)
 *     byte 1   code: class (3 bits) . detail (5 bits)
 *     2-3      message ID
 *     4-       token (TKL bytes), options, then optionally the payload
 *              marker 0xFF and at least one byte of payload
 *
 * Each option starts with a byte holding a 4-bit delta from the previous
 * option number and a 4-bit value length; 13 and 14 take one or two
 * extension bytes (plus 13 and plus 269), 15 is reserved (3.1).
 *
 * The parser accepts a message whose code is a request method (0.01 to
 * 0.07: GET, POST, PUT, DELETE, RFC 8132's FETCH, PATCH, iPATCH) or a
 * response code of the CoAP registry (2.01-2.05, 2.31, 4.00-4.06, 4.08,
 * 4.09, 4.12, 4.13, 4.15, 4.22, 4.29, 5.00-5.05, 5.08), whose options
 * fill the message exactly (or end at a payload marker followed by
 * payload) and all have registered numbers (CoAP Option Numbers registry:
 * RFC 7252, 7641, 7959, 7967, 8613, 8768, 9175, 9177).  An empty message
 * (0.00, a ping or a bare acknowledgement) is not enough to decide.
 * The verdict needs both directions (DPI_FINAL_BOTH): one datagram of
 * random bytes can pass these checks now and then, a request and its
 * response hardly. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <stdint.h>

/* Header size, version and the payload marker. */
#define COAP_HDR 4
#define COAP_VERSION 1
#define COAP_MAX_TKL 8
#define COAP_PAYLOAD_MARKER 0xff

/* Returns true if 'code' (class << 5 | detail) is a request method or a
 * registered response code. */
static bool
coap_code_ok(uint8_t code)
{
    unsigned int cls = code >> 5, detail = code & 0x1f;

    switch (cls) {
    case 0:
        return detail >= 1 && detail <= 7;
    case 2:
        return (detail >= 1 && detail <= 5) || detail == 31;
    case 4:
        return (detail <= 6 || detail == 8 || detail == 9 || detail == 12
                || detail == 13 || detail == 15 || detail == 22
                || detail == 29);
    case 5:
        return detail <= 5 || detail == 8;
    default:
        return false;
    }
}

/* Returns true if 'number' is in the CoAP Option Numbers registry. */
static bool
coap_option_ok(uint32_t number)
{
    switch (number) {
    case 1: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
    case 11: case 12: case 14: case 15: case 16: case 17: case 19:
    case 20: case 21: case 23: case 27: case 28: case 31: case 35:
    case 39: case 60:
    case 252: case 258: case 292:
        return true;
    default:
        return false;
    }
}

/* Reads the extended value of option nibble 'nibble' at '*pos' of the
 * 'len' bytes at 'data' into '*value', moving '*pos'.  Returns false if
 * the nibble is reserved or the extension bytes are missing. */
static bool
coap_nibble(const uint8_t *data, size_t len, size_t *pos, unsigned int nibble,
            uint32_t *value)
{
    if (nibble < 13) {
        *value = nibble;
    } else if (nibble == 13) {
        if (*pos >= len) {
            return false;
        }
        *value = 13 + data[(*pos)++];
    } else if (nibble == 14) {
        if (len - *pos < 2) {
            return false;
        }
        *value = 269 + ((uint32_t) data[*pos] << 8 | data[*pos + 1]);
        *pos += 2;
    } else {
        return false;
    }
    return true;
}

/* Parses a CoAP datagram (see the top of this file). */
enum dpi_proto_result
dpi_coap_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    uint32_t number = 0;
    size_t pos;

    (void) md;
    if (ctx->is_tcp || len < COAP_HDR || data[0] >> 6 != COAP_VERSION
        || (data[0] & 0x0f) > COAP_MAX_TKL || !coap_code_ok(data[1])) {
        return DPI_PROTO_NO;
    }
    pos = COAP_HDR + (data[0] & 0x0f);
    if (pos > len) {
        return DPI_PROTO_NO;
    }
    while (pos < len) {
        uint8_t b = data[pos++];
        uint32_t delta, opt_len;

        if (b == COAP_PAYLOAD_MARKER) {
            return pos < len ? DPI_PROTO_YES : DPI_PROTO_NO;
        }
        if (!coap_nibble(data, len, &pos, b >> 4, &delta)
            || !coap_nibble(data, len, &pos, b & 0x0f, &opt_len)) {
            return DPI_PROTO_NO;
        }
        number += delta;
        if (!coap_option_ok(number) || opt_len > len - pos) {
            return DPI_PROTO_NO;
        }
        pos += opt_len;
    }
    return DPI_PROTO_YES;
}
