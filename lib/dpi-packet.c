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

/* Packet parsing: Ethernet, 802.1Q/802.1ad VLAN tags, IPv4, IPv6 and its
 * extension headers, TCP and UDP, into a struct dpi_pkt.
 *
 * PPPoE session frames carrying IPv4 or IPv6 are parsed too.
 *
 * Every read is checked against two limits:
 *
 *   - 'cap_end', the end of the bytes the caller gave us (what was
 *     captured or is in the buffer).  A header that does not fit is
 *     DPI_PARSE_TRUNCATED.
 *
 *   - 'ip_end', the end of the IP datagram according to its own length
 *     field, clipped to 'cap_end'.  Bytes beyond it (Ethernet padding) are
 *     not payload.  A header that the captured bytes hold but that the IP
 *     length field excludes is DPI_PARSE_MALFORMED: the length field lies.
 *
 * So a length field can shorten what we look at, never lengthen it, and no
 * read ever goes past 'cap_end'.  An IP length field of 0 is taken to mean
 * "all the bytes there are", as segmentation offload (TSO/GSO) packets and
 * IPv6 jumbograms have it. */

#include "dpi.h"

#include <string.h>

/* Ethertypes. */
#define DPI_ETH_TYPE_IPV4   0x0800
#define DPI_ETH_TYPE_IPV6   0x86dd
#define DPI_ETH_TYPE_VLAN   0x8100  /* 802.1Q customer tag. */
#define DPI_ETH_TYPE_QINQ   0x88a8  /* 802.1ad service tag. */
#define DPI_ETH_TYPE_QINQ1  0x9100  /* Pre-standard QinQ service tag. */
#define DPI_ETH_TYPE_PPPOE  0x8864  /* PPPoE session stage. */

/* PPP protocol numbers. */
#define DPI_PPP_IPV4        0x0021
#define DPI_PPP_IPV6        0x0057

/* Header sizes. */
#define DPI_ETH_HLEN        14
#define DPI_VLAN_HLEN       4
#define DPI_PPPOE_HLEN      8       /* PPPoE header and PPP protocol. */
#define DPI_IPV4_MIN_HLEN   20
#define DPI_IPV6_HLEN       40
#define DPI_TCP_MIN_HLEN    20
#define DPI_UDP_HLEN        8

/* IP protocol numbers (IPv6 next header values) the parser knows. */
#define DPI_IPPROTO_HOPOPTS  0
#define DPI_IPPROTO_TCP      6
#define DPI_IPPROTO_UDP      17
#define DPI_IPPROTO_ROUTING  43
#define DPI_IPPROTO_FRAGMENT 44
#define DPI_IPPROTO_DSTOPTS  60

/* Where the parser is in a packet: the bounds every read is checked
 * against (see the comment at the top of this file). */
struct dpi_parse_ctx {
    const uint8_t *cap_end;     /* End of the captured bytes. */
    const uint8_t *ip_end;      /* End of the IP datagram, <= 'cap_end'. */
};

/* Returns a 16-bit big-endian value at 'p'. */
static inline uint16_t
dpi_get_be16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}

/* Returns a 32-bit big-endian value at 'p'. */
static inline uint32_t
dpi_get_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}

/* Checks that 'n' bytes at 'p' lie within the IP datagram.  Returns
 * DPI_PARSE_OK if so, DPI_PARSE_TRUNCATED if the captured bytes end first,
 * DPI_PARSE_MALFORMED if they are captured but the IP length field says
 * they are not part of the datagram. */
static enum dpi_parse_result
dpi_check_room(const struct dpi_parse_ctx *ctx, const uint8_t *p, size_t n)
{
    if (n <= (size_t) (ctx->ip_end - p)) {
        return DPI_PARSE_OK;
    } else if (n > (size_t) (ctx->cap_end - p)) {
        return DPI_PARSE_TRUNCATED;
    } else {
        return DPI_PARSE_MALFORMED;
    }
}

/* Stores the IPv4 address at 'p' into 'addr' as an IPv4-mapped IPv6
 * address. */
static void
dpi_addr_from_ipv4(struct dpi_addr *addr, const uint8_t *p)
{
    memset(addr->b, 0, 10);
    addr->b[10] = 0xff;
    addr->b[11] = 0xff;
    memcpy(&addr->b[12], p, 4);
}

/* Parses the L4 header at 'l4' for IP protocol 'proto' (already stored in
 * pkt->key.proto).  TCP and UDP fill in ports, TCP fields and the payload;
 * other protocols have no ports and no payload. */
static enum dpi_parse_result
dpi_parse_l4(const struct dpi_parse_ctx *ctx, const uint8_t *l4,
             struct dpi_pkt *pkt)
{
    enum dpi_parse_result r;

