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

/* Unit tests of the packet parser (lib/dpi-packet.c).
 *
 * Each test builds a packet header by header with the put_*() helpers
 * below, from field values written in the test, and checks what the parser
 * makes of it.  Every parse runs on an exactly sized heap copy of the
 * bytes, so that AddressSanitizer or valgrind catch any read past the
 * end. */

#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dpi.h"

/* A packet under construction. */
struct pkt_buf {
    uint8_t data[2048];         /* The bytes. */
    size_t len;                 /* Bytes used. */
};

/* Appends 'n' bytes at 'p' to 'b'. */
static void
put_bytes(struct pkt_buf *b, const void *p, size_t n)
{
    assert_true(b->len + n <= sizeof b->data);
    memcpy(&b->data[b->len], p, n);
    b->len += n;
}

/* Appends the 16-bit value 'v' in network byte order. */
static void
put_be16(struct pkt_buf *b, uint16_t v)
{
    uint8_t x[2] = { v >> 8, v & 0xff };

    put_bytes(b, x, 2);
}

/* Appends the 32-bit value 'v' in network byte order. */
static void
put_be32(struct pkt_buf *b, uint32_t v)
{
    put_be16(b, v >> 16);
    put_be16(b, v & 0xffff);
}

/* Appends 'n' bytes of value 'v'. */
static void
put_fill(struct pkt_buf *b, uint8_t v, size_t n)
{
    assert_true(b->len + n <= sizeof b->data);
    memset(&b->data[b->len], v, n);
    b->len += n;
}

/* Appends an Ethernet header with type (or first TPID) 'type'. */
static void
put_eth(struct pkt_buf *b, uint16_t type)
{
    static const uint8_t macs[12] = {
        0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2,
    };

    put_bytes(b, macs, sizeof macs);
    put_be16(b, type);
}

/* Appends the rest of a VLAN tag: TCI with VLAN id 'vid' and priority 3,
 * then the next type 'next'. */
static void
put_vlan(struct pkt_buf *b, uint16_t vid, uint16_t next)
{
    put_be16(b, (3 << 13) | vid);
    put_be16(b, next);
}

/* Appends an IPv4 header: 'ihl' in 32-bit words (options filled with NOP),
 * total length 'tot_len', fragment field 'frag' (flags and offset),
 * protocol 'proto', addresses 'src' and 'dst' (host order). */
static void
put_ipv4(struct pkt_buf *b, unsigned int ihl, uint16_t tot_len,
         uint16_t frag, uint8_t proto, uint32_t src, uint32_t dst)
{
    uint8_t ttl_proto[2] = { 64, proto };

    put_fill(b, 0x40 | ihl, 1);
    put_fill(b, 0, 1);                  /* TOS. */
    put_be16(b, tot_len);
    put_be16(b, 0x1234);                /* Identification. */
    put_be16(b, frag);
    put_bytes(b, ttl_proto, 2);
    put_be16(b, 0);                     /* Checksum (unchecked). */
    put_be32(b, src);
    put_be32(b, dst);
    if (ihl > 5) {
        put_fill(b, 1, (ihl - 5) * 4);  /* NOP options. */
    }
}

/* Appends an IPv6 header with next header 'nxt', payload length 'plen',
 * and addresses 2001:db8::'s' and 2001:db8::'d'. */
static void
put_ipv6(struct pkt_buf *b, uint8_t nxt, uint16_t plen, uint8_t s,
         uint8_t d)
{
    uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8 };
    uint8_t nxt_hlim[2] = { nxt, 64 };

    put_be32(b, 0x60000000);
    put_be16(b, plen);
    put_bytes(b, nxt_hlim, 2);
    addr[15] = s;
    put_bytes(b, addr, 16);
    addr[15] = d;
    put_bytes(b, addr, 16);
}

/* Appends an IPv6 extension header of the hop-by-hop/routing/destination
 * options format: next header 'nxt', total length 8 * ('len8' + 1). */
static void
put_ipv6_opts(struct pkt_buf *b, uint8_t nxt, uint8_t len8)
{
    uint8_t h[2] = { nxt, len8 };

    put_bytes(b, h, 2);
    put_fill(b, 0, 6 + 8 * len8);
}

/* Appends an IPv6 fragment header: next header 'nxt', fragment offset
 * 'offset' (in 8-byte units), more-fragments flag 'mf'. */
static void
put_ipv6_frag(struct pkt_buf *b, uint8_t nxt, uint16_t offset, bool mf)
{
    uint8_t h[2] = { nxt, 0 };

    put_bytes(b, h, 2);
    put_be16(b, (offset << 3) | mf);
    put_be32(b, 0xabcd);
}

/* Appends a TCP header with data offset 'doff' (32-bit words; options
 * filled with NOP). */
static void
put_tcp(struct pkt_buf *b, uint16_t sport, uint16_t dport, uint32_t seq,
        uint32_t ack, uint8_t flags, unsigned int doff)
{
    uint8_t off_flags[2] = { doff << 4, flags };

    put_be16(b, sport);
    put_be16(b, dport);
    put_be32(b, seq);
    put_be32(b, ack);
    put_bytes(b, off_flags, 2);
    put_be16(b, 65535);                 /* Window. */
    put_be32(b, 0);                     /* Checksum, urgent pointer. */
    if (doff > 5) {
        put_fill(b, 1, (doff - 5) * 4);
    }
}

/* Appends a UDP header with length field 'ulen'. */
static void
put_udp(struct pkt_buf *b, uint16_t sport, uint16_t dport, uint16_t ulen)
{
    put_be16(b, sport);
    put_be16(b, dport);
    put_be16(b, ulen);
    put_be16(b, 0);
}

/* Parses the first 'len' bytes of 'b' as an Ethernet frame from an exactly
 * sized heap copy. */
static enum dpi_parse_result
parse_eth_prefix(const struct pkt_buf *b, size_t len, struct dpi_pkt *pkt)
{
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_parse_result r;

    assert_non_null(copy);
    memcpy(copy, b->data, len);
    r = dpi_parse_eth(copy, len, pkt);
    if (r == DPI_PARSE_OK && pkt->payload) {
        /* The payload must lie inside the copy. */
        assert_true(pkt->payload >= copy);
        assert_true(pkt->payload + pkt->payload_len <= copy + len);
        pkt->payload = b->data + (pkt->payload - copy);
    }
    free(copy);
    return r;
}

/* Parses all of 'b' as an Ethernet frame. */
static enum dpi_parse_result
parse_eth(const struct pkt_buf *b, struct dpi_pkt *pkt)
{
    return parse_eth_prefix(b, b->len, pkt);
}

/* Parses 'b' from offset 'off' as an IP packet, carried by a frame of VLAN
 * 'vlan', with dpi_parse_l3(). */
static enum dpi_parse_result
parse_l3_vlan(const struct pkt_buf *b, size_t off, bool is_ipv6,
              uint16_t vlan, struct dpi_pkt *pkt)
{
    size_t len = b->len - off;
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_parse_result r;

    assert_non_null(copy);
    memcpy(copy, b->data + off, len);
    r = dpi_parse_l3(copy, len, is_ipv6, vlan, pkt);
    if (r == DPI_PARSE_OK && pkt->payload) {
        assert_true(pkt->payload >= copy);
        assert_true(pkt->payload + pkt->payload_len <= copy + len);
        pkt->payload = b->data + off + (pkt->payload - copy);
    }
    free(copy);
    return r;
}

/* Parses 'b' from offset 'off' as an untagged IP packet with
 * dpi_parse_l3(). */
static enum dpi_parse_result
parse_l3(const struct pkt_buf *b, size_t off, bool is_ipv6,
         struct dpi_pkt *pkt)
{
    return parse_l3_vlan(b, off, is_ipv6, 0, pkt);
}

/* Asserts that 'a' is the IPv4-mapped IPv6 address of 'ipv4'. */
static void
assert_mapped_ipv4(const struct dpi_addr *a, uint32_t ipv4)
{
    static const uint8_t prefix[12] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    };

    assert_memory_equal(a->b, prefix, 12);
    assert_int_equal(a->b[12], ipv4 >> 24);
    assert_int_equal(a->b[13], (ipv4 >> 16) & 0xff);
    assert_int_equal(a->b[14], (ipv4 >> 8) & 0xff);
    assert_int_equal(a->b[15], ipv4 & 0xff);
}

