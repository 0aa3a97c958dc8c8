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

/* Call traffic of messaging and conferencing applications that speak a
 * UDP protocol of their own, registered for the service itself (a
 * "protocol SERVICE udp ..." line of lib/signatures/85-apps-more.sig): the
 * verdict is app_id SERVICE with app_proto 0.
 *
 * Telegram calls: relay (reflector) signalling
 * ============================================
 *
 * Telegram's VoIP library (libtgvoip, VoIPController.cpp) prefixes every
 * datagram it exchanges with a call relay with the call's 16-byte peer
 * tag.  The relay's own signalling ("special requests") follows the tag
 * with twelve 0xFF bytes and a 32-bit little-endian TL identifier:
 *
 *     0xFFFFFFFF  public endpoints request: nothing follows (32 bytes);
 *     0xFFFFFFFE  UDP ping: an 8-byte query id follows (40 bytes);
 *     0xC01572C7  TLID_UDP_REFLECTOR_SELF_INFO, the reply to a ping:
 *                 date (4), query id (8), the client's address as an
 *                 IPv6 (or IPv4-mapped) address (16) and port (4);
 *     0x27D9371C  TLID_UDP_REFLECTOR_PEER_INFO: the client's and the
 *                 peer's IPv4 address and port (4 + 4 each);
 *     0x83FC73B1  TLID_UDP_REFLECTOR_PEER_INFO_IPV6: the same with IPv6
 *                 addresses (16 + 4 each).
 *
 * A client opens every relay flow with a ping or an endpoints request, so
 * the first datagram decides.  The parser checks the twelve 0xFF bytes,
 * the identifier and the size it implies.
 *
 * Zoom: SFU encapsulation
 * =======================
 *
 * Zoom clients talk to Zoom's multimedia routers over UDP (port 8801)
 * with an encapsulation whose layout was published with the Wireshark
 * dissector of Michel et al., "Enabling Passive Measurement of Zoom
 * Performance in Production Networks" (IMC 2022, Princeton zoom-analysis
 * repository, wireshark/zoom.lua): a 1-byte type, then
 *
 *     type 1  the client's session request: 2 bytes, a 16-byte
 *             transaction id, 16 bytes, a 32-bit big-endian length L and
 *             L bytes of key material, then trailing attributes;
 *     type 5  media: a 16-bit sequence number, a 4-byte cookie, a
 *             direction byte (0 to Zoom, 4 from Zoom), then the media
 *             header, whose first byte is the media type: 15 audio (RTP
 *             after 19 bytes), 16 video (RTP after 20 or 24 bytes), 33 to
 *             35 RTCP (after 16 bytes).
 *
 * The parser accepts a type 1 request whose length field fits the
 * datagram, and a type 5 datagram whose direction byte, media type and
 * the RTP/RTCP version bits (RFC 3550 5.1: version 2) at the offset the
 * media type gives are right, and only to or from UDP ports 8801 to 8810,
 * which Zoom's firewall settings list for its multimedia routers: a few
 * bytes' checks alone would also pass datagrams of other protocols on
 * other ports. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <stdint.h>

/* Telegram relay signalling: peer tag size, the 0xFF run, TL ids. */
#define TG_TAG_LEN 16
#define TG_FF_LEN 12
#define TG_HDR_LEN (TG_TAG_LEN + TG_FF_LEN + 4)
#define TG_ENDPOINTS_REQ 0xffffffffU
#define TG_PING 0xfffffffeU
#define TG_SELF_INFO 0xc01572c7U
#define TG_PEER_INFO 0x27d9371cU
#define TG_PEER_INFO_IPV6 0x83fc73b1U

/* Zoom SFU encapsulation: types, offsets and media types. */
#define ZOOM_TYPE_REQUEST 1
#define ZOOM_TYPE_MEDIA 5
#define ZOOM_REQ_LEN_OFS 35
#define ZOOM_REQ_MIN 39
#define ZOOM_MEDIA_HDR 8
#define ZOOM_DIR_TO 0
#define ZOOM_DIR_FROM 4
#define ZOOM_MEDIA_AUDIO 15
#define ZOOM_MEDIA_VIDEO 16
#define ZOOM_MEDIA_RTCP_MIN 33
#define ZOOM_MEDIA_RTCP_MAX 35
#define ZOOM_PORT_MIN 8801
#define ZOOM_PORT_MAX 8810

