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

/* Tests of dpi_classify_packet() (lib/dpi-classify.c) with the built-in
 * signatures: whole corpus captures compared with the oracle (nDPI's label
 * for the protocol and service, tshark's fields for the metadata), and
 * hand-made segment sequences for reassembly and final verdicts. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dpi-classify.h"
#include "sigdb-fixture.h"
#include "dpi-proto.h"
#include "md-shim.h"
#include "pcap-util.h"

/* One connection under test. */
struct conn {
    struct dpi_inspect *in;     /* Inspection state, NULL once final. */
    struct dpi_md dmd;          /* Metadata. */
    struct test_md md;          /* First values of 'dmd'. */
    struct dpi_verdict v;       /* Verdict. */
    struct dpi_key client;      /* Client-to-server key. */
    bool final;                 /* dpi_classify_packet() returned true. */
    unsigned int n_payload;     /* Payload packets fed. */
};

/* Feeds 'pkt' to 'c', as the engine would within a window of
 * DPI_DEFAULT_INSPECT_PACKETS payload packets. */
static void
feed(struct sigdb_fixture *f, struct conn *c, const struct dpi_pkt *pkt,
     bool to_server)
{
    if (c->final || !pkt->payload_len
        || c->n_payload >= DPI_DEFAULT_INSPECT_PACKETS) {
        return;
    }
    if (!c->in) {
        c->in = dpi_inspect_create(0);
        assert_non_null(c->in);
    }
    if (!c->dmd.max) {
        dpi_md_init(&c->dmd, UINT32_MAX);
    }
    c->n_payload++;
    c->final = dpi_classify_packet(f->db, f->scratch, c->in, pkt, to_server,
                                   &c->client, 0, &c->dmd, &c->v);
    test_md_fill(&c->md, &c->dmd);
    if (c->final) {
        dpi_inspect_destroy(c->in);
        dpi_md_destroy(&c->dmd);
        c->in = NULL;
    }
}

/* Returns the key of 'pkt' turned to the client-to-server direction. */
static struct dpi_key
client_key(const struct dpi_pkt *pkt, bool to_server)
{
    struct dpi_key k = pkt->key;

    if (!to_server) {
        k.src = pkt->key.dst;
        k.dst = pkt->key.src;
        k.sport = pkt->key.dport;
        k.dport = pkt->key.sport;
    }
    return k;
}

/* --- Corpus -------------------------------------------------------------- */

/* Counts of the corpus comparison. */
struct tally {
    int proto_checked, proto_agree;     /* nDPI master label vs app_proto. */
    int service_checked, service_agree; /* nDPI service vs app_id. */
    int service_other;                  /* We name a service nDPI does not. */
    int md_checked, md_agree;           /* Metadata vs tshark. */
    int final_checked, final_agree;     /* Final where metadata exists. */
};

/* Maps an nDPI label part to our application name, or NULL. */
static const char *
ndpi_to_ours(const char *label)
{
    static const char *const map[][2] = {
        { "HTTP", "http" }, { "TLS", "tls" }, { "DNS", "dns" },
        { "SSH", "ssh" }, { "QUIC", "quic" }, { "Google", "google" },
        { "YouTube", "youtube" }, { "Facebook", "facebook" },
        { "NetFlix", "netflix" }, { "Instagram", "instagram" },
    };
    size_t i;

    for (i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!strcmp(label, map[i][0])) {
            return map[i][1];
        }
    }
    return NULL;
}

/* Compares the metadata field 'got' of a flow identified as 'proto' with
 * the oracle's 'column'. */
static void
check_md(struct tally *t, const struct pu_oracle *o, const struct pu_row *r,
         const char *column, const char *got, size_t size, const char *file,
         size_t flow)
{
    char want[TEST_MD_LEN];

    if (size > sizeof want) {
        size = sizeof want;
    }
    pu_cell_first(o, r, column, want, size);
    if (!want[0] && !got[0]) {
        return;
    }
    t->md_checked++;
    if (!strcmp(want, got)) {
        t->md_agree++;
    } else {
        print_message("%s flow %zu: %s \"%s\", tshark \"%s\"\n", file,
                      flow + 1, column, got, want);
    }
}

