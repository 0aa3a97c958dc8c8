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

/* Tests of the protocol parsers (lib/proto/).
 *
 * The corpus tests run each parser on real payloads of the development
 * corpus ($DPI_CORPUS_DIR) and compare what it extracts with the oracle
 * written by tshark (oracle/<pcap>.tsv), read at run time; SSH banners are
 * compared with tshark's ssh.protocol, run at test time.  The other tests
 * feed hand-made messages, truncated and corrupted. */

#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dpi-proto.h"
#include "md-shim.h"
#include "pcap-util.h"

/* A parser under test, with the 'to_server' or 'is_tcp' flag. */
typedef enum dpi_proto_result parse_func(const uint8_t *, size_t, bool,
                                         struct test_md *);

/* Calls parser 'parse' on 'len' bytes at 'data' with a context built from
 * 'to_server' and 'is_tcp', and copies the metadata found into 'md'. */
static enum dpi_proto_result
call_parser(dpi_proto_func *parse, const uint8_t *data, size_t len,
            bool to_server, bool is_tcp, struct test_md *md)
{
    struct dpi_proto_ctx ctx = { .to_server = to_server, .is_tcp = is_tcp };
    enum dpi_proto_result r;
    struct dpi_md dmd;

    dpi_md_init(&dmd, UINT32_MAX);
    r = parse(&ctx, data, len, &dmd);
    test_md_fill(md, &dmd);
    dpi_md_destroy(&dmd);
    return r;
}

/* The HTTP parser, with the old calling convention of these tests. */
static enum dpi_proto_result
t_http_parse(const uint8_t *data, size_t len, bool to_server,
             struct test_md *md)
{
    return call_parser(dpi_http_parse, data, len, to_server, true, md);
}

/* The TLS parser, with the old calling convention of these tests. */
static enum dpi_proto_result
t_tls_parse(const uint8_t *data, size_t len, bool to_server,
            struct test_md *md)
{
    return call_parser(dpi_tls_parse, data, len, to_server, true, md);
}

/* The DNS parser, with the old calling convention ('is_tcp'). */
static enum dpi_proto_result
t_dns_parse(const uint8_t *data, size_t len, bool is_tcp,
            struct test_md *md)
{
    return call_parser(dpi_dns_parse, data, len, true, is_tcp, md);
}

/* The SSH parser, with the old calling convention of these tests. */
static enum dpi_proto_result
t_ssh_parse(const uint8_t *data, size_t len, bool to_server,
            struct test_md *md)
{
    return call_parser(dpi_ssh_parse, data, len, to_server, true, md);
}

/* Counts of a corpus comparison. */
struct tally {
    int files;                  /* Captures read. */
    int checked;                /* Flows (or messages) compared. */
    int agree;                  /* Of those, how many agree. */
};

/* Loads capture 'name' and its oracle.  Returns false, and skips the test
 * if nothing was loaded yet, when the corpus is missing. */
static bool
load_corpus(const char *name, struct pu_capture *cap, struct pu_oracle *o)
{
    char *pcap = pu_corpus_path("pcap", name);
    char *tsv, tsv_name[256];
    bool ok;

    if (!pcap) {
        return false;
    }
    snprintf(tsv_name, sizeof tsv_name, "%s.tsv", name);
    tsv = pu_corpus_path("oracle", tsv_name);
    ok = pu_capture_load(pcap, cap) && pu_oracle_load(tsv, o);
    if (!ok) {
        fprintf(stderr, "cannot load %s or its oracle\n", name);
    }
    free(pcap);
    free(tsv);
    return ok;
}

/* Skips the current test if there is no corpus. */
static void
require_corpus(void)
{
    if (!pu_corpus_dir()) {
        print_message("DPI_CORPUS_DIR unset or not a directory: "
                      "skipping corpus test\n");
        skip();
    }
}

/* Compares 'got' with the first value of 'column' (truncated to the size
 * of the field), printing a message on a mismatch. */
static bool
same_first(const struct pu_oracle *o, const struct pu_row *row,
           const char *column, const char *got, size_t size,
           const char *file, size_t flow)
{
    char *want = malloc(size);
    bool same;

    assert_non_null(want);
    pu_cell_first(o, row, column, want, size);
    same = !strcmp(want, got);
    if (!same) {
        print_message("%s flow %zu: %s is \"%s\", oracle says \"%s\"\n",
                      file, flow + 1, column, got, want);
    }
    free(want);
    return same;
}

/* Prints and checks a tally: every comparison agreed and there were at
 * least 'min_checked' of them. */
static void
check_tally(const char *what, const struct tally *t, int min_checked)
{
    print_message("%s: %d captures, %d checked, %d agree with the oracle\n",
                  what, t->files, t->checked, t->agree);
    assert_int_equal(t->agree, t->checked);
    assert_true(t->checked >= min_checked);
}

/* --- HTTP ---------------------------------------------------------------- */

static const char *const http_pcaps[] = {
    "http.pcapng", "http-lines-split.pcap",
    "http_ua_splitted_in_two_pkts.pcapng", "http_auth.pcap",
    "http_asymmetric.pcapng", "http-proxy.pcapng", "http_connect.pcap",
    "exe_download.pcap", "windowsupdate_over_http.pcap", "webdav.pcap",
    "mpeg-dash.pcap", "ocsp.pcapng", "ipp.pcap", "conncheck.pcap",
    "1kxun.pcap", "WebattackSQLinj.pcap", "netflix.pcap", "instagram.pcap",
    "emotet.pcap", "alexa-app.pcapng",
};

/* Every HTTP request at the start of a client stream in the corpus yields
 * the method, Host, URI and User-Agent tshark saw. */
static void
test_http_request_fields_match_tshark(void **state)
{
    static uint8_t buf[DPI_PROTO_MAX_STREAM];
    struct tally t = { 0, 0, 0 };
    size_t i, j;

    (void) state;
    require_corpus();
    for (i = 0; i < sizeof http_pcaps / sizeof http_pcaps[0]; i++) {
        struct pu_capture cap;
        struct pu_oracle o;

        if (!load_corpus(http_pcaps[i], &cap, &o)) {
            continue;
        }
        t.files++;
        for (j = 0; j < o.n_rows; j++) {
            const struct pu_row *row = &o.rows[j];
            struct test_md md;
            size_t len;
            bool ok;

            if (strcmp(pu_cell(&o, row, "proto"), "tcp")
                || !pu_cell(&o, row, "http_uri")[0]) {
                continue;
            }
            len = pu_stream(&cap, &o, row, true, buf, sizeof buf);
            memset(&md, 0, sizeof md);
            t.checked++;
            if (t_http_parse(buf, len, true, &md) != DPI_PROTO_YES) {
                print_message("%s flow %zu: not parsed as an HTTP request\n",
                              http_pcaps[i], j + 1);
                continue;
            }
            ok = same_first(&o, row, "http_host", md.http_host,
                            sizeof md.http_host, http_pcaps[i], j);
            ok &= same_first(&o, row, "http_uri", md.http_uri,
                             sizeof md.http_uri, http_pcaps[i], j);
            ok &= same_first(&o, row, "http_user_agent", md.http_user_agent,
                             sizeof md.http_user_agent, http_pcaps[i], j);
            t.agree += ok;
        }
        pu_oracle_destroy(&o);
        pu_capture_destroy(&cap);
    }
    check_tally("HTTP requests", &t, 50);
}

/* --- TLS ----------------------------------------------------------------- */

static const char *const tls_pcaps[] = {
    "443-chrome.pcap", "443-curl.pcap", "443-firefox.pcap", "443-git.pcap",
    "chrome.pcap", "firefox.pcap", "safari.pcap", "google_ssl.pcap",
    "tls_ech.pcapng", "tls_esni_sni_both.pcap", "encrypted_sni.pcap",
    "tls-rdn-extract.pcap", "tls_1.3_unidirectional_client.pcapng",
    "tls_1.2_unidirectional_client.pcapng", "tls_port_80.pcapng",
    "tls_with_huge_ch.pcapng", "tls_2_reasms.pcapng", "no_sni.pcap",
    "tls_certificate_too_long.pcap", "facebook.pcap", "netflix.pcap",
    "reddit.pcap", "signal.pcap", "webex.pcap", "teams.pcap",
    "instagram.pcap", "youtubeupload.pcap",
};

