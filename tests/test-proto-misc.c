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

/* Unit tests of the Redis parser (lib/proto/redis.c), with commands built
 * as the RESP specification lays them out, of the GTP-C parser
 * (lib/proto/gtp.c) with headers laid out as 3GPP TS 29.274 and 29.060
 * define them, of the CoAP parser (lib/proto/coap.c) with RFC 7252
 * messages, and of the built-in RTSP signature
 * (lib/signatures/20-voip.sig) with RFC 2326 request and status lines. */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dpi-app.h"
#include "dpi-proto.h"
#include "dpi-sig-private.h"
#include "proto-run.h"
#include "sigdb-fixture.h"

/* Runs the Redis parser on the NUL-terminated 'text' as the client's
 * stream (or the server's if not 'to_server'). */
static enum dpi_proto_result
redis(const char *text, size_t len, bool to_server)
{
    return run_ports(dpi_redis_parse, text, len, true, to_server, 51882,
                     6379);
}

/* A command array whose first bulk string holds a command name is
 * accepted; every strict prefix asks for more bytes. */
static void
test_redis_commands(void **state)
{
    static const char *const ok[] = {
        "*1\r\n$7\r\nCOMMAND\r\n",
        "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n",
        "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n",
    };
    size_t k, i;

    (void) state;
    for (k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        size_t len = strlen(ok[k]);

        size_t end = 0, crlf = 0;

        /* The first bulk string ends after the third CRLF. */
        while (crlf < 3) {
            crlf += ok[k][end] == '\r' && ok[k][end + 1] == '\n';
            end++;
        }
        end++;
        assert_int_equal(redis(ok[k], len, true), DPI_PROTO_YES);
        for (i = 1; i < len; i++) {
            assert_int_equal(redis(ok[k], i, true),
                             i < end ? DPI_PROTO_MORE : DPI_PROTO_YES);
        }
        assert_int_equal(redis(ok[k], 0, true), DPI_PROTO_NO);
        assert_int_equal(redis(ok[k], len, false), DPI_PROTO_NO);
        assert_int_equal(run_ports(dpi_redis_parse, ok[k], len, false, true,
                                   51882, 6379), DPI_PROTO_NO);
    }
}

/* Malformed headers, lying lengths and non-command names are refused;
 * so are replies and other protocols' text. */
static void
test_redis_malformed(void **state)
{
    static const char *const bad[] = {
        "*0\r\n",                       /* Empty array. */
        "*1\n$4\r\nPING\r\n",           /* LF without CR. */
        "*x\r\n$4\r\nPING\r\n",
        "*1\r\n+PING\r\n",              /* Not a bulk string. */
        "*1\r\n$0\r\n\r\n",             /* Empty name. */
        "*1\r\n$65\r\n",                /* Name longer than 64. */
        "*1\r\n$4\r\nPI G\r\n",         /* Not a name. */
        "*1\r\n$3\r\nPING\r\n",         /* Length lies: 3, 4 follow. */
        "*1\r\n$5\r\nPING\r\n",         /* Length lies: 5. */
        "*99999999999\r\n",             /* Too many elements. */
        "+OK\r\n",
        "PING\r\n",
        "GET / HTTP/1.1\r\n",
    };
    size_t k;

    (void) state;
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(redis(bad[k], strlen(bad[k]), true), DPI_PROTO_NO);
    }
}

/* Runs the GTP-C parser on 'len' bytes at 'data' as a datagram to port
 * 2123. */
static enum dpi_proto_result
gtp(const uint8_t *data, size_t len)
{
    return run_ports(dpi_gtp_c_parse, data, len, false, true, 1024, 2123);
}

/* GTPv2-C (TS 29.274 5.1): an Echo Request without TEID (8 bytes, length
 * 4) and a Create Session Request with TEID (T flag, length counting the
 * 8 bytes of TEID, sequence and spare plus 4 bytes of IE) are accepted;
 * every truncation, a length that lies, spare bits set, a message type 0,
 * version 3 and TCP are not.  With the piggybacking flag P, a datagram
 * longer than the first message is accepted. */
