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

/* Unit tests of the X.509 name walker (lib/proto/der.c).  The oracle is
 * OpenSSL: certificates are built with its X509 API, their attribute
 * values then overwritten in place with random bytes under random string
 * tags, and each result must be what d2i_X509() and X509_NAME_print_ex()
 * make of the same bytes (the format the TLS parser has always used), or
 * no name where OpenSSL rejects the certificate.  Truncated certificates
 * must give no name; certificates with a byte changed anywhere (lying
 * lengths among them) the same names as OpenSSL, or none, or, where
 * OpenSSL rejects them for what they mean rather than for their structure,
 * names that OpenSSL parses on their own (see check_cert()).  Every input
 * is a heap copy of its exact size, so that a sanitizer catches a read
 * past its end. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "proto/der.h"

/* The flags the TLS parser passed to X509_NAME_print_ex() before it had
 * its own walker. */
#define ORACLE_FLAGS (XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN \
                      | XN_FLAG_DUMP_UNKNOWN_FIELDS \
                      | ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL)

/* Largest formatted name kept, as dpi_md_add() keeps. */
#define NAME_MAX_LEN 4096

/* A name as text: 'ok' false if there is none. */
struct name_text {
    bool ok;                    /* The certificate was accepted. */
    size_t len;                 /* Bytes in 'text'. */
    char text[NAME_MAX_LEN];    /* The name, not NUL-terminated. */
};

/* Prints 'name' with OpenSSL into '*t'. */
static void
oracle_name(const X509_NAME *name, struct name_text *t)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *p;
    long n;

    assert_non_null(bio);
    assert_true(X509_NAME_print_ex(bio, name, 0, ORACLE_FLAGS) >= 0);
    n = BIO_get_mem_data(bio, &p);
    t->len = n > NAME_MAX_LEN ? NAME_MAX_LEN : (size_t) n;
    if (t->len) {
        memcpy(t->text, p, t->len);
    }
    t->ok = true;
    BIO_free(bio);
}

/* OpenSSL's view of the certificate of 'len' bytes at 'der': its
 * subject and issuer, or neither. */
static void
oracle_cert(const uint8_t *der, size_t len, struct name_text *subject,
            struct name_text *issuer)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long) len);

    subject->ok = issuer->ok = false;
    if (x) {
        oracle_name(X509_get_subject_name(x), subject);
        oracle_name(X509_get_issuer_name(x), issuer);
        X509_free(x);
    }
}

/* OpenSSL's view of a Name on its own: d2i_X509_NAME() of the 'len'
 * bytes at 'rdns', RDN sequence contents as dpi_der_cert_names() finds
 * them, wrapped in a SEQUENCE header.  'ok' is false if OpenSSL rejects
 * them or does not use them all. */
static void
oracle_name_der(const uint8_t *rdns, size_t len, struct name_text *t)
{
    uint8_t *buf = malloc(len + 5);
    const unsigned char *p = buf;
    X509_NAME *name;
    size_t h = 0;

    assert_non_null(buf);
    buf[h++] = 0x30;
    if (len < 0x80) {
        buf[h++] = (uint8_t) len;
    } else if (len < 0x100) {
        buf[h++] = 0x81;
        buf[h++] = (uint8_t) len;
    } else {
        assert_true(len < 0x10000);
        buf[h++] = 0x82;
        buf[h++] = (uint8_t) (len >> 8);
        buf[h++] = (uint8_t) len;
    }
    memcpy(buf + h, rdns, len);
    name = d2i_X509_NAME(NULL, &p, (long) (h + len));
    t->ok = false;
    if (name && p == buf + h + len) {
        oracle_name(name, t);
    }
    X509_NAME_free(name);
    free(buf);
}

/* The walker's view of the same certificate, run on a heap copy of
 * exactly 'len' bytes.  If 'oracle_subject' and 'oracle_issuer' are
 * nonnull, also stores there OpenSSL's view of each Name the walker found
 * (see oracle_name_der()), or no name. */
