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

/* Tests of the mail, FTP and remote access parsers (lib/proto/mail.c,
 * ftp.c, remote.c): hand-built messages, each truncated at every length,
 * lying length fields, and the client streams of the corpus captures
 * compared with nDPI's labels and tshark's fields. */

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

/* A parser run: its context and metadata. */
struct run {
    struct dpi_proto_ctx ctx;   /* Context passed to the parser. */
    struct dpi_md md;           /* Metadata the parser wrote. */
};

/* Starts 'r' for direction 'to_server' of a TCP connection to port
 * 'server_port'. */
static void
run_init(struct run *r, bool to_server, uint16_t server_port)
{
    memset(r, 0, sizeof *r);
    r->ctx.to_server = to_server;
    r->ctx.is_tcp = true;
    r->ctx.client_port = 40000;
    r->ctx.server_port = server_port;
    dpi_md_init(&r->md, UINT32_MAX);
}

/* Calls 'parse' on the string 's' within 'r'. */
static enum dpi_proto_result
run_str(struct run *r, dpi_proto_func *parse, const char *s)
{
    return parse(&r->ctx, (const uint8_t *) s, strlen(s), &r->md);
}

/* Returns the first value of 'field' in 'r', or "". */
static const char *
run_get(const struct run *r, enum dpi_field field)
{
    const char *v = dpi_md_get(&r->md, field, NULL);

    return v ? v : "";
}

/* Returns the refined protocol of 'r', or 0. */
static uint64_t
run_proto(const struct run *r)
{
    uint64_t p = 0;

    dpi_md_get_u64(&r->md, DPI_F__proto, &p);
    return p;
}

/* Checks that 'parse' says MORE (never YES, and NO only where 'no_ok')
 * on every strict prefix of the 'len' bytes at 'msg', in a fresh
 * metadata store, and 'want' on the whole. */
static void
check_prefixes(dpi_proto_func *parse, bool to_server, uint16_t port,
               const void *msg, size_t len, enum dpi_proto_result want)
{
    size_t i;

    for (i = 0; i <= len; i++) {
        struct run r;
        enum dpi_proto_result res;

        run_init(&r, to_server, port);
        res = parse(&r.ctx, msg, i, &r.md);
        if (i < len) {
            if (res != DPI_PROTO_MORE) {
                fail_msg("prefix of %zu bytes of %zu: %d", i, len, res);
            }
        } else {
            assert_int_equal(res, want);
        }
        dpi_md_destroy(&r.md);
    }
}

/* --- SMTP ---------------------------------------------------------------- */

/* A client session: EHLO, MAIL and RCPT give the metadata and the
 * verdict; each prefix asks for more. */
static void
test_smtp_client(void **state)
{
    static const char msg[] = "EHLO client.example.org\r\n"
        "MAIL FROM:<alice@example.org> SIZE=1000\r\n"
        "RCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\n";
    struct run r;

    (void) state;
    run_init(&r, true, 25);
    assert_int_equal(run_str(&r, dpi_smtp_parse, msg), DPI_PROTO_YES);
    assert_string_equal(run_get(&r, DPI_F_smtp_ehlo), "client.example.org");
    assert_string_equal(run_get(&r, DPI_F_smtp_mail_from),
                        "alice@example.org");
    assert_int_equal(dpi_md_count(&r.md, DPI_F_smtp_rcpt_to), 2);
    assert_int_equal(run_proto(&r), 0);
    dpi_md_destroy(&r.md);

    /* Up to the end of the MAIL line the verdict stays open. */
    check_prefixes(dpi_smtp_parse, true, 25, msg,
                   strstr(msg, "RCPT") - msg, DPI_PROTO_YES);
}

/* STARTTLS after EHLO refines to smtps; the server's greeting is checked
 * and recorded; a command of another protocol, or binary data, is NO. */
