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

/* Tests of the signature file parser and the signature database
 * (lib/dpi-sig.c): what the built-in file says, and the exact error for
 * each kind of bad file. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <hs/hs.h>

#include "dpi-sig-private.h"
#include "sigdb-fixture.h"

/* Compiles 'text' and checks that it fails with 'err' and message
 * 'expected' (exactly). */
static void
expect_error(const char *text, int err, const char *expected)
{
    struct dpi_sigdb *db = (struct dpi_sigdb *) 1;
    char *error = NULL;

    assert_int_equal(dpi_sigdb_create_from_string(text, "t.sig", &db,
                                                  &error), err);
    assert_null(db);
    assert_non_null(error);
    assert_string_equal(error, expected);
    free(error);
}

/* Returns the name of the service the built-in file gives 'host', or
 * "-". */
static const char *
service_of(struct sigdb_fixture *f, const char *host)
{
    uint16_t app = dpi_sig_match_host(f->db, f->scratch, host);

    return app ? dpi_app_name(app) : "-";
}

/* Returns the bit of protocol 'name' in the built-in database. */
static uint64_t
slot_bit(struct sigdb_fixture *f, const char *name)
{
    uint16_t app;
    size_t i;

    assert_true(dpi_app_from_name(name, &app));
    for (i = 0; i < dpi_sig_n_slots(f->db); i++) {
        if (dpi_sig_slot_app(f->db, (unsigned int) i) == app) {
            return UINT64_C(1) << i;
        }
    }
    fail_msg("no slot for %s", name);
    return 0;
}

/* A host suffix matches the name and its subdomains, in any case, and
 * nothing else. */
static void
test_host_suffix_matches_label_boundaries(void **state)
{
    struct sigdb_fixture *f = *state;

    assert_string_equal(service_of(f, "youtube.com"), "youtube");
    assert_string_equal(service_of(f, "www.youtube.com"), "youtube");
    assert_string_equal(service_of(f, "WWW.YouTube.COM"), "youtube");
    assert_string_equal(service_of(f, "notyoutube.com"), "-");
    assert_string_equal(service_of(f, "youtube.com.evil.org"), "-");
    assert_string_equal(service_of(f, "youtube.co"), "-");
    assert_string_equal(service_of(f, "r3---sn-hju7enel.googlevideo.com"),
                        "youtube");
}

/* An HTTP Host port and a trailing dot are ignored; bare IPv6 addresses
 * and bracketed literals match nothing. */
static void
test_host_port_and_trailing_dot_ignored(void **state)
{
    struct sigdb_fixture *f = *state;

    assert_string_equal(service_of(f, "www.netflix.com:8080"), "netflix");
    assert_string_equal(service_of(f, "www.netflix.com."), "netflix");
    assert_string_equal(service_of(f, "[2001:db8::1]:80"), "-");
    assert_string_equal(service_of(f, "2001:db8::1"), "-");
    assert_string_equal(service_of(f, ""), "-");
    assert_string_equal(service_of(f, ":80"), "-");
}

/* The longest matching suffix wins over a shorter one of another
 * service, whatever the order in the file. */
static void
test_longest_host_suffix_wins(void **state)
{
    struct sigdb_fixture *f = *state;

    assert_string_equal(service_of(f, "youtubei.googleapis.com"), "youtube");
    /* nDPI labels www.googleapis.com GoogleServices (corpus oracle). */
    assert_string_equal(service_of(f, "www.googleapis.com"),
                        "googleservices");
    assert_string_equal(service_of(f, "www.google.com"), "google");
    assert_string_equal(service_of(f, "upload.youtube.com"), "youtubeupload");
    assert_string_equal(service_of(f, "instagram.faae1-1.fna.fbcdn.net"),
                        "instagram");
    assert_string_equal(service_of(f, "scontent.xx.fbcdn.net"), "facebook");
}

/* A host-regex covers Google's country domains. */
static void
test_host_regex_matches_country_domains(void **state)
{
    struct sigdb_fixture *f = *state;

    assert_string_equal(service_of(f, "www.google.fr"), "google");
    assert_string_equal(service_of(f, "adservice.google.co.uk"), "google");
    assert_string_equal(service_of(f, "www.google.com.br"), "google");
    assert_string_equal(service_of(f, "google.example.org"), "-");
}

/* Returns the first 64 slots matched by the payload patterns (the tests'
 * databases have fewer slots) as a mask. */
static uint64_t
payload_mask(const struct dpi_sigdb *db, struct dpi_sig_scratch *scratch,
             uint8_t l4, const uint8_t *data, size_t len)
{
    struct dpi_slots slots;

    dpi_sig_match_payload(db, scratch, l4, data, len, &slots);
    return slots.w[0];
}

