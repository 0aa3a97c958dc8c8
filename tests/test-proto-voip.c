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

/* Tests of the VoIP family parsers: SIP, STUN, RTP, RTCP, XMPP.  Messages
 * are built by hand from the RFCs; expected values follow from the RFCs'
 * definitions (RFC 3261 user part, RFC 3550 A.8 jitter arithmetic). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dpi-app.h"
#include "dpi-proto.h"
#include "proto-run.h"

/* Runs 'parse' on 'len' bytes at 'data' with a context of the given
 * transport, direction and time, adding to 'md'. */
static enum dpi_proto_result
run(dpi_proto_func *parse, const void *data, size_t len, bool is_tcp,
    bool follow, uint64_t now_us, struct dpi_md *md)
{
    struct dpi_proto_ctx ctx = {
        .to_server = true, .is_tcp = is_tcp, .follow = follow,
        .client_port = 40000, .server_port = 5060, .now_us = now_us,
    };

    return parse(&ctx, data, len, md);
}

/* Returns true if text field 'f' of 'md' holds 'value'. */
static bool
md_has(const struct dpi_md *md, enum dpi_field f, const char *value)
{
    uint32_t pos = 0;
    struct dpi_md_value v;

    while (dpi_md_next(md, &pos, &v)) {
        if (v.field == f && v.len == strlen(value)
            && !memcmp(v.str, value, v.len)) {
            return true;
        }
    }
    return false;
}

/* Runs 'parse' on every proper prefix of 'msg' (copied to the heap, so
 * that a read past the end is caught by ASan/valgrind) and checks that
 * none says YES when 'no_yes' is set. */
static void
check_truncations(dpi_proto_func *parse, const uint8_t *msg, size_t len,
                  bool is_tcp, bool no_yes)
{
    size_t n;

    for (n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        struct dpi_md md;
        enum dpi_proto_result r;

        memcpy(copy, msg, n);
        dpi_md_init(&md, 65536);
        r = run(parse, copy, n, is_tcp, false, 0, &md);
        if (no_yes) {
            assert_int_not_equal(r, DPI_PROTO_YES);
        }
        dpi_md_destroy(&md);
        free(copy);
    }
}

/* --- SIP --------------------------------------------------------------- */

static const char sip_invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: \"Al <ice>\" <sip:alice:secret@atlanta.example.com>;tag=1928\r\n"
    "i: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "l: 4\r\n"
    "\r\n"
    "v=0\n";

static const char sip_ok[] =
    "SIP/2.0 200 OK\r\n"
    "t: sips:bob@biloxi.example.com;tag=a6c85cf\r\n"
    "f: <sip:alice@atlanta.example.com>;tag=1928\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

/* An INVITE over UDP: method, users (display name with '<', password
 * dropped: RFC 3261 19.1.1) and the compact Call-ID. */
static void
test_sip_invite_udp(void **state)
{
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, 65536);
    assert_int_equal(run(dpi_sip_parse, sip_invite, strlen(sip_invite),
                         false, false, 0, &md), DPI_PROTO_YES);
    assert_true(md_has(&md, DPI_F_sip_method, "INVITE"));
    assert_true(md_has(&md, DPI_F_sip_from_user, "alice"));
    assert_true(md_has(&md, DPI_F_sip_to_user, "bob"));
    assert_true(md_has(&md, DPI_F_sip_call_id,
                       "a84b4c76e66710@pc33.atlanta.example.com"));
    assert_int_equal(dpi_md_count(&md, DPI_F_sip_from_user), 1);
    dpi_md_destroy(&md);
}

/* Two messages back to back in one TCP stream: both are read, the second
 * one (a response, compact headers, addr-spec To) included. */