static void
walker_cert(const uint8_t *der, size_t len, struct name_text *subject,
            struct name_text *issuer, struct name_text *oracle_subject,
            struct name_text *oracle_issuer)
{
    uint8_t *copy = malloc(len ? len : 1);
    struct dpi_der_cert_names names;
    bool found;

    assert_non_null(copy);
    memcpy(copy, der, len);
    subject->ok = issuer->ok = false;
    found = dpi_der_cert_names(copy, len, &names);
    if (found
        && dpi_der_format_name(names.subject, names.subject_len,
                               subject->text, sizeof subject->text,
                               &subject->len)
        && dpi_der_format_name(names.issuer, names.issuer_len, issuer->text,
                               sizeof issuer->text, &issuer->len)) {
        subject->ok = issuer->ok = true;
    }
    if (oracle_subject && oracle_issuer) {
        oracle_subject->ok = oracle_issuer->ok = false;
        if (found) {
            oracle_name_der(names.subject, names.subject_len,
                            oracle_subject);
            oracle_name_der(names.issuer, names.issuer_len, oracle_issuer);
        }
    }
    free(copy);
}

/* Asserts that 'a' and 'b' are the same name, or both absent. */
static void
assert_same_name(const struct name_text *a, const struct name_text *b)
{
    assert_int_equal(a->ok, b->ok);
    if (a->ok) {
        if (a->len != b->len || memcmp(a->text, b->text, a->len)) {
            fail_msg("walker \"%.*s\" != OpenSSL \"%.*s\"", (int) a->len,
                     a->text, (int) b->len, b->text);
        }
    }
}

/* Certificates that OpenSSL rejected and the walker did not, in
 * check_cert() calls with 'exact' false. */
static int n_walker_only;

/* Compares the walker with OpenSSL on one certificate.  Where OpenSSL
 * accepts it, the walker must find the same subject and issuer.  Where
 * OpenSSL rejects it, the walker must find no name if 'exact' (the
 * certificate differs from a valid one only inside its names).  If not
 * 'exact', the walker may still find names: it checks the structure of
 * the certificate, not what OpenSSL needs to understand in it; so where a
 * changed byte turns the public key's algorithm OID (id-ecPublicKey) into
 * an unknown one, OpenSSL fails to decode the key and rejects the
 * certificate while the walker, whose names are intact, finds them (in
 * test_truncated_and_lying(), that is the only case).  But each name it
 * prints must then be a Name that OpenSSL parses on its own
 * (d2i_X509_NAME() of the same bytes) and prints the same.  Returns true
 * if OpenSSL accepted the certificate. */
static bool
check_cert(const uint8_t *der, size_t len, bool exact)
{
    struct name_text ws, wi, os, oi, ns, ni;

    walker_cert(der, len, &ws, &wi, &ns, &ni);
    oracle_cert(der, len, &os, &oi);
    if (exact || os.ok) {
        assert_same_name(&ws, &os);
        assert_same_name(&wi, &oi);
    } else if (ws.ok) {
        n_walker_only++;
        assert_same_name(&ws, &ns);
        assert_same_name(&wi, &ni);
    }
    return os.ok;
}

/* A small deterministic generator (xorshift64). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* Returns a pseudo-random number below 'n'. */
static uint32_t
rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t) (rng_state % n);
}

/* The attribute types names are built from: known ones, and some OpenSSL
 * does not know (printed as OIDs with hex values). */
static const char *const attr_types[] = {
    "2.5.4.3", "2.5.4.6", "2.5.4.10", "2.5.4.11", "2.5.4.5", "2.5.4.97",
    "0.9.2342.19200300.100.1.25", "0.9.2342.19200300.100.1.1",
    "1.2.840.113549.1.9.1", "1.3.6.1.4.1.311.60.2.1.3", "2.5.4.55",
    "1.2.3.4.5", "2.999.12345678901", "1.3.6.1.4.1.99999.1",
    "0.9.2342.19200300.100.1.99",
};

/* Universal tags given to values: the string types, and some that a name
 * may not hold. */