/* Asserts that 'a' is 2001:db8::'last'. */
static void
assert_doc_ipv6(const struct dpi_addr *a, uint8_t last)
{
    uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8 };

    addr[15] = last;
    assert_memory_equal(a->b, addr, 16);
}

#define HTTP_GET "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"

/* Builds Ethernet + IPv4 + TCP + HTTP_GET into 'b'. */
static void
build_ipv4_tcp_get(struct pkt_buf *b)
{
    size_t plen = strlen(HTTP_GET);

    b->len = 0;
    put_eth(b, 0x0800);
    put_ipv4(b, 5, 20 + 20 + plen, 0x4000, 6, 0xc0000201, 0xc6336402);
    put_tcp(b, 40000, 80, 1000, 2000, 0x18, 5);
    put_bytes(b, HTTP_GET, plen);
}

/* An IPv4 TCP segment yields its 5-tuple, sequence numbers, flags and
 * payload, with IPv4 addresses mapped into IPv6. */
static void
test_ipv4_tcp_fills_key_and_payload(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_ipv4_tcp_get(&b);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_mapped_ipv4(&pkt.key.src, 0xc0000201);
    assert_mapped_ipv4(&pkt.key.dst, 0xc6336402);
    assert_int_equal(pkt.key.sport, 40000);
    assert_int_equal(pkt.key.dport, 80);
    assert_int_equal(pkt.key.proto, 6);
    assert_int_equal(pkt.key.ipv6, 0);
    assert_int_equal(pkt.key.vlan, 0);
    assert_int_equal(pkt.tcp_seq, 1000);
    assert_int_equal(pkt.tcp_ack, 2000);
    assert_int_equal(pkt.tcp_flags, 0x18);
    assert_int_equal(pkt.is_fragment, 0);
    assert_int_equal(pkt.frame_len, b.len);
    assert_int_equal(pkt.payload_len, strlen(HTTP_GET));
    assert_memory_equal(pkt.payload, HTTP_GET, strlen(HTTP_GET));
}

/* An 802.1Q tag's VLAN id becomes key.vlan. */
static void
test_vlan_tag_sets_vlan(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x8100);
    put_vlan(&b, 42, 0x0800);
    put_ipv4(&b, 5, 28 + 4, 0, 17, 0x0a000001, 0x0a000002);
    put_udp(&b, 5353, 53, 12);
    put_fill(&b, 0xaa, 4);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.vlan, 42);
    assert_int_equal(pkt.key.proto, 17);
    assert_int_equal(pkt.key.sport, 5353);
    assert_int_equal(pkt.key.dport, 53);
    assert_int_equal(pkt.payload_len, 4);
}

/* With QinQ (an 802.1ad tag, then an 802.1Q tag), the innermost VLAN id
 * is the key's. */
static void
test_qinq_uses_innermost_vlan(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x88a8);
    put_vlan(&b, 100, 0x8100);
    put_vlan(&b, 200, 0x0800);
    put_ipv4(&b, 5, 28, 0, 17, 0x0a000001, 0x0a000002);
    put_udp(&b, 1111, 2222, 8);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.vlan, 200);
    assert_int_equal(pkt.key.sport, 1111);
    assert_int_equal(pkt.payload_len, 0);
    assert_null(pkt.payload);
}

/* A frame that ends inside a VLAN tag is truncated. */
static void
test_vlan_tag_cut_short_is_truncated(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x8100);
    put_be16(&b, 7);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_TRUNCATED);
}

/* IPv4 options are skipped: the L4 header is found after IHL words. */
static void
test_ipv4_options_are_skipped(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 8, 32 + 20 + 3, 0, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 443, 1, 0, 0x18, 5);
    put_bytes(&b, "abc", 3);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.sport, 1234);
    assert_int_equal(pkt.key.dport, 443);
    assert_int_equal(pkt.payload_len, 3);
    assert_memory_equal(pkt.payload, "abc", 3);
}

/* TCP options are skipped: the payload starts after the data offset. */
static void
test_tcp_options_are_skipped(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 20 + 32 + 2, 0, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 443, 1, 0, 0x18, 8);
    put_bytes(&b, "hi", 2);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.payload_len, 2);
    assert_memory_equal(pkt.payload, "hi", 2);
}

/* Ethernet padding after a short IPv4 datagram is not payload: a bare
 * ACK padded to the 60-byte minimum frame has none. */
static void
test_ethernet_padding_is_not_payload(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 40, 0, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 80, 5, 6, 0x10, 5);
    put_fill(&b, 0, 60 - b.len);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.payload_len, 0);
    assert_null(pkt.payload);
    assert_int_equal(pkt.frame_len, 60);
}

/* An IPv4 total length larger than the bytes present is not trusted: the
 * payload is what was captured. */
static void
test_ipv4_total_length_beyond_buffer_is_clipped(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 1500, 0, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 80, 5, 6, 0x18, 5);
    put_bytes(&b, "0123456789", 10);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.payload_len, 10);
}

/* An IPv4 total length of 0, as in a segmentation offload (TSO) packet,
 * means the whole captured datagram. */
static void
test_ipv4_zero_total_length_takes_captured_bytes(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0, 0x4000, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 80, 5, 6, 0x18, 5);
    put_fill(&b, 0x33, 1900);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.payload_len, 1900);
}

/* An IPv6 payload length of 0 (jumbogram or segmentation offload) means
 * the whole captured packet. */
static void
test_ipv6_zero_payload_length_takes_captured_bytes(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 6, 0, 1, 2);
    put_tcp(&b, 1234, 80, 5, 6, 0x18, 5);
    put_fill(&b, 0x33, 1000);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.payload_len, 1000);
}

/* A PPPoE session frame carrying IPv4 behind two VLAN tags is parsed to its
 * UDP payload, with the inner VLAN. */
static void
test_pppoe_session_is_parsed(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x8100);
    put_vlan(&b, 421, 0x8100);
    put_vlan(&b, 785, 0x8864);
    put_be16(&b, 0x1100);               /* Version 1, type 1, code 0. */
    put_be16(&b, 0x556a);               /* Session id. */
    put_be16(&b, 2 + 28 + 5);           /* PPPoE payload length. */
    put_be16(&b, 0x0021);               /* PPP: IPv4. */
    put_ipv4(&b, 5, 28 + 5, 0, 17, 0x52b271f5, 0x52b29eb5);
    put_udp(&b, 47255, 53, 8 + 5);
    put_bytes(&b, "hello", 5);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.vlan, 785);
    assert_mapped_ipv4(&pkt.key.src, 0x52b271f5);
    assert_int_equal(pkt.key.sport, 47255);
    assert_int_equal(pkt.key.dport, 53);
    assert_int_equal(pkt.payload_len, 5);
}

/* A PPPoE session frame carrying something other than IP is not IP, and
 * one cut inside the PPPoE header is truncated. */
static void
test_pppoe_non_ip_and_truncated(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x8864);
    put_be16(&b, 0x1100);
    put_be16(&b, 0x0001);
    put_be16(&b, 10);
    put_be16(&b, 0xc021);               /* PPP: LCP. */
    put_fill(&b, 0, 8);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_NOT_IP);
    assert_int_equal(parse_eth_prefix(&b, 14 + 7, &pkt),
                     DPI_PARSE_TRUNCATED);
}

/* An IPv4 total length that leaves out part of the TCP header that is
 * present in the buffer is a lie: malformed. */
static void
test_ipv4_total_length_inside_tcp_header_is_malformed(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 30, 0, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 80, 5, 6, 0x18, 5);
    put_bytes(&b, "0123456789", 10);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_MALFORMED);
}

/* An IPv4 total length smaller than the header is malformed. */
static void
test_ipv4_total_length_below_header_is_malformed(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 19, 0, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 80, 5, 6, 0x18, 5);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_MALFORMED);
}

/* An IHL below 5 words is malformed. */
static void
test_ipv4_bad_ihl_is_malformed(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 4, 40, 0, 6, 0x0a000001, 0x0a000002);
    put_fill(&b, 0, 20);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_MALFORMED);
}