/* Every ClientHello at the start of a client stream in the corpus yields
 * the server name tshark saw (none when tshark saw none), including
 * ClientHellos split over records and segments. */
static void
test_tls_client_hello_sni_matches_tshark(void **state)
{
    static uint8_t buf[DPI_PROTO_MAX_STREAM];
    struct tally t = { 0, 0, 0 };
    size_t i, j;

    (void) state;
    require_corpus();
    for (i = 0; i < sizeof tls_pcaps / sizeof tls_pcaps[0]; i++) {
        struct pu_capture cap;
        struct pu_oracle o;

        if (!load_corpus(tls_pcaps[i], &cap, &o)) {
            continue;
        }
        t.files++;
        for (j = 0; j < o.n_rows; j++) {
            const struct pu_row *row = &o.rows[j];
            enum dpi_proto_result r;
            struct test_md md;
            size_t len;

            if (strcmp(pu_cell(&o, row, "proto"), "tcp")) {
                continue;
            }
            len = pu_stream(&cap, &o, row, true, buf, sizeof buf);
            if (len < 6 || buf[0] != 22 || buf[5] != 1) {
                continue;       /* Not a ClientHello. */
            }
            memset(&md, 0, sizeof md);
            t.checked++;
            r = t_tls_parse(buf, len, true, &md);
            if (r != DPI_PROTO_YES) {
                print_message("%s flow %zu: ClientHello gives %d\n",
                              tls_pcaps[i], j + 1, r);
                continue;
            }
            t.agree += same_first(&o, row, "tls_sni", md.tls_sni,
                                  sizeof md.tls_sni, tls_pcaps[i], j);
        }
        pu_oracle_destroy(&o);
        pu_capture_destroy(&cap);
    }
    check_tally("TLS ClientHellos", &t, 100);
}

/* Every ServerHello at the start of a server stream in the corpus is
 * recognised. */
static void
test_tls_server_hello_recognised(void **state)
{
    static uint8_t buf[DPI_PROTO_MAX_STREAM];
    struct tally t = { 0, 0, 0 };
    size_t i, j;

    (void) state;
    require_corpus();
    for (i = 0; i < sizeof tls_pcaps / sizeof tls_pcaps[0]; i++) {
        struct pu_capture cap;
        struct pu_oracle o;

        if (!load_corpus(tls_pcaps[i], &cap, &o)) {
            continue;
        }
        t.files++;
        for (j = 0; j < o.n_rows; j++) {
            const struct pu_row *row = &o.rows[j];
            struct test_md md;
            size_t len;

            if (strcmp(pu_cell(&o, row, "proto"), "tcp")) {
                continue;
            }
            len = pu_stream(&cap, &o, row, false, buf, sizeof buf);
            if (len < 6 || buf[0] != 22 || buf[5] != 2) {
                continue;
            }
            memset(&md, 0, sizeof md);
            t.checked++;
            if (t_tls_parse(buf, len, false, &md) == DPI_PROTO_YES) {
                t.agree++;
            } else {
                print_message("%s flow %zu: ServerHello not recognised\n",
                              tls_pcaps[i], j + 1);
            }
        }
        pu_oracle_destroy(&o);
        pu_capture_destroy(&cap);
    }
    check_tally("TLS ServerHellos", &t, 100);
}

/* --- DNS ----------------------------------------------------------------- */

static const char *const dns_pcaps[] = {
    "dns.pcap", "dns_fragmented.pcap", "dns-google-nsid.pcapng",
    "dns_ambiguous_names.pcap", "dns-tunnel-iodine.pcap",
    "bad-dns-traffic.pcap", "android.pcap", "iphone.pcap", "netflix.pcap",
    "instagram.pcap", "teams.pcap", "anydesk.pcapng", "zoom.pcap",
    "http_connect.pcap",
};

/* Returns true if 'got', a name written into a field of 'size' bytes, is
 * one of the names of 'row'.  The parser truncates before a UTF-8 sequence
 * that does not fit (tshark writes invalid bytes as 3-byte U+FFFD), so a
 * name that nearly fills the field may be a shorter prefix. */
static bool
qname_in_oracle(const struct pu_oracle *o, const struct pu_row *row,
                const char *got, size_t size)
{
    size_t len = strlen(got), n;

    if (pu_cell_has(o, row, "dns_qname", got, size - 1)) {
        return true;
    }
    for (n = size - 1; len + 4 > size && n > len; n--) {
        if (pu_cell_has(o, row, "dns_qname", got, n - 1)
            || pu_cell_has(o, row, "dns_qname", got, len)) {
            return true;
        }
    }
    return false;
}

/* Compares the query name of every DNS message (UDP datagram, or TCP
 * stream start) on port 53 of capture 'name' with the names tshark saw in
 * the flow. */
static void
check_dns_pcap(const char *name, bool tcp, struct tally *t)
{
    static uint8_t buf[DPI_PROTO_MAX_STREAM];
    struct pu_capture cap;
    struct pu_oracle o;
    size_t i, j;

    if (!load_corpus(name, &cap, &o)) {
        return;
    }
    t->files++;
    for (j = 0; j < o.n_rows; j++) {
        const struct pu_row *row = &o.rows[j];
        struct test_md md;

        if (strcmp(pu_cell(&o, row, "proto"), tcp ? "tcp" : "udp")
            || !pu_cell(&o, row, "dns_qname")[0]
            || (strcmp(pu_cell(&o, row, "server_port"), "53")
                && strcmp(pu_cell(&o, row, "client_port"), "53"))) {
            continue;
        }
        if (tcp) {
            size_t len = pu_stream(&cap, &o, row, true, buf, sizeof buf);

            memset(&md, 0, sizeof md);
            t->checked++;
            if (t_dns_parse(buf, len, true, &md) != DPI_PROTO_YES) {
                print_message("%s flow %zu: no DNS query\n", name, j + 1);
            } else {
                t->agree += same_first(&o, row, "dns_qname", md.dns_qname,
                                       sizeof md.dns_qname, name, j);
            }
            continue;
        }
        for (i = 0; i < cap.n; i++) {
            const struct dpi_pkt *pkt = &cap.pkts[i].pkt;

            if (!cap.pkts[i].ok || pkt->is_fragment || !pkt->payload_len
                || pu_match(&o, row, pkt) < 0) {
                continue;
            }
            memset(&md, 0, sizeof md);
            t->checked++;
            if (t_dns_parse(pkt->payload, pkt->payload_len, false, &md)
                != DPI_PROTO_YES) {
                print_message("%s flow %zu packet %zu: not DNS\n", name,
                              j + 1, i + 1);
            } else if (!qname_in_oracle(&o, row, md.dns_qname,
                                        sizeof md.dns_qname)) {
                print_message("%s flow %zu packet %zu: qname \"%s\" not in "
                              "the oracle\n", name, j + 1, i + 1,
                              md.dns_qname);
            } else {
                t->agree++;
            }
        }
    }
    pu_oracle_destroy(&o);
    pu_capture_destroy(&cap);
}

/* Every DNS datagram on port 53 in the corpus yields a query name that
 * tshark saw in its flow. */
static void
test_dns_udp_query_names_match_tshark(void **state)
{
    struct tally t = { 0, 0, 0 };
    size_t i;

    (void) state;
    require_corpus();
    for (i = 0; i < sizeof dns_pcaps / sizeof dns_pcaps[0]; i++) {
        check_dns_pcap(dns_pcaps[i], false, &t);
    }
    check_tally("DNS over UDP messages", &t, 200);
}