/* Returns the first 64 slots matched by the port hints as a mask. */
static uint64_t
ports_mask(const struct dpi_sigdb *db, uint8_t l4, uint16_t a, uint16_t b)
{
    struct dpi_slots slots;

    dpi_sig_match_ports(db, l4, a, b, &slots);
    return slots.w[0];
}

/* Payload patterns propose protocols for their transport only. */
static void
test_payload_patterns_respect_transport(void **state)
{
    static const uint8_t get[] = "GET / HTTP/1.1\r\n";
    static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };
    static const uint8_t quic[] = { 0xc3, 0, 0, 0, 1, 8 };
    struct sigdb_fixture *f = *state;

    assert_int_equal(payload_mask(f->db, f->scratch, 6, get,
                                           sizeof get - 1),
                     slot_bit(f, "http"));
    assert_int_equal(payload_mask(f->db, f->scratch, 17, get,
                                           sizeof get - 1), 0);
    assert_int_equal(payload_mask(f->db, f->scratch, 6, hello,
                                           sizeof hello),
                     slot_bit(f, "tls"));
    assert_int_equal(payload_mask(f->db, f->scratch, 17, quic,
                                           sizeof quic),
                     slot_bit(f, "quic"));
    assert_int_equal(payload_mask(f->db, f->scratch, 6, quic,
                                           sizeof quic), 0);
}

/* Port hints name the protocols listed for either port. */
static void
test_port_hints(void **state)
{
    struct sigdb_fixture *f = *state;

    assert_int_equal(ports_mask(f->db, 17, 40000, 53),
                     slot_bit(f, "dns"));
    assert_int_equal(ports_mask(f->db, 6, 53, 40000),
                     slot_bit(f, "dns"));
    assert_int_equal(ports_mask(f->db, 6, 40000, 8080),
                     slot_bit(f, "http"));
    assert_int_equal(ports_mask(f->db, 17, 40000, 8080), 0);
}

/* A small file with comments, continuation lines and escapes compiles. */
static void
test_valid_file_with_continuations(void **state)
{
    static const char text[] =
        "# comment\n"
        "\n"
        "protocol ssh tcp   # trailing comment\n"
        "    payload \"^SSH-\\x32\" nocase\n"
        "\n"
        "    ports 22,2222\n"
        "service google host \"a-b.example\" host-regex \"^x\\\"y$\"\n";
    struct dpi_sig_scratch *scratch;
    struct dpi_sigdb *db;
    char *error = NULL;

    (void) state;
    assert_int_equal(dpi_sigdb_create_from_string(text, "t", &db, &error),
                     0);
    assert_null(error);
    scratch = dpi_sig_scratch_create(db);
    assert_int_equal(payload_mask(db, scratch, 6,
                                           (const uint8_t *) "ssh-2", 5), 1);
    assert_int_equal(ports_mask(db, 6, 2222, 1), 1);
    assert_int_equal(dpi_sig_match_host(db, scratch, "q.a-b.example"),
                     DPI_APP_google);
    assert_int_equal(dpi_sig_match_host(db, scratch, "x\"y"),
                     DPI_APP_google);
    dpi_sig_scratch_destroy(scratch);
    dpi_sigdb_destroy(db);
}