/* Classifies every flow of capture 'name' and compares with its oracle. */
static void
check_capture(struct sigdb_fixture *f, const char *name, struct tally *t)
{
    struct pu_capture cap;
    struct pu_oracle o;
    struct conn *conns;
    char *pcap, tsv_name[256], *tsv;
    size_t i, j;

    pcap = pu_corpus_path("pcap", name);
    snprintf(tsv_name, sizeof tsv_name, "%s.tsv", name);
    tsv = pu_corpus_path("oracle", tsv_name);
    assert_true(pu_capture_load(pcap, &cap));
    assert_true(pu_oracle_load(tsv, &o));
    free(pcap);
    free(tsv);

    conns = calloc(o.n_rows ? o.n_rows : 1, sizeof *conns);
    assert_non_null(conns);
    for (i = 0; i < cap.n; i++) {
        const struct dpi_pkt *pkt = &cap.pkts[i].pkt;

        if (!cap.pkts[i].ok) {
            continue;
        }
        for (j = 0; j < o.n_rows; j++) {
            int dir = pu_match(&o, &o.rows[j], pkt);

            if (dir >= 0) {
                if (!conns[j].in && !conns[j].final) {
                    conns[j].client = client_key(pkt, dir);
                }
                feed(f, &conns[j], pkt, dir);
                break;
            }
        }
    }

    for (j = 0; j < o.n_rows; j++) {
        const struct pu_row *r = &o.rows[j];
        struct conn *c = &conns[j];
        char label[128], *dot;
        const char *master, *service, *ours;

        snprintf(label, sizeof label, "%s", pu_cell(&o, r, "ndpi_app"));
        dot = strchr(label, '.');
        if (dot) {
            *dot = '\0';
        }
        master = ndpi_to_ours(label);
        service = dot ? ndpi_to_ours(dot + 1) : NULL;
        if (pu_cell(&o, r, "encap")[0] || !label[0]
            || (!strcmp(pu_cell(&o, r, "proto"), "tcp")
                && strcmp(pu_cell(&o, r, "dir"), "syn"))) {
            /* Tunnelled, unknown to nDPI, or a TCP connection caught
             * midway, which nDPI labels from its port. */
            goto next;
        }

        if (master) {
            t->proto_checked++;
            ours = c->v.app_proto ? dpi_app_name(c->v.app_proto) : "unknown";
            if (!strcmp(ours, master)) {
                t->proto_agree++;
            } else {
                print_message("%s flow %zu: app_proto %s, nDPI %s\n", name,
                              j + 1, ours, pu_cell(&o, r, "ndpi_app"));
            }
        }
        if (service && master && strcmp(master, "quic")) {
            t->service_checked++;
            ours = c->v.app_id ? dpi_app_name(c->v.app_id) : "unknown";
            if (!strcmp(ours, service)) {
                t->service_agree++;
            } else {
                print_message("%s flow %zu: app_id %s, nDPI %s (host %s)\n",
                              name, j + 1, ours, pu_cell(&o, r, "ndpi_app"),
                              pu_cell(&o, r, "ndpi_host"));
            }
        } else if (c->v.app_id >= DPI_APP_FIRST_SERVICE) {
            t->service_other++;
            print_message("%s flow %zu: app_id %s where nDPI says %s "
                          "(host %s)\n", name, j + 1,
                          dpi_app_name(c->v.app_id),
                          pu_cell(&o, r, "ndpi_app"),
                          pu_cell(&o, r, "ndpi_host"));
        }

        switch (c->v.app_proto) {
        case DPI_APP_http:
            check_md(t, &o, r, "http_host", c->md.http_host,
                     sizeof c->md.http_host, name, j);
            check_md(t, &o, r, "http_uri", c->md.http_uri,
                     sizeof c->md.http_uri, name, j);
            break;
        case DPI_APP_tls:
            check_md(t, &o, r, "tls_sni", c->md.tls_sni,
                     sizeof c->md.tls_sni, name, j);
            break;
        case DPI_APP_dns:
            check_md(t, &o, r, "dns_qname", c->md.dns_qname,
                     sizeof c->md.dns_qname, name, j);
            break;
        }
        if (c->v.app_proto == DPI_APP_tls && pu_cell(&o, r, "tls_sni")[0]) {
            t->final_checked++;
            t->final_agree += c->final;
            if (!c->final) {
                print_message("%s flow %zu: TLS with SNI but not final\n",
                              name, j + 1);
            }
        }
    next:
        dpi_inspect_destroy(c->in);
        dpi_md_destroy(&c->dmd);
    }
    free(conns);
    pu_oracle_destroy(&o);
    pu_capture_destroy(&cap);
}