/* An IHL that points past the captured bytes is truncated. */
static void
test_ipv4_ihl_past_buffer_is_truncated(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 60, 0, 6, 0x0a000001, 0x0a000002);
    b.data[14] = 0x4f;                  /* IHL 15: 60 bytes. */
    put_fill(&b, 0, 10);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_TRUNCATED);
}

/* A version other than 4 in an IPv4 ethertype frame is malformed. */
static void
test_ipv4_wrong_version_is_malformed(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_ipv4_tcp_get(&b);
    b.data[14] = 0x65;
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_MALFORMED);
}

/* A TCP data offset below 5 words is malformed. */
static void
test_tcp_bad_data_offset_is_malformed(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_ipv4_tcp_get(&b);
    b.data[14 + 20 + 12] = 4 << 4;
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_MALFORMED);
}

/* A TCP data offset past the captured bytes is truncated. */
static void
test_tcp_data_offset_past_buffer_is_truncated(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 100, 0, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 80, 5, 6, 0x18, 5);
    b.data[14 + 20 + 12] = 15 << 4;     /* 60-byte header... */
    put_fill(&b, 0, 10);                /* ...of which 30 bytes exist. */

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_TRUNCATED);
}

/* A non-first IPv4 fragment has no L4 header: no ports, no payload,
 * is_fragment set. */
static void
test_ipv4_non_first_fragment_has_no_ports(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 20 + 16, 185, 17, 0x0a000001, 0x0a000002);
    put_fill(&b, 0x55, 16);             /* Looks like nothing. */

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.is_fragment, 1);
    assert_int_equal(pkt.key.proto, 17);
    assert_int_equal(pkt.key.sport, 0);
    assert_int_equal(pkt.key.dport, 0);
    assert_null(pkt.payload);
    assert_int_equal(pkt.payload_len, 0);
}

/* The first fragment of an IPv4 datagram (MF set, offset 0) carries the L4
 * header and is parsed; its payload is the bytes of this fragment only,
 * although the UDP length covers the whole datagram. */
static void
test_ipv4_first_fragment_is_parsed(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 20 + 8 + 24, 0x2000, 17, 0x0a000001, 0x0a000002);
    put_udp(&b, 53, 33333, 8 + 3000);
    put_fill(&b, 0x11, 24);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.is_fragment, 0);
    assert_int_equal(pkt.key.sport, 53);
    assert_int_equal(pkt.key.dport, 33333);
    assert_int_equal(pkt.payload_len, 24);
}

/* The UDP length shortens the payload when it is smaller than the IP
 * datagram. */
static void
test_udp_length_limits_payload(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 20 + 8 + 10, 0, 17, 0x0a000001, 0x0a000002);
    put_udp(&b, 1000, 2000, 8 + 6);
    put_fill(&b, 0x11, 10);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.payload_len, 6);
}

/* A UDP length below the header size is malformed. */
static void
test_udp_length_below_header_is_malformed(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 20 + 8 + 4, 0, 17, 0x0a000001, 0x0a000002);
    put_udp(&b, 1000, 2000, 7);
    put_fill(&b, 0x11, 4);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_MALFORMED);
}

/* ICMP has no ports and no payload in the key's sense. */
static void
test_icmp_has_no_ports(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 20 + 8, 0, 1, 0x0a000001, 0x0a000002);
    put_be32(&b, 0x08000000);           /* Echo request. */
    put_be32(&b, 0x00010001);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.proto, 1);
    assert_int_equal(pkt.key.sport, 0);
    assert_int_equal(pkt.key.dport, 0);
    assert_int_equal(pkt.tcp_flags, 0);
    assert_null(pkt.payload);
}

/* An ARP frame is not IP. */
static void
test_arp_is_not_ip(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0806);
    put_fill(&b, 0, 28);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_NOT_IP);
}

/* An IPv6 UDP datagram yields its addresses and ports. */
static void
test_ipv6_udp_fills_key(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 17, 8 + 5, 1, 2);
    put_udp(&b, 40000, 443, 8 + 5);
    put_bytes(&b, "quic!", 5);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_doc_ipv6(&pkt.key.src, 1);
    assert_doc_ipv6(&pkt.key.dst, 2);
    assert_int_equal(pkt.key.ipv6, 1);
    assert_int_equal(pkt.key.proto, 17);
    assert_int_equal(pkt.key.sport, 40000);
    assert_int_equal(pkt.key.dport, 443);
    assert_int_equal(pkt.payload_len, 5);
    assert_memory_equal(pkt.payload, "quic!", 5);
}

/* Hop-by-hop, destination options and routing headers are skipped to reach
 * TCP. */
static void
test_ipv6_extension_headers_are_skipped(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 0, 8 + 16 + 8 + 20 + 4, 1, 2);
    put_ipv6_opts(&b, 60, 0);           /* Hop-by-hop, 8 bytes. */
    put_ipv6_opts(&b, 43, 1);           /* Destination options, 16. */
    put_ipv6_opts(&b, 6, 0);            /* Routing, 8. */
    put_tcp(&b, 5555, 22, 77, 0, 0x02, 5);
    put_bytes(&b, "SSH-", 4);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.proto, 6);
    assert_int_equal(pkt.key.sport, 5555);
    assert_int_equal(pkt.key.dport, 22);
    assert_int_equal(pkt.tcp_seq, 77);
    assert_int_equal(pkt.tcp_flags, 0x02);
    assert_int_equal(pkt.payload_len, 4);
}

/* An IPv6 extension header whose length runs past the captured bytes is
 * truncated. */
static void
test_ipv6_extension_header_past_buffer_is_truncated(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 0, 200, 1, 2);
    put_be16(&b, (6 << 8) | 20);        /* Claims 168 bytes. */
    put_fill(&b, 0, 30);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_TRUNCATED);
}

/* An IPv6 extension header that runs past the payload length, within the
 * captured bytes, is malformed. */
static void
test_ipv6_extension_header_past_payload_length_is_malformed(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 0, 8, 1, 2);
    put_ipv6_opts(&b, 17, 1);           /* 16 bytes, payload length 8. */
    put_udp(&b, 1, 2, 8);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_MALFORMED);
}

/* The first IPv6 fragment (offset 0) is parsed through to UDP. */
static void
test_ipv6_first_fragment_is_parsed(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 44, 8 + 8 + 16, 1, 2);
    put_ipv6_frag(&b, 17, 0, true);
    put_udp(&b, 53, 4444, 8 + 2000);
    put_fill(&b, 0x22, 16);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.is_fragment, 0);
    assert_int_equal(pkt.key.proto, 17);
    assert_int_equal(pkt.key.sport, 53);
    assert_int_equal(pkt.payload_len, 16);
}

/* A non-first IPv6 fragment has no L4 header; its protocol comes from the
 * fragment header. */
static void
test_ipv6_non_first_fragment_has_no_ports(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 44, 8 + 16, 1, 2);
    put_ipv6_frag(&b, 17, 100, false);
    put_fill(&b, 0x22, 16);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.is_fragment, 1);
    assert_int_equal(pkt.key.proto, 17);
    assert_int_equal(pkt.key.sport, 0);
    assert_int_equal(pkt.key.dport, 0);
    assert_null(pkt.payload);
}

/* dpi_parse_l3() parses from the IPv4 header and leaves the VLAN at 0. */
static void
test_parse_l3_ipv4(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_ipv4_tcp_get(&b);
    assert_int_equal(parse_l3(&b, 14, false, &pkt), DPI_PARSE_OK);
    assert_mapped_ipv4(&pkt.key.src, 0xc0000201);
    assert_int_equal(pkt.key.dport, 80);
    assert_int_equal(pkt.key.vlan, 0);
    assert_int_equal(pkt.payload_len, strlen(HTTP_GET));
    assert_int_equal(pkt.frame_len, b.len - 14);
}

/* dpi_parse_l3() parses from the IPv6 header, and refuses an IPv4 header
 * when told it is IPv6. */
