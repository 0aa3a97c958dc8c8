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

/* Tests of the parsers of applications with a protocol of their own
 * (lib/proto/apps.c): hand-built Discord IP discovery messages laid out
 * as Discord's documentation says, truncated at every length and with
 * lying fields; and a corpus check that the first datagram of every UDP
 * flow nDPI labels Discord is accepted and no other UDP flow's is. */

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

/* Calls dpi_discord_parse() on 'len' bytes at a malloc()ed copy of 'data'
 * (so that the sanitizers see any read past the end), as a datagram if
 * not 'is_tcp'. */
static enum dpi_proto_result
run_discord(bool is_tcp, const void *data, size_t len)
{
    struct dpi_proto_ctx ctx = { .to_server = true, .is_tcp = is_tcp };
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;
    struct dpi_md md;

    assert_non_null(copy);
    memcpy(copy, data, len);
    dpi_md_init(&md, UINT32_MAX);
    r = dpi_discord_parse(&ctx, copy, len, &md);
    dpi_md_destroy(&md);
    free(copy);
    return r;
}

/* Builds a 74-byte IP discovery message of type 'type' with SSRC
 * 0x0000ace3, address 'addr' (may be "") and port 'port'. */
static void
make_ip_discovery(uint8_t m[74], uint16_t type, const char *addr,
                  uint16_t port)
{
    memset(m, 0, 74);
    m[0] = (uint8_t) (type >> 8);
    m[1] = (uint8_t) type;
    m[2] = 0;
    m[3] = 70;
    m[6] = 0xac;
    m[7] = 0xe3;
    memcpy(m + 8, addr, strlen(addr));
    m[72] = (uint8_t) (port >> 8);
    m[73] = (uint8_t) port;
}

/* A request (zero address) and a response (IPv4 or IPv6 address text) are
 * accepted; every shorter datagram and a longer one are not. */
static void
test_discord_ip_discovery(void **state)
{
    uint8_t m[80];
    size_t i;

    (void) state;
    make_ip_discovery(m, 1, "", 0);
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_YES);
    make_ip_discovery(m, 2, "84.59.132.100", 57955);
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_YES);
    for (i = 0; i < 74; i++) {
        assert_int_equal(run_discord(false, m, i), DPI_PROTO_NO);
    }
    m[74] = 0;
    assert_int_equal(run_discord(false, m, 75), DPI_PROTO_NO);
    make_ip_discovery(m, 2, "2001:db8::1", 1);
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_YES);

    /* Not over TCP. */
    make_ip_discovery(m, 1, "", 0);
    assert_int_equal(run_discord(true, m, 74), DPI_PROTO_NO);
}

/* Lying or unknown type and length fields and a bad address field are
 * refused. */
static void
test_discord_ip_discovery_bad_fields(void **state)
{
    uint8_t m[74];

    (void) state;
    make_ip_discovery(m, 3, "", 0);
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_NO);
    make_ip_discovery(m, 0x0101, "", 0);
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_NO);
    make_ip_discovery(m, 1, "", 0);
    m[3] = 69;
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_NO);
    make_ip_discovery(m, 1, "", 0);
    m[2] = 1;
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_NO);

    /* Address text with a letter that no address has. */
    make_ip_discovery(m, 2, "10.0.0.x", 1);
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_NO);
    /* A byte after the terminating NUL. */
    make_ip_discovery(m, 2, "10.0.0.1", 1);
    m[40] = 'z';
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_NO);
    /* 64 bytes of text, no NUL. */
    make_ip_discovery(m, 2, "", 1);
    memset(m + 8, '1', 64);
    assert_int_equal(run_discord(false, m, 74), DPI_PROTO_NO);
}

/* The 8-byte region probe: magic 0x1337cafe and a counter, exactly. */
static void
test_discord_probe(void **state)
{
    static const uint8_t probe[] = {
        0x13, 0x37, 0xca, 0xfe, 0x0e, 0x00, 0x00, 0x00, 0x00,
    };
    uint8_t bad[8];
    size_t i;

    (void) state;
    assert_int_equal(run_discord(false, probe, 8), DPI_PROTO_YES);
    for (i = 0; i < 8; i++) {
        assert_int_equal(run_discord(false, probe, i), DPI_PROTO_NO);
    }
    assert_int_equal(run_discord(false, probe, 9), DPI_PROTO_NO);
    for (i = 0; i < 4; i++) {
        memcpy(bad, probe, 8);
        bad[i] ^= 0x01;
        assert_int_equal(run_discord(false, bad, 8), DPI_PROTO_NO);
    }
}

/* In discord.pcap and rtp.pcapng, the first datagram of every UDP flow
 * that nDPI labels Discord is accepted, and that of no other UDP flow. */
static void
test_corpus_discord(void **state)
{
    static const char *const files[][2] = {
        { "discord.pcap", "discord.pcap.tsv" },
        { "rtp.pcapng", "rtp.pcapng.tsv" },
    };
    size_t f, yes = 0, no = 0;

    (void) state;
    if (!pu_corpus_dir()) {
        skip();
    }
    for (f = 0; f < sizeof files / sizeof files[0]; f++) {
        char *pcap = pu_corpus_path("pcap", files[f][0]);
        char *tsv = pu_corpus_path("oracle", files[f][1]);
        struct pu_capture cap;
        struct pu_oracle o;
        size_t r;

        assert_true(pu_capture_load(pcap, &cap));
        assert_true(pu_oracle_load(tsv, &o));
        for (r = 0; r < o.n_rows; r++) {
            const struct pu_row *row = &o.rows[r];
            bool discord = !strcmp(pu_cell(&o, row, "ndpi_app"), "Discord");
            const struct dpi_pkt *pkt;

            if (strcmp(pu_cell(&o, row, "proto"), "udp")) {
                continue;
            }
            pkt = pu_first_payload(&cap, &o, row);
            if (pkt) {
                enum dpi_proto_result res
                    = run_discord(false, pkt->payload, pkt->payload_len);

                assert_int_equal(res, discord ? DPI_PROTO_YES
                                              : DPI_PROTO_NO);
                if (discord) {
                    yes++;
                } else {
                    no++;
                }
            }
        }
        pu_oracle_destroy(&o);
        pu_capture_destroy(&cap);
        free(pcap);
        free(tsv);
    }
    assert_int_equal(yes, 34);
    assert_true(no > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discord_ip_discovery),
        cmocka_unit_test(test_discord_ip_discovery_bad_fields),
        cmocka_unit_test(test_discord_probe),
        cmocka_unit_test(test_corpus_discord),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
