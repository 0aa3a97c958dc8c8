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

/* Telephony and streaming signalling parsers: H.323 (H.225.0 call
 * signalling and RAS, H.245 over TPKT), Cisco Skinny (SCCP) and the RTMP
 * handshake.  Each checks the framing's length fields against the bytes,
 * not just a leading magic value. */

#include "dpi-proto.h"

#include <stdint.h>
#include <string.h>

/* H.225.0 RAS UDP port (H.225.0 annex). */
#define H323_RAS_PORT 1719

/* TPKT header length (RFC 1006 6). */
#define TPKT_HDR 4

/* Returns true if the 'n' bytes at 'p' (n >= 2) look like an X.224 TPDU
 * (ITU-T X.224 13: length indicator, then a TPDU code: CR 0xE0, CC 0xD0,
 * DR 0x80, DC 0xC0, DT 0xF0, ER 0x70), as RDP and ISO-TSAP users carry
 * in TPKT; H.225.0 and H.245 put their own messages there instead. */
static bool
h323_is_x224(const uint8_t *p, size_t n)
{
    uint8_t code = p[1] & 0xf0;

    return (p[0] < n && (code == 0xe0 || code == 0xd0 || code == 0x80
                         || code == 0xc0 || code == 0xf0 || code == 0x70));
}

/* Returns true if 'type' is a Q.931 message type that H.225.0 7.2 uses:
 * alerting, call proceeding, progress, setup, connect, setup acknowledge,
 * notify, release complete, facility, information, status, status
 * enquiry. */
static bool
h323_q931_type(uint8_t type)
{
    switch (type) {
    case 0x01: case 0x02: case 0x03: case 0x05: case 0x07: case 0x0d:
    case 0x6e: case 0x5a: case 0x62: case 0x7b: case 0x7d: case 0x75:
        return true;
    default:
        return false;
    }
}

/* H.225.0 protocolIdentifier object identifier {itu-t(0)
 * recommendation(0) h(8) 2250 version(0)}, BER-encoded after its length
 * byte 6 (the version number follows). */
static const uint8_t h225_oid[] = { 0x06, 0x00, 0x08, 0x91, 0x4a, 0x00 };

/* Parses H.323 signalling.  TCP: TPKT packets (RFC 1006 6: version 3,
 * reserved 0, a 16-bit length including the 4-byte header).  YES at once
 * for H.225.0 call signalling, a Q.931 message (protocol discriminator
 * 0x08, a call reference of at most 2 bytes, an H.225.0 message type);
 * YES for H.245 once two complete TPKT packets that tile the bytes carry
 * something other than X.224 TPDUs (RDP, ISO-TSAP).  UDP: an H.225.0 RAS
 * message (PER-encoded RasMessage: a choice index 0-24 in the first byte)
 * whose protocolIdentifier, the H.225.0 OID, starts within its first 8
 * bytes, on port 1719. */
enum dpi_proto_result
dpi_h323_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    size_t pos = 0, n = 0, i;

    (void) md;
    if (!ctx->is_tcp) {
        if (ctx->server_port != H323_RAS_PORT
            && ctx->client_port != H323_RAS_PORT) {
            return DPI_PROTO_NO;
        }
        if (!len || ((data[0] >> 2) & 0x1f) > 24) {
            return DPI_PROTO_NO;
        }
        for (i = 1; i <= 8 && i + sizeof h225_oid < len; i++) {
            if (!memcmp(data + i, h225_oid, sizeof h225_oid)
                && data[i + sizeof h225_oid] >= 1
                && data[i + sizeof h225_oid] <= 9) {
                return DPI_PROTO_YES;
            }
        }
        return DPI_PROTO_NO;
    }

    while (pos < len) {
        const uint8_t *p = data + pos;
        size_t avail = len - pos, tpkt_len;

        if (p[0] != 3 || (avail > 1 && p[1] != 0)) {
            return DPI_PROTO_NO;
        }
        if (avail < TPKT_HDR + 2) {
            return n >= 2 ? DPI_PROTO_YES : DPI_PROTO_MORE;
        }
        tpkt_len = (size_t) p[2] << 8 | p[3];
        if (tpkt_len < TPKT_HDR + 2) {
            return DPI_PROTO_NO;
        }
        if (!n && p[4] == 0x08) {
            /* Q.931: discriminator, call reference length and value,
             * message type. */
            size_t cr_len = p[5] & 0x0f;

            if ((p[5] & 0xf0) || cr_len > 2
                || tpkt_len < TPKT_HDR + 3 + cr_len) {
                return DPI_PROTO_NO;
            }
            if (avail < TPKT_HDR + 3 + cr_len) {
                return DPI_PROTO_MORE;
            }
            return (h323_q931_type(p[TPKT_HDR + 2 + cr_len])
                    ? DPI_PROTO_YES : DPI_PROTO_NO);
        }
        if (h323_is_x224(p + TPKT_HDR, tpkt_len - TPKT_HDR)) {
            return DPI_PROTO_NO;
        }
        if (avail < tpkt_len) {
            return n >= 2 ? DPI_PROTO_YES : DPI_PROTO_MORE;
        }
        pos += tpkt_len;
        n++;
    }
    return n >= 2 ? DPI_PROTO_YES : DPI_PROTO_MORE;
}