/* DNS over TCP (with the length prefix) yields the first query name tshark
 * saw. */
static void
test_dns_tcp_query_names_match_tshark(void **state)
{
    struct tally t = { 0, 0, 0 };
    size_t i;

    (void) state;
    require_corpus();
    for (i = 0; i < sizeof dns_pcaps / sizeof dns_pcaps[0]; i++) {
        check_dns_pcap(dns_pcaps[i], true, &t);
    }
    check_tally("DNS over TCP flows", &t, 2);
}

/* --- SSH ----------------------------------------------------------------- */

/* Runs tshark on 'pcap', decoding TCP port 'port' as SSH, and collects the
 * ssh.protocol values it prints, one per line, into 'out' (NUL-separated),
 * at most 'size' bytes.  Returns the number of values, or -1 if tshark
 * cannot run. */
static int
tshark_ssh_banners(const char *pcap, const char *port, char *out,
                   size_t size)
{
    char cmd[1024], line[512];
    size_t used = 0;
    int n = 0;
    FILE *f;

    snprintf(cmd, sizeof cmd, "tshark -n -r '%s' -d tcp.port==%d,ssh "
             "-Y ssh.protocol -T fields -e ssh.protocol 2>/dev/null", pcap,
             atoi(port));
    f = popen(cmd, "r");
    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        size_t len = strcspn(line, "\r\n");

        line[len] = '\0';
        if (len && used + len + 1 <= size) {
            memcpy(out + used, line, len + 1);
            used += len + 1;
            n++;
        }
    }
    return pclose(f) == 0 ? n : -1;
}

/* Returns true if 'value' is one of the 'n' NUL-separated strings at
 * 'list'. */
static bool
in_list(const char *list, int n, const char *value)
{
    int i;

    for (i = 0; i < n; i++, list += strlen(list) + 1) {
        if (!strcmp(list, value)) {
            return true;
        }
    }
    return false;
}

/* The identification strings of both sides of the corpus's SSH
 * connections are those tshark shows as ssh.protocol. */
static void
test_ssh_banners_match_tshark(void **state)
{
    static const char *const pcaps[] = {
        "ssh.pcap", "ssh_unidirectional.pcap",
    };
    static uint8_t buf[DPI_PROTO_MAX_STREAM];
    struct tally t = { 0, 0, 0 };
    size_t i, j;
    int dir;

    (void) state;
    require_corpus();
    for (i = 0; i < sizeof pcaps / sizeof pcaps[0]; i++) {
        char *path = pu_corpus_path("pcap", pcaps[i]);
        struct pu_capture cap;
        struct pu_oracle o;

        if (!load_corpus(pcaps[i], &cap, &o)) {
            free(path);
            continue;
        }
        t.files++;
        for (j = 0; j < o.n_rows; j++) {
            char banners[4096];
            int n = tshark_ssh_banners(path, pu_cell(&o, &o.rows[j],
                                                     "server_port"),
                                       banners, sizeof banners);

            if (n < 0) {
                print_message("tshark cannot run: skipping\n");
                skip();
            }
            for (dir = 1; dir >= 0; dir--) {
                struct test_md md;
                const char *got;
                size_t len;

                len = pu_stream(&cap, &o, &o.rows[j], dir, buf, sizeof buf);
                if (len < 4 || memcmp(buf, "SSH-", 4)) {
                    continue;
                }
                memset(&md, 0, sizeof md);
                t.checked++;
                if (t_ssh_parse(buf, len, dir, &md) != DPI_PROTO_YES) {
                    print_message("%s flow %zu: banner not parsed\n",
                                  pcaps[i], j + 1);
                    continue;
                }
                got = dir ? md.ssh_client : md.ssh_server;
                if (in_list(banners, n, got)) {
                    t.agree++;
                } else {
                    print_message("%s flow %zu: banner \"%s\" unknown to "
                                  "tshark\n", pcaps[i], j + 1, got);
                }
            }
        }
        pu_oracle_destroy(&o);
        pu_capture_destroy(&cap);
        free(path);
    }
    check_tally("SSH banners", &t, 5);
}

/* --- Bad input ----------------------------------------------------------- */

/* Calls 'parse' on a copy of the first 'len' bytes of 'msg' in a buffer of
 * exactly that size, so that a read past the end is caught by ASan or
 * valgrind. */
static enum dpi_proto_result
parse_exact(parse_func *parse, const uint8_t *msg, size_t len, bool flag,
            struct test_md *md)
{
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;

    assert_non_null(copy);
    memcpy(copy, msg, len);
    r = parse(copy, len, flag, md);
    free(copy);
    return r;
}

/* Appends 'n' bytes to the message being built at 'buf' + '*len'. */
static void
put(uint8_t *buf, size_t *len, const void *data, size_t n)
{
    memcpy(buf + *len, data, n);
    *len += n;
}

/* Appends a big-endian 16-bit value. */
static void
put16(uint8_t *buf, size_t *len, unsigned int v)
{
    uint8_t b[2] = { (uint8_t) (v >> 8), (uint8_t) v };

    put(buf, len, b, 2);
}

/* Builds a ClientHello handshake message with a server_name extension
 * (last, after a padding extension of 'pad' bytes) for 'name' into 'hs'
 * and returns its length. */
static size_t
build_client_hello(uint8_t *hs, const char *name, size_t pad)
{
    static const uint8_t random[32];
    size_t n = 0, ext_start, body_start;
    size_t name_len = strlen(name);

    hs[n++] = 1;                        /* ClientHello. */
    n += 3;                             /* Length, below. */
    body_start = n;
    put16(hs, &n, 0x0303);
    put(hs, &n, random, sizeof random);
    hs[n++] = 0;                        /* No session id. */
    put16(hs, &n, 4);
    put16(hs, &n, 0x1301);
    put16(hs, &n, 0xc02f);
    hs[n++] = 1;                        /* One compression method. */
    hs[n++] = 0;
    ext_start = n;
    n += 2;                             /* Extensions length, below. */
    put16(hs, &n, 21);                  /* Padding extension. */
    put16(hs, &n, (unsigned int) pad);
    memset(hs + n, 0, pad);
    n += pad;
    put16(hs, &n, 0);                   /* server_name. */
    put16(hs, &n, (unsigned int) (name_len + 5));
    put16(hs, &n, (unsigned int) (name_len + 3));
    hs[n++] = 0;                        /* host_name. */
    put16(hs, &n, (unsigned int) name_len);
    put(hs, &n, name, name_len);

    hs[ext_start] = (uint8_t) ((n - ext_start - 2) >> 8);
    hs[ext_start + 1] = (uint8_t) (n - ext_start - 2);
    hs[1] = (uint8_t) ((n - body_start) >> 16);
    hs[2] = (uint8_t) ((n - body_start) >> 8);
    hs[3] = (uint8_t) (n - body_start);
    return n;
}

/* Wraps the handshake bytes 'hs' in records of at most 'max_record' bytes
 * into 'out'; returns the stream length. */
static size_t
build_records(uint8_t *out, const uint8_t *hs, size_t hs_len,
              size_t max_record)
{
    size_t n = 0, off;

    for (off = 0; off < hs_len; off += max_record) {
        size_t k = hs_len - off < max_record ? hs_len - off : max_record;

        out[n++] = 22;
        put16(out, &n, 0x0301);
        put16(out, &n, (unsigned int) k);
        put(out, &n, hs + off, k);
    }
    return n;
}

/* A ClientHello split over three records is MORE at every length short of
 * the end of its server name, then YES with the name. */
static void
test_tls_client_hello_truncated_at_every_length_is_more(void **state)
{
    uint8_t hs[1024], stream[1200];
    struct test_md md;
    size_t hs_len, len, i;

    (void) state;
    hs_len = build_client_hello(hs, "www.example.org", 100);
    len = build_records(stream, hs, hs_len, 70);
    for (i = 0; i < len; i++) {
        memset(&md, 0, sizeof md);
        assert_int_equal(parse_exact(t_tls_parse, stream, i, true, &md),
                         DPI_PROTO_MORE);
        assert_string_equal(md.tls_sni, "");
    }
    assert_int_equal(parse_exact(t_tls_parse, stream, len, true, &md),
                     DPI_PROTO_YES);
    assert_string_equal(md.tls_sni, "www.example.org");
}