/* Each kind of bad file gives one "FILE:LINE: reason" error. */
static void
test_bad_files_give_exact_errors(void **state)
{
    (void) state;
    expect_error("\nfrobnicate http\n", EINVAL,
                 "t.sig:2: expected 'protocol' or 'service', not "
                 "'frobnicate'");
    expect_error("protocol gopher tcp payload \"x\"\n", EINVAL,
                 "t.sig:1: unknown application 'gopher'");
    expect_error("protocol youtube tcp ports 443\n", EINVAL,
                 "t.sig:1: protocol youtube has no parser, so it needs a "
                 "payload pattern");
    expect_error("service http host \"a.b\"\n", EINVAL,
                 "t.sig:1: 'http' is a protocol, not a service");
    expect_error("protocol http sctp payload \"x\"\n", EINVAL,
                 "t.sig:1: unknown transport 'sctp' (expected tcp, udp or "
                 "ip N)");
    expect_error("protocol http tcp\n  payload \"^GET \n", EINVAL,
                 "t.sig:2: missing closing quote");
    expect_error("protocol http tcp payload \"(\"\n", EINVAL,
                 "t.sig:1: bad payload pattern \"(\": Missing close "
                 "parenthesis for group started at index 0.");
    expect_error("protocol http tcp payload \"a\"\n"
                 "protocol tls tcp\n payload \"x*\"\n", EINVAL,
                 "t.sig:3: bad payload pattern \"x*\": Pattern matches "
                 "empty buffer; use HS_FLAG_ALLOWEMPTY to enable support.");
    expect_error("service google host-regex \"[a\"\n", EINVAL,
                 "t.sig:1: bad host pattern \"[a\": Unterminated character "
                 "class starting at index 0.");
    expect_error("protocol http tcp ports 80,0\n", EINVAL,
                 "t.sig:1: bad port list '80,0'");
    expect_error("protocol http tcp ports 65536\n", EINVAL,
                 "t.sig:1: bad port list '65536'");
    expect_error("protocol http tcp ports 80,\n", EINVAL,
                 "t.sig:1: bad port list '80,'");
    expect_error("protocol http tcp ports\n", EINVAL,
                 "t.sig:1: 'ports' needs a list of ports");
    expect_error("protocol http tcp\n\n# c\nservice google host \"g.com\"\n",
                 EINVAL,
                 "t.sig:1: protocol http has neither a payload pattern nor "
                 "ports");
    expect_error("protocol vnc tcp ports 5900\n", EINVAL,
                 "t.sig:1: protocol vnc has no parser, so it needs a "
                 "payload pattern");
    expect_error("service google\n", EINVAL,
                 "t.sig:1: service google has no host pattern or address "
                 "block");
    expect_error("service google host \"-.com.\"\n", EINVAL,
                 "t.sig:1: bad host suffix \"-.com.\"");
    expect_error("service google host \"a..b\"\n", EINVAL,
                 "t.sig:1: bad host suffix \"a..b\"");
    expect_error("service google host \"\"\n", EINVAL,
                 "t.sig:1: empty 'host' argument");
    expect_error("service google host youtube.com\n", EINVAL,
                 "t.sig:1: 'host' needs a quoted argument");
    expect_error("  payload \"x\"\n", EINVAL,
                 "t.sig:1: indented line continues no declaration");
    expect_error("protocol http tcp nocase payload \"x\"\n", EINVAL,
                 "t.sig:1: 'nocase' must follow a payload pattern");
    expect_error("protocol http tcp payload \"x\"y\n", EINVAL,
                 "t.sig:1: missing blank after closing quote");
    expect_error("protocol http tcp payload\"x\"\n", EINVAL,
                 "t.sig:1: unexpected quote");
    expect_error("protocol http tcp \"x\"\n", EINVAL,
                 "t.sig:1: unexpected string \"x\"");
    expect_error("service google host \"a.com\" hots \"b.com\"\n", EINVAL,
                 "t.sig:1: unknown keyword 'hots'");
    expect_error("protocol\n", EINVAL,
                 "t.sig:1: 'protocol' needs a protocol or service "
                 "name");
    expect_error("protocol dns\n", EINVAL,
                 "t.sig:1: 'protocol dns' needs a transport (tcp, udp or "
                 "ip N)");
}

/* "protocol NAME ip N" maps IP protocol N to NAME, without a slot; one
 * protocol may take several numbers and also have tcp/udp lines. */
static void
test_ip_protocol_declarations(void **state)
{
    static const char text[] =
        "protocol ipsec udp payload \"^\\x00{4}\"\n"
        "protocol ipsec ip 50   # ESP\n"
        "protocol ipsec ip 51\n"
        "protocol icmp ip 1\n"
        "protocol sctp ip 132\n"
        "protocol icmpv6 ip 0\n"
        "protocol igmp ip 254\n";
    struct dpi_sigdb *db;
    char *error = NULL;

    (void) state;
    assert_int_equal(dpi_sigdb_create_from_string(text, "t", &db, &error),
                     0);
    assert_null(error);
    assert_int_equal(dpi_sig_n_slots(db), 1);
    assert_int_equal(dpi_sig_slot_app(db, 0), DPI_APP_ipsec);
    assert_int_equal(dpi_sig_match_ip_proto(db, 50), DPI_APP_ipsec);
    assert_int_equal(dpi_sig_match_ip_proto(db, 51), DPI_APP_ipsec);
    assert_int_equal(dpi_sig_match_ip_proto(db, 1), DPI_APP_icmp);
    assert_int_equal(dpi_sig_match_ip_proto(db, 132), DPI_APP_sctp);
    assert_int_equal(dpi_sig_match_ip_proto(db, 0), DPI_APP_icmpv6);
    assert_int_equal(dpi_sig_match_ip_proto(db, 254), DPI_APP_igmp);
    assert_int_equal(dpi_sig_match_ip_proto(db, 2), 0);
    assert_int_equal(dpi_sig_match_ip_proto(db, 17), 0);
    assert_int_equal(dpi_sig_match_ip_proto(db, 255), 0);
    assert_int_equal(dpi_sig_match_ip_proto(NULL, 1), 0);
    dpi_sigdb_destroy(db);
}

/* The built-in file declares the IP protocols nDPI names (RFC 792, 1112,
 * 4303, 4302, 2328, 5798, 9260, 4443 numbers, as IANA assigns them). */
