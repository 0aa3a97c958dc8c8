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

/* Unit tests of the TLS and DTLS parsers' metadata (lib/proto/tls.c,
 * lib/proto/dtls.c): JA4 against the examples of FoxIO's JA4
 * specification (technical_details/JA4.md), QUIC's google_user_agent
 * transport parameter, the server certificate's names in follow mode, the
 * DTLS ClientHello.  Hand-built messages, cut at every length. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dpi-proto.h"
#include "proto/tls.h"

/* A growing byte buffer for building messages. */
struct buf {
    uint8_t data[8192];         /* Bytes. */
    size_t len;                 /* Bytes used. */
};

/* Appends 'n' bytes. */
static void
put(struct buf *b, const void *p, size_t n)
{
    assert_true(b->len + n <= sizeof b->data);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* Appends big-endian 'v' on 'n' bytes. */
static void
put_uint(struct buf *b, size_t v, size_t n)
{
    while (n--) {
        uint8_t c = (uint8_t) (v >> (8 * n));

        put(b, &c, 1);
    }
}

/* The example lists of JA4.md: cipher suites and extensions in their
 * ClientHello order, signature algorithms. */
static const uint16_t spec_ciphers[] = {
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
    0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
};
static const uint16_t spec_exts[] = {
    0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005,
    0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
};
static const uint16_t spec_sigalgs[] = {
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
};
#define N_ELEMS(A) (sizeof (A) / sizeof (A)[0])

/* JA4 of the specification's example. */
static const char spec_ja4[] = "t13d1516h2_8daaf6152771_e5627efa2ab1";

/* Builds the body of a ClientHello (no handshake header) with the
 * specification's lists, GREASE values added to each (which JA4 must
 * ignore), SNI "example.com", ALPN "h2" then "http/1.1", supported
 * versions GREASE, 1.3, 1.2, and, if 'quic_ua', a quic_transport_parameters
 * extension with google_user_agent 'quic_ua'.  DTLS ('dtls') has a cookie
 * and DTLS versions. */
static void
build_hello_body(struct buf *b, bool dtls, const char *quic_ua)
{
    size_t i, ext_start, ext_len_pos;

    put_uint(b, dtls ? 0xfefd : 0x0303, 2);
    for (i = 0; i < 32; i++) {
        put_uint(b, i, 1);
    }
    put_uint(b, 0, 1);                          /* Session id. */
    if (dtls) {
        put_uint(b, 0, 1);                      /* Cookie. */
    }
    put_uint(b, 2 * (N_ELEMS(spec_ciphers) + 1), 2);
    put_uint(b, 0x1a1a, 2);                     /* GREASE. */
    for (i = 0; i < N_ELEMS(spec_ciphers); i++) {
        put_uint(b, spec_ciphers[i], 2);
    }
    put_uint(b, 1, 1);
    put_uint(b, 0, 1);                          /* Null compression. */

    ext_len_pos = b->len;
    put_uint(b, 0, 2);
    ext_start = b->len;
    put_uint(b, 0x2a2a, 2);                     /* GREASE extension. */
    put_uint(b, 0, 2);
    for (i = 0; i < N_ELEMS(spec_exts); i++) {
        uint16_t t = spec_exts[i];
        size_t j;

        put_uint(b, t, 2);
        if (t == 0x0000) {
            put_uint(b, 16, 2);
            put_uint(b, 14, 2);
            put_uint(b, 0, 1);
            put_uint(b, 11, 2);
            put(b, "example.com", 11);
        } else if (t == 0x0010) {
            put_uint(b, 14, 2);
            put_uint(b, 12, 2);
            put_uint(b, 2, 1);
            put(b, "h2", 2);
            put_uint(b, 8, 1);
            put(b, "http/1.1", 8);
        } else if (t == 0x000d) {
            put_uint(b, 2 + 2 * N_ELEMS(spec_sigalgs), 2);
            put_uint(b, 2 * N_ELEMS(spec_sigalgs), 2);
            for (j = 0; j < N_ELEMS(spec_sigalgs); j++) {
                put_uint(b, spec_sigalgs[j], 2);
            }
        } else if (t == 0x002b) {
            put_uint(b, 7, 2);
            put_uint(b, 6, 1);
            put_uint(b, 0x3a3a, 2);
            put_uint(b, dtls ? 0xfefc : 0x0304, 2);
            put_uint(b, dtls ? 0xfefd : 0x0303, 2);
        } else {
            put_uint(b, 0, 2);
        }
    }
    if (quic_ua) {
        size_t n = strlen(quic_ua);

        assert_true(n < 64);
        put_uint(b, 0x39, 2);
        put_uint(b, 3 + 2 + 1 + n, 2);
        put_uint(b, 0x01, 1);                   /* max_idle_timeout, */
        put_uint(b, 1, 1);                      /* 1 byte, */
        put_uint(b, 30, 1);                     /* 30. */
        put_uint(b, 0x7129, 2);                 /* 0x3129 as a varint. */
        put_uint(b, n, 1);
        put(b, quic_ua, n);
    }
    b->data[ext_len_pos] = (uint8_t) ((b->len - ext_start) >> 8);
    b->data[ext_len_pos + 1] = (uint8_t) (b->len - ext_start);
}

/* Builds a TLS stream: one handshake record holding a ClientHello. */
static void
build_tls_hello(struct buf *b)
{
    struct buf body = { .len = 0 };

    build_hello_body(&body, false, NULL);
    put_uint(b, 22, 1);
    put_uint(b, 0x0301, 2);
    put_uint(b, body.len + 4, 2);
    put_uint(b, 1, 1);
    put_uint(b, body.len, 3);
    put(b, body.data, body.len);
}

/* Returns field 'f' of 'md', or "". */
static const char *
get(const struct dpi_md *md, enum dpi_field f)
{
    const char *v = dpi_md_get(md, f, NULL);

    return v ? v : "";
}

/* The fingerprint function on the specification's examples. */
static void
test_ja4_spec(void **state)
{
    static const uint8_t h2[] = "h2";
    char out[DPI_TLS_JA4_LEN + 1];

    (void) state;
    assert_true(dpi_tls_ja4(DPI_TLS_KIND_TLS, 0x0304, true, spec_ciphers,
                            N_ELEMS(spec_ciphers), spec_exts,
                            N_ELEMS(spec_exts), spec_sigalgs,
                            N_ELEMS(spec_sigalgs), h2, 2, out));
    assert_string_equal(out, spec_ja4);

    /* "If there are no signature algorithms in the hello packet, then the
     * string ends without an underscore": 6d807ffa2a79. */
    assert_true(dpi_tls_ja4(DPI_TLS_KIND_TLS, 0x0304, true, spec_ciphers,
                            N_ELEMS(spec_ciphers), spec_exts,
                            N_ELEMS(spec_exts), NULL, 0, h2, 2, out));
    assert_string_equal(out + 24, "6d807ffa2a79");

    /* No ciphers, no extensions: zeros; no ALPN: "00"; no SNI: "i". */
    assert_true(dpi_tls_ja4(DPI_TLS_KIND_QUIC, 0x0303, false, NULL, 0,
                            NULL, 0, NULL, 0, NULL, 0, out));
    assert_string_equal(out, "q12i000000_000000000000_000000000000");

    /* ALPN ends that are not alphanumeric: the hex form's first and last
     * characters (JA4.md: 0xAB -> "ab", 0x30 0xAB -> "3b", 0x30 0xAB 0xCD
     * 0x31 -> "01"); "http/1.1" -> "h1". */
    assert_true(dpi_tls_ja4(DPI_TLS_KIND_DTLS, 0xfefd, false, NULL, 0, NULL,
                            0, NULL, 0, (const uint8_t *) "\xab", 1, out));
    assert_memory_equal(out, "dd2i0000ab", 10);
    assert_true(dpi_tls_ja4(DPI_TLS_KIND_TLS, 0x0300, false, NULL, 0, NULL,
                            0, NULL, 0, (const uint8_t *) "\x30\xab", 2,
                            out));
    assert_memory_equal(out, "ts3i00003b", 10);
    assert_true(dpi_tls_ja4(DPI_TLS_KIND_TLS, 0x0301, false, NULL, 0, NULL,
                            0, NULL, 0,
                            (const uint8_t *) "\x30\xab\xcd\x31", 4, out));
    assert_memory_equal(out, "t10i000001", 10);
    assert_true(dpi_tls_ja4(DPI_TLS_KIND_TLS, 0x9999, false, NULL, 0, NULL,
                            0, NULL, 0, (const uint8_t *) "http/1.1", 8,
                            out));
    assert_memory_equal(out, "t00i0000h1", 10);
}

/* Lists longer than the insertion sort takes (more than 32 values, out of
 * order, with repeats): the counts stop at 99 and the hashes are of the
 * sorted lists.  Expected values from Python's hashlib:
 *
 *     from hashlib import sha256
 *     c = ([(i * 7919 + 13) % 65536 for i in range(100)]
 *          + [0x1301, 0x1301, 0x002f])
 *     e = [(i * 104729 + 5) % 65536 for i in range(60)] + [0, 16, 16]
 *     h = lambda l: ','.join('%04x' % v for v in l)
 *     d = lambda s: sha256(s.encode()).hexdigest()[:12]
 *     d(h(sorted(c)))
 *     d(h(sorted(v for v in e if v not in (0, 16))) + '_0403,0804') */
static void
test_ja4_long_lists(void **state)
{
    static const uint16_t sigalgs[] = { 0x0403, 0x0804 };
    uint16_t ciphers[103], exts[63];
    char out[DPI_TLS_JA4_LEN + 1];
    size_t i;

    (void) state;
    for (i = 0; i < 100; i++) {
        ciphers[i] = (uint16_t) ((i * 7919 + 13) % 65536);
    }
    ciphers[100] = 0x1301;
    ciphers[101] = 0x1301;
    ciphers[102] = 0x002f;
    for (i = 0; i < 60; i++) {
        exts[i] = (uint16_t) ((i * 104729 + 5) % 65536);
    }
    exts[60] = 0;
    exts[61] = 16;
    exts[62] = 16;
    assert_true(dpi_tls_ja4(DPI_TLS_KIND_TLS, 0x0303, true, ciphers,
                            N_ELEMS(ciphers), exts, N_ELEMS(exts), sigalgs,
                            N_ELEMS(sigalgs), NULL, 0, out));
    assert_string_equal(out, "t12d996300_e07ce1121d21_c56bb4ba0a47");
}

/* A whole ClientHello, with GREASE: the specification's JA4; every
 * shorter prefix: MORE and no fingerprint. */
static void
test_ja4_client_hello(void **state)
{
    struct dpi_proto_ctx ctx = { .to_server = true, .is_tcp = true,
                                 .server_port = 443 };
    struct buf b = { .len = 0 };
    size_t cut;

    (void) state;
    build_tls_hello(&b);
    for (cut = 0; cut <= b.len; cut++) {
        struct dpi_md md;
        enum dpi_proto_result r;

        dpi_md_init(&md, UINT32_MAX);
        r = dpi_tls_parse(&ctx, b.data, cut, &md);
        if (cut < b.len) {
            assert_int_equal(r, DPI_PROTO_MORE);
            assert_string_equal(get(&md, DPI_F_tls_ja4), "");
        } else {
            assert_int_equal(r, DPI_PROTO_YES);
            assert_string_equal(get(&md, DPI_F_tls_ja4), spec_ja4);
            assert_string_equal(get(&md, DPI_F_tls_sni), "example.com");
        }
        dpi_md_destroy(&md);
    }
}

/* A ClientHello in QUIC: "q", the user agent from the transport
 * parameters; lying lengths are NO, never a crash. */
static void
test_quic_hello(void **state)
{
    struct buf body = { .len = 0 }, b = { .len = 0 };
    struct dpi_md md;
    size_t i;

    (void) state;
    build_hello_body(&body, false, "Chrome/99 Test");
    put_uint(&b, 1, 1);
    put_uint(&b, body.len, 3);
    put(&b, body.data, body.len);

    dpi_md_init(&md, UINT32_MAX);
    assert_int_equal(dpi_tls_client_hello(b.data, b.len, true, &md),
                     DPI_PROTO_YES);
    assert_string_equal(get(&md, DPI_F_quic_user_agent), "Chrome/99 Test");
    assert_string_equal(get(&md, DPI_F_quic_sni), "example.com");
    /* One more extension (quic_transport_parameters, 0x0039), so another
     * count and hash c; the same hash b. */
    assert_memory_equal(get(&md, DPI_F_tls_ja4),
                        "q13d1517h2_8daaf6152771_", 24);
    dpi_md_destroy(&md);

    /* Flip each byte: no crash, no read out of bounds (ASan/valgrind). */
    for (i = 0; i < b.len; i++) {
        uint8_t save = b.data[i];

        b.data[i] ^= 0xff;
        dpi_md_init(&md, UINT32_MAX);
        dpi_tls_client_hello(b.data, b.len, true, &md);
        dpi_md_destroy(&md);
        b.data[i] = save;
    }
}

/* A DTLS 1.2 ClientHello: SNI, "d" and the DTLS 1.3 version "d3"; cut at
 * every length: never YES with a short record. */
static void
test_dtls_hello(void **state)
{
    struct dpi_proto_ctx ctx = { .to_server = true, .server_port = 443 };
    struct buf body = { .len = 0 }, b = { .len = 0 };
    struct dpi_md md;
    size_t cut;

    (void) state;
    build_hello_body(&body, true, NULL);
    put_uint(&b, 22, 1);
    put_uint(&b, 0xfeff, 2);
    put_uint(&b, 0, 8);                         /* Epoch, sequence. */
    put_uint(&b, body.len + 12, 2);
    put_uint(&b, 1, 1);
    put_uint(&b, body.len, 3);
    put_uint(&b, 0, 2);                         /* message_seq. */
    put_uint(&b, 0, 3);                         /* fragment_offset. */
    put_uint(&b, body.len, 3);
    put(&b, body.data, body.len);

    dpi_md_init(&md, UINT32_MAX);
    assert_int_equal(dpi_dtls_parse(&ctx, b.data, b.len, &md),
                     DPI_PROTO_YES);
    assert_string_equal(get(&md, DPI_F_tls_sni), "example.com");
    assert_memory_equal(get(&md, DPI_F_tls_ja4), "dd3d1516h2_8daaf6152771_",
                        24);
    dpi_md_destroy(&md);

    for (cut = 0; cut < b.len; cut++) {
        dpi_md_init(&md, UINT32_MAX);
        assert_int_equal(dpi_dtls_parse(&ctx, b.data, cut, &md),
                         DPI_PROTO_NO);
        dpi_md_destroy(&md);
    }

    /* Over TCP: not DTLS. */
    ctx.is_tcp = true;
    dpi_md_init(&md, UINT32_MAX);
    assert_int_equal(dpi_dtls_parse(&ctx, b.data, b.len, &md), DPI_PROTO_NO);
    dpi_md_destroy(&md);
}

/* Makes a self-signed certificate with subject "C=US, O=Example Org,
 * CN=www.example.com" and issuer the same, DER in 'b'. */
static void
build_cert(struct buf *b)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_NAME *name;
    unsigned char *der = NULL;
    int n;

    assert_non_null(key);
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                               (const unsigned char *) "US", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               (const unsigned char *) "Example Org", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const unsigned char *) "www.example.com",
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    n = i2d_X509(x, &der);
    assert_true(n > 0);
    put(b, der, (size_t) n);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* Builds the server's flight of TLS 'version' (0x0303 or 0x0304 in
 * supported_versions): a warning alert, a ServerHello, and (TLS 1.2) a
 * Certificate and a ServerHelloDone, in two handshake records. */