/* Lengths that overrun what encloses them make the ClientHello NO. */
static void
test_tls_lying_lengths_are_no(void **state)
{
    uint8_t hs[1024], stream[1200], bad[1200];
    struct test_md md;
    size_t hs_len, len, ext_len_ofs, sni_ofs;

    (void) state;
    hs_len = build_client_hello(hs, "a.example", 4);
    len = build_records(stream, hs, hs_len, 16384);
    ext_len_ofs = 5 + 4 + 2 + 32 + 1 + 2 + 4 + 2;
    sni_ofs = ext_len_ofs + 2 + 4 + 4;

    /* Extensions block longer than the handshake message. */
    memcpy(bad, stream, len);
    bad[ext_len_ofs] = 0xff;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);

    /* Oversized padding extension (0xffff bytes). */
    memcpy(bad, stream, len);
    bad[ext_len_ofs + 4] = 0xff;
    bad[ext_len_ofs + 5] = 0xff;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);

    /* server_name list longer than its extension. */
    memcpy(bad, stream, len);
    bad[sni_ofs + 4] = 0x40;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);

    /* Host name longer than its list. */
    memcpy(bad, stream, len);
    bad[sni_ofs + 7] = 0x01;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);

    /* Session id longer than 32 bytes. */
    memcpy(bad, stream, len);
    bad[5 + 4 + 2 + 32] = 33;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);

    /* Empty record, oversized record, not a handshake. */
    memcpy(bad, stream, len);
    bad[3] = bad[4] = 0;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);
    bad[3] = 0x50;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);
    memcpy(bad, stream, len);
    bad[0] = 25;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);

    /* An application data record that fills the bytes exactly is TLS
     * captured after its handshake; one whose length overruns the bytes
     * by one is not (yet) complete, and a bogus record after it is NO. */
    memcpy(bad, stream, len);
    bad[0] = 23;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_YES);
    bad[4]++;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_MORE);
    bad[4] -= 2;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);

    /* A ServerHello type sent to the server. */
    memcpy(bad, stream, len);
    bad[5] = 2;
    assert_int_equal(parse_exact(t_tls_parse, bad, len, true, &md),
                     DPI_PROTO_NO);
}

/* A server name longer than 1024 bytes is cut there, not overflowed. */
static void
test_tls_long_server_name_is_truncated(void **state)
{
    uint8_t hs[2048], stream[2200];
    struct test_md md;
    char name[1301];
    size_t len;

    (void) state;
    memset(name, 'x', 1300);
    name[1300] = '\0';
    len = build_records(stream, hs, build_client_hello(hs, name, 0), 16384);
    memset(&md, 0, sizeof md);
    assert_int_equal(parse_exact(t_tls_parse, stream, len, true, &md),
                     DPI_PROTO_YES);
    assert_int_equal(strlen(md.tls_sni), 1024);
    assert_memory_equal(md.tls_sni, name, 1024);
}

/* A ClientHello in the SSL 2.0 compatible format is TLS without a server
 * name; an SSL 2.0 hello for SSL 2.0 itself is not. */
static void
test_tls_sslv2_compatible_client_hello(void **state)
{
    static const uint8_t v2[] = {
        0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
    };
    static const uint8_t ssl2[] = { 0x80, 0x2e, 0x01, 0x00, 0x02, 0x00 };
    struct test_md md;
    size_t i;

    (void) state;
    memset(&md, 0, sizeof md);
    for (i = 0; i < 5; i++) {
        assert_int_equal(parse_exact(t_tls_parse, v2, i, true, &md),
                         DPI_PROTO_MORE);
    }
    assert_int_equal(parse_exact(t_tls_parse, v2, sizeof v2, true, &md),
                     DPI_PROTO_YES);
    assert_string_equal(md.tls_sni, "");
    assert_int_equal(parse_exact(t_tls_parse, ssl2, sizeof ssl2, true,
                                 &md), DPI_PROTO_NO);
}

/* An HTTP request is MORE at every length short of its empty line, then
 * YES with its fields. */
static void
test_http_request_truncated_at_every_length_is_more(void **state)
{
    static const char req[] =
        "PROPFIND /dav/a%20b?x=1 HTTP/1.1\r\n"
        "Accept: */*\r\n"
        "user-agent:   curl/8.0 (x)  \r\n"
        "HOST: files.example.net:8080\r\n"
        "\r\n";
    struct test_md md;
    size_t i, len = strlen(req);

    (void) state;
    for (i = 0; i < len; i++) {
        memset(&md, 0, sizeof md);
        assert_int_equal(parse_exact(t_http_parse, (const uint8_t *) req,
                                     i, true, &md), DPI_PROTO_MORE);
        assert_string_equal(md.http_host, "");
    }
    assert_int_equal(parse_exact(t_http_parse, (const uint8_t *) req, len,
                                 true, &md), DPI_PROTO_YES);
    assert_string_equal(md.http_method, "PROPFIND");
    assert_string_equal(md.http_uri, "/dav/a%20b?x=1");
    assert_string_equal(md.http_host, "files.example.net:8080");
    assert_string_equal(md.http_user_agent, "curl/8.0 (x)");
}

/* Text that is not an HTTP request or response is NO. */
static void
test_http_garbage_is_no(void **state)
{
    static const char *const bad[] = {
        "get / HTTP/1.1\r\n\r\n", "GET\t/ HTTP/1.1\r\n\r\n",
        "GET / FTP/1.0\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\n\r\n", "GET / HTTP/1.1x\r\n\r\n",
        "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", "\x16\x03\x01",
    };
    struct test_md md;
    size_t i;

    (void) state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&md, 0, sizeof md);
        assert_int_equal(parse_exact(t_http_parse, (const uint8_t *) bad[i],
                                     strlen(bad[i]), true, &md),
                         DPI_PROTO_NO);
    }
    assert_int_equal(parse_exact(t_http_parse,
                                 (const uint8_t *) "HTTP/1.1 2x", 11, false,
                                 &md), DPI_PROTO_NO);
    assert_int_equal(parse_exact(t_http_parse,
                                 (const uint8_t *) "HTTP/1.0 404", 12, false,
                                 &md), DPI_PROTO_YES);
}

/* Returns true if text field 'f' of 'md' holds the value 'want'. */
static bool
md_has(const struct dpi_md *md, enum dpi_field f, const char *want)
{
    struct dpi_md_value v;
    uint32_t pos = 0;

    while (dpi_md_next(md, &pos, &v)) {
        if (v.field == f && !strcmp(v.str, want)) {
            return true;
        }
    }
    return false;
}

/* Calls 'parse' in follow mode on the 'len' bytes at 'data' (copied to a
 * buffer of exactly that size), a TCP segment at sequence number 'seq'
 * from the client. */
static enum dpi_proto_result
follow_segment(dpi_proto_func *parse, const char *data, size_t len,
               uint32_t seq, struct dpi_md *md)
{
    struct dpi_proto_ctx ctx = {
        .to_server = true, .is_tcp = true, .follow = true,
        .client_port = 40000, .server_port = 80, .tcp_seq = seq,
    };
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;

    assert_non_null(copy);
    memcpy(copy, data, len);
    r = parse(&ctx, copy, len, md);
    free(copy);
    return r;
}

/* The second request of a keep-alive connection, whose head spans several
 * segments after the verdict.  tshark reassembles it: on a capture of
 * these segments (built with scapy) it prints http.host "b.example",
 * http.request.uri "/second?q=" and 60 'x', http.user_agent "split/1.0". */