static void
test_smtp_starttls_and_greeting(void **state)
{
    static const uint8_t binary[] = { 0x16, 0x03, 0x01, 0x00, 0x10, 0x01 };
    uint64_t greeting;
    struct run r;

    (void) state;
    run_init(&r, true, 25);
    assert_int_equal(run_str(&r, dpi_smtp_parse,
                             "EHLO x\r\nSTARTTLS\r\n\x16\x03\x01"),
                     DPI_PROTO_YES);
    assert_int_equal(run_proto(&r), DPI_APP_smtps);
    dpi_md_destroy(&r.md);

    run_init(&r, false, 25);
    assert_int_equal(run_str(&r, dpi_smtp_parse,
                             "220 mx.example.org ESMTP ready\r\n"),
                     DPI_PROTO_MORE);
    assert_true(dpi_md_get_u64(&r.md, DPI_F__mail_greeting, &greeting));
    assert_int_equal(run_str(&r, dpi_smtp_parse, "HTTP/1.1 200 OK\r\n"),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);

    run_init(&r, true, 25);
    assert_int_equal(run_str(&r, dpi_smtp_parse, "USER anonymous\r\n"),
                     DPI_PROTO_NO);
    assert_int_equal(dpi_smtp_parse(&r.ctx, binary, sizeof binary, &r.md),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);

    /* A client "EHLO" after a POP3 greeting is not SMTP. */
    run_init(&r, false, 110);
    assert_int_equal(run_str(&r, dpi_pop3_parse, "+OK POP3 ready\r\n"),
                     DPI_PROTO_MORE);
    r.ctx.to_server = true;
    assert_int_equal(run_str(&r, dpi_smtp_parse, "EHLO x\r\nQUIT\r\n"),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);
}

/* Following: later MAIL and RCPT commands are recorded. */
static void
test_smtp_follow(void **state)
{
    struct run r;

    (void) state;
    run_init(&r, true, 587);
    r.ctx.follow = true;
    assert_int_equal(run_str(&r, dpi_smtp_parse,
                             "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
                             "MAIL FROM:<in-body@x>\r\n"), DPI_PROTO_YES);
    assert_string_equal(run_get(&r, DPI_F_smtp_mail_from), "a@b");
    assert_string_equal(run_get(&r, DPI_F_smtp_rcpt_to), "c@d");
    assert_int_equal(dpi_md_count(&r.md, DPI_F_smtp_mail_from), 1);
    dpi_md_destroy(&r.md);
}

/* --- IMAP and POP3 ------------------------------------------------------- */

static void
test_imap(void **state)
{
    static const char msg[] = "a1 CAPABILITY\r\na2 LOGIN \"bob\" secret\r\n";
    struct run r;

    (void) state;
    run_init(&r, true, 143);
    assert_int_equal(run_str(&r, dpi_imap_parse, msg), DPI_PROTO_YES);
    assert_string_equal(run_get(&r, DPI_F_imap_user), "bob");
    dpi_md_destroy(&r.md);
    check_prefixes(dpi_imap_parse, true, 143, msg, strlen(msg),
                   DPI_PROTO_YES);

    run_init(&r, true, 143);
    assert_int_equal(run_str(&r, dpi_imap_parse, "x STARTTLS\r\n"),
                     DPI_PROTO_YES);
    assert_int_equal(run_proto(&r), DPI_APP_imaps);
    assert_int_equal(run_str(&r, dpi_imap_parse, "a1 FROB\r\n"),
                     DPI_PROTO_NO);
    assert_int_equal(run_str(&r, dpi_imap_parse, "* LOGIN x y\r\n"),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);

    run_init(&r, false, 143);
    assert_int_equal(run_str(&r, dpi_imap_parse, "* OK IMAP4rev1 ready\r\n"),
                     DPI_PROTO_MORE);
    assert_int_equal(run_str(&r, dpi_imap_parse, "+OK POP3\r\n"),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);
}