static void
test_builtin_ip_protocols(void **state)
{
    struct sigdb_fixture *f = *state;

    assert_int_equal(dpi_sig_match_ip_proto(f->db, 1), DPI_APP_icmp);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 2), DPI_APP_igmp);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 47), DPI_APP_gre);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 50), DPI_APP_ipsec);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 51), DPI_APP_ipsec);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 58), DPI_APP_icmpv6);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 89), DPI_APP_ospf);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 112), DPI_APP_vrrp);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 132), DPI_APP_sctp);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 6), 0);
    assert_int_equal(dpi_sig_match_ip_proto(f->db, 17), 0);
}

/* Each kind of bad "ip N" declaration gives one "FILE:LINE: reason"
 * error. */
static void
test_bad_ip_protocol_declarations(void **state)
{
    (void) state;
    expect_error("protocol icmp ip\n", EINVAL,
                 "t.sig:1: 'protocol icmp ip' needs an IP protocol number");
    expect_error("protocol icmp ip \"1\"\n", EINVAL,
                 "t.sig:1: 'protocol icmp ip' needs an IP protocol number");
    expect_error("protocol icmp ip 255\n", EINVAL,
                 "t.sig:1: bad IP protocol number '255' (expected 0 to "
                 "254)");
    expect_error("protocol icmp ip 99999999999999999999\n", EINVAL,
                 "t.sig:1: bad IP protocol number '99999999999999999999' "
                 "(expected 0 to 254)");
    expect_error("protocol icmp ip -1\n", EINVAL,
                 "t.sig:1: bad IP protocol number '-1' (expected 0 to "
                 "254)");
    expect_error("protocol icmp ip 1x\n", EINVAL,
                 "t.sig:1: bad IP protocol number '1x' (expected 0 to "
                 "254)");
    expect_error("protocol ssh ip 6\n", EINVAL,
                 "t.sig:1: IP protocol 6 is TCP: use 'protocol ssh tcp'");
    expect_error("protocol dns ip 17\n", EINVAL,
                 "t.sig:1: IP protocol 17 is UDP: use 'protocol dns udp'");
    expect_error("# icmp\nprotocol icmp ip 1\nprotocol icmpv6 ip 1\n",
                 EINVAL,
                 "t.sig:3: IP protocol 1 already declared as icmp at line "
                 "2");
    expect_error("protocol icmp ip 1 payload \"x\"\n", EINVAL,
                 "t.sig:1: 'protocol icmp ip 1' takes no keyword "
                 "('payload')");
    expect_error("protocol icmp ip 1\n    ports 7\n", EINVAL,
                 "t.sig:2: 'protocol icmp ip 1' takes no keyword ('ports')");
    expect_error("protocol icmp ip 1 \"x\"\n", EINVAL,
                 "t.sig:1: unexpected string \"x\"");
    expect_error("protocol youtube ip 1\n", EINVAL,
                 "t.sig:1: 'youtube' is a service: 'ip N' declares L7 "
                 "protocols only");
}

/* Returns the name of the service whose address blocks in 'db' hold
 * 'addr' (an IPv4 or IPv6 address), or "-". */
static const char *
service_of_addr(const struct dpi_sigdb *db, const char *addr)
{
    struct dpi_addr a;
    uint16_t app;

    memset(&a, 0, sizeof a);
    if (inet_pton(AF_INET, addr, a.b + 12) == 1) {
        a.b[10] = a.b[11] = 0xff;
    } else {
        assert_int_equal(inet_pton(AF_INET6, addr, a.b), 1);
    }
    app = dpi_sig_match_addr(db, &a);
    return app ? dpi_app_name(app) : "-";
}

/* Compiles 'text', which must be valid, into a database. */
static struct dpi_sigdb *
compile_ok(const char *text)
{
    struct dpi_sigdb *db = NULL;
    char *error = NULL;
    int err = dpi_sigdb_create_from_string(text, "t.sig", &db, &error);

    if (err) {
        fail_msg("%s", error);
    }
    assert_non_null(db);
    return db;
}

/* A "protocol" line may name a service: its payload pattern proposes a
 * slot whose application is the service itself, for its transport only,
 * after the protocols declared before it. */
static void
test_service_payload_slot(void **state)
{
    static const char text[] =
        "protocol ssh tcp payload \"^SSH-\"\n"
        "protocol spotify udp payload \"^SpotUdp0\"\n"
        "service spotify host \"spotify.com\"\n";
    static const uint8_t spot[] = "SpotUdp0\x01\x02";
    struct dpi_sig_scratch *scratch;
    struct dpi_sigdb *db;

    (void) state;
    db = compile_ok(text);
    scratch = dpi_sig_scratch_create(db);
    assert_non_null(scratch);
    assert_int_equal(dpi_sig_n_slots(db), 2);
    assert_int_equal(dpi_sig_slot_app(db, 0), DPI_APP_ssh);
    assert_int_equal(dpi_sig_slot_app(db, 1), DPI_APP_spotify);
    assert_int_equal(payload_mask(db, scratch, 17, spot, sizeof spot - 1),
                     2);
    assert_int_equal(payload_mask(db, scratch, 6, spot, sizeof spot - 1),
                     0);
    assert_int_equal(payload_mask(db, scratch, 17,
                                  (const uint8_t *) "SpotUdp1", 8), 0);
    assert_int_equal(dpi_sig_match_host(db, scratch, "open.spotify.com"),
                     DPI_APP_spotify);
    dpi_sig_scratch_destroy(scratch);
    dpi_sigdb_destroy(db);
}