static const char http_second_req[] =
    "GET /second?q=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxx HTTP/1.1\r\nHost: b.example\r\nUser-Agent: split/1.0\r\n\r\n";
static const char http_second_uri[] =
    "/second?q=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/* Follow mode: a request head split at any byte into two segments is
 * reassembled and gives the values tshark prints. */
static void
test_http_follow_request_split_at_every_byte(void **state)
{
    static const char first[] =
        "GET /first HTTP/1.1\r\nHost: a.example\r\n\r\n";
    size_t len = strlen(http_second_req), nf = strlen(first), i;
    size_t line_end = strchr(http_second_req, '\n') - http_second_req + 1;
    uint32_t seq = 1001;

    (void) state;
    for (i = 1; i < len; i++) {
        struct dpi_md md;

        dpi_md_init(&md, UINT32_MAX);
        assert_int_equal(follow_segment(dpi_http_parse, first, nf, seq, &md),
                         DPI_PROTO_YES);
        follow_segment(dpi_http_parse, http_second_req, i,
                       seq + (uint32_t) nf, &md);
        if (i < line_end) {
            /* Nothing of a request line without its end. */
            assert_int_equal(dpi_md_count(&md, DPI_F_http_uri), 1);
        }
        follow_segment(dpi_http_parse, http_second_req + i, len - i,
                       seq + (uint32_t) (nf + i), &md);
        assert_true(md_has(&md, DPI_F_http_uri, "/first"));
        assert_true(md_has(&md, DPI_F_http_uri, http_second_uri));
        assert_true(md_has(&md, DPI_F_http_host, "b.example"));
        assert_true(md_has(&md, DPI_F_http_user_agent, "split/1.0"));
        assert_int_equal(dpi_md_count(&md, DPI_F_http_uri), 2);
        assert_null(dpi_md_get(&md, DPI_F__http_head, NULL));
        dpi_md_destroy(&md);
    }
}

/* Follow mode: a retransmission of a buffered segment is ignored; a gap
 * drops the buffered start (the rest is not a request), and the next
 * request is read again. */
static void
test_http_follow_retransmission_and_gap(void **state)
{
    static const char third[] = "HEAD /third HTTP/1.0\r\n\r\n";
    size_t len = strlen(http_second_req);
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, UINT32_MAX);
    follow_segment(dpi_http_parse, http_second_req, 20, 5000, &md);
    follow_segment(dpi_http_parse, http_second_req, 20, 5000, &md);
    follow_segment(dpi_http_parse, http_second_req + 20, len - 20, 5020,
                   &md);
    assert_true(md_has(&md, DPI_F_http_uri, http_second_uri));
    assert_true(md_has(&md, DPI_F_http_host, "b.example"));
    dpi_md_destroy(&md);

    dpi_md_init(&md, UINT32_MAX);
    follow_segment(dpi_http_parse, http_second_req, 20, 5000, &md);
    assert_non_null(dpi_md_get(&md, DPI_F__http_head, NULL));
    assert_int_equal(follow_segment(dpi_http_parse, http_second_req + 40,
                                    len - 40, 5040, &md), DPI_PROTO_NO);
    assert_null(dpi_md_get(&md, DPI_F__http_head, NULL));
    assert_int_equal(dpi_md_count(&md, DPI_F_http_uri), 0);
    assert_int_equal(follow_segment(dpi_http_parse, third, strlen(third),
                                    (uint32_t) (5000 + len), &md),
                     DPI_PROTO_YES);
    assert_true(md_has(&md, DPI_F_http_uri, "/third"));
    dpi_md_destroy(&md);
}

/* Follow mode: a head longer than a metadata value is given up without
 * reading past the segments. */
static void
test_http_follow_overlong_head_given_up(void **state)
{
    size_t n = DPI_MD_VALUE_MAX + 100, i;
    char *seg = malloc(n);
    struct dpi_md md;

    (void) state;
    assert_non_null(seg);
    memcpy(seg, "GET /", 5);
    memset(seg + 5, 'a', n - 5);
    dpi_md_init(&md, UINT32_MAX);
    for (i = 0; i < 3; i++) {
        follow_segment(dpi_http_parse, seg + (i ? 5 : 0), 1400,
                       (uint32_t) (1 + i * 1400), &md);
    }
    assert_null(dpi_md_get(&md, DPI_F__http_head, NULL));
    assert_int_equal(dpi_md_count(&md, DPI_F_http_uri), 0);
    dpi_md_destroy(&md);
    free(seg);
}

/* Returns the number of records of 'md'. */
static size_t
md_n_records(const struct dpi_md *md)
{
    struct dpi_md_value v;
    uint32_t pos = 0;
    size_t n = 0;

    while (dpi_md_next(md, &pos, &v)) {
        n++;
    }
    return n;
}

/* The metadata store keeps a number in 4 bytes when it fits, in 8 when it
 * does not, and switches between the two forms as the value changes; its
 * buffer grows in the steps malloc serves without rounding (24 bytes, then
 * 16 at a time), and the budget still refuses what would exceed it. */
static void
test_md_number_forms_and_sizes(void **state)
{
    uint64_t big = UINT64_C(1) << 40, x = 0;
    struct dpi_md_value v;
    struct dpi_md md;
    uint32_t pos = 0;

    (void) state;
    dpi_md_init(&md, UINT32_MAX);
    assert_int_equal(dpi_md_allocated(&md), 0);
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, 1234));
    assert_true(dpi_md_get_u64(&md, DPI_F_rtt_us, &x));
    assert_int_equal(x, 1234);
    assert_int_equal(md.len, 2 + 4 + 1);
    assert_int_equal(dpi_md_allocated(&md), 24);

    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, big));
    assert_true(dpi_md_get_u64(&md, DPI_F_rtt_us, &x));
    assert_true(x == big);
    assert_int_equal(md.len, 2 + 8 + 1);
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, UINT32_MAX));
    assert_true(dpi_md_get_u64(&md, DPI_F_rtt_us, &x));
    assert_true(x == UINT32_MAX);
    assert_int_equal(md.len, 2 + 4 + 1);
    assert_int_equal(md_n_records(&md), 1);
    assert_true(dpi_md_next(&md, &pos, &v));
    assert_int_equal(v.field, DPI_F_rtt_us);
    assert_true(v.num == UINT32_MAX);

    /* 7 + (2 + 15 + 1) = 25 bytes: the second step, 40. */
    assert_true(dpi_md_add_cstr(&md, DPI_F_http_host, "0123456789abcde"));
    assert_int_equal(md.len, 25);
    assert_int_equal(dpi_md_allocated(&md), 40);
    /* 25 + (2 + 28 + 1) = 56 bytes: exactly the third step. */
    assert_true(dpi_md_add_cstr(&md, DPI_F_http_uri,
                                "/abcdefghijklmnopqrstuvwxyz0"));
    assert_int_equal(md.len, 56);
    assert_int_equal(dpi_md_allocated(&md), 56);
    assert_true(dpi_md_add_cstr(&md, DPI_F_http_method, "G"));
    assert_int_equal(dpi_md_allocated(&md), 72);
    assert_true(dpi_md_get_u64(&md, DPI_F_rtt_us, &x));
    assert_true(x == UINT32_MAX);
    assert_string_equal(dpi_md_get(&md, DPI_F_http_uri, NULL),
                        "/abcdefghijklmnopqrstuvwxyz0");
    dpi_md_destroy(&md);

    /* A number that changes form keeps its place among the records, and
     * the records after it move: here from 8 bytes to 4 and back, with
     * a text record behind it and one added after the shrink. */
    dpi_md_init(&md, UINT32_MAX);
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, big));
    assert_true(dpi_md_add_cstr(&md, DPI_F_http_host, "a.example"));
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, 5));
    assert_int_equal(md.len, 7 + 12);
    assert_true(dpi_md_add_cstr(&md, DPI_F_http_uri, "/x"));
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, big + 1));
    assert_int_equal(md.len, 11 + 12 + 5);
    pos = 0;
    assert_true(dpi_md_next(&md, &pos, &v));
    assert_int_equal(v.field, DPI_F_rtt_us);
    assert_true(v.num == big + 1);
    assert_true(dpi_md_next(&md, &pos, &v));
    assert_string_equal(v.str, "a.example");
    assert_true(dpi_md_next(&md, &pos, &v));
    assert_string_equal(v.str, "/x");
    assert_false(dpi_md_next(&md, &pos, &v));
    dpi_md_destroy(&md);

    /* A budget of 7 bytes holds a number in 4 bytes, not in 8: the value
     * that needs 8 is refused and the old one kept. */
    dpi_md_init(&md, 7);
    assert_true(dpi_md_set_u64(&md, DPI_F_art_us, 1));
    assert_false(dpi_md_set_u64(&md, DPI_F_art_us, big));
    assert_true(dpi_md_get_u64(&md, DPI_F_art_us, &x));
    assert_int_equal(x, 1);
    assert_int_equal(md_n_records(&md), 1);
    dpi_md_destroy(&md);
}