static const uint8_t value_tags[] = {
    0x0c, 0x0c, 0x0c, 0x13, 0x13, 0x14, 0x16, 0x12, 0x1e, 0x1e, 0x1c,
    0x1c, 0x07, 0x0d, 0x1a, 0x03, 0x05, 0x04, 0x2c, 0x30, 0x10,
};

/* Writes 'n' bytes of content for a value of tag 'tag' at 'p', usually
 * valid for the type, sometimes not. */
static void
fill_value(uint8_t *p, size_t n, uint8_t tag)
{
    static const uint32_t cps[] = {
        'a', 'Z', '0', ' ', ',', '+', '=', '\\', '"', 0x00, 0x01, 0x1f,
        0x7f, 0x80, 0xe9, 0xff, 0x100, 0x7ff, 0x800, 0x4e2d, 0xd800,
        0xdfff, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff, 0x110000,
    };
    size_t i = 0;

    if (!rnd(8)) {
        for (i = 0; i < n; i++) {
            p[i] = (uint8_t) rnd(256);
        }
        return;
    }
    while (i < n) {
        uint32_t c = cps[rnd(sizeof cps / sizeof cps[0])];

        if (tag == 0x1e && n - i >= 2) {
            p[i++] = (uint8_t) (c >> 8);
            p[i++] = (uint8_t) c;
        } else if (tag == 0x1c && n - i >= 4) {
            p[i++] = (uint8_t) (c >> 24);
            p[i++] = (uint8_t) (c >> 16);
            p[i++] = (uint8_t) (c >> 8);
            p[i++] = (uint8_t) c;
        } else if (tag == 0x0c && c >= 0x80 && c < 0x800 && n - i >= 2) {
            p[i++] = (uint8_t) (0xc0 | (c >> 6));
            p[i++] = (uint8_t) (0x80 | (c & 0x3f));
        } else if (tag == 0x0c && c >= 0x800 && c < 0x10000
                   && n - i >= 3) {
            p[i++] = (uint8_t) (0xe0 | (c >> 12));
            p[i++] = (uint8_t) (0x80 | ((c >> 6) & 0x3f));
            p[i++] = (uint8_t) (0x80 | (c & 0x3f));
        } else if (tag == 0x0c && c >= 0x10000 && n - i >= 4) {
            p[i++] = (uint8_t) (0xf0 | (c >> 18));
            p[i++] = (uint8_t) (0x80 | ((c >> 12) & 0x3f));
            p[i++] = (uint8_t) (0x80 | ((c >> 6) & 0x3f));
            p[i++] = (uint8_t) (0x80 | (c & 0x3f));
        } else {
            p[i++] = (uint8_t) c;
        }
    }
}

/* Returns the first occurrence of the 'n' bytes at 'needle' in the 'len'
 * bytes at 'hay', or NULL.  A match at offset 0 or 1 is not returned: a
 * value always follows its tag and length. */
static uint8_t *
find_bytes(uint8_t *hay, size_t len, const char *needle, size_t n)
{
    size_t i;

    for (i = 2; i + n <= len; i++) {
        if (!memcmp(hay + i, needle, n)) {
            return hay + i;
        }
    }
    return NULL;
}

/* The signing key of the test certificates. */
static EVP_PKEY *key;

/* Builds a certificate whose subject and issuer have random RDNs, each
 * value a unique IA5String placeholder.  Returns its DER (to free) and
 * length, and the placeholders' positions in 'pos' and lengths in
 * 'plen' ('*n_values' of them). */