static void
test_gtp_v2(void **state)
{
    static const uint8_t echo[] = { 0x40, 0x01, 0x00, 0x04,
                                    0x00, 0x12, 0x34, 0x00 };
    uint8_t csr[16] = { 0x48, 0x20, 0x00, 0x0c,
                        0x00, 0x00, 0x00, 0x00,     /* TEID. */
                        0x4b, 0x54, 0x62, 0x00,     /* Sequence, spare. */
                        0x01, 0x00, 0x00, 0x00 };   /* IMSI IE header. */
    uint8_t m[24];
    size_t i;

    (void) state;
    assert_int_equal(gtp(echo, sizeof echo), DPI_PROTO_YES);
    assert_int_equal(gtp(csr, sizeof csr), DPI_PROTO_YES);
    for (i = 0; i < sizeof csr; i++) {
        assert_int_equal(gtp(csr, i), DPI_PROTO_NO);
    }
    assert_int_equal(run_ports(dpi_gtp_c_parse, csr, sizeof csr, true, true,
                               1024, 2123), DPI_PROTO_NO);
    memcpy(m, csr, sizeof csr);
    memset(m + sizeof csr, 0, sizeof m - sizeof csr);
    assert_int_equal(gtp(m, sizeof m), DPI_PROTO_NO);      /* Length lies. */
    m[0] |= 0x10;                                           /* P flag. */
    assert_int_equal(gtp(m, sizeof m), DPI_PROTO_YES);
    m[3] = 0x20;                    /* Longer than the datagram, even so. */
    assert_int_equal(gtp(m, sizeof m), DPI_PROTO_NO);
    memcpy(m, csr, sizeof csr);
    m[3] = 0x04;                    /* T set, but too short for a TEID. */
    assert_int_equal(gtp(m, 8), DPI_PROTO_NO);
    memcpy(m, csr, sizeof csr);
    m[0] |= 0x01;                   /* Spare bit. */
    assert_int_equal(gtp(m, sizeof csr), DPI_PROTO_NO);
    memcpy(m, csr, sizeof csr);
    m[1] = 0;                       /* Reserved message type. */
    assert_int_equal(gtp(m, sizeof csr), DPI_PROTO_NO);
    memcpy(m, csr, sizeof csr);
    m[0] = 0x68;                    /* Version 3. */
    assert_int_equal(gtp(m, sizeof csr), DPI_PROTO_NO);
}

/* GTPv1-C (TS 29.060 6): an Echo Request with the S flag (12 bytes,
 * length 4) is accepted; PT clear (GTP'), a G-PDU (255, user plane), a
 * lying length and truncations are not. */
static void
test_gtp_v1(void **state)
{
    static const uint8_t echo[] = { 0x32, 0x01, 0x00, 0x04,
                                    0x00, 0x00, 0x00, 0x00,
                                    0x12, 0x34, 0x00, 0x00 };
    uint8_t m[12];
    size_t i;

    (void) state;
    assert_int_equal(gtp(echo, sizeof echo), DPI_PROTO_YES);
    for (i = 0; i < sizeof echo; i++) {
        assert_int_equal(gtp(echo, i), DPI_PROTO_NO);
    }
    memcpy(m, echo, sizeof m);
    m[0] = 0x22;                    /* PT = 0. */
    assert_int_equal(gtp(m, sizeof m), DPI_PROTO_NO);
    memcpy(m, echo, sizeof m);
    m[1] = 255;
    assert_int_equal(gtp(m, sizeof m), DPI_PROTO_NO);
    memcpy(m, echo, sizeof m);
    m[3] = 5;
    assert_int_equal(gtp(m, sizeof m), DPI_PROTO_NO);
}

/* Runs the CoAP parser on 'len' bytes at 'data' as a datagram to port
 * 5683. */
static enum dpi_proto_result
coap(const uint8_t *data, size_t len)
{
    return run_ports(dpi_coap_parse, data, len, false, true, 50311, 5683);
}

/* RFC 7252: a Confirmable PUT (0.03) with a 3-byte token, Uri-Port
 * (option 7), Uri-Path (11) twice, Content-Format (12) and a payload
 * after the 0xFF marker, and its Acknowledgement 2.04 with Location-Path
 * (8), are accepted; the PUT cut at every length before its options end
 * and at the marker, TKL 9, version 2, an empty message (0.00), a
 * reserved class, an unregistered option number, a reserved nibble and an
 * option that runs past the datagram are not. */
