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
 * IPv6 jumbograms have it.
 *
 * Tunnels
 * =======
 *
 * The connection key comes from the innermost IP header, as the corpus
 * oracle (tshark) and nDPI's "-t" option have it.  The parser looks through
 * these tunnel headers:
 *
 *   - VXLAN: UDP port 4789, 8-byte header, inner Ethernet frame.
 *
 *   - GRE (IP protocol 47) version 0 with optional checksum, key and
 *     sequence number fields, carrying IPv4 (0x0800), IPv6 (0x86dd) or
 *     Ethernet (transparent Ethernet bridging, 0x6558).  GRE with source
 *     routing is not looked into.  The enhanced GRE version 1 of PPTP is
 *     looked into when its PPP frame carries IPv4 or IPv6: tshark does so,
 *     and the corpus oracle keys such packets on the inner IP header.
 *     Other versions are not looked into.
 *
 *   - GTP-U: UDP port 2152, version 1 G-PDU (message type 0xff) with
 *     optional sequence number, N-PDU number and extension headers,
 *     carrying IPv4 or IPv6 (told apart by the version nibble).
 *
 *   - IP-in-IP: IPv4 or IPv6 directly behind IPv4 or IPv6 (protocol 4 or
 *     41).  Behind an IPv6 header, only when no extension header sits in
 *     between, as in the oracle.
 *
 * A UDP tunnel is recognised when either port is the tunnel's port; the
 * lower port is tried first.  ICMP errors (which quote an IP header) and
 * Teredo (IPv6 in UDP port 3544) are not looked into: they are flows of
 * their own.  Neither are IP fragments: only a whole datagram's tunnel
 * header is parsed.
 *
 * The inner packet's bytes are bounded by the outer header that carries
 * them (the UDP length, the outer IP length), so an inner length field can
 * never reach past its carrier.  If the inner packet does not parse (it is
 * cut short, malformed, or not IP, e.g. ARP in VXLAN), the packet is keyed
 * on the outer header, as if there were no tunnel: that is also what the
 * oracle does when it finds no inner IP header.  At most DPI_MAX_ENCAP
 * tunnel headers are removed, so that a packet of nested tunnels cannot
 * make the parser recurse without end.
 *
 * A tagged inner Ethernet frame's VLAN id replaces the outer one in the
 * key (the key's VLAN is the innermost 802.1Q id); 'frame_len' stays the
 * length of the outermost frame. */

#include "dpi.h"

#include <string.h>

/* Ethertypes. */
#define DPI_ETH_TYPE_IPV4   0x0800
#define DPI_ETH_TYPE_IPV6   0x86dd
#define DPI_ETH_TYPE_VLAN   0x8100  /* 802.1Q customer tag. */
#define DPI_ETH_TYPE_QINQ   0x88a8  /* 802.1ad service tag. */
#define DPI_ETH_TYPE_QINQ1  0x9100  /* Pre-standard QinQ service tag. */
#define DPI_ETH_TYPE_PPPOE  0x8864  /* PPPoE session stage. */
#define DPI_ETH_TYPE_TEB    0x6558  /* Transparent Ethernet bridging. */
#define DPI_ETH_TYPE_PPP    0x880b  /* PPP, in enhanced GRE. */

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
#define DPI_VXLAN_HLEN      8
#define DPI_GTP_HLEN        8       /* Mandatory part of a GTPv1 header. */
#define DPI_GTP_OPT_HLEN    4       /* Sequence, N-PDU, next extension. */
#define DPI_GRE_HLEN        4       /* Flags, version and protocol. */

/* GTP-U. */
#define DPI_GTP_MSG_GPDU    0xff    /* G-PDU: a user packet follows. */
#define DPI_GTP_FLAG_E      0x04    /* Extension header present. */
#define DPI_GTP_FLAGS_OPT   0x07    /* Any of E, S, PN: optional fields. */

/* GRE flags (first 16 bits of the header). */
#define DPI_GRE_C           0x8000  /* Checksum present. */
#define DPI_GRE_R           0x4000  /* Routing present. */
#define DPI_GRE_K           0x2000  /* Key present. */
#define DPI_GRE_S           0x1000  /* Sequence number present. */
#define DPI_GRE_A           0x0080  /* Acknowledgement present (v1). */
#define DPI_GRE_VERSION     0x0007  /* Version. */

/* IP protocol numbers (IPv6 next header values) the parser knows. */
#define DPI_IPPROTO_HOPOPTS  0
#define DPI_IPPROTO_IPIP     4
#define DPI_IPPROTO_TCP      6
#define DPI_IPPROTO_UDP      17
#define DPI_IPPROTO_IPV6     41
#define DPI_IPPROTO_ROUTING  43
#define DPI_IPPROTO_FRAGMENT 44
#define DPI_IPPROTO_GRE      47
#define DPI_IPPROTO_AH       51
#define DPI_IPPROTO_DSTOPTS  60

/* What a tunnel header is followed by. */
enum dpi_inner {
    DPI_INNER_ETH,              /* An Ethernet frame. */
    DPI_INNER_IPV4,             /* An IPv4 header. */
    DPI_INNER_IPV6,             /* An IPv6 header. */
};

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

static enum dpi_parse_result dpi_parse_ipv4(const uint8_t *ip, size_t len,
                                            struct dpi_pkt *);
static enum dpi_parse_result dpi_parse_ipv6(const uint8_t *ip, size_t len,
                                            struct dpi_pkt *);
static enum dpi_parse_result dpi_parse_frame(const uint8_t *p, size_t len,
                                             struct dpi_pkt *);

/* Parses the packet of kind 'inner' at 'p' ('len' bytes, all that its
 * carrier holds), which tunnel 'encap' carries, into a copy of 'pkt'.  If
 * that succeeds, the copy (keyed on the inner packet) replaces '*pkt';
 * otherwise '*pkt' is left as it is, keyed on the outer header.  Nothing
 * is done once DPI_MAX_ENCAP tunnel headers were removed. */
static void
dpi_decap(struct dpi_pkt *pkt, enum dpi_encap encap, enum dpi_inner inner,
          const uint8_t *p, size_t len)
{
    enum dpi_parse_result r;
    struct dpi_pkt in;

    if (pkt->n_encap >= DPI_MAX_ENCAP) {
        return;
    }
    memset(&in, 0, sizeof in);
    in.frame_len = pkt->frame_len;
    in.key.vlan = pkt->key.vlan;
    in.encap = pkt->encap | encap;
    in.n_encap = pkt->n_encap + 1;
    r = (inner == DPI_INNER_ETH ? dpi_parse_frame(p, len, &in)
         : inner == DPI_INNER_IPV4 ? dpi_parse_ipv4(p, len, &in)
         : dpi_parse_ipv6(p, len, &in));
    if (r == DPI_PARSE_OK) {
        *pkt = in;
    }
}

/* Looks into the GTP-U message at 'p' ('len' bytes of UDP payload) of
 * 'pkt': a version 1 G-PDU carrying an IPv4 or IPv6 packet. */
static void
dpi_parse_gtp_u(struct dpi_pkt *pkt, const uint8_t *p, size_t len)
{
    size_t end, off;
    uint8_t next;

    if (len < DPI_GTP_HLEN
        || (p[0] & 0xf0) != 0x30       /* Version 1, protocol type GTP. */
        || p[1] != DPI_GTP_MSG_GPDU) {
        return;
    }

    /* The length field counts the bytes after the mandatory header; it may
     * shorten what we look at, not lengthen it. */
    end = DPI_GTP_HLEN + dpi_get_be16(p + 2);
    if (end > len) {
        end = len;
    }

    off = DPI_GTP_HLEN;
    if (p[0] & DPI_GTP_FLAGS_OPT) {
        if (end - off < DPI_GTP_OPT_HLEN) {
            return;
        }
        next = p[off + 3];
        off += DPI_GTP_OPT_HLEN;
        if (!(p[0] & DPI_GTP_FLAG_E)) {
            next = 0;
        }

        /* Each extension header is a multiple of 4 bytes, given by its
         * first byte, and ends with the type of the next one. */
        while (next) {
            size_t elen;

            if (off >= end) {
                return;
            }
            elen = (size_t) p[off] * 4;
            if (!elen || elen > end - off) {
                return;
            }
            next = p[off + elen - 1];
            off += elen;
        }
    }
    if (off >= end) {
        return;
    }
    if (p[off] >> 4 == 4) {
        dpi_decap(pkt, DPI_ENCAP_GTP, DPI_INNER_IPV4, p + off, end - off);
    } else if (p[off] >> 4 == 6) {
        dpi_decap(pkt, DPI_ENCAP_GTP, DPI_INNER_IPV6, p + off, end - off);
    }
}

/* Looks into the GRE packet at 'p' ('len' bytes, up to the end of the IP
 * datagram) of 'pkt'.  See the comment at the top of this file for the
 * kinds of GRE understood. */
static void
dpi_parse_gre(struct dpi_pkt *pkt, const uint8_t *p, size_t len)
{
    enum dpi_inner inner;
    uint16_t flags, proto;
    size_t off;

    if (len < DPI_GRE_HLEN) {
        return;
    }
    flags = dpi_get_be16(p);
    proto = dpi_get_be16(p + 2);
    off = DPI_GRE_HLEN;
    if ((flags & DPI_GRE_VERSION) == 0) {
        if (flags & DPI_GRE_R) {
            return;             /* Source routing: not understood. */
        }
        off += (flags & DPI_GRE_C ? 4 : 0)     /* Checksum, reserved. */
               + (flags & DPI_GRE_K ? 4 : 0)   /* Key. */
               + (flags & DPI_GRE_S ? 4 : 0);  /* Sequence number. */
        if (proto == DPI_ETH_TYPE_IPV4) {
            inner = DPI_INNER_IPV4;
        } else if (proto == DPI_ETH_TYPE_IPV6) {
            inner = DPI_INNER_IPV6;
        } else if (proto == DPI_ETH_TYPE_TEB) {
            inner = DPI_INNER_ETH;
        } else {
            return;
        }
        if (off >= len) {
            return;
        }
    } else if ((flags & DPI_GRE_VERSION) == 1) {
        uint16_t ppp;

        /* Enhanced GRE (RFC 2637): a key (payload length and call id) is
         * always there, checksum and routing never are. */
        if (proto != DPI_ETH_TYPE_PPP || !(flags & DPI_GRE_K)
            || flags & (DPI_GRE_C | DPI_GRE_R)) {
            return;
        }
        off += 4 + (flags & DPI_GRE_S ? 4 : 0) + (flags & DPI_GRE_A ? 4 : 0);

        /* The PPP frame: an optional address and control field (0xff
         * 0x03), then a protocol field of one byte (odd) or two. */
        if (off + 2 <= len && p[off] == 0xff && p[off + 1] == 0x03) {
            off += 2;
        }
        if (off >= len) {
            return;
        }
        if (p[off] & 1) {
            ppp = p[off];
            off += 1;
        } else if (len - off >= 2) {
            ppp = dpi_get_be16(p + off);
            off += 2;
        } else {
            return;
        }
        if (ppp == DPI_PPP_IPV4) {
            inner = DPI_INNER_IPV4;
        } else if (ppp == DPI_PPP_IPV6) {
            inner = DPI_INNER_IPV6;
        } else {
            return;
        }
        if (off >= len) {
            return;
        }
    } else {
        return;
    }
    dpi_decap(pkt, DPI_ENCAP_GRE, inner, p + off, len - off);
}

/* Looks into the tunnel, if any, that 'pkt' (just parsed up to its L4
 * header at 'l4') carries.  IP-in-IP is looked into only if 'allow_ipip'.
 * A fragment of a datagram is never looked into. */
static void
dpi_parse_tunnel(const struct dpi_parse_ctx *ctx, const uint8_t *l4,
                 struct dpi_pkt *pkt, bool allow_ipip)
{
    if (pkt->frag_offset || pkt->frag_more) {
        return;
    }
    switch (pkt->key.proto) {
    case DPI_IPPROTO_UDP: {
        uint16_t lo = pkt->key.sport < pkt->key.dport
                      ? pkt->key.sport : pkt->key.dport;
        uint16_t hi = pkt->key.sport ^ pkt->key.dport ^ lo;
        uint16_t port = (lo == DPI_PORT_GTP_U || lo == DPI_PORT_VXLAN
                         ? lo : hi);

        if (!pkt->payload) {
            return;
        }
        if (port == DPI_PORT_VXLAN
            && pkt->payload_len > DPI_VXLAN_HLEN) {
            dpi_decap(pkt, DPI_ENCAP_VXLAN, DPI_INNER_ETH,
                      pkt->payload + DPI_VXLAN_HLEN,
                      pkt->payload_len - DPI_VXLAN_HLEN);
        } else if (port == DPI_PORT_GTP_U) {
            dpi_parse_gtp_u(pkt, pkt->payload, pkt->payload_len);
        }
        break;
    }
    case DPI_IPPROTO_GRE:
        dpi_parse_gre(pkt, l4, ctx->ip_end - l4);
        break;
    case DPI_IPPROTO_IPIP:
        if (allow_ipip) {
            dpi_decap(pkt, DPI_ENCAP_IPIP, DPI_INNER_IPV4, l4,
                      ctx->ip_end - l4);
        }
        break;
    case DPI_IPPROTO_IPV6:
        if (allow_ipip) {
            dpi_decap(pkt, DPI_ENCAP_IPIP, DPI_INNER_IPV6, l4,
                      ctx->ip_end - l4);
        }
        break;
    default:
        break;
    }
}

/* Parses the IPv4 datagram at 'ip' ('len' captured bytes) into 'pkt',
 * looking into the tunnel it may carry. */
static enum dpi_parse_result
dpi_parse_ipv4(const uint8_t *ip, size_t len, struct dpi_pkt *pkt)
{
    struct dpi_parse_ctx ctx;
    enum dpi_parse_result r;
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
    pkt->frag_id = dpi_get_be16(ip + 4);
    pkt->frag_offset = frag & 0x1fff;
    pkt->frag_more = (frag & 0x2000) != 0;
    if (pkt->frag_offset) {
        /* A non-first fragment: no L4 header. */
        pkt->is_fragment = 1;
        return DPI_PARSE_OK;
    }
    r = dpi_parse_l4(&ctx, ip + ihl, pkt);
    if (r == DPI_PARSE_OK) {
        dpi_parse_tunnel(&ctx, ip + ihl, pkt, true);
    }
    return r;
}

/* Parses the IPv6 packet at 'ip' ('len' captured bytes) into 'pkt',
 * skipping hop-by-hop, routing, destination options, authentication and
 * fragment extension headers, as Open vSwitch's flow extraction does, and
 * looking into the tunnel it may carry. */
static enum dpi_parse_result
dpi_parse_ipv6(const uint8_t *ip, size_t len, struct dpi_pkt *pkt)
{
    struct dpi_parse_ctx ctx;
    enum dpi_parse_result r;
    bool ext = false;
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
        size_t hlen;

        if (nxt == DPI_IPPROTO_HOPOPTS || nxt == DPI_IPPROTO_ROUTING
            || nxt == DPI_IPPROTO_DSTOPTS) {
            r = dpi_check_room(&ctx, p, 2);
            if (r != DPI_PARSE_OK) {
                return r;
            }
            hlen = ((size_t) p[1] + 1) * 8;
        } else if (nxt == DPI_IPPROTO_AH) {
            /* The authentication header counts its length in 32-bit
             * words, less 2. */
            r = dpi_check_room(&ctx, p, 2);
            if (r != DPI_PARSE_OK) {
                return r;
            }
            hlen = ((size_t) p[1] + 2) * 4;
        } else if (nxt == DPI_IPPROTO_FRAGMENT) {
            hlen = 8;
        } else {
            break;
        }
        r = dpi_check_room(&ctx, p, hlen);
        if (r != DPI_PARSE_OK) {
            return r;
        }
        if (nxt == DPI_IPPROTO_FRAGMENT) {
            uint16_t off_m = dpi_get_be16(p + 2);

            pkt->frag_id = dpi_get_be32(p + 4);
            pkt->frag_offset = off_m >> 3;
            pkt->frag_more = off_m & 1;
            if (pkt->frag_offset) {
                /* A non-first fragment: no L4 header. */
                pkt->key.proto = p[0];
                pkt->is_fragment = 1;
                return DPI_PARSE_OK;
            }
        }
        ext = true;
        nxt = p[0];
        p += hlen;
    }

    pkt->key.proto = nxt;
    r = dpi_parse_l4(&ctx, p, pkt);
    if (r == DPI_PARSE_OK) {
        /* The oracle looks into IP-in-IPv6 only when no extension header
         * sits between the two IP headers. */
        dpi_parse_tunnel(&ctx, p, pkt, !ext);
    }
    return r;
}