static uint8_t *
build_random_cert(size_t *lenp, size_t pos[], size_t plen[],
                  size_t *n_values)
{
    X509 *x = X509_new();
    char marks[32][20];
    size_t n_marks = 0, k;
    uint8_t *der = NULL;
    int side, len;

    assert_non_null(x);
    X509_set_version(x, rnd(3));
    ASN1_INTEGER_set(X509_get_serialNumber(x), rnd(1000000));
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    for (side = 0; side < 2; side++) {
        X509_NAME *name = X509_NAME_new();
        int rdns = rnd(5), r;

        for (r = 0; r < rdns; r++) {
            int avas = rnd(4) ? 1 : 2, a;

            for (a = 0; a < avas && n_marks < 32; a++) {
                ASN1_OBJECT *obj = OBJ_txt2obj(
                    attr_types[rnd(sizeof attr_types
                                   / sizeof attr_types[0])], 1);
                size_t n = 3 + rnd(14);

                memset(marks[n_marks], '@', n);
                marks[n_marks][2] = (char) ('A' + n_marks);
                marks[n_marks][n] = '\0';
                assert_true(X509_NAME_add_entry_by_OBJ(
                                name, obj, V_ASN1_IA5STRING,
                                (unsigned char *) marks[n_marks], (int) n,
                                -1, a ? -1 : 0));
                ASN1_OBJECT_free(obj);
                n_marks++;
            }
        }
        if (side) {
            X509_set_subject_name(x, name);
        } else {
            X509_set_issuer_name(x, name);
        }
        X509_NAME_free(name);
    }
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    X509_free(x);

    /* Each placeholder is unique ('A' + its index at offset 2). */
    *n_values = 0;
    for (k = 0; k < n_marks; k++) {
        size_t n = strlen(marks[k]);
        uint8_t *hit = find_bytes(der, (size_t) len, marks[k], n);

        if (hit && hit[-2] == 0x16 && hit[-1] == n
            && (hit + n == der + len || hit[n] != '@')) {
            pos[*n_values] = (size_t) (hit - der);
            plen[(*n_values)++] = n;
        }
    }
    *lenp = (size_t) len;
    return der;
}

/* Random names, random values: the walker prints what OpenSSL prints, and
 * rejects what it rejects. */
static void
test_random_names(void **state)
{
    int accepted = 0, rejected = 0, i;

    (void) state;
    for (i = 0; i < 3000; i++) {
        size_t pos[32], plen[32], n_values, len, k;
        uint8_t *der = build_random_cert(&len, pos, plen, &n_values);

        for (k = 0; k < n_values; k++) {
            uint8_t tag = value_tags[rnd(sizeof value_tags)];

            der[pos[k] - 2] = tag;
            fill_value(der + pos[k], plen[k], tag);
        }
        if (check_cert(der, len, true)) {
            accepted++;
        } else {
            rejected++;
        }
        OPENSSL_free(der);
    }
    /* Both outcomes must have been exercised. */
    assert_true(accepted > 300);
    assert_true(rejected > 300);
}

/* Every truncation of a valid certificate gives no name, and every byte
 * changed (length octets made to lie among them) gives the names that
 * check_cert() allows with 'exact' false, without a read past the end. */
static void
test_truncated_and_lying(void **state)
{
    size_t pos[32], plen[32], n_values, len, cut, i;
    uint8_t *der;
    int round;

    (void) state;
    n_walker_only = 0;
    for (round = 0; round < 20; round++) {
        der = build_random_cert(&len, pos, plen, &n_values);
        assert_true(check_cert(der, len, true));
        for (cut = 0; cut < len; cut++) {
            struct name_text s, is;

            walker_cert(der, cut, &s, &is, NULL, NULL);
            assert_false(s.ok);
            assert_false(is.ok);
        }
        for (i = 0; i < len; i++) {
            static const uint8_t deltas[] = { 1, 0x7f, 0x80, 0xff };
            uint8_t orig = der[i];
            size_t d;

            for (d = 0; d < sizeof deltas; d++) {
                der[i] = orig ^ deltas[d];
                check_cert(der, len, false);
            }
            der[i] = orig;
        }
        OPENSSL_free(der);
    }
    /* The case above where OpenSSL rejects and the walker does not was
     * exercised. */
    print_message("%d damaged certificates OpenSSL rejects keep names\n",
                  n_walker_only);
    assert_true(n_walker_only > 0);
}