/* Extra payload patterns for test_fixed_patterns_agree_with_hyperscan():
 * the corners of the subset matched without Hyperscan, and patterns just
 * outside it. */
static const char *const fixed_extra[] = {
    "^[^a-c]x", "^[^\\x00-\\x7f]{3}", "^[a-]\\]", "^[-a]", "^[\\]-a]",
    "^[\\x41-\\x43]b{2}", "^(?:ab|c)(d|EF)", "^x(a|b)(c|d)(e|f)y",
    "^\\x41\\.\\/\\ ", "^a\\tb\\r\\n", "^[k-m^]", "^[A-Z][a-z]",
    "^(Q|q)[Xx]", "^\\x4a\\x6B", "^.{3}[z]", "^a{2}(b){1}", "^a{0}b",
    "^a{1,2}", "^a|b", "^(a|)b", "^(a)+", "^a$", "^\\x4", "^\\d",
    "^[[:alpha:]]", "^[]a]", "a^", "^a(b(c|d))", "^.", "^[\\x00]\\x00",
    "^a.{0,3}b", "^(a|bc).{1,4}(d|EF)", "^x.*yz", "^x.+y", "^x.?y",
    "^a.{2,5}", "^.{0,4}q", "^.{2,2}r", "^a.{0,0}b", "^a.{0,3}.{0,2}b",
    "^a(.{0,3}|b)c", "^a.{3,1}b", "^a.{,3}b", "^a.{2,}b", "^a.*?b",
    "^.*", "^.+", "^[ab].{0,20}(cd|e)[f-h]", "^z.{1000,1020}y",
    "^a\\s*b", "^a[0-9]+-", "^a[0-9]+", "^a[0-9]*", "^a*", "^a+",
    "^[a-c]*[c-e]", "^a*b*c", "^a*.{0,2}b", "^(x|y)[ \\t]+(z| q)",
    "^x[^ ]+ y[a-z]+", "^\\{\\s*\"k\":.{0,9}\"v\":\\s*[0-9]+",
    "^a*?b", "^a++b", "^A[a-z]*B", "^[\\s\\d]x", "^\\d{2}\\s",
    "^[^\\s]+ ", "^[\\s-z]", "^[a\\s]", "^\\w", "^ab*.{0,3}c*",
    "^a.{0,3}b*c*", "^ab*.{1,3}", "^a.{0,2}b+",
};

/* Returns true if Hyperscan database 'hs' matches the 'len' bytes at
 * 'data'. */
static int
hs_matched(unsigned int id, unsigned long long from, unsigned long long to,
           unsigned int flags, void *ctx)
{
    (void) id;
    (void) from;
    (void) to;
    (void) flags;
    *(bool *) ctx = true;
    return 0;
}

/* Checks payload pattern 'expr' (caseless if 'nocase') in a database of
 * its own against Hyperscan alone, on payloads that it should match, the
 * same with one byte changed or cut short, and random ones.  Returns true
 * if the database matches 'expr' without Hyperscan; counts the payloads
 * matched in '*n_matched'. */