static void
test_pop3(void **state)
{
    static const char msg[] = "CAPA\r\nUSER alice@example.org\r\n";
    struct run r;

    (void) state;
    run_init(&r, true, 110);
    assert_int_equal(run_str(&r, dpi_pop3_parse, msg), DPI_PROTO_YES);
    assert_string_equal(run_get(&r, DPI_F_pop3_user), "alice@example.org");
    dpi_md_destroy(&r.md);
    check_prefixes(dpi_pop3_parse, true, 110, msg, strlen(msg),
                   DPI_PROTO_YES);

    run_init(&r, true, 110);
    assert_int_equal(run_str(&r, dpi_pop3_parse, "capa\r\nstls\r\n"),
                     DPI_PROTO_YES);
    assert_int_equal(run_proto(&r), DPI_APP_pops);
    assert_int_equal(run_str(&r, dpi_pop3_parse, "EHLO x\r\n"),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);

    /* "USER" after an SMTP/FTP greeting is FTP's, not POP3's. */
    run_init(&r, false, 21);
    assert_int_equal(run_str(&r, dpi_ftp_parse, "220 FTP ready\r\n"),
                     DPI_PROTO_MORE);
    r.ctx.to_server = true;
    assert_int_equal(run_str(&r, dpi_pop3_parse, "USER x\r\n"),
                     DPI_PROTO_NO);
    assert_int_equal(run_str(&r, dpi_ftp_parse, "USER x\r\n"),
                     DPI_PROTO_YES);
    assert_string_equal(run_get(&r, DPI_F_ftp_user), "x");
    dpi_md_destroy(&r.md);
}

/* --- FTP ----------------------------------------------------------------- */

static void
test_ftp(void **state)
{
    static const char msg[] = "FEAT\r\nUSER anonymous\r\n";
    struct run r;

    (void) state;
    check_prefixes(dpi_ftp_parse, true, 21, msg, strlen(msg),
                   DPI_PROTO_YES);

    run_init(&r, true, 21);
    assert_int_equal(run_str(&r, dpi_ftp_parse, "AUTH TLS\r\n"),
                     DPI_PROTO_YES);
    assert_int_equal(run_proto(&r), DPI_APP_ftps);
    dpi_md_destroy(&r.md);

    run_init(&r, true, 21);
    r.ctx.follow = true;
    assert_int_equal(run_str(&r, dpi_ftp_parse,
                             "TYPE I\r\nRETR dir/file 1.zip\r\n"),
                     DPI_PROTO_YES);
    assert_string_equal(run_get(&r, DPI_F_ftp_file), "dir/file 1.zip");
    dpi_md_destroy(&r.md);

    run_init(&r, true, 21);
    assert_int_equal(run_str(&r, dpi_ftp_parse, "GET / HTTP/1.1\r\n"),
                     DPI_PROTO_NO);
    assert_int_equal(run_str(&r, dpi_ftp_parse, "US\x01"), DPI_PROTO_NO);
    dpi_md_destroy(&r.md);

    run_init(&r, false, 21);
    assert_int_equal(run_str(&r, dpi_ftp_parse, "2x0 hello\r\n"),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);
}

/* Returns the 'i'th _expect value of 'r' (see dpi-proto.h), or "". */
static const char *
run_expect(const struct run *r, size_t i)
{
    struct dpi_md_value v;
    uint32_t pos = 0;

    while (dpi_md_next(&r->md, &pos, &v)) {
        if (v.field == DPI_F__expect && !i--) {
            return v.str;
        }
    }
    return "";
}

/* Data connections: the server's 227 and 229 replies and the client's
 * PORT and EPRT commands announce them (RFC 959 4.1.2, RFC 1123 4.1.2.6,
 * RFC 2428); malformed ones announce nothing. */