/* Returns the bytes the allocator holds for the records of 'md' (an
 * oracle for dpi_md_allocated() independent of dpi-md.c). */
static size_t
md_usable(const struct dpi_md *md)
{
    return md->buf ? malloc_usable_size(md->buf) : 0;
}

/* The buffer shrinks back when a large working record goes, whether
 * removed or replaced by a short value, and when a number takes its
 * shorter form across an allocation step: dpi_md_allocated() and the
 * allocator then agree on the smaller size (within glibc's 16-byte
 * rounding; dpi_md_allocated() alone cannot tell, as it computes the size
 * from the records' length). */
static void
test_md_shrinks_after_removal(void **state)
{
    uint64_t big = UINT64_C(1) << 40;
    char *work = malloc(3000);
    struct dpi_md md;

    (void) state;
    assert_non_null(work);
    memset(work, 'w', 3000);
    dpi_md_init(&md, 65536);
    assert_true(dpi_md_add_cstr(&md, DPI_F_http_host, "a.example"));
    assert_true(dpi_md_set(&md, DPI_F__http_head, work, 3000));
    assert_true(md_usable(&md) >= 3000);

    /* 2 + 9 + 1 = 12 bytes left: the first step, 24. */
    dpi_md_remove(&md, DPI_F__http_head);
    assert_int_equal(md.len, 12);
    assert_int_equal(dpi_md_allocated(&md), 24);
    assert_true(md_usable(&md) >= 12 && md_usable(&md) <= 24 + 16);

    /* A short value replaces a long one: 12 + (2 + 3 + 1) = 18, still 24. */
    assert_true(dpi_md_set(&md, DPI_F__http_head, work, 3000));
    assert_true(md_usable(&md) >= 3000);
    assert_true(dpi_md_set(&md, DPI_F__http_head, "abc", 3));
    assert_int_equal(md.len, 18);
    assert_int_equal(dpi_md_allocated(&md), 24);
    assert_true(md_usable(&md) <= 24 + 16);
    assert_string_equal(dpi_md_get(&md, DPI_F__http_head, NULL), "abc");
    assert_string_equal(dpi_md_get(&md, DPI_F_http_host, NULL), "a.example");

    /* 18 + 11 = 29 bytes (40) with an 8-byte number; 18 + 7 = 25 (40)
     * with the 4-byte form; removing the text record leaves 12 + 7 = 19
     * (24). */
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, big));
    assert_int_equal(dpi_md_allocated(&md), 40);
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, 1));
    assert_int_equal(md.len, 25);
    dpi_md_remove(&md, DPI_F__http_head);
    assert_int_equal(md.len, 19);
    assert_int_equal(dpi_md_allocated(&md), 24);
    assert_true(md_usable(&md) <= 24 + 16);
    dpi_md_destroy(&md);

    /* A number's shorter form crosses a step: 14 + 11 = 25 bytes (40)
     * become 14 + 7 = 21 (24). */
    dpi_md_init(&md, 65536);
    assert_true(dpi_md_add_cstr(&md, DPI_F_http_host, "abc.example"));
    assert_true(dpi_md_set(&md, DPI_F__http_head, work, 3000));
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, big));
    dpi_md_remove(&md, DPI_F__http_head);
    assert_int_equal(md.len, 25);
    assert_int_equal(dpi_md_allocated(&md), 40);
    assert_true(md_usable(&md) <= 40 + 16);
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, 1));
    assert_int_equal(md.len, 21);
    assert_int_equal(dpi_md_allocated(&md), 24);
    assert_true(md_usable(&md) <= 24 + 16);
#ifdef __SANITIZE_ADDRESS__
    /* glibc does not split off the 16 bytes (less than its smallest
     * chunk), so only AddressSanitizer's allocator, which reports the size
     * asked for, shows this shrink. */
    assert_int_equal(md_usable(&md), 24);
#endif
    assert_string_equal(dpi_md_get(&md, DPI_F_http_host, NULL),
                        "abc.example");
    dpi_md_destroy(&md);
    free(work);
}

/* Asserts that text field 'f' of 'md' has first value the 'len' bytes at
 * 'want', NUL-terminated. */
static void
assert_md_value(const struct dpi_md *md, enum dpi_field f, const char *want,
                size_t len)
{
    size_t got_len = 0;
    const char *v = dpi_md_get(md, f, &got_len);

    assert_non_null(v);
    assert_int_equal(got_len, len);
    assert_memory_equal(v, want, len);
    assert_int_equal(v[len], '\0');
}

/* dpi_md_set() leaves its record last whether it rewrites the value in
 * place (same length, already last) or moves it: the records read back in
 * the order of their latest setting, and only one value remains. */
static void
test_md_set_goes_last(void **state)
{
    static const enum dpi_field want[] = {
        DPI_F_http_host, DPI_F_rtt_us, DPI_F__http_head,
    };
    struct dpi_md_value v;
    struct dpi_md md;
    uint32_t pos = 0, len;
    char big[300];
    size_t i = 0;

    (void) state;
    dpi_md_init(&md, 65536);
    assert_true(dpi_md_set(&md, DPI_F__http_head, "abcd", 4));
    assert_true(dpi_md_add_cstr(&md, DPI_F_http_host, "a.example"));
    assert_true(dpi_md_set(&md, DPI_F__http_head, "efgh", 4));
    assert_true(dpi_md_set_u64(&md, DPI_F_rtt_us, 7));
    assert_true(dpi_md_set(&md, DPI_F__http_head, "ijkl", 4));
    assert_true(dpi_md_set(&md, DPI_F__http_head, "mnop", 4));
    while (dpi_md_next(&md, &pos, &v)) {
        assert_true(i < sizeof want / sizeof want[0]);
        assert_int_equal(v.field, want[i++]);
    }
    assert_int_equal(i, 3);
    assert_int_equal(dpi_md_count(&md, DPI_F__http_head), 1);
    assert_string_equal(dpi_md_get(&md, DPI_F__http_head, NULL), "mnop");

    /* A value of 255 bytes or more (the 3-byte length form), rewritten. */
    memset(big, 'a', sizeof big);
    assert_true(dpi_md_set(&md, DPI_F__http_head, big, sizeof big));
    len = md.len;
    memset(big, 'b', sizeof big);
    assert_true(dpi_md_set(&md, DPI_F__http_head, big, sizeof big));
    assert_int_equal(md.len, len);
    assert_md_value(&md, DPI_F__http_head, big, sizeof big);
    assert_int_equal(dpi_md_count(&md, DPI_F__http_head), 1);
    dpi_md_destroy(&md);
}

/* A record's length takes 1 byte below 255 and 3 bytes from 255 on; values
 * of either length form read back whole, also after a removal moves them,
 * and a value longer than DPI_MD_VALUE_MAX is cut to it. */
