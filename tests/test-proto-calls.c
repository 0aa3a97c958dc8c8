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

/* Unit tests of the call traffic parsers (lib/proto/calls.c): Telegram
 * relay signalling laid out as libtgvoip (VoIPController.cpp) builds it,
 * and Zoom's SFU encapsulation as the IMC 2022 dissector describes it
 * (see the top of lib/proto/calls.c); then, with the corpus, the first
 * datagram of every UDP flow of telegram.pcap, zoom.pcap and zoom2.pcap
 * against nDPI's labels in the oracle. */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dpi-proto.h"
#include "pcap-util.h"
#include "proto-run.h"

/* Runs 'parse' on 'len' bytes at 'data' as a client-to-server datagram
 * (or TCP stream if 'is_tcp'). */
static enum dpi_proto_result
run(dpi_proto_func *parse, const void *data, size_t len, bool is_tcp)
{
    return run_ports(parse, data, len, is_tcp, true, 40000, 530);
}

/* Runs dpi_zoom_parse() on 'len' bytes at 'data' as a client-to-server
 * datagram (or TCP stream if 'is_tcp') to port 8801, the first port of
 * Zoom's multimedia routers. */
static enum dpi_proto_result
run_zoom(const void *data, size_t len, bool is_tcp)
{
    return run_ports(dpi_zoom_parse, data, len, is_tcp, true, 51000, 8801);
}

/* Fills 'm' with a Telegram relay special request or reply: a peer tag
 * of 16 bytes 0x5a, twelve 0xFF bytes, TL id 'tlid' little-endian, then
 * 'len' - 32 bytes 0x01.  'len' is at least 32. */
static void
make_tg(uint8_t *m, size_t len, uint32_t tlid)
{
    memset(m, 0x5a, 16);
    memset(m + 16, 0xff, 12);
    m[28] = (uint8_t) tlid;
    m[29] = (uint8_t) (tlid >> 8);
    m[30] = (uint8_t) (tlid >> 16);
    m[31] = (uint8_t) (tlid >> 24);
    memset(m + 32, 0x01, len - 32);
}

/* The public endpoints request (tag + 16 x 0xFF, 32 bytes) and the UDP
 * ping (tag, -1, -1, -1, -2, 64-bit query id: 40 bytes) are accepted;
 * every truncation, a longer datagram and TCP are not. */
static void
test_telegram_requests(void **state)
{
    uint8_t m[41];
    size_t i;

    (void) state;
    make_tg(m, 32, 0xffffffffU);
    assert_int_equal(run(dpi_telegram_call_parse, m, 32, false),
                     DPI_PROTO_YES);
    assert_int_equal(run(dpi_telegram_call_parse, m, 32, true),
                     DPI_PROTO_NO);
    for (i = 0; i < 32; i++) {
        assert_int_equal(run(dpi_telegram_call_parse, m, i, false),
                         DPI_PROTO_NO);
    }
    make_tg(m, 33, 0xffffffffU);
    assert_int_equal(run(dpi_telegram_call_parse, m, 33, false),
                     DPI_PROTO_NO);

    make_tg(m, 40, 0xfffffffeU);
    assert_int_equal(run(dpi_telegram_call_parse, m, 40, false),
                     DPI_PROTO_YES);
    for (i = 0; i < 40; i++) {
        assert_int_equal(run(dpi_telegram_call_parse, m, i, false),
                         DPI_PROTO_NO);
    }
    make_tg(m, 41, 0xfffffffeU);
    assert_int_equal(run(dpi_telegram_call_parse, m, 41, false),
                     DPI_PROTO_NO);
}

/* The relay's replies: SELF_INFO 0xc01572c7 (32 + date 4, query id 8,
 * IPv6 address 16, port 4 = 64 bytes), PEER_INFO 0x27d9371c (32 + 2 x
 * (4 + 4) = 48) and PEER_INFO_IPV6 0x83fc73b1 (32 + 2 x (16 + 4) = 72)
 * are accepted at their size or longer, not shorter; an unknown TL id or
 * a byte of the 0xFF run changed is refused. */