static void
test_ftp_data_announcements(void **state)
{
    static const char *const bad_replies[] = {
        "227 Entering Passive Mode (90,130,70,73,100)\r\n",
        "227 Entering Passive Mode (90,130,70,256,100,85)\r\n",
        "227 Entering Passive Mode (90,130,70,73,0,0)\r\n",
        "227 Entering Passive Mode (90,130,70,73,1000,85)\r\n",
        "227 Entering Passive Mode (90,130,,73,100,85)\r\n",
        "227 Entering Passive Mode\r\n",
        "227-Entering Passive Mode (90,130,70,73,100,85)\r\n",
        "229 Entering Extended Passive Mode (|||65536|)\r\n",
        "229 Entering Extended Passive Mode (|||0|)\r\n",
        "229 Entering Extended Passive Mode (||6446|)\r\n",
        "229 Entering Extended Passive Mode (|||6446#)\r\n",
        "229 Entering Extended Passive Mode (|||6446|\r\n",
        "229 Entering Extended Passive Mode\r\n",
        "200 PORT command successful (1,2,3,4,5,6)\r\n",
        /* Not a complete line: not parsed. */
        "227 Entering Passive Mode (90,130,70,73,100,85).",
    };
    static const char *const bad_commands[] = {
        "PORT 10,0,0,1,19\r\n",
        "PORT 10,0,0,1,19,137,1\r\n",
        "PORT 10,0,0,1,0,0\r\n",
        "PORT 10,0,0,1,19,x\r\n",
        "EPRT |1|10.0.0.1|5001\r\n",
        "EPRT |1|2001:db8::1|5001|\r\n",
        "EPRT |2|10.0.0.1|5001|\r\n",
        "EPRT |3|10.0.0.1|5001|\r\n",
        "EPRT |1|10.0.0.1|70000|\r\n",
        "EPRT |1|10.0.0.1|5001|x\r\n",
        "EPRT |1|10.0.0.1 |5001|\r\n",
    };
    char want[64];
    struct run r;
    size_t i;

    (void) state;
    run_init(&r, false, 21);
    r.ctx.follow = true;
    assert_int_equal(run_str(&r, dpi_ftp_parse,
                             "150 Here comes the directory listing.\r\n"
                             "227 Entering Passive Mode "
                             "(90,130,70,73,100,85).\r\n"
                             "229 Entering Extended Passive Mode "
                             "(|||6446|)\r\n"
                             "227 Passive 10,1,2,3,4,5\r\n"
                             "229 EPSV ok (!!!1!)\r\n"),
                     DPI_PROTO_YES);
    snprintf(want, sizeof want, "%u t s 90.130.70.73 25685",
             (unsigned int) DPI_APP_ftp_data);
    assert_string_equal(run_expect(&r, 0), want);
    snprintf(want, sizeof want, "%u t s - 6446",
             (unsigned int) DPI_APP_ftp_data);
    assert_string_equal(run_expect(&r, 1), want);
    snprintf(want, sizeof want, "%u t s 10.1.2.3 1029",
             (unsigned int) DPI_APP_ftp_data);
    assert_string_equal(run_expect(&r, 2), want);
    snprintf(want, sizeof want, "%u t s - 1",
             (unsigned int) DPI_APP_ftp_data);
    assert_string_equal(run_expect(&r, 3), want);
    assert_int_equal(dpi_md_count(&r.md, DPI_F__expect), 4);
    dpi_md_destroy(&r.md);

    run_init(&r, true, 21);
    r.ctx.follow = true;
    assert_int_equal(run_str(&r, dpi_ftp_parse,
                             "PORT 192,168,1,2,19,137\r\n"
                             "EPRT |1|132.235.1.2|6275|\r\n"
                             "eprt !2!2001:db8::1!5282!\r\n"),
                     DPI_PROTO_YES);
    snprintf(want, sizeof want, "%u t c 192.168.1.2 5001",
             (unsigned int) DPI_APP_ftp_data);
    assert_string_equal(run_expect(&r, 0), want);
    snprintf(want, sizeof want, "%u t c 132.235.1.2 6275",
             (unsigned int) DPI_APP_ftp_data);
    assert_string_equal(run_expect(&r, 1), want);
    snprintf(want, sizeof want, "%u t c 2001:db8::1 5282",
             (unsigned int) DPI_APP_ftp_data);
    assert_string_equal(run_expect(&r, 2), want);
    dpi_md_destroy(&r.md);

    for (i = 0; i < sizeof bad_replies / sizeof bad_replies[0]; i++) {
        run_init(&r, false, 21);
        r.ctx.follow = true;
        assert_int_equal(run_str(&r, dpi_ftp_parse, bad_replies[i]),
                         DPI_PROTO_YES);
        if (dpi_md_count(&r.md, DPI_F__expect)) {
            fail_msg("announced from %s", bad_replies[i]);
        }
        dpi_md_destroy(&r.md);
    }
    for (i = 0; i < sizeof bad_commands / sizeof bad_commands[0]; i++) {
        run_init(&r, true, 21);
        r.ctx.follow = true;
        assert_int_equal(run_str(&r, dpi_ftp_parse, bad_commands[i]),
                         DPI_PROTO_YES);
        if (dpi_md_count(&r.md, DPI_F__expect)) {
            fail_msg("announced from %s", bad_commands[i]);
        }
        dpi_md_destroy(&r.md);
    }

    /* Every truncation of a 227 reply and of a PORT command: never a read
     * outside the data, nothing announced before the line is complete. */
    {
        static const char reply[] = "227 Entering Passive Mode "
                                    "(90,130,70,73,100,85).\r\n";
        static const char port[] = "PORT 192,168,1,2,19,137\r\n";

        for (i = 0; i <= sizeof reply - 1; i++) {
            uint8_t *copy = malloc(i ? i : 1);

            memcpy(copy, reply, i);
            run_init(&r, false, 21);
            r.ctx.follow = true;
            dpi_ftp_parse(&r.ctx, copy, i, &r.md);
            assert_int_equal(dpi_md_count(&r.md, DPI_F__expect),
                             i == sizeof reply - 1);
            dpi_md_destroy(&r.md);
            free(copy);
        }
        for (i = 0; i <= sizeof port - 1; i++) {
            uint8_t *copy = malloc(i ? i : 1);

            memcpy(copy, port, i);
            run_init(&r, true, 21);
            r.ctx.follow = true;
            dpi_ftp_parse(&r.ctx, copy, i, &r.md);
            assert_int_equal(dpi_md_count(&r.md, DPI_F__expect),
                             i == sizeof port - 1);
            dpi_md_destroy(&r.md);
            free(copy);
        }
    }
}

