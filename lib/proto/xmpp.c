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

/* XMPP (Jabber) parser, and WhatsApp's binary XMPP.
 *
 * An XMPP client or server opens its stream with an optional XML
 * declaration and a <stream:stream> element (RFC 6120 4.2, 4.7); a
 * capture that starts mid-connection shows a top-level stanza instead
 * (<iq>, <presence>, <message>: RFC 6120 8) or the closing
 * </stream:stream>.  The parser accepts a direction that starts with one
 * of these.
 *
 * WhatsApp's chat protocol is XMPP encoded in binary ("FunXMPP") on port
 * 5222 or 443: the client's stream starts with "WA" and two version bytes,
 * then 3-byte big-endian frame lengths.  Newer clients first send an edge
 * routing prologue "ED", 0, 1, a 3-byte length and that many bytes, then
 * the "WA" header.  These are seen on the corpus captures and described
 * in public analyses of the protocol; there is no published
 * specification.  The parser then says YES and sets the service to
 * whatsapp (the protocol stays jabber). */

#include "dpi-proto.h"

#include <stdbool.h>
#include <string.h>

/* Longest XML declaration accepted before the stream header. */
#define XMPP_DECL_MAX 256

/* Longest WhatsApp edge routing prologue data accepted. */
#define XMPP_WA_ROUTE_MAX 1024

/* Returns true if the 'len' bytes at 'data' start with 'prefix'; sets
 * '*more' if they are a proper prefix of it. */
static bool
xmpp_starts(const uint8_t *data, size_t len, const char *prefix, bool *more)
{
    size_t n = strlen(prefix);

    if (len < n) {
        if (!memcmp(data, prefix, len)) {
            *more = true;
        }
        return false;
    }
    return !memcmp(data, prefix, n);
}

/* Checks a WhatsApp "WA" header (2 version bytes) at 'data' ('len'
 * bytes).  Returns YES, MORE or NO. */
static enum dpi_proto_result
xmpp_wa_header(const uint8_t *data, size_t len)
{
    if (len < 4) {
        return (len < 1 || data[0] == 'W') && (len < 2 || data[1] == 'A')
               ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    return (data[0] == 'W' && data[1] == 'A' && data[2] < 16 && data[3] < 16
            ? DPI_PROTO_YES : DPI_PROTO_NO);
}

/* Parses WhatsApp's stream start.  See the comment at the top. */
static enum dpi_proto_result
xmpp_whatsapp(const uint8_t *data, size_t len)
{
    size_t route;

    if (len >= 2 && data[0] == 'E' && data[1] == 'D') {
        if (len < 7) {
            return ((len < 3 || data[2] == 0) && (len < 4 || data[3] == 1)
                    ? DPI_PROTO_MORE : DPI_PROTO_NO);
        }
        route = (size_t) data[4] << 16 | (size_t) data[5] << 8 | data[6];
        if (data[2] != 0 || data[3] != 1 || route > XMPP_WA_ROUTE_MAX) {
            return DPI_PROTO_NO;
        }
        if (len - 7 < route) {
            return DPI_PROTO_MORE;
        }
        return xmpp_wa_header(data + 7 + route, len - 7 - route);
    }
    return xmpp_wa_header(data, len);
}

/* Parses XMPP.  See dpi-proto.h and the comment at the top of this
 * file. */
enum dpi_proto_result
dpi_jabber_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                 size_t len, struct dpi_md *md)
{
    static const char *const starts[] = {
        "<stream:stream", "</stream:stream>", "<iq ", "<presence",
        "<message ",
    };
    enum dpi_proto_result r;
    bool more = false;
    size_t i, pos = 0;

    if (!ctx->is_tcp || !len) {
        return DPI_PROTO_NO;
    }
    if (ctx->to_server && (data[0] == 'W' || data[0] == 'E')) {
        r = xmpp_whatsapp(data, len);
        if (r == DPI_PROTO_YES) {
            dpi_md_set_u64(md, DPI_F__service, DPI_APP_whatsapp);
        }
        return r;
    }

    if (xmpp_starts(data, len, "<?xml", &more)) {
        const uint8_t *end = memchr(data, '>', len < XMPP_DECL_MAX
                                               ? len : XMPP_DECL_MAX);

        if (!end) {
            return len < XMPP_DECL_MAX ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        pos = end - data + 1;
        while (pos < len && (data[pos] == ' ' || data[pos] == '\t'
                             || data[pos] == '\r' || data[pos] == '\n')) {
            pos++;
        }
        if (pos == len) {
            return DPI_PROTO_MORE;
        }
        return (xmpp_starts(data + pos, len - pos, "<stream:stream", &more)
                ? DPI_PROTO_YES : more ? DPI_PROTO_MORE : DPI_PROTO_NO);
    }
    for (i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        if (xmpp_starts(data, len, starts[i], &more)) {
            return DPI_PROTO_YES;
        }
    }
    return more ? DPI_PROTO_MORE : DPI_PROTO_NO;
}
