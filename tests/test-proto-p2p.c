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

/* Tests of the peer-to-peer and VPN parsers (lib/proto/p2p.c,
 * lib/proto/vpn.c): hand-built messages laid out as the specifications
 * cited in those files say, each also truncated at every length and with
 * lying length fields; and a corpus check of the BitTorrent info hash
 * against tshark's bittorrent.info_hash. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dpi-proto.h"
#include "pcap-util.h"

/* Calls 'parse' on 'len' bytes at a malloc()ed copy of 'data' (so that
 * the sanitizers and valgrind see any read past the end) and returns its
 * verdict; stores the bittorrent_info_hash found, or "", in 'hash' (41
 * bytes) if 'hash' is not NULL. */
static enum dpi_proto_result
run(dpi_proto_func *parse, bool is_tcp, const void *data, size_t len,
    char *hash)
{
    struct dpi_proto_ctx ctx = { .to_server = true, .is_tcp = is_tcp };
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;
    struct dpi_md md;
    const char *v;
    size_t n;

    assert_non_null(copy);
    memcpy(copy, data, len);
    dpi_md_init(&md, UINT32_MAX);
    r = parse(&ctx, copy, len, &md);
    if (hash) {
        v = dpi_md_get(&md, DPI_F_bittorrent_info_hash, &n);
        snprintf(hash, 41, "%s", v ? v : "");
    }
    dpi_md_destroy(&md);
    free(copy);
    return r;
}

/* Checks that every prefix of the 'len'-byte message at 'data' shorter
 * than 'need' bytes is not YES (datagrams: NO, since a datagram is
 * complete; streams: NO or MORE), and that the whole message and, for a
 * stream, every prefix of at least 'need' bytes is 'whole'. */
static void
check_prefixes(dpi_proto_func *parse, bool is_tcp, const uint8_t *data,
               size_t len, size_t need, enum dpi_proto_result whole)
{
    size_t i;

    for (i = 0; i < len; i++) {
        enum dpi_proto_result r = run(parse, is_tcp, data, i, NULL);

        if (i >= need) {
            if (is_tcp) {
                assert_int_equal(r, whole);
            }
        } else if (is_tcp) {
            assert_int_not_equal(r, DPI_PROTO_YES);
        } else {
            assert_int_equal(r, DPI_PROTO_NO);
        }
    }
    assert_int_equal(run(parse, is_tcp, data, len, NULL), whole);
}

/* A Gnutella ping: 16-byte message id, type 0, TTL 1, hops 0, payload
 * length 16 (little-endian), then a 16-byte payload. */
static void
make_gnutella_ping(uint8_t *m)
{
    size_t i;

    for (i = 0; i < 16; i++) {
        m[i] = (uint8_t) (0x40 + i);
    }
    m[16] = 0x00;
    m[17] = 1;
    m[18] = 0;
    m[19] = 16;
    m[20] = m[21] = m[22] = 0;
    memset(m + 23, 0xc3, 16);
}

/* Gnutella UDP messages are accepted only with a known type, a small TTL
 * plus hops and a payload length equal to the rest of the datagram. */
static void
test_gnutella_udp_message(void **state)
{
    uint8_t m[39];

    (void) state;
    make_gnutella_ping(m);
    check_prefixes(dpi_gnutella_parse, false, m, sizeof m, sizeof m,
                   DPI_PROTO_YES);

    m[19] = 15;                 /* Length says one byte less. */
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_NO);
    m[19] = 16;
    m[22] = 1;                  /* Length 2^24 + 16. */
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_NO);
    m[22] = 0;
    m[16] = 0x03;               /* No such payload type. */
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_NO);
    m[16] = 0x81;               /* Query hit. */
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_YES);
    m[17] = 200;                /* TTL far beyond any servent's. */
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_NO);
}

/* A "GND" fragment needs its fragment number within the count (or a count
 * of 0: an acknowledgement). */
static void
test_gnutella_gnd(void **state)
{
    uint8_t m[12] = { 'G', 'N', 'D', 0x10, 0x3e, 0x8f, 1, 1, 0x54, 0x0b,
                      0x51, 0x4b };

    (void) state;
    check_prefixes(dpi_gnutella_parse, false, m, 8, 8, DPI_PROTO_YES);
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_YES);
    m[6] = 2;                   /* Fragment 2 of 1. */
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_NO);
    m[6] = 0;                   /* Fragment 0. */
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_NO);
    m[7] = 0;                   /* An acknowledgement. */
    assert_int_equal(run(dpi_gnutella_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_YES);
}