static void
test_sip_tcp_two_messages(void **state)
{
    char buf[2048];
    struct dpi_md md;
    size_t n;

    (void) state;
    n = strlen(sip_invite);
    memcpy(buf, sip_invite, n);
    memcpy(buf + n, sip_ok, strlen(sip_ok));
    n += strlen(sip_ok);

    dpi_md_init(&md, 65536);
    assert_int_equal(run(dpi_sip_parse, buf, n, true, false, 0, &md),
                     DPI_PROTO_YES);
    assert_true(md_has(&md, DPI_F_sip_from_user, "alice"));
    assert_true(md_has(&md, DPI_F_sip_to_user, "bob"));
    assert_int_equal(dpi_md_count(&md, DPI_F_sip_to_user), 1);
    assert_int_equal(dpi_md_count(&md, DPI_F_sip_method), 1);
    dpi_md_destroy(&md);
}

/* A TCP prefix that ends inside the headers is MORE, never YES, and adds
 * nothing; every UDP truncation is handled without reading past the
 * end. */
static void
test_sip_truncated(void **state)
{
    size_t len = strlen(sip_invite);
    size_t hdr_end = strstr(sip_invite, "\r\n\r\n") - sip_invite + 3;
    size_t n;

    (void) state;
    for (n = 1; n < hdr_end; n++) {
        struct dpi_md md;

        dpi_md_init(&md, 65536);
        assert_int_equal(run(dpi_sip_parse, sip_invite, n, true, false, 0,
                             &md), DPI_PROTO_MORE);
        assert_int_equal(dpi_md_count(&md, DPI_F_sip_from_user), 0);
        dpi_md_destroy(&md);
    }
    check_truncations(dpi_sip_parse, (const uint8_t *) sip_invite, len,
                      false, false);
}

/* Not SIP: other versions, bad status codes, HTTP, a lying
 * Content-Length (which must not send the parser past the end). */
static void
test_sip_not_sip(void **state)
{
    static const char *const bad[] = {
        "INVITE sip:bob@example.com SIP/3.0\r\n\r\n",
        "SIP/2.0 999 Odd\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "INVITE  sip:bob@example.com SIP/2.0\r\n\r\n",
        "\x80\x00\x12\x34",
    };
    static const char lying[] =
        "BYE sip:a@b SIP/2.0\r\nl: 999999\r\nf: <sip:x@y>\r\n\r\n";
    struct dpi_md md;
    size_t i;

    (void) state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dpi_md_init(&md, 65536);
        assert_int_equal(run(dpi_sip_parse, bad[i], strlen(bad[i]), false,
                             false, 0, &md), DPI_PROTO_NO);
        dpi_md_destroy(&md);
    }
    dpi_md_init(&md, 65536);
    assert_int_equal(run(dpi_sip_parse, lying, strlen(lying), true, false,
                         0, &md), DPI_PROTO_YES);
    assert_true(md_has(&md, DPI_F_sip_from_user, "x"));
    dpi_md_destroy(&md);
}

/* --- STUN -------------------------------------------------------------- */

/* An RFC 5389 Binding request with one SOFTWARE attribute (4 bytes) and,
 * optionally, MS-IMPLEMENTATION-VERSION (0x8070). */
static size_t
stun_build(uint8_t *buf, bool ms)
{
    static const uint8_t hdr[20] = {
        0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    };
    static const uint8_t sw[8] = { 0x80, 0x22, 0x00, 0x04, 't', 'e', 's',
                                   't' };
    static const uint8_t msi[8] = { 0x80, 0x70, 0x00, 0x04, 0, 0, 0, 2 };
    size_t n = 20;

    memcpy(buf, hdr, 20);
    memcpy(buf + n, sw, 8);
    n += 8;
    if (ms) {
        memcpy(buf + n, msi, 8);
        n += 8;
        buf[3] = 16;
    }
    return n;
}

/* A Binding request is STUN; the Microsoft attribute selects
 * skype_teams. */