    if (pkt->key.proto == DPI_IPPROTO_TCP) {
        size_t doff;

        r = dpi_check_room(ctx, l4, DPI_TCP_MIN_HLEN);
        if (r != DPI_PARSE_OK) {
            return r;
        }
        doff = (size_t) (l4[12] >> 4) * 4;
        if (doff < DPI_TCP_MIN_HLEN) {
            return DPI_PARSE_MALFORMED;
        }
        r = dpi_check_room(ctx, l4, doff);
        if (r != DPI_PARSE_OK) {
            return r;
        }
        pkt->key.sport = dpi_get_be16(l4);
        pkt->key.dport = dpi_get_be16(l4 + 2);
        pkt->tcp_seq = dpi_get_be32(l4 + 4);
        pkt->tcp_ack = dpi_get_be32(l4 + 8);
        pkt->tcp_flags = l4[13];
        pkt->payload = l4 + doff;
        pkt->payload_len = ctx->ip_end - (l4 + doff);
    } else if (pkt->key.proto == DPI_IPPROTO_UDP) {
        size_t ulen, avail;

        r = dpi_check_room(ctx, l4, DPI_UDP_HLEN);
        if (r != DPI_PARSE_OK) {
            return r;
        }
        ulen = dpi_get_be16(l4 + 4);
        if (ulen < DPI_UDP_HLEN) {
            return DPI_PARSE_MALFORMED;
        }
        pkt->key.sport = dpi_get_be16(l4);
        pkt->key.dport = dpi_get_be16(l4 + 2);
        pkt->payload = l4 + DPI_UDP_HLEN;

        /* The UDP length may only shorten the payload (it is longer than
         * the datagram's bytes in the first fragment of a fragmented
         * datagram, or when the packet was cut short). */
        avail = ctx->ip_end - pkt->payload;
        pkt->payload_len = ulen - DPI_UDP_HLEN < avail
                           ? ulen - DPI_UDP_HLEN : avail;
    }
    if (!pkt->payload_len) {
        pkt->payload = NULL;
    }
    return DPI_PARSE_OK;
}

/* Parses the IPv4 datagram at 'ip' ('len' captured bytes) into 'pkt'. */
static enum dpi_parse_result
dpi_parse_ipv4(const uint8_t *ip, size_t len, struct dpi_pkt *pkt)
{
    struct dpi_parse_ctx ctx;
    size_t ihl, tot_len;
    uint16_t frag;

    if (len < DPI_IPV4_MIN_HLEN) {
        return DPI_PARSE_TRUNCATED;
    }
    if (ip[0] >> 4 != 4) {
        return DPI_PARSE_MALFORMED;
    }
    ihl = (size_t) (ip[0] & 0x0f) * 4;
    tot_len = dpi_get_be16(ip + 2);
    if (!tot_len) {
        /* A segmentation offload packet, captured or handed to us before
         * the NIC split it, has no total length: take what is there. */
        tot_len = len;
    }
    if (ihl < DPI_IPV4_MIN_HLEN) {
        return DPI_PARSE_MALFORMED;
    }
    if (len < ihl) {
        return DPI_PARSE_TRUNCATED;
    }
    if (tot_len < ihl) {
        return DPI_PARSE_MALFORMED;
    }

    ctx.cap_end = ip + len;
    ctx.ip_end = ip + (tot_len < len ? tot_len : len);

    dpi_addr_from_ipv4(&pkt->key.src, ip + 12);
    dpi_addr_from_ipv4(&pkt->key.dst, ip + 16);
    pkt->key.proto = ip[9];
    pkt->key.ipv6 = 0;

    frag = dpi_get_be16(ip + 6);
    if (frag & 0x1fff) {
        /* A non-first fragment: no L4 header. */
        pkt->is_fragment = 1;
        return DPI_PARSE_OK;
    }
    return dpi_parse_l4(&ctx, ip + ihl, pkt);
}

/* Parses the IPv6 packet at 'ip' ('len' captured bytes) into 'pkt',
 * skipping hop-by-hop, routing, destination options and fragment
 * extension headers. */