static void
build_server_flight(struct buf *b, size_t version)
{
    struct buf cert = { .len = 0 }, hs = { .len = 0 };
    size_t i, cut;

    put(b, "\x15\x03\x03\x00\x02\x01\x70", 7);  /* unrecognized_name. */

    put_uint(&hs, 2, 1);
    put_uint(&hs, 2 + 32 + 1 + 2 + 1 + 2 + 6, 3);
    put_uint(&hs, 0x0303, 2);
    for (i = 0; i < 32; i++) {
        put_uint(&hs, 0x55, 1);
    }
    put_uint(&hs, 0, 1);
    put_uint(&hs, 0xc02f, 2);
    put_uint(&hs, 0, 1);
    put_uint(&hs, 6, 2);
    put_uint(&hs, 0x002b, 2);
    put_uint(&hs, 2, 2);
    put_uint(&hs, version, 2);

    if (version == 0x0303) {
        build_cert(&cert);
        put_uint(&hs, 11, 1);
        put_uint(&hs, 3 + 3 + cert.len, 3);
        put_uint(&hs, 3 + cert.len, 3);
        put_uint(&hs, cert.len, 3);
        put(&hs, cert.data, cert.len);
        put_uint(&hs, 14, 1);
        put_uint(&hs, 0, 3);
    }

    /* Two records, cut in the middle of the ServerHello. */
    cut = 20;
    put_uint(b, 22, 1);
    put_uint(b, 0x0303, 2);
    put_uint(b, cut, 2);
    put(b, hs.data, cut);
    put_uint(b, 22, 1);
    put_uint(b, 0x0303, 2);
    put_uint(b, hs.len - cut, 2);
    put(b, hs.data + cut, hs.len - cut);
}