static void
test_stun_binding(void **state)
{
    uint8_t buf[64];
    struct dpi_md md;
    uint64_t svc;
    size_t n;

    (void) state;
    n = stun_build(buf, false);
    dpi_md_init(&md, 65536);
    assert_int_equal(run(dpi_stun_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_YES);
    assert_false(dpi_md_get_u64(&md, DPI_F__service, &svc));
    dpi_md_destroy(&md);

    n = stun_build(buf, true);
    dpi_md_init(&md, 65536);
    assert_int_equal(run(dpi_stun_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_YES);
    assert_true(dpi_md_get_u64(&md, DPI_F__service, &svc));
    assert_int_equal(svc, DPI_APP_skype_teams);
    dpi_md_destroy(&md);

    check_truncations(dpi_stun_parse, buf, n, false, true);
}

/* Lying lengths: message length not matching the datagram, an attribute
 * running past the message, top bits set, a length not a multiple of 4;
 * and RFC 4571 framing over TCP. */
static void
test_stun_lengths(void **state)
{
    uint8_t buf[64], framed[66];
    struct dpi_md md;
    size_t n = stun_build(buf, false);

    (void) state;
    dpi_md_init(&md, 65536);
    buf[3] = 12;
    assert_int_equal(run(dpi_stun_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[3] = 8;
    buf[23] = 8;                /* SOFTWARE length past the end. */
    assert_int_equal(run(dpi_stun_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[23] = 4;
    buf[0] = 0x40;
    assert_int_equal(run(dpi_stun_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[0] = 0;
    buf[3] = 6;
    assert_int_equal(run(dpi_stun_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[3] = 8;

    framed[0] = 0;
    framed[1] = (uint8_t) n;
    memcpy(framed + 2, buf, n);
    assert_int_equal(run(dpi_stun_parse, framed, n + 2, true, false, 0,
                         &md), DPI_PROTO_YES);
    assert_int_equal(run(dpi_stun_parse, framed, n, true, false, 0, &md),
                     DPI_PROTO_MORE);
    dpi_md_destroy(&md);
}

/* --- RTP and RTCP ------------------------------------------------------ */

/* Writes a 12-byte RTP header (PCMU, PT 0) and 160 payload bytes. */
static size_t
rtp_build(uint8_t *buf, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    memset(buf, 0xd5, 172);
    buf[0] = 0x80;
    buf[1] = 0;
    buf[2] = seq >> 8;
    buf[3] = seq;
    buf[4] = ts >> 24;
    buf[5] = ts >> 16;
    buf[6] = ts >> 8;
    buf[7] = ts;
    buf[8] = ssrc >> 24;
    buf[9] = ssrc >> 16;
    buf[10] = ssrc >> 8;
    buf[11] = ssrc;
    return 172;
}

/* Runs the RTP parser, in follow mode if 'follow', on a packet of source
 * 'ssrc' with sequence number 'seq' and timestamp 'ts' that arrived at
 * 'now_us'. */
static enum dpi_proto_result
rtp_feed(uint16_t seq, uint32_t ts, uint32_t ssrc, uint64_t now_us,
         bool follow, struct dpi_md *md)
{
    uint8_t buf[172];
    size_t n = rtp_build(buf, seq, ts, ssrc);

    return run(dpi_rtp_parse, buf, n, false, follow, now_us, md);
}

/* Returns the jitter_us of 'md', which must have one. */
static uint64_t
rtp_jitter_us(const struct dpi_md *md)
{
    uint64_t jitter;

    assert_true(dpi_md_get_u64(md, DPI_F_jitter_us, &jitter));
    return jitter;
}

/* The first packet is MORE, the next of the same source YES; packets
 * 20 ms apart with timestamps 160 apart (8000 Hz) have no jitter; one
 * packet 10 ms late gives D = 80 units, J = 80 / 16 = 5 units = 625 us
 * (RFC 3550 6.4.1). */
static void
test_rtp_jitter(void **state)
{
    uint64_t t0 = 1700000000ull * 1000000;
    uint32_t ssrc = 0x11223344;
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, 65536);
    assert_int_equal(rtp_feed(100, 5000, ssrc, t0, false, &md),
                     DPI_PROTO_MORE);
    assert_int_equal(rtp_feed(101, 5160, ssrc, t0 + 20000, false, &md),
                     DPI_PROTO_YES);
    assert_int_equal(rtp_jitter_us(&md), 0);
    assert_int_equal(rtp_feed(102, 5320, ssrc, t0 + 50000, true, &md),
                     DPI_PROTO_YES);
    assert_int_equal(rtp_jitter_us(&md), 625);

    /* Another source does not disturb the tracked one. */
    assert_int_equal(rtp_feed(7, 999999, 0x55667788, t0 + 90000, true,
                              &md), DPI_PROTO_YES);
    assert_int_equal(rtp_jitter_us(&md), 625);
    dpi_md_destroy(&md);
}

/* A jitter_us that the metadata budget refused is written by a later
 * packet once the budget allows it, even if the jitter has not changed
 * (the engine's budget is every connection's, so it may be raised while a
 * stream runs); meanwhile the jitter state goes on being updated.  In
 * units of 1/8000 s (RFC 3550 A.8, J kept times 16): the second packet
 * is 10 ms late, D = 80, J16 = 80, J = 5 units = 625 us, refused; the
 * third comes 22 ms after it, D = 16, J16 = 80 + 16 - 5 = 91, J still 5
 * units, written only because it was refused.  Had the state not been
 * updated at the second packet, the third would give D = 96 against the
 * first, J = 6 units = 750 us. */
static void
test_rtp_jitter_after_budget_refused(void **state)
{
    uint64_t t0 = 1700000000ull * 1000000;
    uint32_t ssrc = 0x11223344;
    struct dpi_md md;
    uint64_t jitter;

    (void) state;
    dpi_md_init(&md, 65536);
    assert_int_equal(rtp_feed(100, 5000, ssrc, t0, false, &md),
                     DPI_PROTO_MORE);

    /* No room beyond the jitter state: jitter_us (625) is refused. */
    md.max = md.len;
    assert_int_equal(rtp_feed(101, 5160, ssrc, t0 + 30000, false, &md),
                     DPI_PROTO_YES);
    assert_false(dpi_md_get_u64(&md, DPI_F_jitter_us, &jitter));

    /* Room again; the jitter is still 5 units, and now it is written. */
    md.max = 65536;
    assert_int_equal(rtp_feed(102, 5320, ssrc, t0 + 52000, true, &md),
                     DPI_PROTO_YES);
    assert_int_equal(rtp_jitter_us(&md), 625);
    dpi_md_destroy(&md);
}

/* Not RTP: version 1, unassigned payload type, RTCP types, CSRC count or
 * extension or padding longer than the packet, a sequence jump. */
static void
test_rtp_invalid(void **state)
{
    uint8_t buf[172];
    struct dpi_md md;
    size_t n = rtp_build(buf, 1, 0, 1);

    (void) state;
    dpi_md_init(&md, 65536);
    buf[0] = 0x40;
    assert_int_equal(run(dpi_rtp_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[0] = 0x80;
    buf[1] = 50;
    assert_int_equal(run(dpi_rtp_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[1] = 200;
    assert_int_equal(run(dpi_rtp_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[1] = 0;
    assert_int_equal(run(dpi_rtp_parse, buf, 12 + 4 * 3, false, false, 0,
                         &md), DPI_PROTO_MORE);
    buf[0] = 0x8f;              /* 15 CSRCs: 72 bytes. */
    assert_int_equal(run(dpi_rtp_parse, buf, 60, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[0] = 0x90;              /* Extension of 0xd5d5 words. */
    assert_int_equal(run(dpi_rtp_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    buf[0] = 0xa0;              /* Padding 0xd5 > 160 bytes of payload. */
    assert_int_equal(run(dpi_rtp_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_NO);
    dpi_md_destroy(&md);

    dpi_md_init(&md, 65536);
    n = rtp_build(buf, 1, 0, 9);
    assert_int_equal(run(dpi_rtp_parse, buf, n, false, false, 0, &md),
                     DPI_PROTO_MORE);
    n = rtp_build(buf, 5000, 160, 9);
    assert_int_equal(run(dpi_rtp_parse, buf, n, false, false, 20000, &md),
                     DPI_PROTO_MORE);
    dpi_md_destroy(&md);
    check_truncations(dpi_rtp_parse, buf, n, false, true);
}

/* An RTCP compound packet: a Receiver Report with no report block and an
 * SDES with one chunk; lying lengths are refused. */
static void
test_rtcp(void **state)
{
    uint8_t pkt[] = {
        0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
        0x81, 202, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44,
        0x01, 0x01, 'x', 0x00,
    };
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, 65536);
    assert_int_equal(run(dpi_rtcp_parse, pkt, sizeof pkt, false, false, 0,
                         &md), DPI_PROTO_YES);
    pkt[11] = 3;
    assert_int_equal(run(dpi_rtcp_parse, pkt, sizeof pkt, false, false, 0,
                         &md), DPI_PROTO_NO);
    pkt[11] = 1;
    assert_int_equal(run(dpi_rtcp_parse, pkt, sizeof pkt, false, false, 0,
                         &md), DPI_PROTO_NO);
    pkt[11] = 2;
    pkt[1] = 202;               /* SDES cannot come first. */
    assert_int_equal(run(dpi_rtcp_parse, pkt, sizeof pkt, false, false, 0,
                         &md), DPI_PROTO_NO);
    pkt[1] = 201;
    /* The Receiver Report alone is a whole compound packet. */
    assert_int_equal(run(dpi_rtcp_parse, pkt, 8, false, false, 0, &md),
                     DPI_PROTO_YES);
    assert_int_equal(run(dpi_rtcp_parse, pkt, 12, false, false, 0, &md),
                     DPI_PROTO_NO);
    dpi_md_destroy(&md);
    check_truncations(dpi_rtcp_parse, pkt, sizeof pkt, false, false);
}

/* --- XMPP and WhatsApp ------------------------------------------------- */

/* An XMPP stream header is Jabber; WhatsApp's prologue and header select
 * the whatsapp service; every prefix is MORE or NO. */
static void
test_xmpp(void **state)
{
    static const char xmpp[] = "<?xml version='1.0' ?><stream:stream "
                               "to='example.com' version='1.0'>";
    static const uint8_t wa[] = { 'E', 'D', 0, 1, 0, 0, 4, 8, 9, 8, 2,
                                  'W', 'A', 5, 2, 0, 1, 14 };
    static const char http[] = "<?xml version='1.0'?><soap:Envelope>";
    struct dpi_md md;
    uint64_t svc;

    (void) state;
    dpi_md_init(&md, 65536);
    assert_int_equal(run(dpi_jabber_parse, xmpp, strlen(xmpp), true, false,
                         0, &md), DPI_PROTO_YES);
    assert_int_equal(run(dpi_jabber_parse, http, strlen(http), true, false,
                         0, &md), DPI_PROTO_NO);
    assert_false(dpi_md_get_u64(&md, DPI_F__service, &svc));
    assert_int_equal(run(dpi_jabber_parse, wa, sizeof wa, true, false, 0,
                         &md), DPI_PROTO_YES);
    assert_true(dpi_md_get_u64(&md, DPI_F__service, &svc));
    assert_int_equal(svc, DPI_APP_whatsapp);
    dpi_md_destroy(&md);

    check_truncations(dpi_jabber_parse, (const uint8_t *) xmpp, 36, true,
                      true);
    check_truncations(dpi_jabber_parse, wa, 15, true, true);
}

/* --- H.323, Skinny, RTMP ------------------------------------------------ */

/* H.225.0 call signalling: a TPKT (RFC 1006) holding a Q.931 SETUP
 * (discriminator 8, call reference length 2, message type 5) is YES at
 * once; no proper prefix is YES; a bad discriminator-specific field or an
 * X.224 Connection Request (RDP) is NO. */
static void
test_h323_tcp(void **state)
{
    static const uint8_t setup[] = {
        0x03, 0x00, 0x00, 0x0c, 0x08, 0x02, 0x12, 0x34, 0x05, 0x04, 0x03,
        0x80,
    };
    static const uint8_t x224_cr[] = {
        0x03, 0x00, 0x00, 0x0b, 0x06, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    uint8_t m[sizeof setup];
    /* Two H.245-like TPKT packets (no X.224 TPDU inside). */
    static const uint8_t h245[] = {
        0x03, 0x00, 0x00, 0x08, 0x02, 0x30, 0x01, 0x06,
        0x03, 0x00, 0x00, 0x07, 0x01, 0x00, 0x00,
    };
    size_t n;

    (void) state;
    assert_int_equal(run_ports(dpi_h323_parse, setup, sizeof setup, true,
                               true, 40000, 1720), DPI_PROTO_YES);
    for (n = 0; n < 9; n++) {
        assert_int_equal(run_ports(dpi_h323_parse, setup, n, true, true,
                                   40000, 1720), DPI_PROTO_MORE);
    }
    memcpy(m, setup, sizeof m);
    m[8] = 0x44;                /* Not a Q.931 message type of H.225.0. */
    assert_int_equal(run_ports(dpi_h323_parse, m, sizeof m, true, true,
                               40000, 1720), DPI_PROTO_NO);
    memcpy(m, setup, sizeof m);
    m[5] = 0x03;                /* Call reference longer than 2 bytes. */
    assert_int_equal(run_ports(dpi_h323_parse, m, sizeof m, true, true,
                               40000, 1720), DPI_PROTO_NO);
    memcpy(m, setup, sizeof m);
    m[0] = 0x04;                /* Not TPKT version 3. */
    assert_int_equal(run_ports(dpi_h323_parse, m, sizeof m, true, true,
                               40000, 1720), DPI_PROTO_NO);
    assert_int_equal(run_ports(dpi_h323_parse, x224_cr, sizeof x224_cr,
                               true, true, 40000, 1720), DPI_PROTO_NO);

    assert_int_equal(run_ports(dpi_h323_parse, h245, sizeof h245, true,
                               true, 40000, 1232), DPI_PROTO_YES);
    for (n = 0; n < sizeof h245; n++) {
        assert_int_not_equal(run_ports(dpi_h323_parse, h245, n, true, true,
                                       40000, 1232), DPI_PROTO_YES);
    }
    /* The first TPKT length lies: the second header is not there. */
    memcpy(m, h245, 12);
    m[3] = 0x09;
    assert_int_equal(run_ports(dpi_h323_parse, m, 12, true, true, 40000,
                               1232), DPI_PROTO_NO);
}

/* H.225.0 RAS on UDP 1719: a GatekeeperRequest (choice 0) whose
 * protocolIdentifier is 0.0.8.2250.0.4; not on another port, not with a
 * choice index above 24, not without the OID, not when cut. */
static void
test_h323_ras(void **state)
{
    static const uint8_t grq[] = {
        0x02, 0x20, 0x00, 0x00, 0x06, 0x00, 0x08, 0x91, 0x4a, 0x00, 0x04,
        0x00, 0x01,
    };
    uint8_t m[sizeof grq];
    size_t n;

    (void) state;
    assert_int_equal(run_ports(dpi_h323_parse, grq, sizeof grq, false, true,
                               40000, 1719), DPI_PROTO_YES);
    assert_int_equal(run_ports(dpi_h323_parse, grq, sizeof grq, false, true,
                               40000, 1718), DPI_PROTO_NO);
    for (n = 0; n < 11; n++) {
        assert_int_equal(run_ports(dpi_h323_parse, grq, n, false, true,
                                   40000, 1719), DPI_PROTO_NO);
    }
    memcpy(m, grq, sizeof m);
    m[0] = 0x7c;                /* Choice index 31. */
    assert_int_equal(run_ports(dpi_h323_parse, m, sizeof m, false, true,
                               40000, 1719), DPI_PROTO_NO);
    memcpy(m, grq, sizeof m);
    m[7] = 0x92;                /* Not the H.225.0 OID. */
    assert_int_equal(run_ports(dpi_h323_parse, m, sizeof m, false, true,
                               40000, 1719), DPI_PROTO_NO);
}

/* Skinny: a KeepAlive (id 0x0000, length 4) then a RegisterAck header;
 * YES for a complete message followed by a whole header or the end, MORE
 * before, NO for a bad header version, a huge length or an unknown id
 * range, and off port 2000. */
static void
test_skinny(void **state)
{
    static const uint8_t msgs[] = {
        0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
        0x08, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
        0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    uint8_t m[sizeof msgs];
    size_t n;

    (void) state;
    assert_int_equal(run_ports(dpi_skinny_parse, msgs, sizeof msgs, true,
                               true, 40000, 2000), DPI_PROTO_YES);
    assert_int_equal(run_ports(dpi_skinny_parse, msgs, 12, true, true,
                               40000, 2000), DPI_PROTO_YES);
    for (n = 0; n < 12; n++) {
        assert_int_equal(run_ports(dpi_skinny_parse, msgs, n, true, true,
                                   40000, 2000), DPI_PROTO_MORE);
    }
    for (n = 13; n < 24; n++) {
        assert_int_equal(run_ports(dpi_skinny_parse, msgs, n, true, true,
                                   40000, 2000), DPI_PROTO_MORE);
    }
    assert_int_equal(run_ports(dpi_skinny_parse, msgs, sizeof msgs, true,
                               true, 40000, 2001), DPI_PROTO_NO);
    memcpy(m, msgs, sizeof m);
    m[4] = 0x30;                /* Unknown header version. */
    assert_int_equal(run_ports(dpi_skinny_parse, m, sizeof m, true, true,
                               40000, 2000), DPI_PROTO_NO);
    memcpy(m, msgs, sizeof m);
    m[2] = 0x01;                /* Length 65540: lies. */
    assert_int_equal(run_ports(dpi_skinny_parse, m, sizeof m, true, true,
                               40000, 2000), DPI_PROTO_NO);
    memcpy(m, msgs, sizeof m);
    m[0] = 0x05;                /* Next header misplaced. */
    assert_int_equal(run_ports(dpi_skinny_parse, m, sizeof m, true, true,
                               40000, 2000), DPI_PROTO_NO);
    memcpy(m, msgs, sizeof m);
    m[21] = 0x20;               /* Message id 0x2081. */
    assert_int_equal(run_ports(dpi_skinny_parse, m, sizeof m, true, true,
                               40000, 2000), DPI_PROTO_NO);
}

/* RTMP: C0 (3) + C1 (1536 bytes) from the client, S0+S1+S2 (3073) from
 * the server, on port 1935; MORE before, NO past the flight or with
 * another version byte. */
static void
test_rtmp(void **state)
{
    uint8_t *m = calloc(1, 4000);
    size_t n;

    (void) state;
    assert_non_null(m);
    m[0] = 3;
    assert_int_equal(run_ports(dpi_rtmp_parse, m, 1537, true, true, 40000,
                               1935), DPI_PROTO_YES);
    assert_int_equal(run_ports(dpi_rtmp_parse, m, 3073, true, false, 40000,
                               1935), DPI_PROTO_YES);
    for (n = 0; n < 1537; n += 97) {
        assert_int_equal(run_ports(dpi_rtmp_parse, m, n, true, true, 40000,
                                   1935), DPI_PROTO_MORE);
    }
    assert_int_equal(run_ports(dpi_rtmp_parse, m, 1538, true, true, 40000,
                               1935), DPI_PROTO_NO);
    assert_int_equal(run_ports(dpi_rtmp_parse, m, 1537, true, false, 40000,
                               1935), DPI_PROTO_MORE);
    assert_int_equal(run_ports(dpi_rtmp_parse, m, 1537, true, true, 40000,
                               1936), DPI_PROTO_NO);
    m[0] = 6;                   /* RTMPE's version byte: not plain RTMP. */
    assert_int_equal(run_ports(dpi_rtmp_parse, m, 1537, true, true, 40000,
                               1935), DPI_PROTO_NO);
    free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sip_invite_udp),
        cmocka_unit_test(test_sip_tcp_two_messages),
        cmocka_unit_test(test_sip_truncated),
        cmocka_unit_test(test_sip_not_sip),
        cmocka_unit_test(test_stun_binding),
        cmocka_unit_test(test_stun_lengths),
        cmocka_unit_test(test_rtp_jitter),
        cmocka_unit_test(test_rtp_jitter_after_budget_refused),
        cmocka_unit_test(test_rtp_invalid),
        cmocka_unit_test(test_rtcp),
        cmocka_unit_test(test_xmpp),
        cmocka_unit_test(test_h323_tcp),
        cmocka_unit_test(test_h323_ras),
        cmocka_unit_test(test_skinny),
        cmocka_unit_test(test_rtmp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