/* --- Remote access ------------------------------------------------------- */

/* An X.224 Connection Request with a routing cookie and an RDP
 * negotiation request (MS-RDPBCGR 4.1.1). */
static const uint8_t rdp_cr[] = {
    0x03, 0x00, 0x00, 0x2b,                    /* TPKT, length 43. */
    0x26, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,  /* X.224 CR, LI 38. */
    'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't', 's', 'h', 'a',
    's', 'h', '=', 'u', 's', 'e', 'r', '1', '\r', '\n',
    0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00,
};

static void
test_rdp(void **state)
{
    uint8_t bad[sizeof rdp_cr];
    struct run r;

    (void) state;
    check_prefixes(dpi_rdp_parse, true, 3389, rdp_cr, sizeof rdp_cr,
                   DPI_PROTO_YES);

    /* A TPKT length that lies about the X.224 length indicator. */
    memcpy(bad, rdp_cr, sizeof bad);
    bad[3] = 0x2a;
    run_init(&r, true, 3389);
    assert_int_equal(dpi_rdp_parse(&r.ctx, bad, sizeof bad, &r.md),
                     DPI_PROTO_NO);
    /* A TPKT length beyond the data: wait for it. */
    bad[3] = 0x40;
    assert_int_equal(dpi_rdp_parse(&r.ctx, bad, sizeof bad, &r.md),
                     DPI_PROTO_MORE);
    /* A Connection Confirm code from the client. */
    memcpy(bad, rdp_cr, sizeof bad);
    bad[5] = 0xd0;
    assert_int_equal(dpi_rdp_parse(&r.ctx, bad, sizeof bad, &r.md),
                     DPI_PROTO_NO);
    /* ISO-on-TCP TSAP parameters (S7comm), not RDP. */
    memcpy(bad, rdp_cr, sizeof bad);
    bad[11] = 0xc1;
    assert_int_equal(dpi_rdp_parse(&r.ctx, bad, sizeof bad, &r.md),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);
}

