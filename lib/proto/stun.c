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

/* STUN parser (RFC 5389, RFC 3489, TURN RFC 5766 / RFC 6062).
 *
 * A STUN message is a 20-byte header, then attributes (RFC 5389 6, 15):
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    |0 0|     STUN Message Type     |         Message Length        |
 *    |                         Magic Cookie                          |
 *    |                     Transaction ID (96 bits)                  |
 *
 * The two top bits are zero, the length counts the attributes only and is
 * a multiple of 4, the magic cookie is 0x2112A442.  Each attribute is a
 * 16-bit type, a 16-bit length and the value padded to 4 bytes; the
 * attributes fill the message exactly.  RFC 3489 messages have no cookie
 * (the 128-bit transaction id takes its place); they are accepted only
 * for the RFC 3489 message types (Binding and Shared Secret requests and
 * responses, 11.1) and a message that fills the datagram exactly.
 *
 * Over TCP, messages follow each other in the stream, or each is preceded
 * by a 16-bit length (RFC 4571 framing, used by ICE-TCP, RFC 6544).
 *
 * Microsoft's STUN extensions ([MS-TURN], [MS-ICE2]: MS-VERSION 0x8008,
 * MS-SEQUENCE-NUMBER 0x8050, MS-SERVICE-QUALITY 0x8055,
 * MS-IMPLEMENTATION-VERSION 0x8070) mark Skype and Teams calls: the
 * parser then sets the service to skype_teams. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* STUN header length and magic cookie (RFC 5389 6). */
#define STUN_HEADER_LEN 20
#define STUN_MAGIC 0x2112a442u

/* Reads a big-endian 16-bit number at 'p'. */
static uint16_t
stun_get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

/* Returns true if 'type' is one of the RFC 3489 message types (11.1). */
static bool
stun_is_classic_type(uint16_t type)
{
    switch (type) {
    case 0x0001: case 0x0101: case 0x0111:
    case 0x0002: case 0x0102: case 0x0112:
        return true;
    default:
        return false;
    }
}

/* Returns true if 'type' is a Microsoft STUN attribute that only Skype
 * and Teams clients and relays send ([MS-TURN] 2.2.2). */
static bool
stun_is_ms_attribute(uint16_t type)
{
    return (type == 0x8008 || type == 0x8050 || type == 0x8055
            || type == 0x8070);
}

/* Checks the STUN message at 'msg', whose header says it is 'total' bytes
 * long (all present), walking its attributes.  Returns true if they fill
 * the message exactly; '*ms' tells whether a Microsoft attribute was
 * seen. */
static bool
stun_attributes_ok(const uint8_t *msg, size_t total, bool *ms)
{
    size_t pos = STUN_HEADER_LEN;

    while (pos < total) {
        uint16_t type, alen;

        if (total - pos < 4) {
            return false;
        }
        type = stun_get16(msg + pos);
        alen = stun_get16(msg + pos + 2);
        if (stun_is_ms_attribute(type)) {
            *ms = true;
        }
        pos += 4;
        if ((size_t) ((alen + 3) & ~3) > total - pos) {
            return false;
        }
        pos += (alen + 3) & ~3;
    }
    return true;
}

/* Parses one STUN message at the start of 'data' ('len' bytes).  With
 * 'exact', the message must take all 'len' bytes.  Returns DPI_PROTO_YES
 * with its length in '*msg_len', DPI_PROTO_MORE if the bytes so far could
 * start one, DPI_PROTO_NO otherwise. */
static enum dpi_proto_result
stun_parse_message(const uint8_t *data, size_t len, bool exact,
                   size_t *msg_len, bool *ms)
{
    uint16_t type, mlen;
    uint32_t cookie;

    if (len < STUN_HEADER_LEN) {
        return len && !(data[0] & 0xc0) && !exact ? DPI_PROTO_MORE
                                                   : DPI_PROTO_NO;
    }
    type = stun_get16(data);
    mlen = stun_get16(data + 2);
    cookie = ((uint32_t) data[4] << 24 | (uint32_t) data[5] << 16
              | (uint32_t) data[6] << 8 | data[7]);
    if (type & 0xc000 || mlen & 3) {
        return DPI_PROTO_NO;
    }
    if (cookie != STUN_MAGIC
        && !(stun_is_classic_type(type) && len == (size_t) STUN_HEADER_LEN + mlen)) {
        return DPI_PROTO_NO;
    }
    if (exact ? len != (size_t) STUN_HEADER_LEN + mlen
              : len < (size_t) STUN_HEADER_LEN + mlen) {
        return exact ? DPI_PROTO_NO : DPI_PROTO_MORE;
    }
    *msg_len = STUN_HEADER_LEN + mlen;
    return (stun_attributes_ok(data, *msg_len, ms) ? DPI_PROTO_YES
                                                   : DPI_PROTO_NO);
}

/* Parses STUN.  See dpi-proto.h and the comment at the top of this
 * file. */
enum dpi_proto_result
dpi_stun_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    enum dpi_proto_result r;
    size_t msg_len = 0;
    bool ms = false;

    if (ctx->follow) {
        /* Later packets may be media or TURN ChannelData: only look for
         * the Microsoft attributes in those that are STUN. */
        if (stun_parse_message(data, len, !ctx->is_tcp, &msg_len, &ms)
            == DPI_PROTO_YES && ms) {
            dpi_md_set_u64(md, DPI_F__service, DPI_APP_skype_teams);
        }
        return DPI_PROTO_YES;
    }
    if (!ctx->is_tcp) {
        r = stun_parse_message(data, len, true, &msg_len, &ms);
    } else {
        enum dpi_proto_result framed = DPI_PROTO_NO;

        r = stun_parse_message(data, len, false, &msg_len, &ms);
        if (r != DPI_PROTO_YES && len >= 2) {
            /* RFC 4571 framing: a 16-bit length, then the message. */
            size_t flen = stun_get16(data);

            framed = stun_parse_message(data + 2, len - 2, false, &msg_len,
                                        &ms);
            if (framed == DPI_PROTO_YES && msg_len != flen) {
                framed = DPI_PROTO_NO;
            }
        } else if (r != DPI_PROTO_YES) {
            framed = DPI_PROTO_MORE;
        }
        if (framed == DPI_PROTO_YES || r == DPI_PROTO_NO) {
            r = framed;
        }
    }
    if (r == DPI_PROTO_YES && ms) {
        dpi_md_set_u64(md, DPI_F__service, DPI_APP_skype_teams);
    }
    return r;
}
