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

/* Peer-to-peer file sharing parsers: Gnutella and BitTorrent.
 *
 * Gnutella (RFC-Gnutella 0.6, http://rfc-gnutella.sourceforge.net):
 *
 *   - TCP: the handshake is text, "GNUTELLA CONNECT/0.6" CR LF from the
 *     client (0.4: "GNUTELLA CONNECT/0.4" LF LF, answered "GNUTELLA OK"),
 *     "GNUTELLA/0.6 200 OK" (any 3-digit code) from the server.
 *
 *   - UDP: a datagram is one Gnutella message: a 23-byte header (16-byte
 *     message id, payload type, TTL, hops, payload length as a 32-bit
 *     little-endian number) and exactly 'payload length' bytes.  Payload
 *     types: ping 0x00, pong 0x01, bye 0x02, vendor 0x31 and 0x32, push
 *     0x40, Mojito DHT 0x44, query 0x80, query hit 0x81.  Or it is a
 *     fragment of the "GND" semi-reliable UDP layer (G2 and gtk-gnutella):
 *     "GND", flags, a 16-bit sequence number, the fragment number (from 1)
 *     and the fragment count (0 in an acknowledgement).
 *
 * BitTorrent:
 *
 *   - TCP (BEP 3): the handshake is the byte 19, "BitTorrent protocol", 8
 *     reserved bytes, the 20-byte info hash and the 20-byte peer id.  The
 *     info hash becomes bittorrent_info_hash, 40 lowercase hex digits.
 *
 *   - UDP, DHT (BEP 5): KRPC messages are bencoded dictionaries ('d' ...
 *     'e') with a key "y" whose value is "q", "r" or "e".
 *
 *   - UDP, uTP (BEP 29): a 20-byte header whose first byte is the type
 *     (ST_DATA 0 .. ST_SYN 4) times 16 plus version 1, the second the
 *     first extension type, followed by the extension chain (type of the
 *     next, length, bytes).  Only the handshake packets are accepted
 *     (ST_SYN and ST_STATE, which carry no data), so that a random
 *     datagram hardly ever passes. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* Gnutella message header length. */
#define GNUTELLA_HDR_LEN 23

/* Most TTL + hops accepted in a Gnutella message header (the protocol
 * limits TTL to 7; some servents allow a little more). */
#define GNUTELLA_MAX_TTL_HOPS 16

/* BitTorrent handshake length up to the end of the info hash. */
#define BT_HANDSHAKE_HASH_END 48

/* uTP header length. */
#define UTP_HDR_LEN 20

/* Returns true if 'data' ('len' bytes) starts with the first bytes of
 * 'prefix', as far as both go; sets '*complete' if it holds all of
 * 'prefix'. */
static bool
p2p_prefix(const uint8_t *data, size_t len, const char *prefix,
           bool *complete)
{
    size_t n = strlen(prefix);
    size_t m = len < n ? len : n;

    *complete = len >= n;
    return !memcmp(data, prefix, m);
}

/* Returns true if 'type' is a Gnutella payload type. */
static bool
gnutella_type_ok(uint8_t type)
{
    static const uint8_t types[] = {
        0x00, 0x01, 0x02, 0x31, 0x32, 0x40, 0x44, 0x80, 0x81,
    };
    size_t i;

    for (i = 0; i < sizeof types; i++) {
        if (types[i] == type) {
            return true;
        }
    }
    return false;
}