/* Captures of HTTP, TLS, DNS, SSH and QUIC traffic, with YouTube, Google,
 * Facebook, Netflix and Instagram among the services. */
static const char *const corpus_pcaps[] = {
    "http.pcapng", "http-lines-split.pcap",
    "http_ua_splitted_in_two_pkts.pcapng", "http_auth.pcap",
    "exe_download.pcap", "webdav.pcap", "conncheck.pcap", "1kxun.pcap",
    "443-chrome.pcap", "443-curl.pcap", "443-firefox.pcap", "chrome.pcap",
    "safari.pcap", "tls_with_huge_ch.pcapng", "tls_2_reasms.pcapng",
    "tls_port_80.pcapng", "no_sni.pcap",
    "tls_1.2_unidirectional_client.pcapng",
    "dns.pcap", "dns-google-nsid.pcapng", "dns_ambiguous_names.pcap",
    "ssh.pcap", "facebook.pcap", "netflix.pcap", "instagram.pcap",
    "reddit.pcap", "android.pcap", "iphone.pcap", "youtubeupload.pcap",
    "quic.pcap", "youtube_quic.pcap", "quic_q46.pcap", "quic-29.pcap",
    "google_ssl.pcap", "alexa-app.pcapng", "teams.pcap",
};

/* Whole captures: the protocol agrees with nDPI's master label, the
 * service with nDPI's application label (except over QUIC, whose server
 * name is encrypted), the metadata with tshark, and a TLS flow with a
 * server name ends with a final verdict.  TCP connections caught midway
 * are left out: nDPI labels them from their port. */
static void
test_corpus_flows_match_oracle(void **state)
{
    struct sigdb_fixture *f = *state;
    struct tally t;
    size_t i;

    memset(&t, 0, sizeof t);
    if (!pu_corpus_dir()) {
        print_message("DPI_CORPUS_DIR unset or not a directory: "
                      "skipping corpus test\n");
        skip();
    }
    for (i = 0; i < sizeof corpus_pcaps / sizeof corpus_pcaps[0]; i++) {
        check_capture(f, corpus_pcaps[i], &t);
    }
    print_message("protocol: %d/%d flows agree with nDPI\n", t.proto_agree,
                  t.proto_checked);
    print_message("service: %d/%d flows agree with nDPI; %d flows get a "
                  "service nDPI does not give\n", t.service_agree,
                  t.service_checked, t.service_other);
    print_message("metadata: %d/%d values agree with tshark\n", t.md_agree,
                  t.md_checked);
    print_message("final: %d/%d TLS flows with SNI\n", t.final_agree,
                  t.final_checked);
    assert_int_equal(t.md_agree, t.md_checked);
    assert_int_equal(t.final_agree, t.final_checked);
    assert_true(t.proto_checked > 300);
    assert_true(t.service_checked > 50);
    assert_true(t.proto_agree * 100 >= t.proto_checked * 97);
    assert_true(t.service_agree * 100 >= t.service_checked * 95);
}

/* --- The project's own captures ----------------------------------------- */

/* Compares 'got' with the first value of 'column' of 'row', truncated to
 * 'size' - 1 bytes; returns true if they agree. */
static bool
same_value(const struct pu_oracle *o, const struct pu_row *row,
           const char *column, const char *got, size_t size)
{
    char want[TEST_MD_LEN];

    pu_cell_first(o, row, column, want, size < sizeof want ? size
                                                            : sizeof want);
    if (strcmp(want, got)) {
        print_message("%s %s:%s: %s \"%s\", tshark \"%s\"\n",
                      pu_cell(o, row, "file"), pu_cell(o, row, "client_ip"),
                      pu_cell(o, row, "client_port"), column, got, want);
        return false;
    }
    return true;
}