static void
test_telegram_replies(void **state)
{
    static const struct {
        uint32_t tlid;
        size_t len;
    } replies[] = {
        { 0xc01572c7U, 64 }, { 0x27d9371cU, 48 }, { 0x83fc73b1U, 72 },
    };
    uint8_t m[80];
    size_t r, i;

    (void) state;
    for (r = 0; r < sizeof replies / sizeof replies[0]; r++) {
        make_tg(m, 80, replies[r].tlid);
        assert_int_equal(run(dpi_telegram_call_parse, m, replies[r].len,
                             false), DPI_PROTO_YES);
        assert_int_equal(run(dpi_telegram_call_parse, m, 80, false),
                         DPI_PROTO_YES);
        for (i = 0; i < replies[r].len; i++) {
            assert_int_equal(run(dpi_telegram_call_parse, m, i, false),
                             DPI_PROTO_NO);
        }
    }
    make_tg(m, 64, 0x1cb5c415U);        /* TLID_VECTOR: not signalling. */
    assert_int_equal(run(dpi_telegram_call_parse, m, 64, false),
                     DPI_PROTO_NO);
    for (i = 16; i < 28; i++) {
        make_tg(m, 40, 0xfffffffeU);
        m[i] = 0xfe;
        assert_int_equal(run(dpi_telegram_call_parse, m, 40, false),
                         DPI_PROTO_NO);
    }
}

/* Fills 'm' (107 bytes) with a Zoom type 1 session request: type 1, 0x00
 * 0x02, a 16-byte transaction id, 16 bytes, key length 64 big-endian at
 * offset 35, 64 bytes of key, 4 trailing bytes. */
static void
make_zoom_request(uint8_t m[107])
{
    memset(m, 0, 107);
    m[0] = 1;
    m[2] = 2;
    memset(m + 3, 0x7d, 16);
    m[26] = 2;
    m[38] = 64;
    memset(m + 39, 0xc3, 64);
}

/* A session request whose key length fits is accepted; a length that
 * overruns the datagram, a zero length, every truncation before the
 * length field, a non-zero second byte and TCP are refused. */
static void
test_zoom_request(void **state)
{
    uint8_t m[107];
    size_t i;

    (void) state;
    make_zoom_request(m);
    assert_int_equal(run_zoom(m, 107, false), DPI_PROTO_YES);
    assert_int_equal(run_zoom(m, 103, false), DPI_PROTO_YES);
    assert_int_equal(run_zoom(m, 102, false), DPI_PROTO_NO);
    assert_int_equal(run_zoom(m, 107, true), DPI_PROTO_NO);
    for (i = 0; i < 39; i++) {
        assert_int_equal(run_zoom(m, i, false), DPI_PROTO_NO);
    }
    m[38] = 0;
    assert_int_equal(run_zoom(m, 107, false), DPI_PROTO_NO);
    m[35] = 0x80;                       /* Length 2^31: lies. */
    assert_int_equal(run_zoom(m, 107, false), DPI_PROTO_NO);
    make_zoom_request(m);
    m[1] = 1;
    assert_int_equal(run_zoom(m, 107, false), DPI_PROTO_NO);
}

/* Fills 'm' with a Zoom type 5 media datagram of direction 'dir' and media
 * type 'media' whose RTP (or RTCP) header, version 2, starts 'rtp_ofs'
 * bytes into the media header; returns its length (40 bytes of RTP). */
static size_t
make_zoom_media(uint8_t *m, uint8_t dir, uint8_t media, size_t rtp_ofs)
{
    size_t len = 8 + rtp_ofs + 40;

    memset(m, 0, len);
    m[0] = 5;
    m[1] = 0x12;                        /* Sequence number. */
    m[2] = 0x34;
    m[3] = 0xde;                        /* Cookie. */
    m[4] = 0xad;
    m[7] = dir;
    m[8] = media;
    m[8 + rtp_ofs] = 0x80;              /* RTP V=2. */
    m[8 + rtp_ofs + 1] = 0x70;
    return len;
}

/* Audio (RTP after 19 bytes), video (after 20 or 24) and RTCP (after 16)
 * in both directions are accepted; a direction byte other than 0 or 4, an
 * unknown media type, RTP version 1 and truncated RTP headers are not. */
static void
test_zoom_media(void **state)
{
    static const struct {
        uint8_t media;
        size_t ofs;
    } ok[] = {
        { 15, 19 }, { 16, 20 }, { 16, 24 }, { 33, 16 }, { 35, 16 },
    };
    uint8_t m[128];
    size_t k, len, i;

    (void) state;
    for (k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        len = make_zoom_media(m, 0, ok[k].media, ok[k].ofs);
        assert_int_equal(run_zoom(m, len, false), DPI_PROTO_YES);
        len = make_zoom_media(m, 4, ok[k].media, ok[k].ofs);
        assert_int_equal(run_zoom(m, len, false), DPI_PROTO_YES);
        for (i = 0; i < 8 + ok[k].ofs + 12; i++) {
            assert_int_equal(run_zoom(m, i, false), DPI_PROTO_NO);
        }
        len = make_zoom_media(m, 2, ok[k].media, ok[k].ofs);
        assert_int_equal(run_zoom(m, len, false), DPI_PROTO_NO);
        len = make_zoom_media(m, 0, ok[k].media, ok[k].ofs);
        m[8 + ok[k].ofs] = 0x40;        /* Version 1. */
        assert_int_equal(run_zoom(m, len, false), DPI_PROTO_NO);
    }
    len = make_zoom_media(m, 0, 17, 19);
    assert_int_equal(run_zoom(m, len, false), DPI_PROTO_NO);
}

