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

/* GTP control plane (GTP-C, UDP port 2123).
 *
 * GTPv2-C (3GPP TS 29.274 5.1): the first byte holds the version (2) in
 * its three top bits, then the piggybacking flag P (0x10), the TEID flag
 * T (0x08), the message priority flag MP (0x04) and two spare bits; then
 * the message type (1 Echo Request and up; 0 is reserved), a 16-bit
 * length of the message after its first 4 bytes, the TEID if T is set, a
 * 24-bit sequence number and a spare byte.  With P set another message
 * follows in the same datagram, so the length may be shorter than the
 * datagram; otherwise it covers it exactly.
 *
 * GTPv1-C (3GPP TS 29.060 6): version 1 in the three top bits, the
 * protocol type bit PT (0x10) set (GTP, not GTP'), a spare bit, then the
 * E, S and PN flags; the message type; a 16-bit length of the message
 * after its first 8 bytes (which always holds the TEID); then the TEID.
 * Message type 255 (G-PDU) is user plane, not control.
 *
 * The parser checks the version, flags, message type and that the length
 * fits the datagram as the specification says. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <stdint.h>

/* Header sizes and the fields' values. */
#define GTP2_MIN_HDR 8          /* Without TEID. */
#define GTP2_TEID_HDR 12        /* With TEID. */
#define GTP2_FLAG_P 0x10
#define GTP2_FLAG_T 0x08
#define GTP2_SPARE 0x03
#define GTP1_HDR 8
#define GTP1_FLAG_PT 0x10
#define GTP1_SPARE 0x08
#define GTP1_GPDU 255

/* Returns the big-endian 16-bit value at 'p'. */
static size_t
gtp_be16(const uint8_t *p)
{
    return (size_t) p[0] << 8 | p[1];
}

/* Parses a GTP-C datagram (see the top of this file). */
enum dpi_proto_result
dpi_gtp_c_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                size_t len, struct dpi_md *md)
{
    size_t msg_len;

    (void) md;
    if (ctx->is_tcp || len < GTP1_HDR || data[1] == 0) {
        return DPI_PROTO_NO;
    }
    msg_len = gtp_be16(data + 2);
    switch (data[0] >> 5) {
    case 2:
        if (data[0] & GTP2_SPARE) {
            return DPI_PROTO_NO;
        }
        if (msg_len + 4 < (data[0] & GTP2_FLAG_T ? GTP2_TEID_HDR
                                                   : GTP2_MIN_HDR)) {
            return DPI_PROTO_NO;
        }
        if (data[0] & GTP2_FLAG_P ? msg_len + 4 > len
                                  : msg_len + 4 != len) {
            return DPI_PROTO_NO;
        }
        return DPI_PROTO_YES;
    case 1:
        if (!(data[0] & GTP1_FLAG_PT) || data[0] & GTP1_SPARE
            || data[1] == GTP1_GPDU || msg_len + GTP1_HDR != len) {
            return DPI_PROTO_NO;
        }
        return DPI_PROTO_YES;
    default:
        return DPI_PROTO_NO;
    }
}
