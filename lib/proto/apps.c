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

/* Parsers of applications that speak a protocol of their own, registered
 * for the service itself (a "protocol SERVICE udp ..." signature line, see
 * lib/signatures/80-apps.sig): the verdict is app_id SERVICE with
 * app_proto 0.
 *
 * Discord voice (UDP)
 * ===================
 *
 * Before a voice connection sends RTP, the client learns its public
 * address with "IP discovery" (Discord developer documentation, "Voice
 * Connections", IP Discovery): a 74-byte datagram, all fields big-endian,
 *
 *     type     2 bytes   0x0001 request, 0x0002 response
 *     length   2 bytes   70 (the bytes that follow)
 *     SSRC     4 bytes
 *     address 64 bytes   NUL-terminated text (the response's external
 *                        address; zeros in the request)
 *     port     2 bytes
 *
 * The parser checks the exact size, type and length, and that the address
 * field is printable address text (digits, hex letters, '.' and ':')
 * followed only by NULs.
 *
 * Discord clients also probe the voice servers of candidate regions with
 * 8-byte datagrams, a 0x1337cafe magic followed by a 32-bit counter, which
 * the server echoes (seen from every client of the corpus, to servers of
 * Discord's AS49544); the parser accepts exactly that size and magic. */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* Size of an IP discovery datagram. */
#define DISCORD_IPDISC_LEN 74

/* Its length field: the bytes after type and length. */
#define DISCORD_IPDISC_BODY 70

/* Offset and size of its address field. */
#define DISCORD_IPDISC_ADDR 8
#define DISCORD_IPDISC_ADDR_LEN 64

/* Size of a region probe and its magic. */
#define DISCORD_PROBE_LEN 8
#define DISCORD_PROBE_MAGIC 0x1337cafeU

/* Returns true if 'c' may appear in an IPv4 or IPv6 address text. */
static bool
discord_addr_char(uint8_t c)
{
    return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
            || (c >= 'A' && c <= 'F') || c == '.' || c == ':');
}

/* Returns true if the 'len' bytes at 'p' are address text followed only
 * by NULs (at least one), or all NULs. */
static bool
discord_addr_field_ok(const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len && p[i]) {
        if (!discord_addr_char(p[i])) {
            return false;
        }
        i++;
    }
    if (i == len) {
        return false;           /* No terminating NUL. */
    }
    for (; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/* Parses a Discord voice datagram: an IP discovery request or response, or
 * a region probe (see the top of this file). */
enum dpi_proto_result
dpi_discord_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                  size_t len, struct dpi_md *md)
{
    (void) md;
    if (ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (len == DISCORD_PROBE_LEN) {
        uint32_t magic = ((uint32_t) data[0] << 24 | (uint32_t) data[1] << 16
                          | (uint32_t) data[2] << 8 | data[3]);

        return magic == DISCORD_PROBE_MAGIC ? DPI_PROTO_YES : DPI_PROTO_NO;
    }
    if (len != DISCORD_IPDISC_LEN || data[0] || (data[1] != 1 && data[1] != 2)
        || data[2] || data[3] != DISCORD_IPDISC_BODY) {
        return DPI_PROTO_NO;
    }
    return (discord_addr_field_ok(data + DISCORD_IPDISC_ADDR,
                                  DISCORD_IPDISC_ADDR_LEN)
            ? DPI_PROTO_YES : DPI_PROTO_NO);
}