static void
test_md_length_forms(void **state)
{
    size_t n = DPI_MD_VALUE_MAX + 10;
    char *big = malloc(n);
    struct dpi_md md;
    uint64_t x = 0;

    (void) state;
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) {
        big[i] = (char) ('a' + i % 26);
    }
    dpi_md_init(&md, UINT32_MAX);
    assert_true(dpi_md_add(&md, DPI_F_http_uri, big, 254));
    assert_int_equal(md.len, 2 + 254 + 1);
    assert_true(dpi_md_add(&md, DPI_F_http_host, big + 1, 255));
    assert_int_equal(md.len, 257 + 4 + 255 + 1);
    assert_true(dpi_md_set_u64(&md, DPI_F_art_us, 7));
    assert_int_equal(md.len, 517 + 2 + 4 + 1);
    assert_true(dpi_md_add(&md, DPI_F_http_user_agent, big + 2, n - 2));
    assert_int_equal(md.len, 524 + 4 + DPI_MD_VALUE_MAX + 1);

    assert_md_value(&md, DPI_F_http_uri, big, 254);
    assert_md_value(&md, DPI_F_http_host, big + 1, 255);
    dpi_md_remove(&md, DPI_F_http_uri);
    assert_null(dpi_md_get(&md, DPI_F_http_uri, NULL));
    assert_md_value(&md, DPI_F_http_host, big + 1, 255);
    assert_true(dpi_md_get_u64(&md, DPI_F_art_us, &x));
    assert_int_equal(x, 7);
    assert_md_value(&md, DPI_F_http_user_agent, big + 2, DPI_MD_VALUE_MAX);
    assert_true(dpi_md_add(&md, DPI_F_http_host, big + 1, 255));
    assert_int_equal(dpi_md_count(&md, DPI_F_http_host), 1);
    assert_int_equal(md_n_records(&md), 3);
    dpi_md_destroy(&md);
    free(big);
}

/* SSDP is HTTP over UDP: tshark's HTTP dissector gives this M-SEARCH (its
 * Host and User-Agent as in anyconnect-vpn.pcap) http.request.uri "*",
 * http.host "239.255.255.250:1900" and http.user_agent "Google
 * Chrome/77.0.3865.90 Mac OS X", and the NOTIFY http.host
 * "[FF02::C]:1900" as written (checked with tshark on these datagrams,
 * built with scapy). */
static void
test_ssdp_fields_match_tshark(void **state)
{
    static const char msearch[] =
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
        "MAN: \"ssdp:discover\"\r\nMX: 1\r\n"
        "ST: urn:dial-multiscreen-org:service:dial:1\r\n"
        "USER-AGENT: Google Chrome/77.0.3865.90 Mac OS X\r\n\r\n";
    static const char notify[] =
        "NOTIFY * HTTP/1.1\r\nHOST: [FF02::C]:1900\r\n"
        "NT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n\r\n";
    static const char response[] =
        "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n";
    struct dpi_proto_ctx udp = { .to_server = true, .server_port = 1900 };
    struct dpi_proto_ctx tcp = { .to_server = true, .is_tcp = true };
    size_t len = strlen(msearch), i;
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, UINT32_MAX);
    assert_int_equal(dpi_ssdp_parse(&udp, (const uint8_t *) msearch, len,
                                    &md), DPI_PROTO_YES);
    assert_true(md_has(&md, DPI_F_http_uri, "*"));
    assert_true(md_has(&md, DPI_F_http_method, "M-SEARCH"));
    assert_true(md_has(&md, DPI_F_http_host, "239.255.255.250:1900"));
    assert_true(md_has(&md, DPI_F_http_user_agent,
                       "Google Chrome/77.0.3865.90 Mac OS X"));
    assert_int_equal(dpi_ssdp_parse(&udp, (const uint8_t *) notify,
                                    strlen(notify), &md), DPI_PROTO_YES);
    assert_true(md_has(&md, DPI_F_http_host, "[FF02::C]:1900"));
    assert_int_equal(dpi_ssdp_parse(&udp, (const uint8_t *) response,
                                    strlen(response), &md), DPI_PROTO_YES);
    assert_int_equal(dpi_ssdp_parse(&tcp, (const uint8_t *) msearch, len,
                                    &md), DPI_PROTO_NO);
    dpi_md_destroy(&md);

    /* tshark reads no HTTP fields off port 1900 (ssdp-m-search.pcap's
     * M-SEARCH to port 32412 has none in its oracle). */
    udp.server_port = 32412;
    dpi_md_init(&md, UINT32_MAX);
    assert_int_equal(dpi_ssdp_parse(&udp, (const uint8_t *) msearch, len,
                                    &md), DPI_PROTO_YES);
    assert_int_equal(dpi_md_count(&md, DPI_F_http_uri), 0);
    udp.server_port = 1900;
    assert_int_equal(dpi_ssdp_parse(&udp, (const uint8_t *) "\x16\x03\x01",
                                    3, &md), DPI_PROTO_NO);
    dpi_md_destroy(&md);

    /* A datagram cut short: NO while the request line is incomplete, and
     * only complete header lines are read. */
    for (i = 0; i < len; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        enum dpi_proto_result r;

        assert_non_null(copy);
        memcpy(copy, msearch, i);
        dpi_md_init(&md, UINT32_MAX);
        r = dpi_ssdp_parse(&udp, copy, i, &md);
        assert_int_equal(r, i < 21 ? DPI_PROTO_NO : DPI_PROTO_YES);
        if (i < 49) {
            assert_int_equal(dpi_md_count(&md, DPI_F_http_host), 0);
        } else {
            assert_true(md_has(&md, DPI_F_http_host,
                               "239.255.255.250:1900"));
        }
        dpi_md_destroy(&md);
        free(copy);
    }
}

/* After a SOCKS handshake the tunnelled HTTP request's metadata is read
 * (tshark dissects it: socks.pcap's oracle has http.host
 * "www.example.com" and http.request.uri "/" there); the handshake
 * replies are not HTTP. */
static void
test_socks_follow_reads_tunnelled_http(void **state)
{
    static const char req[] =
        "GET / HTTP/1.1\r\nUser-Agent: curl/7.24.0\r\n"
        "Host: www.example.com\r\nAccept: */*\r\n\r\n";
    struct dpi_md md;

    (void) state;
    dpi_md_init(&md, UINT32_MAX);
    assert_int_equal(follow_segment(dpi_socks_parse, "\x05\x01\x00\x03", 4,
                                    1, &md), DPI_PROTO_NO);
    assert_int_equal(follow_segment(dpi_socks_parse, req, strlen(req), 5,
                                    &md), DPI_PROTO_YES);
    assert_true(md_has(&md, DPI_F_http_host, "www.example.com"));
    assert_true(md_has(&md, DPI_F_http_uri, "/"));
    assert_true(md_has(&md, DPI_F_http_user_agent, "curl/7.24.0"));
    dpi_md_destroy(&md);
}

/* A CONNECT tunnel that carries TLS: after the verdict (http_connect) the
 * client's ClientHello gives tls_sni, as tshark reports it for the
 * tunnel of http_connect.pcap (tls_sni "apache.org"); without CONNECT the
 * same bytes are not read. */
static void
test_http_connect_tunnel_client_hello(void **state)
{
    static const char req[] =
        "CONNECT apache.org:443 HTTP/1.1\r\nHost: apache.org:443\r\n\r\n";
    uint8_t hs[1024], stream[1200];
    size_t n = build_records(stream, hs,
                             build_client_hello(hs, "apache.org", 10),
                             16384);
    struct test_md tmd;
    struct dpi_md md;

    (void) state;
    memset(&tmd, 0, sizeof tmd);
    assert_int_equal(parse_exact(t_http_parse, (const uint8_t *) req,
                                 strlen(req), true, &tmd), DPI_PROTO_YES);
    assert_string_equal(tmd.http_host, "apache.org:443");

    dpi_md_init(&md, UINT32_MAX);
    dpi_md_set_u64(&md, DPI_F__proto, DPI_APP_http_connect);
    assert_int_equal(follow_segment(dpi_http_parse, (const char *) stream,
                                    n, 100, &md), DPI_PROTO_YES);
    assert_string_equal(dpi_md_get(&md, DPI_F_tls_sni, NULL), "apache.org");
    dpi_md_destroy(&md);

    dpi_md_init(&md, UINT32_MAX);
    assert_int_equal(follow_segment(dpi_http_parse, (const char *) stream,
                                    n, 100, &md), DPI_PROTO_NO);
    assert_null(dpi_md_get(&md, DPI_F_tls_sni, NULL));
    dpi_md_destroy(&md);
}