static void
test_socks(void **state)
{
    static const uint8_t v4[] = {
        0x04, 0x01, 0x00, 0x50, 0x5d, 0xb8, 0xd8, 0x77, 'u', 0x00,
    };
    static const uint8_t v4a[] = {
        0x04, 0x01, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00,
        'a', '.', 'b', 0x00,
    };
    static const uint8_t v5[] = { 0x05, 0x02, 0x00, 0x02 };
    static const uint8_t v5_bad_method[] = { 0x05, 0x01, 0x42 };
    static const uint8_t v5_reply[] = { 0x05, 0x00 };
    static const uint8_t v4_reply[] = { 0x00, 0x5a, 0, 0, 0, 0, 0, 0 };
    static const uint8_t v4_bad_reply[] = { 0x00, 0x20, 0, 0, 0, 0, 0, 0 };
    uint8_t long_user[300];
    struct run r;

    (void) state;
    check_prefixes(dpi_socks_parse, true, 1080, v4, sizeof v4,
                   DPI_PROTO_YES);
    check_prefixes(dpi_socks_parse, true, 1080, v4a, sizeof v4a,
                   DPI_PROTO_YES);
    check_prefixes(dpi_socks_parse, true, 1080, v5, sizeof v5,
                   DPI_PROTO_YES);
    check_prefixes(dpi_socks_parse, false, 1080, v4_reply, sizeof v4_reply,
                   DPI_PROTO_YES);

    run_init(&r, true, 1080);
    assert_int_equal(dpi_socks_parse(&r.ctx, v5_bad_method,
                                     sizeof v5_bad_method, &r.md),
                     DPI_PROTO_NO);
    memset(long_user, 'x', sizeof long_user);
    memcpy(long_user, v4, 8);
    assert_int_equal(dpi_socks_parse(&r.ctx, long_user, sizeof long_user,
                                     &r.md), DPI_PROTO_NO);
    r.ctx.to_server = false;
    assert_int_equal(dpi_socks_parse(&r.ctx, v5_reply, sizeof v5_reply,
                                     &r.md), DPI_PROTO_YES);
    assert_int_equal(dpi_socks_parse(&r.ctx, v4_bad_reply,
                                     sizeof v4_bad_reply, &r.md),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);
}

static void
test_teamviewer(void **state)
{
    static const uint8_t msg[] = { 0x17, 0x24, 0x0a, 0x20 };
    struct run r;

    (void) state;
    run_init(&r, true, 5938);
    assert_int_equal(dpi_teamviewer_parse(&r.ctx, msg, sizeof msg, &r.md),
                     DPI_PROTO_YES);
    assert_int_equal(dpi_teamviewer_parse(&r.ctx, msg, 1, &r.md),
                     DPI_PROTO_MORE);
    r.ctx.server_port = 443;
    assert_int_equal(dpi_teamviewer_parse(&r.ctx, msg, sizeof msg, &r.md),
                     DPI_PROTO_NO);
    dpi_md_destroy(&r.md);
}

/* --- Corpus -------------------------------------------------------------- */

/* A corpus flow family: nDPI's master label, the parser that must accept
 * the client's stream and the protocol it must refine to (or 0). */
struct corpus_case {
    const char *label;          /* nDPI master label. */
    dpi_proto_func *parse;      /* Parser. */
    uint16_t refined;           /* Expected DPI_F__proto, or 0. */
};