/* Parses the Ethernet frame at 'p' ('len' bytes) into 'pkt', whose other
 * members the caller initialised.  802.1Q and 802.1ad tags are skipped and
 * the innermost VLAN id, if the frame has any, replaces pkt->key.vlan.  A
 * PPPoE session header is skipped. */
static enum dpi_parse_result
dpi_parse_frame(const uint8_t *p, size_t len, struct dpi_pkt *pkt)
{
    uint16_t type;
    size_t off;

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
        pkt->key.vlan = dpi_get_be16(p + off) & 0x0fff;
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
        return dpi_parse_ipv4(p + off, len - off, pkt);
    } else if (type == DPI_ETH_TYPE_IPV6) {
        return dpi_parse_ipv6(p + off, len - off, pkt);
    } else {
        return DPI_PARSE_NOT_IP;
    }
}

/* Parses the Ethernet frame 'frame' of 'len' captured bytes into 'pkt'.
 * 802.1Q and 802.1ad tags are skipped; the innermost VLAN id becomes
 * pkt->key.vlan.  A PPPoE session header is skipped.  Tunnels are looked
 * into (see the comment at the top of this file).  pkt->frame_len is set
 * to 'len'; a caller that knows the original length of a truncated
 * capture may overwrite it.  Returns DPI_PARSE_OK if 'pkt' was filled in;
 * otherwise the contents of 'pkt' are unspecified. */