/* Returns the little-endian 32-bit value at 'p'. */
static uint32_t
calls_le32(const uint8_t *p)
{
    return ((uint32_t) p[3] << 24 | (uint32_t) p[2] << 16
            | (uint32_t) p[1] << 8 | p[0]);
}

/* Returns the big-endian 32-bit value at 'p'. */
static uint32_t
calls_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
            | (uint32_t) p[2] << 8 | p[3]);
}

/* Parses a Telegram call relay datagram (see the top of this file). */
enum dpi_proto_result
dpi_telegram_call_parse(const struct dpi_proto_ctx *ctx,
                        const uint8_t *data, size_t len, struct dpi_md *md)
{
    size_t i;

    (void) md;
    if (ctx->is_tcp || len < TG_HDR_LEN) {
        return DPI_PROTO_NO;
    }
    for (i = TG_TAG_LEN; i < TG_TAG_LEN + TG_FF_LEN; i++) {
        if (data[i] != 0xff) {
            return DPI_PROTO_NO;
        }
    }
    switch (calls_le32(data + TG_TAG_LEN + TG_FF_LEN)) {
    case TG_ENDPOINTS_REQ:
        return len == TG_HDR_LEN ? DPI_PROTO_YES : DPI_PROTO_NO;
    case TG_PING:
        return len == TG_HDR_LEN + 8 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case TG_SELF_INFO:
        return (len >= TG_HDR_LEN + 4 + 8 + 16 + 4
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    case TG_PEER_INFO:
        return (len >= TG_HDR_LEN + 2 * (4 + 4)
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    case TG_PEER_INFO_IPV6:
        return (len >= TG_HDR_LEN + 2 * (16 + 4)
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    default:
        return DPI_PROTO_NO;
    }
}

/* Returns true if the byte at 'ofs' of the 'len' bytes at 'data' exists
 * and starts an RTP or RTCP header (version 2). */
static bool
zoom_rtp_at(const uint8_t *data, size_t len, size_t ofs)
{
    return ofs + 12 <= len && (data[ofs] >> 6) == 2;
}

/* Returns true if 'port' is one of the UDP ports of Zoom's multimedia
 * routers. */
static bool
zoom_port(uint16_t port)
{
    return port >= ZOOM_PORT_MIN && port <= ZOOM_PORT_MAX;
}

/* Parses a Zoom SFU encapsulation datagram (see the top of this file). */
enum dpi_proto_result
dpi_zoom_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    (void) md;
    if (ctx->is_tcp || len < 2
        || (!zoom_port(ctx->server_port) && !zoom_port(ctx->client_port))) {
        return DPI_PROTO_NO;
    }
    if (data[0] == ZOOM_TYPE_REQUEST) {
        uint32_t key_len;

        if (len < ZOOM_REQ_MIN || data[1] != 0) {
            return DPI_PROTO_NO;
        }
        key_len = calls_be32(data + ZOOM_REQ_LEN_OFS);
        return (key_len > 0 && key_len <= len - ZOOM_REQ_MIN
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    if (data[0] == ZOOM_TYPE_MEDIA && len > ZOOM_MEDIA_HDR) {
        const uint8_t *m = data + ZOOM_MEDIA_HDR;
        size_t m_len = len - ZOOM_MEDIA_HDR;

        if (data[7] != ZOOM_DIR_TO && data[7] != ZOOM_DIR_FROM) {
            return DPI_PROTO_NO;
        }
        if (m[0] == ZOOM_MEDIA_AUDIO) {
            return zoom_rtp_at(m, m_len, 19) ? DPI_PROTO_YES : DPI_PROTO_NO;
        }
        if (m[0] == ZOOM_MEDIA_VIDEO) {
            return (zoom_rtp_at(m, m_len, 20) || zoom_rtp_at(m, m_len, 24)
                    ? DPI_PROTO_YES : DPI_PROTO_NO);
        }
        if (m[0] >= ZOOM_MEDIA_RTCP_MIN && m[0] <= ZOOM_MEDIA_RTCP_MAX) {
            return zoom_rtp_at(m, m_len, 16) ? DPI_PROTO_YES : DPI_PROTO_NO;
        }
    }
    return DPI_PROTO_NO;
}
