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

/* VPN parsers: IPsec IKE, WireGuard, OpenVPN, PPTP, Teredo.  (ESP and AH
 * are IP protocols 50 and 51, identified by the signature file
 * alone.)
 *
 * IKE (RFC 2408 3.1, RFC 7296 3.1): a 28-byte header, initiator SPI (8
 * bytes, never zero), responder SPI (8), next payload, version (major 1
 * or 2 in the high nibble), exchange type, flags, message id (4) and the
 * length of the whole message (4, big-endian), which is the datagram's.
 * On UDP port 4500 an IKE message follows a 4-byte zero "non-ESP marker"
 * (RFC 3948 2.2).
 *
 * WireGuard (whitepaper section 5.4): a message type 1 to 4 followed by
 * three zero bytes; handshake initiation is 148 bytes, response 92, cookie
 * reply 64; transport data is a 16-byte header plus padded (16-byte
 * multiple) ciphertext and a 16-byte tag.
 *
 * OpenVPN (openvpn's doc/doxygen "network protocol"; over TCP each packet
 * has a 16-bit big-endian length prefix): the first byte is the opcode
 * times 8 plus the key id.  A session starts with
 * P_CONTROL_HARD_RESET_CLIENT_V2 (7) or _V3 (10), answered with
 * P_CONTROL_HARD_RESET_SERVER_V2 (8), key id 0: an 8-byte session id,
 * optional HMAC and replay counters (tls-auth), an ACK list and the
 * 4-byte message packet id, which is 0 for these first messages.  Only
 * these reset packets are accepted, unencrypted (tls-crypt hides them),
 * with the exact lengths these fields give.
 *
 * PPTP (RFC 2637 1.4): control messages over TCP start with a 16-bit
 * length, message type 1 (control) and the magic cookie 0x1A2B3C4D. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* IKE header length. */
#define IKE_HDR_LEN 28

/* Reads a big-endian 16-bit number at 'p'. */
static uint16_t
vpn_be16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

/* Reads a big-endian 32-bit number at 'p'. */
static uint32_t
vpn_be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

/* Returns true if the 'len' bytes at 'p' are all zero. */
static bool
vpn_is_zero(const uint8_t *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/* Parses an IKE datagram, with or without the non-ESP marker.  See
 * dpi-proto.h. */
enum dpi_proto_result
dpi_ike_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    uint8_t major;

    (void) md;
    if (ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (len >= 4 + IKE_HDR_LEN && vpn_is_zero(data, 4)) {
        data += 4;
        len -= 4;
    }
    if (len < IKE_HDR_LEN || vpn_is_zero(data, 8)) {
        return DPI_PROTO_NO;
    }
    major = data[17] >> 4;
    if ((major != 1 && major != 2) || vpn_be32(data + 24) != len) {
        return DPI_PROTO_NO;
    }
    return DPI_PROTO_YES;
}

/* Parses a WireGuard datagram.  See dpi-proto.h. */
enum dpi_proto_result
dpi_wireguard_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                    size_t len, struct dpi_md *md)
{
    (void) md;
    if (ctx->is_tcp || len < 4 || !vpn_is_zero(data + 1, 3)) {
        return DPI_PROTO_NO;
    }
    switch (data[0]) {
    case 1:
        return len == 148 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case 2:
        return len == 92 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case 3:
        return len == 64 ? DPI_PROTO_YES : DPI_PROTO_NO;
    case 4:
        return len >= 32 && len % 16 == 0 ? DPI_PROTO_YES : DPI_PROTO_NO;
    default:
        return DPI_PROTO_NO;
    }
}

/* Length of an OpenVPN client hard reset without tls-auth: opcode, session
 * id (8), empty ACK list (1), message packet id (4).  The server's also
 * acknowledges the client's: ACK count 1, packet id (4) and the client's
 * session id (8). */
#define OPENVPN_CLIENT_RESET 14
#define OPENVPN_SERVER_RESET 26

/* Returns true if 'n' is 'base' plus nothing or plus a tls-auth HMAC (MD5,
 * SHA-1, SHA-256, SHA-384, SHA-512) and its 8-byte replay counters. */