enum dpi_parse_result
dpi_parse_eth(const void *frame, size_t len, struct dpi_pkt *pkt)
{
    memset(pkt, 0, sizeof *pkt);
    pkt->frame_len = len > UINT32_MAX ? UINT32_MAX : len;
    return dpi_parse_frame(frame, len, pkt);
}

/* Parses the IPv4 (if 'is_ipv6' is false) or IPv6 packet at 'l3', of 'len'
 * bytes, into 'pkt', looking into tunnels as dpi_parse_eth() does.  'vlan'
 * is the innermost VLAN id of the frame that carries the packet (0 if
 * untagged, or if there is no such frame): it becomes pkt->key.vlan unless
 * a tunnel holds a tagged Ethernet frame, whose innermost VLAN id replaces
 * it, as in dpi_parse_eth().  pkt->frame_len is 'len': the caller sets it
 * if it knows better.  Returns DPI_PARSE_OK if 'pkt' was filled in;
 * otherwise the contents of 'pkt' are unspecified. */
enum dpi_parse_result
dpi_parse_l3(const void *l3, size_t len, bool is_ipv6, uint16_t vlan,
             struct dpi_pkt *pkt)
{
    memset(pkt, 0, sizeof *pkt);
    pkt->frame_len = len > UINT32_MAX ? UINT32_MAX : len;
    pkt->key.vlan = vlan & 0x0fff;
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

/* Returns the name of tunnel 'encap' (a single DPI_ENCAP_* bit) as the
 * corpus oracle's 'encap' column spells it, or "?" if unknown. */
const char *
dpi_encap_name(enum dpi_encap encap)
{
    switch (encap) {
    case DPI_ENCAP_VXLAN:
        return "vxlan";
    case DPI_ENCAP_GRE:
        return "gre";
    case DPI_ENCAP_GTP:
        return "gtp";
    case DPI_ENCAP_IPIP:
        return "ip-in-ip";
    default:
        return "?";
    }
}

/* Writes the names of the tunnels in 'encap' (DPI_ENCAP_* bits), joined by
 * '/', into 'buf' of 'size' bytes (truncated if need be, always
 * NUL-terminated if 'size' is nonzero), and returns 'buf'.  No tunnel
 * gives "".  The names come in the order of the bits, which is the
 * nesting order only for a single tunnel; a tunnel nested in one of its
 * own kind is named once. */
char *
dpi_encap_names(uint8_t encap, char *buf, size_t size)
{
    size_t n = 0;

    if (!size) {
        return buf;
    }
    buf[0] = '\0';
    for (unsigned int bit = 1; bit <= UINT8_MAX; bit <<= 1) {
        const char *name;
        size_t len;

        if (!(encap & bit)) {
            continue;
        }
        name = dpi_encap_name((enum dpi_encap) bit);
        len = strlen(name);
        if (n && n + 1 < size) {
            buf[n++] = '/';
        }
        if (len > size - 1 - n) {
            len = size - 1 - n;
        }
        memcpy(buf + n, name, len);
        n += len;
        buf[n] = '\0';
    }
    return buf;
}