/* A DNS query over TCP is MORE at every length short of its question;
 * over UDP the same truncated datagrams are NO. */
static void
test_dns_truncated_at_every_length(void **state)
{
    static const uint8_t query[] = {
        0x00, 0x1d,                             /* TCP length prefix. */
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
        0x00, 0x01, 0x00, 0x01,
    };
    struct test_md md;
    size_t i;

    (void) state;
    for (i = 0; i < sizeof query; i++) {
        memset(&md, 0, sizeof md);
        assert_int_equal(parse_exact(t_dns_parse, query, i, true, &md),
                         DPI_PROTO_MORE);
        if (i >= 2) {
            assert_int_equal(parse_exact(t_dns_parse, query + 2, i - 2,
                                         false, &md), DPI_PROTO_NO);
        }
        assert_string_equal(md.dns_qname, "");
    }
    assert_int_equal(parse_exact(t_dns_parse, query, sizeof query, true,
                                 &md), DPI_PROTO_YES);
    assert_string_equal(md.dns_qname, "www.example");
    memset(&md, 0, sizeof md);
    assert_int_equal(parse_exact(t_dns_parse, query + 2, sizeof query - 2,
                                 false, &md), DPI_PROTO_YES);
    assert_string_equal(md.dns_qname, "www.example");
}

/* Compression pointers that loop, point forward or point at themselves
 * are NO, and so are names longer than 255 bytes and reserved label
 * types. */
static void
test_dns_compression_loops_are_no(void **state)
{
    static const uint8_t header[12] = {
        0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t names[][8] = {
        { 1, 'a', 0xc0, 12, 0, 1, 0, 1 },       /* Loop to its own start. */
        { 0xc0, 12, 0, 1, 0, 1 },               /* Points at itself. */
        { 0xc0, 16, 0, 1, 1, 'a', 0 },          /* Points forward. */
        { 1, 'a', 0xc0, 5, 0, 1, 0, 1 },        /* Into the header. */
        { 0x41, 'a', 0, 0, 1, 0, 1 },           /* Label type 01. */
        { 0x81, 'a', 0, 0, 1, 0, 1 },           /* Label type 10. */
    };
    uint8_t msg[400];
    struct test_md md;
    size_t i, n;

    (void) state;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        memcpy(msg, header, sizeof header);
        memcpy(msg + 12, names[i], sizeof names[i]);
        assert_int_equal(parse_exact(t_dns_parse, msg, 12 + sizeof names[i],
                                     false, &md), DPI_PROTO_NO);
    }

    /* 5 labels of 63 bytes: 320 bytes of name. */
    memcpy(msg, header, sizeof header);
    n = 12;
    for (i = 0; i < 4; i++) {
        msg[n++] = 63;
        memset(msg + n, 'q', 63);
        n += 63;
    }
    msg[n++] = 40;
    memset(msg + n, 'q', 40);
    n += 40;
    msg[n++] = 0;
    put16(msg, &n, 1);
    put16(msg, &n, 1);
    assert_int_equal(parse_exact(t_dns_parse, msg, n, false, &md),
                     DPI_PROTO_NO);
}

/* The root name and escaped bytes come out as tshark writes them. */
static void
test_dns_root_and_escapes(void **state)
{
    static const uint8_t root[] = {
        0, 1, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1,
    };
    static const uint8_t odd[] = {
        0, 1, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
        6, 'a', '\t', 1, 0x7f, 0xc3, 0xa9, 2, 'x', 0xff, 0, 0, 1, 0, 1,
    };
    struct test_md md;

    (void) state;
    assert_int_equal(parse_exact(t_dns_parse, root, sizeof root, false,
                                 &md), DPI_PROTO_YES);
    assert_string_equal(md.dns_qname, "<Root>");
    assert_int_equal(parse_exact(t_dns_parse, odd, sizeof odd, false,
                                 &md), DPI_PROTO_YES);
    assert_string_equal(md.dns_qname,
                        "a\\t\\001\\177\xc3\xa9.x\xef\xbf\xbd");
}

/* An SSH identification string is MORE at every length short of its LF;
 * one with no LF within 255 bytes, or with control characters, is NO. */
static void
test_ssh_banner_truncated_and_overlong(void **state)
{
    static const char banner[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
    struct test_md md;
    char long_line[300];
    size_t i;

    (void) state;
    for (i = 0; i < strlen(banner); i++) {
        memset(&md, 0, sizeof md);
        assert_int_equal(parse_exact(t_ssh_parse, (const uint8_t *) banner,
                                     i, true, &md), DPI_PROTO_MORE);
    }
    assert_int_equal(parse_exact(t_ssh_parse, (const uint8_t *) banner,
                                 strlen(banner), false, &md), DPI_PROTO_YES);
    assert_string_equal(md.ssh_server, "SSH-2.0-OpenSSH_9.2p1 Debian-2");

    memcpy(long_line, "SSH-2.0-", 8);
    memset(long_line + 8, 'x', sizeof long_line - 8);
    assert_int_equal(parse_exact(t_ssh_parse, (const uint8_t *) long_line,
                                 sizeof long_line, true, &md), DPI_PROTO_NO);
    assert_int_equal(parse_exact(t_ssh_parse,
                                 (const uint8_t *) "SSH-2.0-a\x01\r\n", 12,
                                 true, &md), DPI_PROTO_NO);
    assert_int_equal(parse_exact(t_ssh_parse,
                                 (const uint8_t *) "SSH-x.0-a\r\n", 11,
                                 true, &md), DPI_PROTO_NO);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_request_fields_match_tshark),
        cmocka_unit_test(test_tls_client_hello_sni_matches_tshark),
        cmocka_unit_test(test_tls_server_hello_recognised),
        cmocka_unit_test(test_dns_udp_query_names_match_tshark),
        cmocka_unit_test(test_dns_tcp_query_names_match_tshark),
        cmocka_unit_test(test_ssh_banners_match_tshark),
        cmocka_unit_test(
            test_tls_client_hello_truncated_at_every_length_is_more),
        cmocka_unit_test(test_tls_lying_lengths_are_no),
        cmocka_unit_test(test_tls_long_server_name_is_truncated),
        cmocka_unit_test(test_tls_sslv2_compatible_client_hello),
        cmocka_unit_test(test_http_request_truncated_at_every_length_is_more),
        cmocka_unit_test(test_http_garbage_is_no),
        cmocka_unit_test(test_http_follow_request_split_at_every_byte),
        cmocka_unit_test(test_http_follow_retransmission_and_gap),
        cmocka_unit_test(test_http_follow_overlong_head_given_up),
        cmocka_unit_test(test_md_number_forms_and_sizes),
        cmocka_unit_test(test_md_shrinks_after_removal),
        cmocka_unit_test(test_md_set_goes_last),
        cmocka_unit_test(test_md_length_forms),
        cmocka_unit_test(test_ssdp_fields_match_tshark),
        cmocka_unit_test(test_socks_follow_reads_tunnelled_http),
        cmocka_unit_test(test_http_connect_tunnel_client_hello),
        cmocka_unit_test(test_dns_truncated_at_every_length),
        cmocka_unit_test(test_dns_compression_loops_are_no),
        cmocka_unit_test(test_dns_root_and_escapes),
        cmocka_unit_test(test_ssh_banner_truncated_and_overlong),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