static const struct corpus_case corpus_cases[] = {
    { "SMTP", dpi_smtp_parse, 0 },
    { "SMTPS", dpi_smtp_parse, DPI_APP_smtps },
    { "IMAP", dpi_imap_parse, 0 },
    { "POP3", dpi_pop3_parse, 0 },
    { "FTP_CONTROL", dpi_ftp_parse, 0 },
    { "FTPS", dpi_ftp_parse, DPI_APP_ftps },
    { "SOCKS", dpi_socks_parse, 0 },
    { "TeamViewer", dpi_teamviewer_parse, 0 },
};

/* Metadata tshark shows for these captures (smtp.req.parameter,
 * imap.request.username, pop.request.parameter, ftp.request.arg). */
static const struct {
    const char *pcap;           /* Capture. */
    enum dpi_field field;       /* Field. */
    const char *value;          /* tshark's first value. */
} corpus_md[] = {
    { "smtp.pcap", DPI_F_smtp_ehlo, "delta.peach.mil" },
    { "smtp.pcap", DPI_F_smtp_mail_from, "coreys@delta.peach.mil" },
    { "smtp.pcap", DPI_F_smtp_rcpt_to, "camronm@pigeon.eyrie.af.mil" },
    { "imap.pcap", DPI_F_imap_user, "samir" },
    { "pop3.pcap", DPI_F_pop3_user, "cicciopernacchio@mail.com" },
    { "ftp.pcap", DPI_F_ftp_user, "anonymous" },
};

static const char *const corpus_pcaps[] = {
    "smtp.pcap", "smtp-starttls.pcap", "emotet.pcap", "imap.pcap",
    "pop3.pcap", "ftp.pcap", "ftp-start-tls.pcap", "socks.pcap",
    "teamviewer.pcap",
};

/* The client stream of every TCP flow of the captures above that nDPI
 * labels with one of corpus_cases[] is accepted by its parser (refined as
 * nDPI labels it), and the metadata is tshark's. */
static void
test_corpus(void **state)
{
    static uint8_t buf[DPI_PROTO_MAX_STREAM];
    size_t p, j, k, checked = 0;

    (void) state;
    if (!pu_corpus_dir()) {
        print_message("DPI_CORPUS_DIR unset: skipping corpus test\n");
        skip();
    }
    for (p = 0; p < sizeof corpus_pcaps / sizeof corpus_pcaps[0]; p++) {
        char tsv_name[256], *pcap, *tsv;
        struct pu_capture cap;
        struct pu_oracle o;

        snprintf(tsv_name, sizeof tsv_name, "%s.tsv", corpus_pcaps[p]);
        pcap = pu_corpus_path("pcap", corpus_pcaps[p]);
        tsv = pu_corpus_path("oracle", tsv_name);
        assert_true(pu_capture_load(pcap, &cap));
        assert_true(pu_oracle_load(tsv, &o));
        free(pcap);
        free(tsv);

        for (j = 0; j < o.n_rows; j++) {
            const struct pu_row *row = &o.rows[j];
            char label[64], *dot;

            snprintf(label, sizeof label, "%s", pu_cell(&o, row,
                                                        "ndpi_app"));
            dot = strchr(label, '.');
            if (dot) {
                *dot = '\0';
            }
            if (strcmp(pu_cell(&o, row, "proto"), "tcp")) {
                continue;
            }
            for (k = 0; k < sizeof corpus_cases / sizeof corpus_cases[0];
                 k++) {
                const struct corpus_case *c = &corpus_cases[k];
                size_t len, m;
                struct run r;

                if (strcmp(label, c->label)) {
                    continue;
                }
                len = pu_stream(&cap, &o, row, true, buf, sizeof buf);
                run_init(&r, true, atoi(pu_cell(&o, row, "server_port")));
                r.ctx.client_port = atoi(pu_cell(&o, row, "client_port"));
                if (c->parse(&r.ctx, buf, len, &r.md) != DPI_PROTO_YES
                    || run_proto(&r) != c->refined) {
                    fail_msg("%s flow %zu (%s): not accepted as such",
                             corpus_pcaps[p], j + 1,
                             pu_cell(&o, row, "ndpi_app"));
                }
                for (m = 0; m < sizeof corpus_md / sizeof corpus_md[0];
                     m++) {
                    if (!strcmp(corpus_md[m].pcap, corpus_pcaps[p])
                        && j == 0) {
                        assert_string_equal(run_get(&r, corpus_md[m].field),
                                            corpus_md[m].value);
                    }
                }
                checked++;
                dpi_md_destroy(&r.md);
            }
        }
        pu_oracle_destroy(&o);
        pu_capture_destroy(&cap);
    }
    /* SMTP 2, SMTPS 2, IMAP 1, POP3 6, FTP 1, FTPS 1, SOCKS 4, TV 1. */
    assert_int_equal(checked, 18);
}