static bool
openvpn_len_ok(size_t n, size_t base)
{
    static const size_t hmacs[] = { 16, 20, 32, 48, 64 };
    size_t i;

    if (n == base) {
        return true;
    }
    for (i = 0; i < sizeof hmacs / sizeof hmacs[0]; i++) {
        if (n == base + hmacs[i] + 8) {
            return true;
        }
    }
    return false;
}

/* Checks the 'n'-byte OpenVPN packet at 'p' (no length prefix). */
static enum dpi_proto_result
openvpn_reset(const uint8_t *p, size_t n)
{
    if (n < OPENVPN_CLIENT_RESET || !vpn_is_zero(p + n - 4, 4)) {
        return DPI_PROTO_NO;
    }
    if (p[0] == 7 << 3 || p[0] == 10 << 3) {
        /* Client: empty ACK list right before the packet id. */
        return (openvpn_len_ok(n, OPENVPN_CLIENT_RESET) && p[n - 5] == 0
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    if (p[0] == 8 << 3) {
        /* Server: one ACK, then the client's session id. */
        return (openvpn_len_ok(n, OPENVPN_SERVER_RESET) && p[n - 17] == 1
                ? DPI_PROTO_YES : DPI_PROTO_NO);
    }
    return DPI_PROTO_NO;
}

/* Parses an OpenVPN hard reset packet.  See dpi-proto.h. */
enum dpi_proto_result
dpi_openvpn_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                  size_t len, struct dpi_md *md)
{
    size_t n;

    (void) md;
    if (!ctx->is_tcp) {
        return openvpn_reset(data, len);
    }
    if (len < 2) {
        return DPI_PROTO_MORE;
    }
    n = vpn_be16(data);
    if (n < OPENVPN_CLIENT_RESET) {
        return DPI_PROTO_NO;
    }
    if (len < 2 + n) {
        return n <= DPI_PROTO_MAX_STREAM ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    return openvpn_reset(data + 2, n);
}

/* Parses the start of a PPTP control connection.  See dpi-proto.h. */
enum dpi_proto_result
dpi_pptp_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
               size_t len, struct dpi_md *md)
{
    (void) md;
    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (len < 8) {
        return len >= 2 && vpn_be16(data) < 8 ? DPI_PROTO_NO
               : DPI_PROTO_MORE;
    }
    return (vpn_be16(data) >= 12 && vpn_be16(data + 2) == 1
            && vpn_be32(data + 4) == 0x1a2b3c4d
            ? DPI_PROTO_YES : DPI_PROTO_NO);
}

/* Teredo's UDP port (RFC 4380 2.11). */
#define TEREDO_PORT 3544

/* Parses a Teredo datagram (RFC 4380 5.1.1): an optional authentication
 * indicator (0x0001, client id length, authentication value length, the
 * id and value, an 8-byte nonce and a confirmation byte), an optional
 * origin indication (0x0000, then a 2-byte port and a 4-byte address,
 * both obfuscated), then an IPv6 packet: version 6 and a payload length
 * that is exactly what is left after its 40-byte header.  Datagrams to or
 * from port 3544 only (the server's port; client-to-client traffic has no
 * fixed port and a bare IPv6 header is too weak a sign there). */
enum dpi_proto_result
dpi_teredo_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                 size_t len, struct dpi_md *md)
{
    size_t pos = 0;

    (void) md;
    if (ctx->is_tcp || (ctx->server_port != TEREDO_PORT
                        && ctx->client_port != TEREDO_PORT)) {
        return DPI_PROTO_NO;
    }
    if (len >= 4 && data[0] == 0 && data[1] == 1) {
        pos = 4 + (size_t) data[2] + data[3] + 8 + 1;
    }
    if (len >= pos + 2 && data[pos] == 0 && data[pos + 1] == 0) {
        pos += 8;
    }
    if (len < pos + 40 || data[pos] >> 4 != 6) {
        return DPI_PROTO_NO;
    }
    return (((size_t) data[pos + 4] << 8 | data[pos + 5]) == len - pos - 40
            ? DPI_PROTO_YES : DPI_PROTO_NO);
}