/* Checks one Gnutella UDP datagram. */
static enum dpi_proto_result
gnutella_udp(const uint8_t *data, size_t len)
{
    uint32_t plen;

    if (len >= 8 && !memcmp(data, "GND", 3)) {
        uint8_t part = data[6], count = data[7];

        return (count == 0 || (part >= 1 && part <= count)
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    if (len < GNUTELLA_HDR_LEN || !gnutella_type_ok(data[16])
        || data[17] + data[18] > GNUTELLA_MAX_TTL_HOPS) {
        return DPI_PROTO_NO;
    }
    plen = (uint32_t) data[19] | (uint32_t) data[20] << 8
           | (uint32_t) data[21] << 16 | (uint32_t) data[22] << 24;
    return plen == len - GNUTELLA_HDR_LEN ? DPI_PROTO_YES : DPI_PROTO_NO;
}

/* Parses the start of a Gnutella TCP stream or a Gnutella datagram.  See
 * dpi-proto.h. */
enum dpi_proto_result
dpi_gnutella_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                   size_t len, struct dpi_md *md)
{
    static const char *const starts[] = {
        "GNUTELLA CONNECT/0.", "GNUTELLA/0.6 ", "GNUTELLA OK",
    };
    bool maybe = false;
    size_t i;

    (void) md;
    if (!ctx->is_tcp) {
        return gnutella_udp(data, len);
    }
    for (i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        bool complete;

        if (p2p_prefix(data, len, starts[i], &complete)) {
            if (!complete) {
                maybe = true;
                continue;
            }
            if (i != 1) {
                return DPI_PROTO_YES;
            }
            /* "GNUTELLA/0.6 " then a 3-digit status code. */
            if (len < 16) {
                maybe = true;
                continue;
            }
            if (data[13] >= '1' && data[13] <= '5'
                && data[14] >= '0' && data[14] <= '9'
                && data[15] >= '0' && data[15] <= '9') {
                return DPI_PROTO_YES;
            }
        }
    }
    return maybe ? DPI_PROTO_MORE : DPI_PROTO_NO;
}

/* Checks a DHT (KRPC) datagram: a bencoded dictionary with a message type
 * "y" of "q", "r" or "e". */
static enum dpi_proto_result
bittorrent_dht(const uint8_t *data, size_t len)
{
    static const char key[] = "1:y1:";
    size_t i, n = sizeof key - 1;

    if (len < 2 || data[0] != 'd' || data[len - 1] != 'e') {
        return DPI_PROTO_NO;
    }
    for (i = 1; i + n < len; i++) {
        if (!memcmp(data + i, key, n)
            && (data[i + n] == 'q' || data[i + n] == 'r'
                || data[i + n] == 'e')) {
            return DPI_PROTO_YES;
        }
    }
    return DPI_PROTO_NO;
}

/* Checks a uTP handshake datagram (ST_SYN or ST_STATE). */
static enum dpi_proto_result
bittorrent_utp(const uint8_t *data, size_t len)
{
    uint8_t ext;
    size_t off;

    if (len < UTP_HDR_LEN || (data[0] != 0x41 && data[0] != 0x21)) {
        return DPI_PROTO_NO;
    }
    /* Extensions: 1 selective ack, 2 extension bits (BEP 29). */
    ext = data[1];
    off = UTP_HDR_LEN;
    while (ext) {
        if (ext > 2 || len - off < 2 || len - off - 2 < data[off + 1]) {
            return DPI_PROTO_NO;
        }
        ext = data[off];
        off += 2 + (size_t) data[off + 1];
    }
    return off == len ? DPI_PROTO_YES : DPI_PROTO_NO;
}

/* Parses the start of a BitTorrent TCP stream (the handshake) or a
 * BitTorrent DHT or uTP datagram.  See dpi-proto.h. */
enum dpi_proto_result
dpi_bittorrent_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                     size_t len, struct dpi_md *md)
{
    static const char hex[] = "0123456789abcdef";
    char hash[40];
    bool complete;
    size_t i;

    if (!ctx->is_tcp) {
        if (bittorrent_dht(data, len) == DPI_PROTO_YES) {
            return DPI_PROTO_YES;
        }
        return bittorrent_utp(data, len);
    }
    if (!p2p_prefix(data, len, "\x13" "BitTorrent protocol", &complete)) {
        return DPI_PROTO_NO;
    }
    if (len < BT_HANDSHAKE_HASH_END) {
        return DPI_PROTO_MORE;
    }
    for (i = 0; i < 20; i++) {
        hash[2 * i] = hex[data[28 + i] >> 4];
        hash[2 * i + 1] = hex[data[28 + i] & 0xf];
    }
    dpi_md_set(md, DPI_F_bittorrent_info_hash, hash, sizeof hash);
    return DPI_PROTO_YES;
}