/* The TCP handshake lines of both sides; a prefix asks for more. */
static void
test_gnutella_tcp_handshake(void **state)
{
    static const char connect[] = "GNUTELLA CONNECT/0.6\r\n"
                                  "User-Agent: gtk-gnutella/1.2\r\n\r\n";
    static const char ok[] = "GNUTELLA/0.6 503 No Leaf Slots\r\n";
    static const char old[] = "GNUTELLA OK\n\n";
    static const char bad_code[] = "GNUTELLA/0.6 OK\r\n";
    static const char http[] = "GET / HTTP/1.1\r\n";

    (void) state;
    check_prefixes(dpi_gnutella_parse, true, (const uint8_t *) connect,
                   strlen(connect), strlen("GNUTELLA CONNECT/0."),
                   DPI_PROTO_YES);
    check_prefixes(dpi_gnutella_parse, true, (const uint8_t *) ok,
                   strlen(ok), strlen("GNUTELLA/0.6 503"), DPI_PROTO_YES);
    assert_int_equal(run(dpi_gnutella_parse, true, connect, 10, NULL),
                     DPI_PROTO_MORE);
    assert_int_equal(run(dpi_gnutella_parse, true, old, strlen(old), NULL),
                     DPI_PROTO_YES);
    assert_int_equal(run(dpi_gnutella_parse, true, bad_code,
                         strlen(bad_code), NULL), DPI_PROTO_NO);
    assert_int_equal(run(dpi_gnutella_parse, true, http, strlen(http),
                         NULL), DPI_PROTO_NO);
}

