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

/* Remote access and proxy parsers: RDP's connection request (TPKT and
 * X.224), SOCKS 4 and 5 handshakes, TeamViewer's framing.  VNC and Telnet
 * need no parser: their patterns in lib/signatures/10-mail-remote.sig are
 * strict enough. */

#include "dpi-proto.h"

#include <stdint.h>
#include <string.h>

/* TeamViewer's default port. */
#define TEAMVIEWER_PORT 5938

/* MS-RDPEUDP 2.2.2.1, 2.2.2.5: RDPUDP_FEC_HEADER flags. */
#define RDPUDP_FLAG_SYN 0x0001
#define RDPUDP_FLAG_ACK 0x0004

/* MS-RDPEUDP 3.1.5.1.1: smallest and largest MTU a SYN may announce. */
#define RDPUDP_MIN_MTU 1132
#define RDPUDP_MAX_MTU 1232

/* Parses the first datagram of one direction of an RDP UDP transport
 * (MS-RDPEUDP 2.2.2.1, 2.2.2.5, 3.1.5.1.1): an RDPUDP_FEC_HEADER
 * (snSourceAck, uReceiveWindowSize, uFlags, big-endian) then an
 * RDPUDP_SYNDATA_PAYLOAD (snInitialSequenceNumber, uUpStreamMtu,
 * uDownStreamMtu).  The client's SYN has the SYN flag and snSourceAck -1;
 * the server's SYN+ACK has SYN and ACK.  Both MTUs lie in 1132..1232, and
 * the datagram is at least the smallest MTU long (SYN datagrams are
 * zero-padded to the MTU). */