static bool
check_fixed_pattern(const char *expr, bool nocase, int *n_matched)
{
    unsigned int flags = (HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH
                          | (nocase ? HS_FLAG_CASELESS : 0));
    struct dpi_sig_scratch *scratch;
    hs_compile_error_t *cerr = NULL;
    hs_scratch_t *hs_scratch = NULL;
    struct dpi_sigdb *db = NULL;
    hs_database_t *hs = NULL;
    char text[1024], *error = NULL;
    uint32_t seed = 2463534242u;
    bool fixed = false;
    size_t n = 0;
    int i;

    /* The signature file: a quote in 'expr' needs a backslash. */
    n += (size_t) snprintf(text, sizeof text, "protocol http tcp payload \"");
    for (i = 0; expr[i]; i++) {
        if (expr[i] == '"') {
            text[n++] = '\\';
        }
        text[n++] = expr[i];
    }
    snprintf(text + n, sizeof text - n, "\"%s\n", nocase ? " nocase" : "");

    if (hs_compile(expr, flags, HS_MODE_BLOCK, NULL, &hs, &cerr)
        != HS_SUCCESS) {
        /* Then the database must refuse it too, with Hyperscan's words. */
        assert_int_equal(dpi_sigdb_create_from_string(text, "t.sig", &db,
                                                      &error), EINVAL);
        assert_non_null(strstr(error, cerr->message));
        free(error);
        hs_free_compile_error(cerr);
        return false;
    }
    assert_int_equal(hs_alloc_scratch(hs, &hs_scratch), HS_SUCCESS);
    db = compile_ok(text);
    scratch = dpi_sig_scratch_create(db);
    assert_non_null(scratch);

    for (i = 0; i < 400; i++) {
        uint8_t buf[DPI_SIG_SCAN_MAX + 64];
        size_t len = 0, k;
        bool expected = false;
        uint64_t got;

        if (dpi_sig_fixed_sample(expr, nocase, &seed, buf, sizeof buf,
                                 &len)) {
            fixed = true;
        }
        /* Rounds: as drawn, one byte changed, cut short, random. */
        if (i % 4 == 1 && len) {
            buf[seed % len] = (uint8_t) (seed >> 8);
        } else if (i % 4 == 2 && len) {
            len = seed % len;
        } else if (i % 4 == 3 || !len) {
            len = 1 + seed % 40;
            for (k = 0; k < len; k++) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                buf[k] = (uint8_t) seed;
            }
        }
        if (len) {
            /* The database looks at the first DPI_SIG_SCAN_MAX bytes. */
            size_t scan = len < DPI_SIG_SCAN_MAX ? len : DPI_SIG_SCAN_MAX;

            assert_int_equal(hs_scan(hs, (const char *) buf,
                                     (unsigned int) scan, 0, hs_scratch,
                                     hs_matched, &expected), HS_SUCCESS);
        }
        got = payload_mask(db, scratch, 6, buf, len);
        if (got != (expected ? 1 : 0)) {
            fail_msg("pattern \"%s\"%s: database %s, Hyperscan %s, on a "
                     "payload of %zu bytes (round %d)", expr,
                     nocase ? " nocase" : "", got ? "matches" : "does not",
                     expected ? "matches" : "does not", len, i);
        }
        *n_matched += expected;
    }
    dpi_sig_scratch_destroy(scratch);
    dpi_sigdb_destroy(db);
    hs_free_scratch(hs_scratch);
    hs_free_database(hs);
    return fixed;
}

/* Anchored fixed-length payload patterns are matched without Hyperscan
 * (for a faster compile): on every payload pattern of the built-in file
 * and on the corners of that subset, the database must match exactly what
 * Hyperscan alone matches. */
static void
test_fixed_patterns_agree_with_hyperscan(void **state)
{
    const char *s = dpi_sig_builtin;
    int n_fixed = 0, n_other = 0, n_matched = 0;
    size_t i;

    (void) state;
    while ((s = strstr(s, "payload \"")) != NULL) {
        char expr[512];
        size_t n = 0;
        bool comment;
        const char *bol = s;

        while (bol > dpi_sig_builtin && bol[-1] != '\n') {
            bol--;
        }
        comment = strchr(bol, '#') && strchr(bol, '#') < s;
        for (s += 9; *s && *s != '"' && n + 1 < sizeof expr; s++) {
            if (s[0] == '\\' && s[1] == '"') {
                s++;
            } else if (s[0] == '\\' && s[1]) {
                expr[n++] = *s++;
            }
            expr[n++] = *s;
        }
        expr[n] = '\0';
        if (!comment) {
            bool nocase = !strncmp(s, "\" nocase", 8);

            if (check_fixed_pattern(expr, nocase, &n_matched)) {
                n_fixed++;
            } else {
                n_other++;
            }
        }
    }
    /* The built-in file has both kinds. */
    assert_true(n_fixed >= 50);
    assert_true(n_other >= 5);
    for (i = 0; i < sizeof fixed_extra / sizeof *fixed_extra; i++) {
        check_fixed_pattern(fixed_extra[i], false, &n_matched);
        check_fixed_pattern(fixed_extra[i], true, &n_matched);
    }
    assert_true(n_matched > 10000);
}

/* Fixed patterns whose part after the gap could cost many byte tests per
 * payload go to Hyperscan: a run right after a gap of several lengths, a
 * run after an atom that shares bytes with it, or too many gap lengths
 * times atoms.  Cheap ones stay fixed; each still agrees with Hyperscan. */
static void
test_costly_fixed_patterns_go_to_hyperscan(void **state)
{
    static const struct {
        const char *expr;
        bool fixed;
    } cases[] = {
        { "^a.{0,1000}\\s*b", false },
        { "^a.{0,1000}\\s\\s*b", false },
        { "^a.{0,1000}[a-z]{100}", false },
        { "^a.{0,400}(abcdefghijklmnopqrstuvwxyz0123456789|"
          "0123456789abcdefghijklmnopqrstuvwxyz)", true },
        { "^\\{.{0,256}\"x\":\\s*[0-9]+", true },
        { "^a.{7}\\s*b", true },
    };
    int n_matched = 0;
    size_t i;

    (void) state;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t buf[DPI_SIG_SCAN_MAX + 64];
        uint32_t seed = 1;
        size_t len;

        if (dpi_sig_fixed_sample(cases[i].expr, false, &seed, buf,
                                 sizeof buf, &len) != cases[i].fixed) {
            fail_msg("pattern \"%s\": %s expected", cases[i].expr,
                     cases[i].fixed ? "fixed" : "Hyperscan");
        }
        assert_true(check_fixed_pattern(cases[i].expr, false, &n_matched)
                    == cases[i].fixed);
    }
}