/* Follow mode, to the client: the flight fed in segments of 'seg' bytes,
 * each sent twice (a retransmission), the certificate names come out;
 * TLS 1.3: the version and no more buffering. */
static void
test_server_cert(void **state)
{
    static const char name[] = "C=US, O=Example Org, CN=www.example.com";
    struct dpi_proto_ctx ctx = { .to_server = false, .is_tcp = true,
                                 .follow = true, .server_port = 443 };
    size_t seg;

    (void) state;
    for (seg = 1; seg <= 600; seg += 37) {
        struct buf b = { .len = 0 };
        struct dpi_md md;
        size_t off;

        build_server_flight(&b, 0x0303);
        dpi_md_init(&md, 8192);
        for (off = 0; off < b.len; off += seg) {
            size_t n = b.len - off < seg ? b.len - off : seg;

            ctx.tcp_seq = 1000 + (uint32_t) off;
            dpi_tls_parse(&ctx, b.data + off, n, &md);
            dpi_tls_parse(&ctx, b.data + off, n, &md);
        }
        assert_string_equal(get(&md, DPI_F_tls_version), "TLSv1.2");
        assert_string_equal(get(&md, DPI_F_tls_cert_subject), name);
        assert_string_equal(get(&md, DPI_F_tls_cert_issuer), name);
        assert_string_equal(get(&md, DPI_F__tls_server), "D");
        dpi_md_destroy(&md);
    }

    {
        struct buf b = { .len = 0 };
        struct dpi_md md;

        build_server_flight(&b, 0x0304);
        dpi_md_init(&md, 8192);
        ctx.tcp_seq = 5;
        dpi_tls_parse(&ctx, b.data, b.len, &md);
        assert_string_equal(get(&md, DPI_F_tls_version), "TLSv1.3");
        assert_string_equal(get(&md, DPI_F__tls_server), "D");
        assert_string_equal(get(&md, DPI_F_tls_cert_subject), "");
        dpi_md_destroy(&md);
    }

    {
        /* The server's first payload is not a ServerHello: done. */
        struct dpi_md md;

        dpi_md_init(&md, 8192);
        ctx.tcp_seq = 5;
        assert_int_equal(dpi_tls_parse(&ctx, (const uint8_t *) "HTTP/1.1",
                                       8, &md), DPI_PROTO_NO);
        assert_string_equal(get(&md, DPI_F__tls_server), "D");
        dpi_md_destroy(&md);
    }
}