/* Runs dpi_rdp_parse() on a heap copy of a UDP datagram to port 3389. */
static enum dpi_proto_result
run_rdp_udp(const uint8_t *data, size_t len, bool to_server)
{
    struct dpi_proto_ctx ctx = { .to_server = to_server, .is_tcp = false,
                                 .client_port = 40000, .server_port = 3389 };
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;
    struct dpi_md md;

    assert_non_null(copy);
    memcpy(copy, data, len);
    dpi_md_init(&md, 65536);
    r = dpi_rdp_parse(&ctx, copy, len, &md);
    dpi_md_destroy(&md);
    free(copy);
    return r;
}

/* MS-RDPEUDP SYN (snSourceAck -1, flags SYN|CORRELATION_ID|SYNEX, MTUs
 * 1232) padded to 1232 bytes, and the server's SYN+ACK: YES; NO when cut
 * below the smallest MTU, with an MTU out of 1132..1232, without SYN, or
 * with a SYN+ACK from the client. */
static void
test_rdp_udp(void **state)
{
    uint8_t *m = calloc(1, 1232);
    size_t n;

    (void) state;
    assert_non_null(m);
    memset(m, 0xff, 4);
    m[4] = 0x00; m[5] = 0x40;   /* Receive window 64. */
    m[6] = 0x18; m[7] = 0x01;   /* SYNEX | CORRELATION_ID | SYN. */
    m[8] = 0x12; m[9] = 0x34; m[10] = 0x56; m[11] = 0x78;
    m[12] = 0x04; m[13] = 0xd0; /* Up MTU 1232. */
    m[14] = 0x04; m[15] = 0xd0; /* Down MTU 1232. */
    assert_int_equal(run_rdp_udp(m, 1232, true), DPI_PROTO_YES);
    for (n = 0; n < 1132; n += 13) {
        assert_int_equal(run_rdp_udp(m, n, true), DPI_PROTO_NO);
    }
    m[13] = 0xd1;               /* Up MTU 1233. */
    assert_int_equal(run_rdp_udp(m, 1232, true), DPI_PROTO_NO);
    m[13] = 0xd0;
    m[7] = 0x00;                /* No SYN. */
    assert_int_equal(run_rdp_udp(m, 1232, true), DPI_PROTO_NO);
    m[7] = 0x05;                /* SYN+ACK: only from the server. */
    assert_int_equal(run_rdp_udp(m, 1232, true), DPI_PROTO_NO);
    m[0] = 0x12;
    assert_int_equal(run_rdp_udp(m, 1232, false), DPI_PROTO_YES);
    m[7] = 0x01;                /* Client SYN needs snSourceAck -1. */
    assert_int_equal(run_rdp_udp(m, 1232, true), DPI_PROTO_NO);
    free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rdp_udp),
        cmocka_unit_test(test_smtp_client),
        cmocka_unit_test(test_smtp_starttls_and_greeting),
        cmocka_unit_test(test_smtp_follow),
        cmocka_unit_test(test_imap),
        cmocka_unit_test(test_pop3),
        cmocka_unit_test(test_ftp),
        cmocka_unit_test(test_ftp_data_announcements),
        cmocka_unit_test(test_rdp),
        cmocka_unit_test(test_socks),
        cmocka_unit_test(test_teamviewer),
        cmocka_unit_test(test_corpus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