static void
test_parse_l3_ipv6(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct pkt_buf b4;
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 6, 20, 3, 4);
    put_tcp(&b, 1, 2, 3, 4, 0x10, 5);
    assert_int_equal(parse_l3(&b, 14, true, &pkt), DPI_PARSE_OK);
    assert_doc_ipv6(&pkt.key.dst, 4);
    assert_int_equal(pkt.key.sport, 1);

    build_ipv4_tcp_get(&b4);
    assert_int_equal(parse_l3(&b4, 14, true, &pkt), DPI_PARSE_MALFORMED);
}

/* Cutting a frame at every byte offset gives TRUNCATED while a header is
 * incomplete and OK with a proportionally shorter payload afterwards; no
 * cut reads out of bounds (the parse runs on exactly sized copies). */
static void
check_every_truncation(const struct pkt_buf *b, size_t hdr_len)
{
    for (size_t len = 0; len <= b->len; len++) {
        struct dpi_pkt pkt;
        enum dpi_parse_result r = parse_eth_prefix(b, len, &pkt);

        if (len < hdr_len) {
            assert_int_equal(r, DPI_PARSE_TRUNCATED);
        } else {
            assert_int_equal(r, DPI_PARSE_OK);
            assert_int_equal(pkt.payload_len, len - hdr_len);
        }
    }
}

/* IPv4 + TCP with options, cut at every offset. */
static void
test_ipv4_tcp_truncated_at_every_offset(void **state)
{
    struct pkt_buf b = { .len = 0 };

    put_eth(&b, 0x8100);
    put_vlan(&b, 9, 0x0800);
    put_ipv4(&b, 6, 24 + 24 + 5, 0, 6, 0x0a000001, 0x0a000002);
    put_tcp(&b, 1234, 80, 5, 6, 0x18, 6);
    put_bytes(&b, "hello", 5);
    check_every_truncation(&b, 18 + 24 + 24);
}

/* IPv6 + extension headers + UDP, cut at every offset. */
static void
test_ipv6_udp_truncated_at_every_offset(void **state)
{
    struct pkt_buf b = { .len = 0 };

    put_eth(&b, 0x88a8);
    put_vlan(&b, 1, 0x8100);
    put_vlan(&b, 2, 0x86dd);
    put_ipv6(&b, 0, 8 + 8 + 8 + 5, 1, 2);
    put_ipv6_opts(&b, 44, 0);
    put_ipv6_frag(&b, 17, 0, false);
    put_udp(&b, 1000, 53, 8 + 5);
    put_bytes(&b, "hello", 5);
    check_every_truncation(&b, 22 + 40 + 8 + 8 + 8);
}

/* An IPv6 authentication header (RFC 4302: length in 32-bit words, less
 * 2) is skipped to reach TCP, as Open vSwitch's flow extraction skips it,
 * so that the engine and the datapath key the connection alike. */
static void
test_ipv6_authentication_header_is_skipped(void **state)
{
    static const uint8_t ah[4] = { 6, 4, 0, 0 }; /* Next: TCP; 24 bytes. */
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 0, 8 + 24 + 20 + 4, 1, 2);
    put_ipv6_opts(&b, 51, 0);           /* Hop-by-hop, 8 bytes. */
    put_bytes(&b, ah, sizeof ah);
    put_fill(&b, 0x5a, 20);             /* SPI, sequence, ICV. */
    put_tcp(&b, 5555, 22, 77, 0, 0x18, 5);
    put_bytes(&b, "SSH-", 4);

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.proto, 6);
    assert_int_equal(pkt.key.sport, 5555);
    assert_int_equal(pkt.key.dport, 22);
    assert_int_equal(pkt.tcp_seq, 77);
    assert_int_equal(pkt.payload_len, 4);
    assert_memory_equal(pkt.payload, "SSH-", 4);
    check_every_truncation(&b, 14 + 40 + 8 + 24 + 20);
}

/* A real frame from a capture, if DPI_CORPUS_DIR is set: every prefix of
 * every frame of http.pcapng parses without error or overread: the
 * parse result is one of the four values and an OK payload lies inside
 * the prefix (checked in parse_eth_prefix()). */
static void
test_corpus_frames_truncated_at_every_offset(void **state)
{
    const char *dir = getenv("DPI_CORPUS_DIR");
    struct pkt_buf b;
    char path[4096];
    FILE *f;
    long size;
    uint8_t *file;

    if (!dir || !*dir) {
        fprintf(stderr, "DPI_CORPUS_DIR not set: skipping\n");
        skip();
    }
    /* http.pcapng is a pcapng file; rather than depend on libpcap here,
     * scan it for Enhanced Packet Blocks (type 6) directly. */
    snprintf(path, sizeof path, "%s/pcap/http.pcapng", dir);
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: skipping\n", path);
        skip();
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    file = malloc(size);
    assert_non_null(file);
    assert_int_equal(fread(file, 1, size, f), size);
    fclose(f);

    int n_frames = 0;
    for (long off = 0; off + 12 <= size;) {
        uint32_t type, blen;

        memcpy(&type, file + off, 4);
        memcpy(&blen, file + off + 4, 4);
        assert_true(blen >= 12 && off + blen <= size);
        if (type == 6) {
            uint32_t caplen;

            memcpy(&caplen, file + off + 20, 4);
            assert_true(28 + caplen <= blen);
            memcpy(b.data, file + off + 28, caplen);
            b.len = caplen;
            for (size_t len = 0; len <= b.len; len++) {
                struct dpi_pkt pkt;
                enum dpi_parse_result r = parse_eth_prefix(&b, len, &pkt);

                assert_true(r <= DPI_PARSE_MALFORMED);
            }
            n_frames++;
        }
        off += blen;
    }
    free(file);
    assert_true(n_frames > 0);
}

/* Random bytes behind Ethernet/IPv4 and Ethernet/IPv6 headers never make
 * the parser read out of bounds. */
static void
test_random_bytes_never_overread(void **state)
{
    unsigned int seed = 12345;

    for (int i = 0; i < 20000; i++) {
        struct pkt_buf b = { .len = 0 };
        struct dpi_pkt pkt;
        size_t n;

        put_eth(&b, i & 1 ? 0x86dd : 0x0800);
        n = rand_r(&seed) % 120;
        for (size_t j = 0; j < n; j++) {
            uint8_t x = rand_r(&seed);

            put_bytes(&b, &x, 1);
        }
        if (n) {
            /* Keep the version nibble right half of the time. */
            if (rand_r(&seed) & 1) {
                b.data[14] = (b.data[14] & 0x0f) | (i & 1 ? 0x60 : 0x40);
            }
        }
        assert_true(parse_eth(&b, &pkt) <= DPI_PARSE_MALFORMED);
    }
}

/* Tunnels
 * =======
 *
 * Tunnelled packets are built outside in, with length fields written as
 * 0xffff placeholders; set_len16() then writes the real lengths, from the
 * bytes that follow each header. */

/* Writes 'v' as a 16-bit network order value at offset 'off' of 'b'. */
static void
set_be16(struct pkt_buf *b, size_t off, uint16_t v)
{
    b->data[off] = v >> 8;
    b->data[off + 1] = v & 0xff;
}

/* Writes at offset 'field' of 'b' the number of bytes of 'b' from offset
 * 'from' to its end, minus 'minus'. */
static void
set_len16(struct pkt_buf *b, size_t field, size_t from, size_t minus)
{
    set_be16(b, field, b->len - from - minus);
}

/* Offsets of the length fields of headers that start at offset 'h'. */
#define IPV4_LEN(h) (h) + 2, (h), 0         /* Total length. */
#define IPV6_LEN(h) (h) + 4, (h), 40        /* Payload length. */
#define UDP_LEN(h) (h) + 4, (h), 0          /* UDP length. */

/* Appends a VXLAN header with VNI 'vni'. */
static void
put_vxlan(struct pkt_buf *b, uint32_t vni)
{
    put_be32(b, 0x08000000);
    put_be32(b, vni << 8);
}

/* Appends a GRE header: flags and version 'flags', protocol 'proto', and
 * 'n_opt' 32-bit optional fields (checksum, key, sequence, ack...). */
