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

/* Parses 'b' from offset 'off' as an IP packet with dpi_parse_l3(). */
static enum dpi_parse_result
parse_l3(const struct pkt_buf *b, size_t off, bool is_ipv6,
         struct dpi_pkt *pkt)
{
    size_t len = b->len - off;
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_parse_result r;

    assert_non_null(copy);
    memcpy(copy, b->data + off, len);
    r = dpi_parse_l3(copy, len, is_ipv6, pkt);
    if (r == DPI_PARSE_OK && pkt->payload) {
        assert_true(pkt->payload >= copy);
        assert_true(pkt->payload + pkt->payload_len <= copy + len);
        pkt->payload = b->data + off + (pkt->payload - copy);
    }
    free(copy);
    return r;
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
        cmocka_unit_test(test_parse_result_strings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