/* The captures made by tests/captures/make-captures.sh (curl, openssl
 * s_client, dig, ssh) in $DPI_CAPTURES_DIR, with EXPECTED.tsv written by
 * tshark: every connection gets the expected protocol and metadata. */
static void
test_project_captures_match_tshark(void **state)
{
    struct sigdb_fixture *f = *state;
    const char *dir = getenv("DPI_CAPTURES_DIR");
    char path[1024];
    struct pu_oracle o;
    int checked = 0, agree = 0;
    size_t i, j;

    snprintf(path, sizeof path, "%s/EXPECTED.tsv", dir ? dir : "");
    if (!dir || !pu_oracle_load(path, &o)) {
        print_message("DPI_CAPTURES_DIR unset or without EXPECTED.tsv: "
                      "skipping\n");
        skip();
    }
    for (j = 0; j < o.n_rows; j++) {
        const struct pu_row *r = &o.rows[j];
        struct pu_capture cap;
        struct conn c;
        bool ok;

        memset(&c, 0, sizeof c);
        snprintf(path, sizeof path, "%s/%s", dir, pu_cell(&o, r, "file"));
        assert_true(pu_capture_load(path, &cap));
        for (i = 0; i < cap.n; i++) {
            const struct dpi_pkt *pkt = &cap.pkts[i].pkt;
            int d = cap.pkts[i].ok ? pu_match(&o, r, pkt) : -1;

            if (d >= 0) {
                if (!c.in && !c.final) {
                    c.client = client_key(pkt, d);
                }
                feed(f, &c, pkt, d);
            }
        }
        checked++;
        ok = !strcmp(c.v.app_proto ? dpi_app_name(c.v.app_proto) : "",
                     pu_cell(&o, r, "app_proto"));
        if (!ok) {
            print_message("%s row %zu: app_proto %s, expected %s\n",
                          pu_cell(&o, r, "file"), j + 1,
                          dpi_app_name(c.v.app_proto),
                          pu_cell(&o, r, "app_proto"));
        }
        ok &= same_value(&o, r, "http_method", c.md.http_method,
                         sizeof c.md.http_method);
        ok &= same_value(&o, r, "http_host", c.md.http_host,
                         sizeof c.md.http_host);
        ok &= same_value(&o, r, "http_uri", c.md.http_uri,
                         sizeof c.md.http_uri);
        ok &= same_value(&o, r, "http_user_agent", c.md.http_user_agent,
                         sizeof c.md.http_user_agent);
        ok &= same_value(&o, r, "tls_sni", c.md.tls_sni,
                         sizeof c.md.tls_sni);
        ok &= same_value(&o, r, "dns_qname", c.md.dns_qname,
                         sizeof c.md.dns_qname);
        ok &= same_value(&o, r, "ssh_client_banner", c.md.ssh_client,
                         sizeof c.md.ssh_client);
        ok &= same_value(&o, r, "ssh_server_banner", c.md.ssh_server,
                         sizeof c.md.ssh_server);
        agree += ok;
        dpi_inspect_destroy(c.in);
        dpi_md_destroy(&c.dmd);
        pu_capture_destroy(&cap);
    }
    pu_oracle_destroy(&o);
    print_message("project captures: %d/%d connections agree\n", agree,
                  checked);
    assert_int_equal(agree, checked);
    assert_true(checked > 0);
}

/* --- Hand-made connections ----------------------------------------------- */

/* Fills in a TCP packet of connection 10.0.0.1:40000 -> 10.0.0.2:'port'
 * ('to_server') or back, with 'n' bytes at 'data' at sequence 'seq'. */
static struct dpi_pkt
tcp_pkt(bool to_server, uint16_t port, uint32_t seq, const void *data,
        size_t n)
{
    struct dpi_pkt p;

    memset(&p, 0, sizeof p);
    p.key.src.b[10] = p.key.src.b[11] = 0xff;
    p.key.dst = p.key.src;
    p.key.src.b[15] = to_server ? 1 : 2;
    p.key.dst.b[15] = to_server ? 2 : 1;
    p.key.sport = to_server ? 40000 : port;
    p.key.dport = to_server ? port : 40000;
    p.key.proto = 6;
    p.payload = data;
    p.payload_len = (uint32_t) n;
    p.tcp_seq = seq;
    p.tcp_flags = 0x18;
    return p;
}