static void
put_gre(struct pkt_buf *b, uint16_t flags, uint16_t proto, int n_opt)
{
    put_be16(b, flags);
    put_be16(b, proto);
    for (int i = 0; i < n_opt; i++) {
        put_be32(b, 0x11223344 + i);
    }
}

/* Appends the mandatory GTPv1 header: flags 'flags', message type 'msg',
 * length 0xffff (a placeholder), TEID 0x1234. */
static void
put_gtp(struct pkt_buf *b, uint8_t flags, uint8_t msg)
{
    uint8_t h[2] = { flags, msg };

    put_bytes(b, h, 2);
    put_be16(b, 0xffff);
    put_be32(b, 0x1234);
}

/* Appends an IPv4 TCP segment 10.1.1.1:1234 -> 10.2.2.2:80 carrying "hi",
 * with its total length right. */
static void
put_inner_ipv4_tcp(struct pkt_buf *b)
{
    put_ipv4(b, 5, 20 + 20 + 2, 0, 6, 0x0a010101, 0x0a020202);
    put_tcp(b, 1234, 80, 1, 2, 0x18, 5);
    put_bytes(b, "hi", 2);
}

/* Appends an IPv6 UDP datagram 2001:db8::7:5353 -> 2001:db8::8:53
 * carrying "q". */
static void
put_inner_ipv6_udp(struct pkt_buf *b)
{
    put_ipv6(b, 17, 8 + 1, 7, 8);
    put_udp(b, 5353, 53, 8 + 1);
    put_bytes(b, "q", 1);
}

/* Asserts that 'pkt' is the packet put_inner_ipv4_tcp() built, removed
 * from tunnels 'encap'. */
static void
assert_inner_ipv4_tcp(const struct dpi_pkt *pkt, uint8_t encap)
{
    assert_mapped_ipv4(&pkt->key.src, 0x0a010101);
    assert_mapped_ipv4(&pkt->key.dst, 0x0a020202);
    assert_int_equal(pkt->key.proto, 6);
    assert_int_equal(pkt->key.sport, 1234);
    assert_int_equal(pkt->key.dport, 80);
    assert_int_equal(pkt->payload_len, 2);
    assert_memory_equal(pkt->payload, "hi", 2);
    assert_int_equal(pkt->encap, encap);
}

/* Asserts that 'pkt' is the packet put_inner_ipv6_udp() built, removed
 * from tunnels 'encap'. */
static void
assert_inner_ipv6_udp(const struct dpi_pkt *pkt, uint8_t encap)
{
    assert_int_equal(pkt->key.ipv6, 1);
    assert_doc_ipv6(&pkt->key.src, 7);
    assert_doc_ipv6(&pkt->key.dst, 8);
    assert_int_equal(pkt->key.proto, 17);
    assert_int_equal(pkt->key.sport, 5353);
    assert_int_equal(pkt->key.dport, 53);
    assert_int_equal(pkt->payload_len, 1);
    assert_int_equal(pkt->encap, encap);
}

/* Builds Ethernet + VLAN 5 + IPv4 + UDP 40000 -> 4789 + VXLAN + Ethernet
 * (with VLAN 'inner_vlan' unless it is 0) + the inner IPv4 TCP packet. */
static void
build_vxlan(struct pkt_buf *b, uint16_t inner_vlan)
{
    b->len = 0;
    put_eth(b, 0x8100);
    put_vlan(b, 5, 0x0800);
    put_ipv4(b, 5, 0xffff, 0, 17, 0xc0a81604, 0xc0a81605);
    put_udp(b, 40000, 4789, 0xffff);
    put_vxlan(b, 1111);
    if (inner_vlan) {
        put_eth(b, 0x8100);
        put_vlan(b, inner_vlan, 0x0800);
    } else {
        put_eth(b, 0x0800);
    }
    put_inner_ipv4_tcp(b);
    set_len16(b, IPV4_LEN(18));
    set_len16(b, UDP_LEN(38));
}

/* A VXLAN packet is keyed on the inner IP header; the outer VLAN stays,
 * the frame length is the outer frame's. */
static void
test_vxlan_is_keyed_on_inner_packet(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_vxlan(&b, 0);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_VXLAN);
    assert_int_equal(pkt.n_encap, 1);
    assert_int_equal(pkt.key.vlan, 5);
    assert_int_equal(pkt.tcp_flags, 0x18);
    assert_int_equal(pkt.frame_len, b.len);
}

/* The inner Ethernet frame's VLAN tag is the innermost one. */
static void
test_vxlan_inner_vlan_replaces_outer(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_vxlan(&b, 7);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_VXLAN);
    assert_int_equal(pkt.key.vlan, 7);
}

/* dpi_parse_l3() keys a packet on the VLAN of the frame that carries it,
 * unless a tunnel inside holds a tagged frame, as dpi_parse_eth() does:
 * the VLAN found by the datapath is not the last word. */
static void
test_parse_l3_vlan_of_carrier_and_of_tunnel(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    /* Outer VLAN 5 (18 bytes of Ethernet and VLAN before the IPv4). */
    build_vxlan(&b, 0);
    assert_int_equal(parse_l3_vlan(&b, 18, false, 5, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_VXLAN);
    assert_int_equal(pkt.key.vlan, 5);

    build_vxlan(&b, 7);
    assert_int_equal(parse_l3_vlan(&b, 18, false, 5, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_VXLAN);
    assert_int_equal(pkt.key.vlan, 7);

    /* Only the VLAN id's 12 bits count. */
    build_ipv4_tcp_get(&b);
    assert_int_equal(parse_l3_vlan(&b, 14, false, 0xf00d, &pkt),
                     DPI_PARSE_OK);
    assert_int_equal(pkt.key.vlan, 0x00d);
}

/* A VXLAN frame that does not hold IP (here ARP) is keyed on the outer
 * UDP header. */
static void
test_vxlan_without_inner_ip_is_outer_flow(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0, 17, 0xc0a81604, 0xc0a81605);
    put_udp(&b, 4789, 4789, 0xffff);
    put_vxlan(&b, 1);
    put_eth(&b, 0x0806);
    put_fill(&b, 0, 28);
    set_len16(&b, IPV4_LEN(14));
    set_len16(&b, UDP_LEN(34));

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.proto, 17);
    assert_int_equal(pkt.key.dport, 4789);
    assert_int_equal(pkt.encap, 0);
    assert_int_equal(pkt.n_encap, 0);
    assert_int_equal(pkt.payload_len, 8 + 14 + 28);
}

/* A VXLAN frame cut at every offset: TRUNCATED until the outer UDP header
 * is whole, then the outer flow until the inner TCP header is whole, then
 * the inner flow.  No cut reads out of bounds. */
static void
test_vxlan_truncated_at_every_offset(void **state)
{
    size_t outer = 18 + 20 + 8, inner = outer + 8 + 14 + 20 + 20;
    struct pkt_buf b;

    build_vxlan(&b, 0);
    for (size_t len = 0; len <= b.len; len++) {
        struct dpi_pkt pkt;
        enum dpi_parse_result r = parse_eth_prefix(&b, len, &pkt);

        if (len < outer) {
            assert_int_equal(r, DPI_PARSE_TRUNCATED);
        } else if (len < inner) {
            assert_int_equal(r, DPI_PARSE_OK);
            assert_int_equal(pkt.key.dport, 4789);
            assert_int_equal(pkt.encap, 0);
        } else {
            assert_int_equal(r, DPI_PARSE_OK);
            assert_int_equal(pkt.key.dport, 80);
            assert_int_equal(pkt.encap, DPI_ENCAP_VXLAN);
            assert_int_equal(pkt.payload_len, len - inner);
        }
    }
}

/* The UDP length bounds the inner packet: an inner IP header that claims
 * more bytes than the UDP datagram holds is clipped to it, and an inner
 * TCP header beyond the UDP length (though captured) makes the packet fall
 * back to its outer key. */
static void
test_vxlan_inner_bounded_by_udp_length(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_vxlan(&b, 0);
    set_be16(&b, 18 + 20 + 8 + 8 + 14 + 2, 1500);  /* Inner total length. */
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_VXLAN);

    set_be16(&b, 18 + 20 + 4, 8 + 8 + 14 + 20 + 10); /* UDP length. */
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.dport, 4789);
    assert_int_equal(pkt.encap, 0);
}