static void
test_coap(void **state)
{
    static const uint8_t put[] = {
        0x43, 0x03, 0x35, 0x01, 0x6f, 0x52, 0x4d,   /* CON PUT, token. */
        0x72, 0x44, 0x5c,                           /* Uri-Port 17500. */
        0x41, 'r',                                  /* Uri-Path "r". */
        0x03, 'c', 'm', 'd',                        /* Uri-Path "cmd". */
        0x11, 50,                                   /* Content-Format. */
        0xff, '{', '}',                             /* Payload. */
    };
    static const uint8_t ack[] = {
        0x63, 0x44, 0x35, 0x01, 0x6f, 0x52, 0x4d,   /* ACK 2.04, token. */
        0x81, 'r',                                  /* Location-Path. */
    };
    uint8_t m[sizeof put];
    size_t i;

    (void) state;
    assert_int_equal(coap(put, sizeof put), DPI_PROTO_YES);
    assert_int_equal(coap(ack, sizeof ack), DPI_PROTO_YES);
    assert_int_equal(run_ports(dpi_coap_parse, put, sizeof put, true, true,
                               50311, 5683), DPI_PROTO_NO);
    for (i = 0; i < 7; i++) {
        assert_int_equal(coap(put, i), DPI_PROTO_NO);
    }
    assert_int_equal(coap(put, 8), DPI_PROTO_NO);   /* Inside Uri-Port. */
    assert_int_equal(coap(put, 19), DPI_PROTO_NO);  /* Marker, no payload. */
    memcpy(m, put, sizeof m);
    m[0] = 0x49;                                    /* TKL 9. */
    assert_int_equal(coap(m, sizeof m), DPI_PROTO_NO);
    memcpy(m, put, sizeof m);
    m[0] = 0x83;                                    /* Version 2. */
    assert_int_equal(coap(m, sizeof m), DPI_PROTO_NO);
    memcpy(m, put, sizeof m);
    m[1] = 0x00;                                    /* Empty message. */
    assert_int_equal(coap(m, sizeof m), DPI_PROTO_NO);
    m[1] = 0x61;                                    /* Class 3. */
    assert_int_equal(coap(m, sizeof m), DPI_PROTO_NO);
    memcpy(m, put, sizeof m);
    m[7] = 0x22;                                    /* Option 2. */
    assert_int_equal(coap(m, sizeof m), DPI_PROTO_NO);
    memcpy(m, put, sizeof m);
    m[7] = 0xf2;                                    /* Delta nibble 15. */
    assert_int_equal(coap(m, sizeof m), DPI_PROTO_NO);
    memcpy(m, put, sizeof m);
    m[16] = 0x1d;                                   /* Length 13 + 50. */
    assert_int_equal(coap(m, sizeof m), DPI_PROTO_NO);
}

/* Returns true if the built-in database proposes 'app' for the TCP
 * payload 'text'. */
static bool
proposes(struct sigdb_fixture *f, const char *text, uint16_t app)
{
    struct dpi_slots slots;
    size_t i;

    dpi_sig_match_payload(f->db, f->scratch, 6, (const uint8_t *) text,
                          strlen(text), &slots);
    for (i = 0; i < dpi_sig_n_slots(f->db); i++) {
        if (dpi_sig_slot_app(f->db, (unsigned int) i) == app
            && slots.w[i / 64] & (UINT64_C(1) << (i % 64))) {
            return true;
        }
    }
    return false;
}

/* RFC 2326 request lines (6.1: Method SP Request-URI SP RTSP-Version
 * CRLF) and status lines (7.1) propose RTSP; HTTP, a request with an
 * HTTP version and an unknown method do not.  RTSP has no parser, so the
 * pattern alone identifies it. */
static void
test_rtsp_signature(void **state)
{
    static const char *const ok[] = {
        "SETUP rtsp://172.28.4.26:8554/trackID=1 RTSP/1.0\r\nCSeq: 4\r\n",
        "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n",
        "DESCRIBE rtsp://example.com/media.mp4 RTSP/1.0\r\n",
        "PLAY rtsps://example.com/a RTSP/2.0\r\n",
        "RTSP/1.0 200 OK\r\nCSeq: 4\r\n",
        "RTSP/1.0 454 Session Not Found\r\n",
    };
    static const char *const bad[] = {
        "GET / HTTP/1.1\r\n",
        "SETUP rtsp://example.com/a HTTP/1.1\r\n",
        "FETCH rtsp://example.com/a RTSP/1.0\r\n",
        "HTTP/1.1 200 OK\r\n",
        "RTSP/1.0 OK\r\n",
    };
    struct sigdb_fixture *f = *state;
    size_t k;

    assert_null(dpi_parser_find(DPI_APP_rtsp));
    for (k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        assert_true(proposes(f, ok[k], DPI_APP_rtsp));
    }
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_false(proposes(f, bad[k], DPI_APP_rtsp));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_commands),
        cmocka_unit_test(test_redis_malformed),
        cmocka_unit_test(test_gtp_v2),
        cmocka_unit_test(test_gtp_v1),
        cmocka_unit_test(test_coap),
        SIGDB_FIXTURE_TEST(test_rtsp_signature),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