/* Builds a TLS stream holding a ClientHello for 'name' (after 'pad' bytes
 * of padding extension) in one record; returns its length. */
static size_t
client_hello(uint8_t *out, const char *name, size_t pad)
{
    size_t nl = strlen(name), n = 0, body, ext;

    out[n++] = 22; out[n++] = 3; out[n++] = 1; n += 2;
    out[n++] = 1; n += 3;
    body = n;
    out[n++] = 3; out[n++] = 3;
    memset(out + n, 7, 32); n += 32;
    out[n++] = 0;
    out[n++] = 0; out[n++] = 2; out[n++] = 0x13; out[n++] = 0x01;
    out[n++] = 1; out[n++] = 0;
    ext = n; n += 2;
    out[n++] = 0; out[n++] = 21;
    out[n++] = (uint8_t) (pad >> 8); out[n++] = (uint8_t) pad;
    memset(out + n, 0, pad); n += pad;
    out[n++] = 0; out[n++] = 0;
    out[n++] = 0; out[n++] = (uint8_t) (nl + 5);
    out[n++] = 0; out[n++] = (uint8_t) (nl + 3);
    out[n++] = 0;
    out[n++] = 0; out[n++] = (uint8_t) nl;
    memcpy(out + n, name, nl); n += nl;
    out[ext] = (uint8_t) ((n - ext - 2) >> 8);
    out[ext + 1] = (uint8_t) (n - ext - 2);
    out[body - 3] = (uint8_t) ((n - body) >> 16);
    out[body - 2] = (uint8_t) ((n - body) >> 8);
    out[body - 1] = (uint8_t) (n - body);
    out[3] = (uint8_t) ((n - 5) >> 8);
    out[4] = (uint8_t) (n - 5);
    return n;
}

/* Starts a connection to 'port'. */
static void
conn_init(struct conn *c, uint16_t port)
{
    struct dpi_pkt p = tcp_pkt(true, port, 0, NULL, 0);

    memset(c, 0, sizeof *c);
    c->client = p.key;
}

/* A ClientHello in three segments that arrive first, last, middle is
 * reassembled once the gap is filled: TLS, the SNI's service, final. */
static void
test_client_hello_segments_with_gap(void **state)
{
    struct sigdb_fixture *f = *state;
    uint8_t ch[2048];
    size_t n = client_hello(ch, "i.ytimg.com", 600);
    struct dpi_pkt p;
    struct conn c;

    conn_init(&c, 443);
    p = tcp_pkt(true, 443, 1000, ch, 200);
    feed(f, &c, &p, true);
    assert_false(c.final);
    p = tcp_pkt(true, 443, 1000 + 500, ch + 500, n - 500);
    feed(f, &c, &p, true);
    assert_false(c.final);
    p = tcp_pkt(true, 443, 1000 + 200, ch + 200, 300);
    feed(f, &c, &p, true);
    assert_true(c.final);
    assert_int_equal(c.v.app_proto, DPI_APP_tls);
    assert_int_equal(c.v.app_id, DPI_APP_youtube);
    assert_string_equal(c.md.tls_sni, "i.ytimg.com");
}

/* When a short later segment arrives before the first one, the stream
 * start moves back to the first one and the ClientHello is still
 * found. */
static void
test_first_segment_arriving_late(void **state)
{
    struct sigdb_fixture *f = *state;
    uint8_t ch[2048];
    size_t n = client_hello(ch, "www.facebook.com", 300);
    struct dpi_pkt p;
    struct conn c;

    conn_init(&c, 443);
    p = tcp_pkt(true, 443, 0xfffffff0 + 200, ch + 200, 40);
    feed(f, &c, &p, true);
    assert_false(c.final);
    p = tcp_pkt(true, 443, 0xfffffff0, ch, 200);
    feed(f, &c, &p, true);
    assert_false(c.final);
    p = tcp_pkt(true, 443, 0xfffffff0 + 240, ch + 240, n - 240);
    feed(f, &c, &p, true);
    assert_true(c.final);
    assert_int_equal(c.v.app_id, DPI_APP_facebook);
    assert_string_equal(c.md.tls_sni, "www.facebook.com");
}

/* Retransmitted and overlapping segments keep the bytes seen first, and a
 * duplicate does not change anything. */