/* GRE version 0 without optional fields, carrying IPv4. */
static void
test_gre_ipv4_is_keyed_on_inner_packet(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0, 47, 0x6d69e4fd, 0x0ab16254);
    put_gre(&b, 0x0000, 0x0800, 0);
    put_inner_ipv4_tcp(&b);
    set_len16(&b, IPV4_LEN(14));

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_GRE);
}

/* GRE with checksum, key and sequence number fields, carrying IPv6 over
 * IPv6. */
static void
test_gre_optional_fields_are_skipped(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 47, 0xffff, 1, 2);
    put_gre(&b, 0xb000, 0x86dd, 3);
    put_inner_ipv6_udp(&b);
    set_len16(&b, IPV6_LEN(14));

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv6_udp(&pkt, DPI_ENCAP_GRE);
}

/* GRE transparent Ethernet bridging (0x6558) carries an Ethernet frame,
 * whose VLAN tag counts. */
static void
test_gre_ethernet_bridging(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0, 47, 0x01010101, 0x02020202);
    put_gre(&b, 0x2000, 0x6558, 1);
    put_eth(&b, 0x8100);
    put_vlan(&b, 300, 0x0800);
    put_inner_ipv4_tcp(&b);
    set_len16(&b, IPV4_LEN(14));

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_GRE);
    assert_int_equal(pkt.key.vlan, 300);
}

/* Builds an enhanced GRE (version 1, PPTP) packet with flags 'flags' and
 * 'n_opt' 32-bit fields after the key (which counts as one), then PPP with
 * address and control fields and protocol 'ppp' (a one-byte protocol field
 * if 'ppp' is odd and below 0x100). */
static void
build_gre_v1(struct pkt_buf *b, uint16_t flags, int n_opt, uint16_t ppp)
{
    b->len = 0;
    put_eth(b, 0x0800);
    put_ipv4(b, 5, 0xffff, 0, 47, 0x6d69e4fd, 0x0ab16254);
    put_gre(b, flags, 0x880b, n_opt);
    put_be16(b, 0xff03);
    if (ppp < 0x100 && ppp & 1) {
        put_fill(b, ppp, 1);
    } else {
        put_be16(b, ppp);
    }
    put_inner_ipv4_tcp(b);
    set_len16(b, IPV4_LEN(14));
}

/* PPTP's enhanced GRE carrying IPv4 in PPP is keyed on the inner packet,
 * as tshark and the corpus oracle (gre.pcapng) have it, with or without
 * an acknowledgement and a compressed PPP protocol field. */
static void
test_gre_v1_ppp_is_keyed_on_inner_packet(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_gre_v1(&b, 0x3081, 3, 0x0021);        /* As in gre.pcapng. */
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_GRE);

    build_gre_v1(&b, 0x3001, 2, 0x0021);        /* No acknowledgement. */
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_GRE);

    build_gre_v1(&b, 0x2081, 2, 0x21);          /* No sequence number. */
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_GRE);
}

/* GRE that is not understood stays an outer GRE flow: source routing,
 * version 1 without key or with PPP control traffic, versions 2 to 7, an
 * unknown protocol, and fields running past the packet. */
static void
test_gre_not_understood_is_outer_flow(void **state)
{
    struct {
        uint16_t flags;         /* Flags and version. */
        uint16_t proto;         /* Protocol type. */
        int n_opt;              /* Optional 32-bit fields. */
    } cases[] = {
        { 0x4000, 0x0800, 1 },  /* Routing present. */
        { 0x0002, 0x0800, 0 },  /* Version 2. */
        { 0x0007, 0x0800, 0 },  /* Version 7. */
        { 0x0000, 0x88be, 0 },  /* ERSPAN: not handled. */
        { 0x0001, 0x880b, 0 },  /* Version 1 without key. */
        { 0xb000, 0x0800, 0 },  /* Three fields said, none there... */
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pkt_buf b = { .len = 0 };
        struct dpi_pkt pkt;

        put_eth(&b, 0x0800);
        put_ipv4(&b, 5, 0xffff, 0, 47, 0x01010101, 0x02020202);
        put_gre(&b, cases[i].flags, cases[i].proto, cases[i].n_opt);
        if (i != 5) {
            put_inner_ipv4_tcp(&b);
        } else {
            put_fill(&b, 0x45, 6);      /* ...and only 6 bytes follow. */
        }
        set_len16(&b, IPV4_LEN(14));

        assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
        assert_int_equal(pkt.key.proto, 47);
        assert_mapped_ipv4(&pkt.key.src, 0x01010101);
        assert_int_equal(pkt.encap, 0);
    }

    /* PPP carrying LCP (0xc021) in enhanced GRE. */
    {
        struct pkt_buf b;
        struct dpi_pkt pkt;

        build_gre_v1(&b, 0x3001, 2, 0xc021);
        assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
        assert_int_equal(pkt.key.proto, 47);
        assert_int_equal(pkt.encap, 0);
    }
}

/* Builds Ethernet + IPv4 + UDP 2152 -> 2152 + a GTP-U header with flags
 * 'flags' and message type 'msg', then 'ext' (if 'ext_len' is nonzero) and
 * the inner IPv6 UDP packet, with all lengths right. */
static void
build_gtp(struct pkt_buf *b, uint8_t flags, uint8_t msg, const void *ext,
          size_t ext_len)
{
    b->len = 0;
    put_eth(b, 0x0800);
    put_ipv4(b, 5, 0xffff, 0, 17, 0x0a000001, 0x0a000002);
    put_udp(b, 2152, 2152, 0xffff);
    put_gtp(b, flags, msg);
    if (ext_len) {
        put_bytes(b, ext, ext_len);
    }
    put_inner_ipv6_udp(b);
    set_len16(b, IPV4_LEN(14));
    set_len16(b, UDP_LEN(34));
    set_len16(b, 42 + 2, 42, 8);                /* GTP length. */
}

/* A GTP-U G-PDU carrying IPv6 is keyed on the inner packet. */
static void
test_gtp_u_is_keyed_on_inner_packet(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_gtp(&b, 0x30, 0xff, NULL, 0);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv6_udp(&pkt, DPI_ENCAP_GTP);
}

/* GTP-U optional fields and a chain of two extension headers (a PDU
 * session container of 4 bytes and one of 8) are skipped. */
static void
test_gtp_u_extension_headers_are_skipped(void **state)
{
    static const uint8_t ext[] = {
        0x00, 0x01, 0x00, 0x85,                 /* Seq, N-PDU, next. */
        0x01, 0x10, 0x05, 0x40,                 /* 4 bytes, next 0x40. */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 8, last. */
    };
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_gtp(&b, 0x34, 0xff, ext, sizeof ext);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv6_udp(&pkt, DPI_ENCAP_GTP);

    build_gtp(&b, 0x32, 0xff, ext, 4);          /* S flag only. */
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv6_udp(&pkt, DPI_ENCAP_GTP);
}

/* GTP that is not a user packet, or whose extension headers lie, stays an
 * outer UDP flow. */
static void
test_gtp_not_understood_is_outer_flow(void **state)
{
    static const uint8_t zero_len[] = {
        0, 0, 0, 0x85, 0x00, 0x10, 0x05, 0x00,  /* Length 0. */
    };
    static const uint8_t too_long[] = {
        0, 0, 0, 0x85, 0x7f, 0x10, 0x05, 0x00,  /* 508 bytes. */
    };
    struct {
        uint8_t flags;          /* GTP flags. */
        uint8_t msg;            /* Message type. */
        const uint8_t *ext;     /* Bytes after the mandatory header. */
        size_t ext_len;         /* Number of bytes at 'ext'. */
    } cases[] = {
        { 0x30, 0x01, NULL, 0 },                /* Echo request. */
        { 0x50, 0xff, NULL, 0 },                /* Version 2. */
        { 0x20, 0xff, NULL, 0 },                /* GTP' */
        { 0x34, 0xff, zero_len, sizeof zero_len },
        { 0x34, 0xff, too_long, sizeof too_long },
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pkt_buf b;
        struct dpi_pkt pkt;

        build_gtp(&b, cases[i].flags, cases[i].msg, cases[i].ext,
                  cases[i].ext_len);
        assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
        assert_int_equal(pkt.key.dport, 2152);
        assert_int_equal(pkt.encap, 0);
    }
}