/* Runs the TLS parser, not in follow mode, on 'len' bytes at 'data' (a
 * heap copy, so that a read past the end is caught) from the server. */
static enum dpi_proto_result
parse_server_bytes(const uint8_t *data, size_t len)
{
    struct dpi_proto_ctx ctx = { .to_server = false, .is_tcp = true,
                                 .server_port = 443 };
    uint8_t *copy = malloc(len ? len : 1);
    enum dpi_proto_result r;
    struct dpi_md md;

    memcpy(copy, data, len);
    dpi_md_init(&md, 8192);
    r = dpi_tls_parse(&ctx, copy, len, &md);
    dpi_md_destroy(&md);
    free(copy);
    return r;
}

/* A capture that began inside an application_data record (RFC 8446 5.1,
 * 5.2): 9 bytes of a record's tail, then a complete 300-byte record and
 * the start of the next.  Recognised once a complete record is followed
 * by a whole valid header; not before; never when a length lies. */
static void
test_resync(void **state)
{
    struct buf b = { .len = 0 };
    size_t n, i;

    (void) state;
    for (i = 0; i < 9; i++) {
        put_uint(&b, 0xa0 + i, 1);
    }
    put_uint(&b, 0x170303, 3);
    put_uint(&b, 300, 2);
    for (i = 0; i < 300; i++) {
        put_uint(&b, 0x80 | (i * 7), 1);
    }
    put_uint(&b, 0x170303, 3);
    put_uint(&b, 1000, 2);
    put_uint(&b, 0x99, 1);

    assert_int_equal(parse_server_bytes(b.data, b.len), DPI_PROTO_YES);
    /* Ends exactly after the complete record. */
    assert_int_equal(parse_server_bytes(b.data, 9 + 305), DPI_PROTO_YES);
    for (n = 0; n < 9 + 305; n++) {
        assert_int_not_equal(parse_server_bytes(b.data, n), DPI_PROTO_YES);
    }
    /* Between the record's end and a whole next header: not yet. */
    for (n = 9 + 306; n < 9 + 310; n++) {
        assert_int_not_equal(parse_server_bytes(b.data, n), DPI_PROTO_YES);
    }

    /* The first header's length lies (the next header is not where it
     * says), and one byte short of the end. */
    b.data[9 + 4] = 301 & 0xff;
    assert_int_not_equal(parse_server_bytes(b.data, b.len), DPI_PROTO_YES);
    b.data[9 + 4] = 299 & 0xff;
    assert_int_not_equal(parse_server_bytes(b.data, b.len), DPI_PROTO_YES);
    b.data[9 + 4] = 300 & 0xff;

    /* A bad version or content type in the second header. */
    b.data[9 + 305 + 1] = 2;
    assert_int_not_equal(parse_server_bytes(b.data, b.len), DPI_PROTO_YES);
    b.data[9 + 305 + 1] = 3;
    b.data[9 + 305] = 0x18;
    assert_int_not_equal(parse_server_bytes(b.data, b.len), DPI_PROTO_YES);

    /* Bytes without any record header: NO once they are long. */
    {
        uint8_t *junk = malloc(9000);

        memset(junk, 0x41, 9000);
        assert_int_equal(parse_server_bytes(junk, 9000), DPI_PROTO_NO);
        free(junk);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja4_spec),
        cmocka_unit_test(test_ja4_long_lists),
        cmocka_unit_test(test_ja4_client_hello),
        cmocka_unit_test(test_quic_hello),
        cmocka_unit_test(test_dtls_hello),
        cmocka_unit_test(test_server_cert),
        cmocka_unit_test(test_resync),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