static void
test_overlapping_segments_keep_first_bytes(void **state)
{
    static const char req[] = "GET /a HTTP/1.1\r\nHost: www.netflix.com\r\n"
                              "\r\n";
    static const char junk[] = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
    struct sigdb_fixture *f = *state;
    struct dpi_pkt p;
    struct conn c;

    conn_init(&c, 80);
    p = tcp_pkt(true, 80, 5, req, 20);
    feed(f, &c, &p, true);
    p = tcp_pkt(true, 80, 5, req, 20);
    feed(f, &c, &p, true);
    p = tcp_pkt(true, 80, 5 + 10, junk, 10);        /* Inside 10-20. */
    feed(f, &c, &p, true);
    p = tcp_pkt(true, 80, 5 + 30, req + 30, 5);     /* After a gap. */
    feed(f, &c, &p, true);
    p = tcp_pkt(true, 80, 5 + 32, junk, 3);         /* Inside 30-35. */
    feed(f, &c, &p, true);
    assert_false(c.final);
    p = tcp_pkt(true, 80, 5 + 15, req + 15, strlen(req) - 15);
    feed(f, &c, &p, true);
    assert_true(c.final);
    assert_int_equal(c.v.app_id, DPI_APP_netflix);
    assert_string_equal(c.md.http_uri, "/a");
    assert_string_equal(c.md.http_host, "www.netflix.com");
}