static enum dpi_proto_result
rdp_udp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len)
{
    unsigned int flags, up, down;

    if (len < RDPUDP_MIN_MTU) {
        return DPI_PROTO_NO;
    }
    flags = (unsigned int) data[6] << 8 | data[7];
    up = (unsigned int) data[12] << 8 | data[13];
    down = (unsigned int) data[14] << 8 | data[15];
    if (!(flags & RDPUDP_FLAG_SYN)
        || up < RDPUDP_MIN_MTU || up > RDPUDP_MAX_MTU
        || down < RDPUDP_MIN_MTU || down > RDPUDP_MAX_MTU) {
        return DPI_PROTO_NO;
    }
    if (ctx->to_server) {
        return (!(flags & RDPUDP_FLAG_ACK)
                && !memcmp(data, "\xff\xff\xff\xff", 4)
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    return flags & RDPUDP_FLAG_ACK ? DPI_PROTO_YES : DPI_PROTO_NO;
}

/* Parses the first message of one direction of an RDP connection: a TPKT
 * (RFC 1006 6: version 3, reserved 0, 16-bit length) holding an X.224
 * Connection Request (client, code 0xE0) or Connection Confirm (server,
 * 0xD0) TPDU (ITU-T X.224 13.3, 13.4: length indicator, code, destination
 * reference 0, source reference, class 0) whose variable part is what
 * MS-RDPBCGR 2.2.1.1 and 2.2.1.2 allow: nothing, a "Cookie:" routing
 * token, or an RDP negotiation structure (type 1 to 3, length 8).  ISO
 * transport users such as S7comm put TSAP parameters (0xC0-0xC2) there
 * instead.  Over UDP, see rdp_udp_parse(). */
enum dpi_proto_result
dpi_rdp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    size_t tpkt_len, var;
    const uint8_t *v;

    (void) md;
    if (!ctx->is_tcp) {
        return rdp_udp_parse(ctx, data, len);
    }
    if (len < 4) {
        return ((len < 1 || data[0] == 3) && (len < 2 || data[1] == 0)
                ? DPI_PROTO_MORE : DPI_PROTO_NO);
    }
    tpkt_len = (size_t) data[2] << 8 | data[3];
    if (data[0] != 3 || data[1] != 0 || tpkt_len < 11) {
        return DPI_PROTO_NO;
    }
    if (len < tpkt_len) {
        return DPI_PROTO_MORE;
    }
    if (data[4] != tpkt_len - 5
        || data[5] != (ctx->to_server ? 0xe0 : 0xd0)
        || data[6] || data[7] || (data[10] & 0xf0)) {
        return DPI_PROTO_NO;
    }
    v = data + 11;
    var = tpkt_len - 11;
    if (!var
        || (var >= 7 && !memcmp(v, "Cookie:", 7))
        || (var >= 8 && v[0] >= 1 && v[0] <= 3 && v[2] == 8 && !v[3])) {
        return DPI_PROTO_YES;
    }
    return DPI_PROTO_NO;
}

/* Longest SOCKS 4 user id or SOCKS 4a host name accepted. */
#define SOCKS_MAX_NAME 255

/* Returns the offset just past the NUL that ends a string starting at
 * 'start' of the 'len' bytes at 'data', 0 if there is none yet (within
 * SOCKS_MAX_NAME bytes), or SIZE_MAX if the string is too long. */
static size_t
socks_string_end(const uint8_t *data, size_t len, size_t start)
{
    size_t i;

    for (i = start; i < len && i - start <= SOCKS_MAX_NAME; i++) {
        if (!data[i]) {
            return i + 1;
        }
    }
    return i - start > SOCKS_MAX_NAME ? SIZE_MAX : 0;
}

/* Parses the client's first SOCKS message: a SOCKS 4 (4a) request
 * (version 4, command CONNECT or BIND, port, address, user id and, for
 * 4a's address 0.0.0.x, a host name, each ended by NUL) or a SOCKS 5
 * method selection (RFC 1928 3: version 5, 1 to 255 methods). */
static enum dpi_proto_result
socks_client(const uint8_t *data, size_t len)
{
    size_t end, i;

    if (data[0] == 4) {
        if (len >= 2 && data[1] != 1 && data[1] != 2) {
            return DPI_PROTO_NO;
        }
        if (len < 9) {
            return DPI_PROTO_MORE;
        }
        end = socks_string_end(data, len, 8);
        if (end == SIZE_MAX) {
            return DPI_PROTO_NO;
        }
        if (end && !data[4] && !data[5] && !data[6] && data[7]) {
            end = socks_string_end(data, len, end);   /* SOCKS 4a. */
            if (end == SIZE_MAX) {
                return DPI_PROTO_NO;
            }
        }
        return end ? DPI_PROTO_YES : DPI_PROTO_MORE;
    }
    if (data[0] == 5) {
        if (len < 2) {
            return DPI_PROTO_MORE;
        }
        if (!data[1]) {
            return DPI_PROTO_NO;
        }
        if (len < 2 + (size_t) data[1]) {
            return DPI_PROTO_MORE;
        }
        for (i = 2; i < 2 + (size_t) data[1]; i++) {
            /* Assigned methods 0-9 (IANA), private ones 0x80-0xFE. */
            if (data[i] > 9 && (data[i] < 0x80 || data[i] == 0xff)) {
                return DPI_PROTO_NO;
            }
        }
        /* What follows must be a SOCKS 5 request or a user/password
         * sub-negotiation (RFC 1929, version 1). */
        return (len == i || data[i] == 5 || data[i] == 1
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    return DPI_PROTO_NO;
}

/* Parses the server's first SOCKS message: a SOCKS 4 reply (version 0,
 * code 90 to 93, port and address: 8 bytes) or a SOCKS 5 method
 * selection (version 5, method: 2 bytes; RFC 1928 3). */
static enum dpi_proto_result
socks_server(const uint8_t *data, size_t len)
{
    if (data[0] == 0) {
        if (len >= 2 && (data[1] < 0x5a || data[1] > 0x5d)) {
            return DPI_PROTO_NO;
        }
        return len < 8 ? DPI_PROTO_MORE : DPI_PROTO_YES;
    }
    if (data[0] == 5) {
        if (len < 2) {
            return DPI_PROTO_MORE;
        }
        return (data[1] <= 9 || data[1] >= 0x80 ? DPI_PROTO_YES
                                                : DPI_PROTO_NO);
    }
    return DPI_PROTO_NO;
}

/* Parses the start of one direction of a SOCKS connection.  See
 * dpi-proto.h. */
enum dpi_proto_result
dpi_socks_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                size_t len, struct dpi_md *md)
{
    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (ctx->follow) {
        /* After the handshake the connection carries the client's own
         * protocol to the target; tshark dissects HTTP there, so read its
         * metadata (dpi_http_parse() says NO to anything else). */
        return dpi_http_parse(ctx, data, len, md);
    }
    if (!len) {
        return DPI_PROTO_MORE;
    }
    return ctx->to_server ? socks_client(data, len) : socks_server(data,
                                                                    len);
}

/* Parses the start of one direction of a TeamViewer TCP connection.  Its
 * messages start with a two-byte magic: 0x17 0x24 for the commands of the
 * connection set-up and 0x11 0x30 for the data that follows (as TeamViewer
 * connections captured on port 5938 show).  Two bytes are too little to
 * tell TeamViewer from other binary data, so the parser also requires the
 * server port to be TeamViewer's, 5938. */
enum dpi_proto_result
dpi_teamviewer_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                     size_t len, struct dpi_md *md)
{
    (void) md;
    if (!ctx->is_tcp || ctx->server_port != TEAMVIEWER_PORT) {
        return DPI_PROTO_NO;
    }
    if (len < 2) {
        return len && (data[0] == 0x17 || data[0] == 0x11)
               ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    return ((data[0] == 0x17 && data[1] == 0x24)
            || (data[0] == 0x11 && data[1] == 0x30)
            ? DPI_PROTO_YES : DPI_PROTO_NO);
}