/* A session request and a media datagram are accepted only to or from
 * ports 8801 to 8810 (in either role), not on the ports around them nor
 * on STUN's. */
static void
test_zoom_ports(void **state)
{
    static const uint16_t ok[] = { 8801, 8805, 8810 };
    static const uint16_t bad[] = { 8800, 8811, 3478, 530 };
    uint8_t req[107], media[128];
    size_t media_len, i;

    (void) state;
    make_zoom_request(req);
    media_len = make_zoom_media(media, 0, 15, 19);
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(run_ports(dpi_zoom_parse, req, 107, false, true,
                                   51000, ok[i]), DPI_PROTO_YES);
        assert_int_equal(run_ports(dpi_zoom_parse, media, media_len, false,
                                   false, ok[i], 51000), DPI_PROTO_YES);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(run_ports(dpi_zoom_parse, req, 107, false, true,
                                   51000, bad[i]), DPI_PROTO_NO);
        assert_int_equal(run_ports(dpi_zoom_parse, media, media_len, false,
                                   false, bad[i], 51000), DPI_PROTO_NO);
    }
}

/* Runs 'parse' on the first datagram of every UDP flow of pcap 'name'
 * and checks that it says YES only for flows that nDPI labels exactly
 * 'label'; returns the number of YES. */
static size_t
corpus_check(const char *name, dpi_proto_func *parse, const char *label)
{
    char *tsv_name = malloc(strlen(name) + 5);
    char *pcap, *tsv;
    struct pu_capture cap;
    struct pu_oracle o;
    size_t r, yes = 0;

    assert_non_null(tsv_name);
    strcpy(tsv_name, name);
    strcat(tsv_name, ".tsv");
    pcap = pu_corpus_path("pcap", name);
    tsv = pu_corpus_path("oracle", tsv_name);
    assert_true(pu_capture_load(pcap, &cap));
    assert_true(pu_oracle_load(tsv, &o));
    for (r = 0; r < o.n_rows; r++) {
        const struct pu_row *row = &o.rows[r];
        bool labelled = !strcmp(pu_cell(&o, row, "ndpi_app"), label);
        const struct dpi_pkt *pkt;

        if (strcmp(pu_cell(&o, row, "proto"), "udp")) {
            continue;
        }
        pkt = pu_first_payload(&cap, &o, row);
        if (pkt && run_ports(parse, pkt->payload, pkt->payload_len, false,
                             true,
                             atoi(pu_cell(&o, row, "client_port")),
                             atoi(pu_cell(&o, row, "server_port")))
                   == DPI_PROTO_YES) {
            assert_true(labelled);
            yes++;
        }
    }
    pu_oracle_destroy(&o);
    pu_capture_destroy(&cap);
    free(pcap);
    free(tsv);
    free(tsv_name);
    return yes;
}

/* telegram.pcap: the first datagram of each of the 12 UDP flows nDPI
 * labels Telegram (calls through Telegram's relays) is relay signalling,
 * and that of no other flow.  zoom.pcap and zoom2.pcap: the parser says
 * YES only for flows nDPI labels Zoom: the 3 + 3 flows to a multimedia
 * router that open with a session request (zoom.pcap's fourth Zoom flow
 * is seen from its middle, inside GTP-U). */
static void
test_corpus_calls(void **state)
{
    (void) state;
    if (!pu_corpus_dir()) {
        skip();
    }
    assert_int_equal(corpus_check("telegram.pcap", dpi_telegram_call_parse,
                                  "Telegram"), 12);
    assert_int_equal(corpus_check("zoom.pcap", dpi_zoom_parse, "Zoom"), 3);
    assert_int_equal(corpus_check("zoom2.pcap", dpi_zoom_parse, "Zoom"), 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_telegram_requests),
        cmocka_unit_test(test_telegram_replies),
        cmocka_unit_test(test_zoom_request),
        cmocka_unit_test(test_zoom_media),
        cmocka_unit_test(test_zoom_ports),
        cmocka_unit_test(test_corpus_calls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