/* A BEP 3 handshake gives the info hash as 40 lowercase hex digits. */
static void
test_bittorrent_handshake(void **state)
{
    uint8_t m[68];
    char hash[41];
    size_t i;

    (void) state;
    m[0] = 19;
    memcpy(m + 1, "BitTorrent protocol", 19);
    memset(m + 20, 0, 8);
    for (i = 0; i < 20; i++) {
        m[28 + i] = (uint8_t) (0xa0 + i);
    }
    memcpy(m + 48, "-qB4250-abcdefghijkl", 20);
    for (i = 0; i < 48; i++) {
        assert_int_equal(run(dpi_bittorrent_parse, true, m, i, hash),
                         DPI_PROTO_MORE);
        assert_string_equal(hash, "");
    }
    assert_int_equal(run(dpi_bittorrent_parse, true, m, sizeof m, hash),
                     DPI_PROTO_YES);
    assert_string_equal(hash, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
    m[5] = 't';                 /* "BitTtrrent". */
    assert_int_equal(run(dpi_bittorrent_parse, true, m, sizeof m, hash),
                     DPI_PROTO_NO);
    m[5] = 'o';
    m[0] = 18;
    assert_int_equal(run(dpi_bittorrent_parse, true, m, sizeof m, hash),
                     DPI_PROTO_NO);
}

/* DHT KRPC datagrams (BEP 5) and uTP handshake headers (BEP 29). */
static void
test_bittorrent_udp(void **state)
{
    static const char ping[] = "d1:ad2:id20:abcdefghij0123456789e"
                               "1:q4:ping1:t2:aa1:y1:qe";
    static const char no_y[] = "d1:ad2:id20:abcdefghij0123456789e"
                               "1:q4:ping1:t2:aae";
    uint8_t syn[20] = { 0x41, 0x00, 0x45, 0x67 };
    uint8_t sack[26] = { 0x21, 0x01 };
    uint8_t data[30] = { 0x01, 0x00 };

    (void) state;
    check_prefixes(dpi_bittorrent_parse, false, (const uint8_t *) ping,
                   strlen(ping), strlen(ping), DPI_PROTO_YES);
    assert_int_equal(run(dpi_bittorrent_parse, false, no_y, strlen(no_y),
                         NULL), DPI_PROTO_NO);

    check_prefixes(dpi_bittorrent_parse, false, syn, sizeof syn, sizeof syn,
                   DPI_PROTO_YES);
    /* ST_STATE with a selective ACK extension: next 0, length 4. */
    sack[20] = 0;
    sack[21] = 4;
    assert_int_equal(run(dpi_bittorrent_parse, false, sack, sizeof sack,
                         NULL), DPI_PROTO_YES);
    sack[21] = 5;               /* Extension runs past the datagram. */
    assert_int_equal(run(dpi_bittorrent_parse, false, sack, sizeof sack,
                         NULL), DPI_PROTO_NO);
    sack[21] = 3;               /* A byte left over. */
    assert_int_equal(run(dpi_bittorrent_parse, false, sack, sizeof sack,
                         NULL), DPI_PROTO_NO);
    sack[1] = 7;                /* No such extension. */
    sack[21] = 4;
    assert_int_equal(run(dpi_bittorrent_parse, false, sack, sizeof sack,
                         NULL), DPI_PROTO_NO);
    /* ST_DATA is not accepted on its own. */
    assert_int_equal(run(dpi_bittorrent_parse, false, data, sizeof data,
                         NULL), DPI_PROTO_NO);
}

/* An IKEv2 IKE_SA_INIT header (RFC 7296 3.1) of 'len' bytes, at 'm'. */
static void
make_ike(uint8_t *m, size_t len)
{
    memset(m, 0, len);
    memcpy(m, "\x86\x43\x30\xac\x30\xe6\x56\x4d", 8);
    m[16] = 33;                 /* Next payload: SA. */
    m[17] = 0x20;               /* Version 2.0. */
    m[18] = 34;                 /* IKE_SA_INIT. */
    m[19] = 0x08;               /* Initiator. */
    m[24] = (uint8_t) (len >> 24);
    m[25] = (uint8_t) (len >> 16);
    m[26] = (uint8_t) (len >> 8);
    m[27] = (uint8_t) len;
}

/* IKE on port 500, and after the non-ESP marker on port 4500; the length
 * field must be the datagram's. */
static void
test_ike(void **state)
{
    uint8_t m[4 + 40];

    (void) state;
    make_ike(m, 40);
    check_prefixes(dpi_ike_parse, false, m, 40, 40, DPI_PROTO_YES);
    memmove(m + 4, m, 40);
    memset(m, 0, 4);
    check_prefixes(dpi_ike_parse, false, m, 44, 44, DPI_PROTO_YES);

    make_ike(m, 40);
    m[27] = 41;                 /* Lying length. */
    assert_int_equal(run(dpi_ike_parse, false, m, 40, NULL), DPI_PROTO_NO);
    make_ike(m, 40);
    m[17] = 0x30;               /* Version 3. */
    assert_int_equal(run(dpi_ike_parse, false, m, 40, NULL), DPI_PROTO_NO);
    make_ike(m, 40);
    memset(m, 0, 8);            /* Zero initiator SPI. */
    assert_int_equal(run(dpi_ike_parse, false, m, 40, NULL), DPI_PROTO_NO);
    make_ike(m, 40);
    assert_int_equal(run(dpi_ike_parse, true, m, 40, NULL), DPI_PROTO_NO);
}

/* WireGuard message types with their fixed lengths. */
static void
test_wireguard(void **state)
{
    uint8_t m[148] = { 1 };

    (void) state;
    check_prefixes(dpi_wireguard_parse, false, m, 148, 148, DPI_PROTO_YES);
    m[0] = 2;
    assert_int_equal(run(dpi_wireguard_parse, false, m, 92, NULL),
                     DPI_PROTO_YES);
    assert_int_equal(run(dpi_wireguard_parse, false, m, 148, NULL),
                     DPI_PROTO_NO);
    m[0] = 3;
    assert_int_equal(run(dpi_wireguard_parse, false, m, 64, NULL),
                     DPI_PROTO_YES);
    m[0] = 4;
    assert_int_equal(run(dpi_wireguard_parse, false, m, 32, NULL),
                     DPI_PROTO_YES);
    assert_int_equal(run(dpi_wireguard_parse, false, m, 33, NULL),
                     DPI_PROTO_NO);
    m[2] = 1;                   /* Reserved byte set. */
    assert_int_equal(run(dpi_wireguard_parse, false, m, 32, NULL),
                     DPI_PROTO_NO);
    m[2] = 0;
    m[0] = 5;
    assert_int_equal(run(dpi_wireguard_parse, false, m, 32, NULL),
                     DPI_PROTO_NO);
}

/* OpenVPN hard resets: client without tls-auth (14 bytes), client with a
 * SHA-1 tls-auth HMAC (42), server (26); over UDP and over TCP with the
 * length prefix. */
static void
test_openvpn(void **state)
{
    uint8_t client[14] = { 0x38, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0 };
    uint8_t auth[42] = { 0x38, 1, 2, 3, 4, 5, 6, 7, 8 };
    uint8_t server[26] = { 0x40, 9, 9, 9, 9, 9, 9, 9, 9, 1, 0, 0, 0, 0,
                           1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0 };
    uint8_t tcp[2 + 14];

    (void) state;
    check_prefixes(dpi_openvpn_parse, false, client, sizeof client,
                   sizeof client, DPI_PROTO_YES);
    memset(auth + 9, 0xaa, 28);  /* HMAC and replay counters. */
    assert_int_equal(run(dpi_openvpn_parse, false, auth, sizeof auth,
                         NULL), DPI_PROTO_YES);
    assert_int_equal(run(dpi_openvpn_parse, false, server, sizeof server,
                         NULL), DPI_PROTO_YES);
    server[9] = 2;              /* Two ACKs do not fit. */
    assert_int_equal(run(dpi_openvpn_parse, false, server, sizeof server,
                         NULL), DPI_PROTO_NO);
    client[13] = 1;             /* Message packet id 1. */
    assert_int_equal(run(dpi_openvpn_parse, false, client, sizeof client,
                         NULL), DPI_PROTO_NO);
    client[13] = 0;
    client[0] = 0x39;           /* Key id 1. */
    assert_int_equal(run(dpi_openvpn_parse, false, client, sizeof client,
                         NULL), DPI_PROTO_NO);
    client[0] = 0x38;

    tcp[0] = 0;
    tcp[1] = 14;
    memcpy(tcp + 2, client, 14);
    check_prefixes(dpi_openvpn_parse, true, tcp, sizeof tcp, sizeof tcp,
                   DPI_PROTO_YES);
    tcp[1] = 15;                /* Lying length: waits for more. */
    assert_int_equal(run(dpi_openvpn_parse, true, tcp, sizeof tcp, NULL),
                     DPI_PROTO_MORE);
    tcp[0] = 0xff;              /* Longer than any stream we buffer. */
    assert_int_equal(run(dpi_openvpn_parse, true, tcp, sizeof tcp, NULL),
                     DPI_PROTO_NO);
}

/* PPTP Start-Control-Connection-Request (RFC 2637 2.1) header. */
static void
test_pptp(void **state)
{
    uint8_t m[156] = { 0x00, 0x9c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d,
                       0x00, 0x01 };

    (void) state;
    check_prefixes(dpi_pptp_parse, true, m, sizeof m, 8, DPI_PROTO_YES);
    m[7] = 0x4e;                /* Wrong cookie. */
    assert_int_equal(run(dpi_pptp_parse, true, m, sizeof m, NULL),
                     DPI_PROTO_NO);
    m[7] = 0x4d;
    m[3] = 2;                   /* Management message. */
    assert_int_equal(run(dpi_pptp_parse, true, m, sizeof m, NULL),
                     DPI_PROTO_NO);
    m[3] = 1;
    assert_int_equal(run(dpi_pptp_parse, false, m, sizeof m, NULL),
                     DPI_PROTO_NO);
}

/* Every BitTorrent TCP flow of bittorrent.pcap whose client stream starts
 * with a handshake gives the info hash tshark decodes
 * (bittorrent.info_hash: one torrent in the whole capture). */
static void
test_corpus_bittorrent_info_hash(void **state)
{
    static const char want[] = "dcfcdccfb9e670ccc3dd40c78c161f2bea243126";
    char *pcap, *tsv;
    struct pu_capture cap;
    struct pu_oracle o;
    size_t i, checked = 0;
    uint8_t buf[256];

    (void) state;
    if (!pu_corpus_dir()) {
        skip();
    }
    pcap = pu_corpus_path("pcap", "bittorrent.pcap");
    tsv = pu_corpus_path("oracle", "bittorrent.pcap.tsv");
    assert_true(pu_capture_load(pcap, &cap));
    assert_true(pu_oracle_load(tsv, &o));
    for (i = 0; i < o.n_rows; i++) {
        const struct pu_row *row = &o.rows[i];
        char hash[41];
        size_t len;

        if (strcmp(pu_cell(&o, row, "proto"), "tcp")
            || strcmp(pu_cell(&o, row, "ndpi_app"), "BitTorrent")) {
            continue;
        }
        len = pu_stream(&cap, &o, row, true, buf, sizeof buf);
        if (len < 1 || buf[0] != 19) {
            continue;
        }
        assert_int_equal(run(dpi_bittorrent_parse, true, buf, len, hash),
                         DPI_PROTO_YES);
        assert_string_equal(hash, want);
        checked++;
    }
    assert_true(checked >= 10);
    pu_oracle_destroy(&o);
    pu_capture_destroy(&cap);
    free(pcap);
    free(tsv);
}

/* Runs 'parse' on a heap copy of 'len' bytes at 'data' (so that a read
 * past the end is caught) with the given transport, direction and ports. */
static enum dpi_proto_result
run_ports(dpi_proto_func *parse, const void *data, size_t len, bool is_tcp,
          bool to_server, uint16_t client_port, uint16_t server_port)
{
    struct dpi_proto_ctx ctx = {
        .to_server = to_server, .is_tcp = is_tcp,
        .client_port = client_port, .server_port = server_port,
    };
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;
    struct dpi_md md;

    assert_non_null(copy);
    memcpy(copy, data, len);
    dpi_md_init(&md, 65536);
    r = parse(&ctx, copy, len, &md);
    dpi_md_destroy(&md);
    free(copy);
    return r;
}

/* Teredo (RFC 4380 5.1.1): a bare IPv6 packet, one after an origin
 * indication, one after an authentication indicator (id length 2, value
 * length 1), to port 3544; NO when the IPv6 payload length lies, when
 * the version is not 6, off port 3544, and for every shorter datagram. */
static void
test_teredo(void **state)
{
    uint8_t m[64];
    size_t hdr, n;

    (void) state;
    for (hdr = 0; hdr < 3; hdr++) {
        size_t pos = 0, len;

        memset(m, 0, sizeof m);
        if (hdr == 2) {
            m[1] = 1;
            m[2] = 2;
            m[3] = 1;
            pos = 4 + 2 + 1 + 8 + 1;
        }
        if (hdr >= 1) {
            pos += 8;           /* Origin indication: 0x0000, port, addr. */
        }
        m[pos] = 0x60;
        m[pos + 5] = 8;         /* Payload length 8. */
        m[pos + 6] = 58;        /* ICMPv6. */
        len = pos + 40 + 8;
        assert_int_equal(run_ports(dpi_teredo_parse, m, len, false, true,
                                   40000, 3544), DPI_PROTO_YES);
        assert_int_equal(run_ports(dpi_teredo_parse, m, len, false, false,
                                   3544, 40000), DPI_PROTO_YES);
        assert_int_equal(run_ports(dpi_teredo_parse, m, len, false, true,
                                   40000, 3545), DPI_PROTO_NO);
        assert_int_equal(run_ports(dpi_teredo_parse, m, len, true, true,
                                   40000, 3544), DPI_PROTO_NO);
        for (n = 0; n < len; n++) {
            assert_int_equal(run_ports(dpi_teredo_parse, m, n, false, true,
                                       40000, 3544), DPI_PROTO_NO);
        }
        m[pos + 5] = 9;         /* Lying payload length. */
        assert_int_equal(run_ports(dpi_teredo_parse, m, len, false, true,
                                   40000, 3544), DPI_PROTO_NO);
        m[pos + 5] = 8;
        m[pos] = 0x40;          /* IPv4 version. */
        assert_int_equal(run_ports(dpi_teredo_parse, m, len, false, true,
                                   40000, 3544), DPI_PROTO_NO);
    }
    /* Authentication lengths that run past the datagram. */
    memset(m, 0, sizeof m);
    m[1] = 1;
    m[2] = 0xff;
    m[3] = 0xff;
    assert_int_equal(run_ports(dpi_teredo_parse, m, sizeof m, false, true,
                               40000, 3544), DPI_PROTO_NO);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gnutella_udp_message),
        cmocka_unit_test(test_gnutella_gnd),
        cmocka_unit_test(test_gnutella_tcp_handshake),
        cmocka_unit_test(test_bittorrent_handshake),
        cmocka_unit_test(test_bittorrent_udp),
        cmocka_unit_test(test_ike),
        cmocka_unit_test(test_wireguard),
        cmocka_unit_test(test_openvpn),
        cmocka_unit_test(test_teredo),
        cmocka_unit_test(test_pptp),
        cmocka_unit_test(test_corpus_bittorrent_info_hash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