/* The GTP length field bounds the inner packet: shorter than the inner
 * headers, the packet falls back to its outer key. */
static void
test_gtp_length_bounds_inner_packet(void **state)
{
    struct pkt_buf b;
    struct dpi_pkt pkt;

    build_gtp(&b, 0x30, 0xff, NULL, 0);
    set_be16(&b, 42 + 2, 40 + 4);               /* Inside the UDP header. */
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.dport, 2152);
    assert_int_equal(pkt.encap, 0);
}

/* IPv4 in IPv4, IPv6 in IPv4 (6in4), IPv4 and IPv6 in IPv6: keyed on the
 * inner packet. */
static void
test_ip_in_ip_is_keyed_on_inner_packet(void **state)
{
    for (int outer6 = 0; outer6 < 2; outer6++) {
        for (int inner6 = 0; inner6 < 2; inner6++) {
            struct pkt_buf b = { .len = 0 };
            struct dpi_pkt pkt;

            put_eth(&b, outer6 ? 0x86dd : 0x0800);
            if (outer6) {
                put_ipv6(&b, inner6 ? 41 : 4, 0xffff, 1, 2);
            } else {
                put_ipv4(&b, 5, 0xffff, 0, inner6 ? 41 : 4, 0x01010101,
                         0x02020202);
            }
            if (inner6) {
                put_inner_ipv6_udp(&b);
            } else {
                put_inner_ipv4_tcp(&b);
            }
            if (outer6) {
                set_len16(&b, IPV6_LEN(14));
            } else {
                set_len16(&b, IPV4_LEN(14));
            }

            assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
            if (inner6) {
                assert_inner_ipv6_udp(&pkt, DPI_ENCAP_IPIP);
            } else {
                assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_IPIP);
            }
        }
    }
}

/* dpi_parse_l3() looks into tunnels too. */
static void
test_parse_l3_looks_into_tunnels(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0, 41, 0x01010101, 0x02020202);
    put_inner_ipv6_udp(&b);
    set_len16(&b, IPV4_LEN(14));

    assert_int_equal(parse_l3(&b, 14, false, &pkt), DPI_PARSE_OK);
    assert_inner_ipv6_udp(&pkt, DPI_ENCAP_IPIP);
    assert_int_equal(pkt.frame_len, b.len - 14);
}

/* As in the oracle, IP behind an IPv6 extension header is not looked
 * into: the packet is keyed on the outer header. */
static void
test_ip_in_ipv6_behind_extension_header_is_outer_flow(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x86dd);
    put_ipv6(&b, 0, 0xffff, 1, 2);
    put_ipv6_opts(&b, 41, 0);
    put_inner_ipv6_udp(&b);
    set_len16(&b, IPV6_LEN(14));

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.proto, 41);
    assert_doc_ipv6(&pkt.key.src, 1);
    assert_int_equal(pkt.encap, 0);
}

/* An inner IP header beyond the outer IP length (though captured) is not
 * looked into. */
static void
test_ip_in_ip_bounded_by_outer_length(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 20 + 30, 0, 4, 0x01010101, 0x02020202);
    put_inner_ipv4_tcp(&b);             /* 42 bytes, 30 in the datagram. */

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.proto, 4);
    assert_mapped_ipv4(&pkt.key.src, 0x01010101);
    assert_int_equal(pkt.encap, 0);
}

/* A fragment of a tunnel packet is not looked into, first fragment
 * included. */
static void
test_fragmented_tunnel_packet_is_outer_flow(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0x2000, 4, 0x01010101, 0x02020202);
    put_inner_ipv4_tcp(&b);
    set_len16(&b, IPV4_LEN(14));

    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.proto, 4);
    assert_int_equal(pkt.frag_more, 1);
    assert_int_equal(pkt.encap, 0);
}

/* Teredo (IPv6 in UDP port 3544) and ICMP errors (which quote an IP
 * header) are not tunnels. */
static void
test_teredo_and_icmp_errors_are_not_tunnels(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0, 17, 0x01010101, 0x02020202);
    put_udp(&b, 51812, 3544, 0xffff);
    put_inner_ipv6_udp(&b);
    set_len16(&b, IPV4_LEN(14));
    set_len16(&b, UDP_LEN(34));
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.dport, 3544);
    assert_int_equal(pkt.encap, 0);

    b.len = 0;
    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0, 1, 0x01010101, 0x02020202);
    put_be32(&b, 0x03030000);           /* Port unreachable. */
    put_be32(&b, 0);
    put_inner_ipv4_tcp(&b);
    set_len16(&b, IPV4_LEN(14));
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.key.proto, 1);
    assert_mapped_ipv4(&pkt.key.src, 0x01010101);
    assert_int_equal(pkt.encap, 0);
}

/* Tunnels in tunnels are removed up to DPI_MAX_ENCAP deep; behind that
 * the packet is keyed on the IP header reached.  Mixed nesting (IP in
 * GRE in VXLAN) names all the tunnels. */
static void
test_nesting_is_bounded(void **state)
{
    struct pkt_buf b = { .len = 0 };
    size_t ip_off[DPI_MAX_ENCAP + 3];
    struct dpi_pkt pkt;
    int n = DPI_MAX_ENCAP + 2;

    put_eth(&b, 0x0800);
    for (int i = 0; i < n; i++) {
        ip_off[i] = b.len;
        put_ipv4(&b, 5, 0xffff, 0, 4, 0x0a000000 + i, 0x0b000000 + i);
    }
    put_inner_ipv4_tcp(&b);
    for (int i = 0; i < n; i++) {
        set_len16(&b, IPV4_LEN(ip_off[i]));
    }
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.n_encap, DPI_MAX_ENCAP);
    assert_int_equal(pkt.encap, DPI_ENCAP_IPIP);
    assert_int_equal(pkt.key.proto, 4);
    assert_mapped_ipv4(&pkt.key.src, 0x0a000000 + DPI_MAX_ENCAP);

    /* IPv4 in GRE in VXLAN. */
    b.len = 0;
    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0, 17, 0x01010101, 0x02020202);
    put_udp(&b, 4789, 4789, 0xffff);
    put_vxlan(&b, 1);
    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 0xffff, 0, 47, 0x03030303, 0x04040404);
    put_gre(&b, 0, 0x0800, 0);
    put_inner_ipv4_tcp(&b);
    set_len16(&b, IPV4_LEN(14));
    set_len16(&b, UDP_LEN(34));
    set_len16(&b, IPV4_LEN(42 + 8 + 14));
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_inner_ipv4_tcp(&pkt, DPI_ENCAP_VXLAN | DPI_ENCAP_GRE);
    assert_int_equal(pkt.n_encap, 2);
}

/* Random bytes behind VXLAN, GRE, GTP-U and IP-in-IP headers never make
 * the parser read out of bounds; whatever it decides, the payload lies in
 * the buffer (checked in parse_eth_prefix()). */
static void
test_random_tunnel_payloads_never_overread(void **state)
{
    unsigned int seed = 4242;

    for (int i = 0; i < 20000; i++) {
        struct pkt_buf b = { .len = 0 };
        struct dpi_pkt pkt;
        size_t n = rand_r(&seed) % 100;
        int kind = i % 4;

        put_eth(&b, 0x0800);
        put_ipv4(&b, 5, 0xffff, 0, kind == 2 ? 47 : kind == 3 ? 4 : 17,
                 0x01010101, 0x02020202);
        if (kind == 0) {
            put_udp(&b, 4789, 4789, 0xffff);
            put_vxlan(&b, 1);
            put_eth(&b, i & 8 ? 0x86dd : 0x0800);
        } else if (kind == 1) {
            put_udp(&b, 2152, 2152, 0xffff);
            put_gtp(&b, 0x30 | (rand_r(&seed) & 7), 0xff);
        } else if (kind == 2) {
            put_gre(&b, rand_r(&seed) & 0xb081, i & 8 ? 0x880b : 0x0800,
                    0);
        }
        for (size_t j = 0; j < n; j++) {
            uint8_t x = rand_r(&seed);

            put_bytes(&b, &x, 1);
        }
        set_len16(&b, IPV4_LEN(14));
        if (kind < 2) {
            set_len16(&b, UDP_LEN(34));
        }
        assert_true(parse_eth(&b, &pkt) <= DPI_PARSE_MALFORMED);
    }
}