/* Skinny's TCP port (IANA "cisco-sccp"). */
#define SKINNY_PORT 2000

/* Skinny header: a 4-byte little-endian length (of what follows the
 * 8-byte length and header-version words: the message id and data), a
 * header version (0 for the basic format, 0x0A to 0x16 for the protocol
 * versions 10 to 22 that Wireshark's packet-skinny knows), then a 4-byte
 * message id.  Message ids are below 0x1000 (station and call manager
 * messages) or 0x8000 to 0x8fff. */
#define SKINNY_HDR 12
#define SKINNY_MAX_MSG 8192

/* Parses Cisco Skinny (SCCP) on port 2000: every header met is valid and
 * the messages tile the bytes.  YES once a complete message is followed
 * by the end of the bytes or by another whole valid header. */
enum dpi_proto_result
dpi_skinny_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                 size_t len, struct dpi_md *md)
{
    size_t pos = 0;
    int n = 0;

    (void) md;
    if (!ctx->is_tcp || (ctx->server_port != SKINNY_PORT
                         && ctx->client_port != SKINNY_PORT)) {
        return DPI_PROTO_NO;
    }
    for (;;) {
        const uint8_t *p = data + pos;
        size_t msg_len;
        uint32_t version, id;

        if (pos == len && n) {
            return DPI_PROTO_YES;
        }
        if (len - pos < SKINNY_HDR) {
            return DPI_PROTO_MORE;
        }
        msg_len = (size_t) p[0] | (size_t) p[1] << 8 | (size_t) p[2] << 16
                  | (size_t) p[3] << 24;
        version = (uint32_t) p[4] | (uint32_t) p[5] << 8
                  | (uint32_t) p[6] << 16 | (uint32_t) p[7] << 24;
        id = (uint32_t) p[8] | (uint32_t) p[9] << 8 | (uint32_t) p[10] << 16
             | (uint32_t) p[11] << 24;
        if (msg_len < 4 || msg_len > SKINNY_MAX_MSG
            || (version && (version < 0x0a || version > 0x16))
            || (id >= 0x1000 && (id < 0x8000 || id > 0x8fff))) {
            return DPI_PROTO_NO;
        }
        if (n) {
            return DPI_PROTO_YES;
        }
        if (len - pos < 8 + msg_len) {
            return DPI_PROTO_MORE;
        }
        pos += 8 + msg_len;
        n++;
    }
}

/* RTMP handshake (Adobe RTMP specification 5.2): C0 and S0 are the
 * version byte 3; C1 and S1 are 1536 bytes.  The client sends C0+C1 and
 * waits for S0+S1; the server sends S0+S1+S2 and waits for C2.  So the
 * first flight of the client is 1537 bytes, that of the server 3073. */
#define RTMP_SIG_LEN 1536

/* RTMP's TCP port. */
#define RTMP_PORT 1935

/* Parses the start of an RTMP connection on port 1935: version 3, then
 * YES when the direction's bytes reach exactly the end of its first
 * flight (C0+C1, or S0+S1+S2), NO if they run past it without stopping
 * there. */
enum dpi_proto_result
dpi_rtmp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    size_t flight = ctx->to_server ? 1 + RTMP_SIG_LEN : 1 + 2 * RTMP_SIG_LEN;

    (void) md;
    if (!ctx->is_tcp || ctx->server_port != RTMP_PORT
        || (len && data[0] != 3)) {
        return DPI_PROTO_NO;
    }
    if (len < flight) {
        return DPI_PROTO_MORE;
    }
    return len == flight ? DPI_PROTO_YES : DPI_PROTO_NO;
}