/* Hand-built Names: what the walker must refuse, and empty names. */
static void
test_bad_names(void **state)
{
    static const struct {
        const char *der;        /* RDN sequence contents. */
        size_t len;             /* Bytes. */
        bool ok;                /* Expected result. */
        const char *text;       /* Expected text, if 'ok'. */
    } cases[] = {
#define C(S, OK, T) { S, sizeof S - 1, OK, T }
        C("", true, ""),
        C("\x31\x00", true, ""),
        C("\x31\x09\x30\x07\x06\x03\x55\x04\x03\x0c\x00", true, "CN="),
        C("\x31\x0a\x30\x08\x06\x03\x55\x04\x03\x0c\x01\x41", true, "CN=A"),
        /* Indefinite length. */
        C("\x31\x80\x30\x08\x06\x03\x55\x04\x03\x0c\x01\x41\x00\x00",
          false, NULL),
        /* Length over the end, by one and by 2^32 - 1. */
        C("\x31\x0b\x30\x08\x06\x03\x55\x04\x03\x0c\x01\x41", false, NULL),
        C("\x31\x84\xff\xff\xff\xff\x30\x08\x06\x03\x55\x04\x03\x0c\x01"
          "\x41", false, NULL),
        /* Five length octets. */
        C("\x31\x85\x00\x00\x00\x00\x0a\x30\x08\x06\x03\x55\x04\x03\x0c"
          "\x01\x41", false, NULL),
        /* Value length past its SEQUENCE. */
        C("\x31\x0a\x30\x08\x06\x03\x55\x04\x03\x0c\x02\x41", false, NULL),
        /* A third element in the attribute. */
        C("\x31\x0d\x30\x0b\x06\x03\x55\x04\x03\x0c\x01\x41\x0c\x01\x42",
          false, NULL),
        /* OID with a padded subidentifier, and an unfinished one. */
        C("\x31\x0b\x30\x09\x06\x04\x55\x80\x04\x03\x0c\x01\x41",
          false, NULL),
        C("\x31\x0a\x30\x08\x06\x03\x55\x04\x83\x0c\x01\x41", false, NULL),
        /* High tag number. */
        C("\x31\x0b\x30\x09\x06\x03\x55\x04\x03\x1f\x22\x01\x41",
          false, NULL),
        /* RDN that is not a SET. */
        C("\x30\x0a\x30\x08\x06\x03\x55\x04\x03\x0c\x01\x41", false, NULL),
        /* Odd-length BMPString, and a surrogate in one. */
        C("\x31\x0b\x30\x09\x06\x03\x55\x04\x03\x1e\x02\x00\x41\x00",
          false, NULL),
        C("\x31\x0b\x30\x09\x06\x03\x55\x04\x03\x1e\x02\xd8\x00",
          false, NULL),
        /* Overlong UTF-8. */
        C("\x31\x0b\x30\x09\x06\x03\x55\x04\x03\x0c\x02\xc0\x80",
          false, NULL),
#undef C
    };
    size_t i;

    (void) state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *copy = malloc(cases[i].len ? cases[i].len : 1);
        char out[64];
        size_t n;
        bool ok;

        memcpy(copy, cases[i].der, cases[i].len);
        ok = dpi_der_format_name(copy, cases[i].len, out, sizeof out, &n);
        free(copy);
        assert_int_equal(ok, cases[i].ok);
        if (ok) {
            assert_int_equal(n, strlen(cases[i].text));
            assert_memory_equal(out, cases[i].text, n);
        }
    }
}

/* A name longer than the output is cut at the output's size. */
static void
test_cut_output(void **state)
{
    static const uint8_t der[] = {
        0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x04,
        'a', 'b', 'c', 'd',
    };
    char out[5];
    size_t n;

    (void) state;
    assert_true(dpi_der_format_name(der, sizeof der, out, sizeof out, &n));
    assert_int_equal(n, 5);
    assert_memory_equal(out, "CN=ab", 5);
    assert_true(dpi_der_format_name(der, sizeof der, out, 0, &n));
    assert_int_equal(n, 0);
}

/* Creates the signing key. */
static int
setup(void **state)
{
    (void) state;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return key ? 0 : -1;
}

/* Frees the signing key. */
static int
teardown(void **state)
{
    (void) state;
    EVP_PKEY_free(key);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_names),
        cmocka_unit_test(test_truncated_and_lying),
        cmocka_unit_test(test_bad_names),
        cmocka_unit_test(test_cut_output),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