/* IP fragment fields are recorded for IPv4 and IPv6. */
static void
test_fragment_fields_are_recorded(void **state)
{
    struct pkt_buf b = { .len = 0 };
    struct dpi_pkt pkt;

    put_eth(&b, 0x0800);
    put_ipv4(&b, 5, 20 + 16, 0x2000 | 185, 17, 0x0a000001, 0x0a000002);
    put_fill(&b, 0x55, 16);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.frag_id, 0x1234);
    assert_int_equal(pkt.frag_offset, 185);
    assert_int_equal(pkt.frag_more, 1);

    b.len = 0;
    put_eth(&b, 0x86dd);
    put_ipv6(&b, 44, 8 + 8 + 1, 1, 2);
    put_ipv6_frag(&b, 17, 0, true);
    put_udp(&b, 1000, 53, 8 + 1000);
    put_fill(&b, 0, 1);
    assert_int_equal(parse_eth(&b, &pkt), DPI_PARSE_OK);
    assert_int_equal(pkt.frag_id, 0xabcd);
    assert_int_equal(pkt.frag_offset, 0);
    assert_int_equal(pkt.frag_more, 1);
    assert_int_equal(pkt.key.sport, 1000);
}

/* Tunnel names are the oracle's spellings. */
static void
test_encap_names(void **state)
{
    char buf[64], small[6];

    assert_string_equal(dpi_encap_names(0, buf, sizeof buf), "");
    assert_string_equal(dpi_encap_names(DPI_ENCAP_VXLAN, buf, sizeof buf),
                        "vxlan");
    assert_string_equal(dpi_encap_names(DPI_ENCAP_GRE, buf, sizeof buf),
                        "gre");
    assert_string_equal(dpi_encap_names(DPI_ENCAP_GTP, buf, sizeof buf),
                        "gtp");
    assert_string_equal(dpi_encap_names(DPI_ENCAP_IPIP, buf, sizeof buf),
                        "ip-in-ip");
    assert_string_equal(dpi_encap_names(DPI_ENCAP_GRE | DPI_ENCAP_IPIP,
                                        buf, sizeof buf), "gre/ip-in-ip");
    assert_string_equal(dpi_encap_names(DPI_ENCAP_GRE | DPI_ENCAP_IPIP,
                                        small, sizeof small), "gre/i");
    assert_string_equal(dpi_encap_name(DPI_ENCAP_GTP), "gtp");
}

/* Every parse result has a description. */
static void
test_parse_result_strings(void **state)
{
    assert_string_equal(dpi_parse_result_str(DPI_PARSE_OK), "ok");
    assert_non_null(dpi_parse_result_str(DPI_PARSE_NOT_IP));
    assert_non_null(dpi_parse_result_str(DPI_PARSE_TRUNCATED));
    assert_non_null(dpi_parse_result_str(DPI_PARSE_MALFORMED));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_tcp_fills_key_and_payload),
        cmocka_unit_test(test_vlan_tag_sets_vlan),
        cmocka_unit_test(test_qinq_uses_innermost_vlan),
        cmocka_unit_test(test_vlan_tag_cut_short_is_truncated),
        cmocka_unit_test(test_ipv4_options_are_skipped),
        cmocka_unit_test(test_tcp_options_are_skipped),
        cmocka_unit_test(test_ethernet_padding_is_not_payload),
        cmocka_unit_test(test_ipv4_total_length_beyond_buffer_is_clipped),
        cmocka_unit_test(test_ipv4_zero_total_length_takes_captured_bytes),
        cmocka_unit_test(
            test_ipv6_zero_payload_length_takes_captured_bytes),
        cmocka_unit_test(test_pppoe_session_is_parsed),
        cmocka_unit_test(test_pppoe_non_ip_and_truncated),
        cmocka_unit_test(
            test_ipv4_total_length_inside_tcp_header_is_malformed),
        cmocka_unit_test(test_ipv4_total_length_below_header_is_malformed),
        cmocka_unit_test(test_ipv4_bad_ihl_is_malformed),
        cmocka_unit_test(test_ipv4_ihl_past_buffer_is_truncated),
        cmocka_unit_test(test_ipv4_wrong_version_is_malformed),
        cmocka_unit_test(test_tcp_bad_data_offset_is_malformed),
        cmocka_unit_test(test_tcp_data_offset_past_buffer_is_truncated),
        cmocka_unit_test(test_ipv4_non_first_fragment_has_no_ports),
        cmocka_unit_test(test_ipv4_first_fragment_is_parsed),
        cmocka_unit_test(test_udp_length_limits_payload),
        cmocka_unit_test(test_udp_length_below_header_is_malformed),
        cmocka_unit_test(test_icmp_has_no_ports),
        cmocka_unit_test(test_arp_is_not_ip),
        cmocka_unit_test(test_ipv6_udp_fills_key),
        cmocka_unit_test(test_ipv6_extension_headers_are_skipped),
        cmocka_unit_test(test_ipv6_authentication_header_is_skipped),
        cmocka_unit_test(
            test_ipv6_extension_header_past_buffer_is_truncated),
        cmocka_unit_test(
            test_ipv6_extension_header_past_payload_length_is_malformed),
        cmocka_unit_test(test_ipv6_first_fragment_is_parsed),
        cmocka_unit_test(test_ipv6_non_first_fragment_has_no_ports),
        cmocka_unit_test(test_parse_l3_ipv4),
        cmocka_unit_test(test_parse_l3_ipv6),
        cmocka_unit_test(test_ipv4_tcp_truncated_at_every_offset),
        cmocka_unit_test(test_ipv6_udp_truncated_at_every_offset),
        cmocka_unit_test(test_corpus_frames_truncated_at_every_offset),
        cmocka_unit_test(test_random_bytes_never_overread),
        cmocka_unit_test(test_vxlan_is_keyed_on_inner_packet),
        cmocka_unit_test(test_vxlan_inner_vlan_replaces_outer),
        cmocka_unit_test(test_parse_l3_vlan_of_carrier_and_of_tunnel),
        cmocka_unit_test(test_vxlan_without_inner_ip_is_outer_flow),
        cmocka_unit_test(test_vxlan_truncated_at_every_offset),
        cmocka_unit_test(test_vxlan_inner_bounded_by_udp_length),
        cmocka_unit_test(test_gre_ipv4_is_keyed_on_inner_packet),
        cmocka_unit_test(test_gre_optional_fields_are_skipped),
        cmocka_unit_test(test_gre_ethernet_bridging),
        cmocka_unit_test(test_gre_v1_ppp_is_keyed_on_inner_packet),
        cmocka_unit_test(test_gre_not_understood_is_outer_flow),
        cmocka_unit_test(test_gtp_u_is_keyed_on_inner_packet),
        cmocka_unit_test(test_gtp_u_extension_headers_are_skipped),
        cmocka_unit_test(test_gtp_not_understood_is_outer_flow),
        cmocka_unit_test(test_gtp_length_bounds_inner_packet),
        cmocka_unit_test(test_ip_in_ip_is_keyed_on_inner_packet),
        cmocka_unit_test(test_parse_l3_looks_into_tunnels),
        cmocka_unit_test(
            test_ip_in_ipv6_behind_extension_header_is_outer_flow),
        cmocka_unit_test(test_ip_in_ip_bounded_by_outer_length),
        cmocka_unit_test(test_fragmented_tunnel_packet_is_outer_flow),
        cmocka_unit_test(test_teredo_and_icmp_errors_are_not_tunnels),
        cmocka_unit_test(test_nesting_is_bounded),
        cmocka_unit_test(test_random_tunnel_payloads_never_overread),
        cmocka_unit_test(test_fragment_fields_are_recorded),
        cmocka_unit_test(test_encap_names),
        cmocka_unit_test(test_parse_result_strings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