/* Address blocks: the longest prefix holding an address wins, whatever the
 * order of the file; the bounds of each block are exact; IPv4 and IPv6 are
 * separate. */
static void
test_ip_blocks_longest_prefix_wins(void **state)
{
    struct dpi_sigdb *db;

    (void) state;
    db = compile_ok("service netflix ip \"10.1.2.128/25\"\n"
                    "    ip \"2001:db8:1::/48\"\n"
                    "service google ip \"10.0.0.0/8\" ip \"2001:db8::/32\"\n"
                    "service youtube\n"
                    "    ip \"10.1.0.0/16\" ip \"192.0.2.7/32\"\n"
                    "    host \"youtube.com\"\n");
    assert_string_equal(service_of_addr(db, "9.255.255.255"), "-");
    assert_string_equal(service_of_addr(db, "10.0.0.0"), "google");
    assert_string_equal(service_of_addr(db, "10.0.255.255"), "google");
    assert_string_equal(service_of_addr(db, "10.1.0.0"), "youtube");
    assert_string_equal(service_of_addr(db, "10.1.2.127"), "youtube");
    assert_string_equal(service_of_addr(db, "10.1.2.128"), "netflix");
    assert_string_equal(service_of_addr(db, "10.1.2.255"), "netflix");
    assert_string_equal(service_of_addr(db, "10.1.3.0"), "youtube");
    assert_string_equal(service_of_addr(db, "10.1.255.255"), "youtube");
    assert_string_equal(service_of_addr(db, "10.2.0.0"), "google");
    assert_string_equal(service_of_addr(db, "10.255.255.255"), "google");
    assert_string_equal(service_of_addr(db, "11.0.0.0"), "-");
    assert_string_equal(service_of_addr(db, "192.0.2.6"), "-");
    assert_string_equal(service_of_addr(db, "192.0.2.7"), "youtube");
    assert_string_equal(service_of_addr(db, "192.0.2.8"), "-");
    assert_string_equal(service_of_addr(db, "2001:db7:ffff::1"), "-");
    assert_string_equal(service_of_addr(db, "2001:db8::1"), "google");
    assert_string_equal(service_of_addr(db, "2001:db8:1::5"), "netflix");
    assert_string_equal(service_of_addr(db, "2001:db8:1:ffff:ffff:ffff:ffff:"
                                        "ffff"), "netflix");
    assert_string_equal(service_of_addr(db, "2001:db8:2::"), "google");
    assert_string_equal(service_of_addr(db, "2001:db9::"), "-");
    /* 10.0.0.0/8 is an IPv4 block: not the IPv6 address 10::. */
    assert_string_equal(service_of_addr(db, "a00::"), "-");
    dpi_sigdb_destroy(db);

    /* Whole address spaces, up to the last address. */
    db = compile_ok("service youtube ip \"ffff::/16\"\n"
                    "service google ip \"::/0\"\n"
                    "service netflix ip \"0.0.0.0/0\"\n");
    assert_string_equal(service_of_addr(db, "::"), "google");
    assert_string_equal(service_of_addr(db, "fe00::"), "google");
    assert_string_equal(service_of_addr(db, "ffff::"), "youtube");
    assert_string_equal(service_of_addr(db, "ffff:ffff:ffff:ffff:ffff:ffff:"
                                        "ffff:ffff"), "youtube");
    assert_string_equal(service_of_addr(db, "0.0.0.0"), "netflix");
    assert_string_equal(service_of_addr(db, "255.255.255.255"), "netflix");
    assert_string_equal(service_of_addr(db, "::fffe:ffff:ffff"), "google");
    assert_string_equal(service_of_addr(db, "::1:0:0:0"), "google");
    dpi_sigdb_destroy(db);

    /* No block: nothing matches. */
    db = compile_ok("service google host \"google.com\"\n");
    assert_string_equal(service_of_addr(db, "10.0.0.1"), "-");
    dpi_sigdb_destroy(db);
}