/* SSH is final only once both identification strings are seen. */
static void
test_ssh_final_after_both_banners(void **state)
{
    static const char s[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
    static const char cl[] = "SSH-2.0-OpenSSH_9.6\r\n";
    struct sigdb_fixture *f = *state;
    struct dpi_pkt p;
    struct conn c;

    conn_init(&c, 2222);
    p = tcp_pkt(false, 2222, 77, s, strlen(s));
    feed(f, &c, &p, false);
    assert_false(c.final);
    assert_int_equal(c.v.app_id, DPI_APP_ssh);
    p = tcp_pkt(true, 2222, 9, cl, 10);
    feed(f, &c, &p, true);
    assert_false(c.final);
    p = tcp_pkt(true, 2222, 19, cl + 10, strlen(cl) - 10);
    feed(f, &c, &p, true);
    assert_true(c.final);
    assert_string_equal(c.md.ssh_server, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
    assert_string_equal(c.md.ssh_client, "SSH-2.0-OpenSSH_9.6");
}

/* A DNS query over UDP is final at once, with its service. */
static void
test_dns_query_final_with_service(void **state)
{
    static const uint8_t q[] = {
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
        3, 'w', 'w', 'w', 8, 'f', 'a', 'c', 'e', 'b', 'o', 'o', 'k',
        3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
    };
    struct sigdb_fixture *f = *state;
    struct dpi_pkt p = tcp_pkt(true, 53, 0, q, sizeof q);
    struct conn c;

    p.key.proto = 17;
    memset(&c, 0, sizeof c);
    c.client = p.key;
    feed(f, &c, &p, true);
    assert_true(c.final);
    assert_int_equal(c.v.app_proto, DPI_APP_dns);
    assert_int_equal(c.v.app_id, DPI_APP_facebook);
    assert_string_equal(c.md.dns_qname, "www.facebook.com");
}

/* An mDNS flow: the DNS parser refines dns to mdns, which has no parser of
 * its own; the DNS parser still follows the flow, so the question of a
 * later datagram is read too.  tshark prints dns.qry.name "host-a.local"
 * and "_googlecast._tcp.local" for these two datagrams (built with
 * scapy). */
static void
test_mdns_followed_after_refinement(void **state)
{
    static const uint8_t q1[] = {
        0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
        6, 'h', 'o', 's', 't', '-', 'a', 5, 'l', 'o', 'c', 'a', 'l', 0,
        0, 1, 0, 1,
    };
    static const uint8_t q2[] = {
        0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
        11, '_', 'g', 'o', 'o', 'g', 'l', 'e', 'c', 'a', 's', 't',
        4, '_', 't', 'c', 'p', 5, 'l', 'o', 'c', 'a', 'l', 0, 0, 12, 0, 1,
    };
    struct sigdb_fixture *f = *state;
    struct dpi_pkt p1 = tcp_pkt(true, 5353, 0, q1, sizeof q1);
    struct dpi_pkt p2 = tcp_pkt(true, 5353, 0, q2, sizeof q2);
    struct dpi_inspect *in = dpi_inspect_create(0);
    struct dpi_verdict v;
    struct dpi_key client;
    struct dpi_md md;

    assert_non_null(in);
    p1.key.proto = p2.key.proto = 17;
    p1.key.sport = p2.key.sport = 5353;
    client = p1.key;
    memset(&v, 0, sizeof v);
    dpi_md_init(&md, UINT32_MAX);
    assert_true(dpi_classify_packet(f->db, f->scratch, in, &p1, true,
                                    &client, 0, &md, &v));
    assert_int_equal(v.app_proto, DPI_APP_mdns);
    dpi_classify_follow(v.app_proto, &p2, true, &client, 0, &md);
    assert_int_equal(dpi_md_count(&md, DPI_F_dns_qname), 2);
    assert_string_equal(dpi_md_get(&md, DPI_F_dns_qname, NULL),
                        "host-a.local");
    dpi_md_remove(&md, DPI_F_dns_qname);
    dpi_classify_follow(v.app_proto, &p2, true, &client, 0, &md);
    assert_string_equal(dpi_md_get(&md, DPI_F_dns_qname, NULL),
                        "_googlecast._tcp.local");
    dpi_md_destroy(&md);
    dpi_inspect_destroy(in);
}

/* Unknown traffic is given up (final, no application) once both
 * directions have shown enough bytes matching nothing. */
static void
test_unknown_final_when_both_directions_fail(void **state)
{
    struct sigdb_fixture *f = *state;
    uint8_t junk[100];
    struct dpi_pkt p;
    struct conn c;

    memset(junk, 0xa5, sizeof junk);
    conn_init(&c, 4000);
    p = tcp_pkt(true, 4000, 0, junk, 30);
    feed(f, &c, &p, true);
    p = tcp_pkt(true, 4000, 30, junk, 70);
    feed(f, &c, &p, true);
    assert_false(c.final);
    p = tcp_pkt(false, 4000, 0, junk, sizeof junk);
    feed(f, &c, &p, false);
    assert_true(c.final);
    assert_int_equal(c.v.app_id, 0);
    assert_int_equal(c.v.app_proto, 0);
}

/* A ClientHello larger than the stream buffer identifies TLS when the
 * buffer is full, without a server name. */
static void
test_client_hello_beyond_buffer_limit(void **state)
{
    struct sigdb_fixture *f = *state;
    uint8_t *ch = malloc(20000);
    size_t n, off;
    struct conn c;

    assert_non_null(ch);
    n = client_hello(ch, "late.example.com", 18000);
    ch[3] = 0x3f;                       /* Record length: any below 18 kB. */
    ch[4] = 0xff;
    conn_init(&c, 443);
    for (off = 0; off < n && !c.final; off += 1400) {
        size_t k = n - off < 1400 ? n - off : 1400;
        struct dpi_pkt p = tcp_pkt(true, 443, (uint32_t) off, ch + off, k);

        feed(f, &c, &p, true);
    }
    assert_true(c.final);
    assert_int_equal(c.v.app_proto, DPI_APP_tls);
    assert_string_equal(c.md.tls_sni, "");
    free(ch);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        SIGDB_FIXTURE_TEST(test_corpus_flows_match_oracle),
        SIGDB_FIXTURE_TEST(test_project_captures_match_tshark),
        SIGDB_FIXTURE_TEST(test_client_hello_segments_with_gap),
        SIGDB_FIXTURE_TEST(test_first_segment_arriving_late),
        SIGDB_FIXTURE_TEST(test_overlapping_segments_keep_first_bytes),
        SIGDB_FIXTURE_TEST(test_ssh_final_after_both_banners),
        SIGDB_FIXTURE_TEST(test_dns_query_final_with_service),
        SIGDB_FIXTURE_TEST(test_mdns_followed_after_refinement),
        SIGDB_FIXTURE_TEST(test_unknown_final_when_both_directions_fail),
        SIGDB_FIXTURE_TEST(test_client_hello_beyond_buffer_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