static enum dpi_parse_result
dpi_parse_ipv6(const uint8_t *ip, size_t len, struct dpi_pkt *pkt)
{
    struct dpi_parse_ctx ctx;
    const uint8_t *p;
    size_t plen;
    uint8_t nxt;

    if (len < DPI_IPV6_HLEN) {
        return DPI_PARSE_TRUNCATED;
    }
    if (ip[0] >> 4 != 6) {
        return DPI_PARSE_MALFORMED;
    }
    plen = dpi_get_be16(ip + 4);
    if (!plen) {
        /* A jumbogram or a segmentation offload packet: take what is
         * there. */
        plen = len - DPI_IPV6_HLEN;
    }
    ctx.cap_end = ip + len;
    ctx.ip_end = ip + (DPI_IPV6_HLEN + plen < len
                       ? DPI_IPV6_HLEN + plen : len);

    memcpy(pkt->key.src.b, ip + 8, 16);
    memcpy(pkt->key.dst.b, ip + 24, 16);
    pkt->key.ipv6 = 1;

    nxt = ip[6];
    p = ip + DPI_IPV6_HLEN;
    for (;;) {
        enum dpi_parse_result r;
        size_t hlen;

        if (nxt == DPI_IPPROTO_HOPOPTS || nxt == DPI_IPPROTO_ROUTING
            || nxt == DPI_IPPROTO_DSTOPTS) {
            r = dpi_check_room(&ctx, p, 2);
            if (r != DPI_PARSE_OK) {
                return r;
            }
            hlen = ((size_t) p[1] + 1) * 8;
        } else if (nxt == DPI_IPPROTO_FRAGMENT) {
            hlen = 8;
        } else {
            break;
        }
        r = dpi_check_room(&ctx, p, hlen);
        if (r != DPI_PARSE_OK) {
            return r;
        }
        if (nxt == DPI_IPPROTO_FRAGMENT && dpi_get_be16(p + 2) & 0xfff8) {
            /* A non-first fragment: no L4 header. */
            pkt->key.proto = p[0];
            pkt->is_fragment = 1;
            return DPI_PARSE_OK;
        }
        nxt = p[0];
        p += hlen;
    }

    pkt->key.proto = nxt;
    return dpi_parse_l4(&ctx, p, pkt);
}

/* Parses the Ethernet frame 'frame' of 'len' captured bytes into 'pkt'.
 * 802.1Q and 802.1ad tags are skipped; the innermost VLAN id becomes
 * pkt->key.vlan.  A PPPoE session header is skipped.  pkt->frame_len is
 * set to 'len'; a caller that knows the original length of a truncated
 * capture may overwrite it.  Returns
 * DPI_PARSE_OK if 'pkt' was filled in; otherwise the contents of 'pkt' are
 * unspecified. */
enum dpi_parse_result
dpi_parse_eth(const void *frame, size_t len, struct dpi_pkt *pkt)
{
    const uint8_t *p = frame;
    enum dpi_parse_result r;
    uint16_t vlan = 0;
    uint16_t type;
    size_t off;

    memset(pkt, 0, sizeof *pkt);
    pkt->frame_len = len > UINT32_MAX ? UINT32_MAX : len;
    if (len < DPI_ETH_HLEN) {
        return DPI_PARSE_TRUNCATED;
    }
    type = dpi_get_be16(p + 12);
    off = DPI_ETH_HLEN;
    while (type == DPI_ETH_TYPE_VLAN || type == DPI_ETH_TYPE_QINQ
           || type == DPI_ETH_TYPE_QINQ1) {
        if (len - off < DPI_VLAN_HLEN) {
            return DPI_PARSE_TRUNCATED;
        }
        vlan = dpi_get_be16(p + off) & 0x0fff;
        type = dpi_get_be16(p + off + 2);
        off += DPI_VLAN_HLEN;
    }
    if (type == DPI_ETH_TYPE_PPPOE) {
        uint16_t ppp;

        if (len - off < DPI_PPPOE_HLEN) {
            return DPI_PARSE_TRUNCATED;
        }
        ppp = dpi_get_be16(p + off + 6);
        type = (ppp == DPI_PPP_IPV4 ? DPI_ETH_TYPE_IPV4
                : ppp == DPI_PPP_IPV6 ? DPI_ETH_TYPE_IPV6
                : 0);
        off += DPI_PPPOE_HLEN;
    }

    if (type == DPI_ETH_TYPE_IPV4) {
        r = dpi_parse_ipv4(p + off, len - off, pkt);
    } else if (type == DPI_ETH_TYPE_IPV6) {
        r = dpi_parse_ipv6(p + off, len - off, pkt);
    } else {
        return DPI_PARSE_NOT_IP;
    }
    pkt->key.vlan = vlan;
    return r;
}

/* Parses the IPv4 (if 'is_ipv6' is false) or IPv6 packet at 'l3', of 'len'
 * bytes, into 'pkt'.  pkt->key.vlan is 0 and pkt->frame_len is 'len': the
 * caller sets them if it knows better.  Returns DPI_PARSE_OK if 'pkt' was
 * filled in; otherwise the contents of 'pkt' are unspecified. */
enum dpi_parse_result
dpi_parse_l3(const void *l3, size_t len, bool is_ipv6, struct dpi_pkt *pkt)
{
    memset(pkt, 0, sizeof *pkt);
    pkt->frame_len = len > UINT32_MAX ? UINT32_MAX : len;
    return (is_ipv6
            ? dpi_parse_ipv6(l3, len, pkt)
            : dpi_parse_ipv4(l3, len, pkt));
}

/* Returns a short English description of 'r'. */
const char *
dpi_parse_result_str(enum dpi_parse_result r)
{
    switch (r) {
    case DPI_PARSE_OK:
        return "ok";
    case DPI_PARSE_NOT_IP:
        return "not an IP packet";
    case DPI_PARSE_TRUNCATED:
        return "truncated header";
    case DPI_PARSE_MALFORMED:
        return "malformed header";
    default:
        return "unknown parse result";
    }
}