/* Bad address blocks give exact errors with the file's line. */
static void
test_ip_block_errors(void **state)
{
    (void) state;
    expect_error("service google ip \"10.0.0.1/8\"\n", EINVAL,
                 "t.sig:1: ip block \"10.0.0.1/8\" has bits set past its "
                 "prefix length");
    expect_error("service google\n ip \"2001:db8::1/64\"\n", EINVAL,
                 "t.sig:2: ip block \"2001:db8::1/64\" has bits set past its "
                 "prefix length");
    expect_error("service google ip \"10.0.0.0/33\"\n", EINVAL,
                 "t.sig:1: bad prefix length in ip block \"10.0.0.0/33\" "
                 "(0 to 32)");
    expect_error("service google ip \"2001:db8::/129\"\n", EINVAL,
                 "t.sig:1: bad prefix length in ip block \"2001:db8::/129\" "
                 "(0 to 128)");
    expect_error("service google ip \"10.0.0/8\"\n", EINVAL,
                 "t.sig:1: bad address in ip block \"10.0.0/8\"");
    expect_error("service google ip \"10.0.0.0\"\n", EINVAL,
                 "t.sig:1: bad ip block \"10.0.0.0\" (expected "
                 "ADDRESS/LENGTH)");
    expect_error("service google ip \"10.0.0.0/08\"\n", EINVAL,
                 "t.sig:1: bad ip block \"10.0.0.0/08\" (expected "
                 "ADDRESS/LENGTH)");
    expect_error("service google ip \"10.0.0.0/-1\"\n", EINVAL,
                 "t.sig:1: bad ip block \"10.0.0.0/-1\" (expected "
                 "ADDRESS/LENGTH)");
    expect_error("service google ip \"10.0.0.0/8x\"\n", EINVAL,
                 "t.sig:1: bad prefix length in ip block \"10.0.0.0/8x\" "
                 "(0 to 32)");
    expect_error("service google ip 10.0.0.0/8\n", EINVAL,
                 "t.sig:1: 'ip' needs a quoted argument");
    expect_error("service google ip \"10.0.0.0/8\"\n"
                 "# other\n"
                 "service youtube\n"
                 "    ip \"10.0.0.0/8\"\n", EINVAL,
                 "t.sig:4: ip block declared twice (also on line 1)");
}

/* A missing file and a file with a NUL byte give errors naming the
 * file. */
static void
test_bad_file_on_disk(void **state)
{
    char path[] = "/tmp/test-sig-XXXXXX", expected[128];
    struct dpi_sigdb *db;
    char *error = NULL;
    FILE *f;
    int fd;

    (void) state;
    assert_int_equal(dpi_sigdb_create("/nonexistent/x.sig", &db, &error),
                     ENOENT);
    assert_null(db);
    assert_string_equal(error, "/nonexistent/x.sig: No such file or "
                        "directory");
    free(error);

    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fwrite("# x\nprotocol ssh tcp\0 payload \"^SSH-\"\n", 1, 38, f);
    fclose(f);
    assert_int_equal(dpi_sigdb_create(path, &db, &error), EINVAL);
    snprintf(expected, sizeof expected, "%s:2: NUL byte in file", path);
    assert_string_equal(error, expected);
    free(error);
    unlink(path);
}

/* An empty file is a valid database that matches nothing. */
static void
test_empty_file_matches_nothing(void **state)
{
    struct dpi_sig_scratch *scratch;
    struct dpi_sigdb *db;
    char *error = NULL;

    (void) state;
    assert_int_equal(dpi_sigdb_create_from_string("# nothing\n", "e", &db,
                                                  &error), 0);
    scratch = dpi_sig_scratch_create(db);
    assert_non_null(scratch);
    assert_int_equal(payload_mask(db, scratch, 6,
                                           (const uint8_t *) "GET ", 4), 0);
    assert_int_equal(dpi_sig_match_host(db, scratch, "youtube.com"), 0);
    dpi_sig_scratch_destroy(scratch);
    dpi_sigdb_destroy(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        SIGDB_FIXTURE_TEST(test_host_suffix_matches_label_boundaries),
        SIGDB_FIXTURE_TEST(test_host_port_and_trailing_dot_ignored),
        SIGDB_FIXTURE_TEST(test_longest_host_suffix_wins),
        SIGDB_FIXTURE_TEST(test_host_regex_matches_country_domains),
        SIGDB_FIXTURE_TEST(test_payload_patterns_respect_transport),
        SIGDB_FIXTURE_TEST(test_port_hints),
        cmocka_unit_test(test_valid_file_with_continuations),
        cmocka_unit_test(test_service_payload_slot),
        cmocka_unit_test(test_bad_files_give_exact_errors),
        cmocka_unit_test(test_ip_protocol_declarations),
        SIGDB_FIXTURE_TEST(test_builtin_ip_protocols),
        cmocka_unit_test(test_bad_ip_protocol_declarations),
        cmocka_unit_test(test_bad_file_on_disk),
        cmocka_unit_test(test_ip_blocks_longest_prefix_wins),
        cmocka_unit_test(test_ip_block_errors),
        cmocka_unit_test(test_empty_file_matches_nothing),
        cmocka_unit_test(test_fixed_patterns_agree_with_hyperscan),
        cmocka_unit_test(test_costly_fixed_patterns_go_to_hyperscan),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
