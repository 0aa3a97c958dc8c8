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

/* TLS parser: the first handshake message of each direction.
 *
 * The stream must start with a handshake record (content type 22, version
 * 3.x).  The first handshake message may span several records (and, the
 * stream being reassembled, several TCP segments): a reader walks the
 * payloads of consecutive handshake records as one byte sequence, checking
 * every record header it crosses.
 *
 * To the server the message must be a ClientHello.  Every length in it
 * (session id, cipher suites, compression methods, extensions, the
 * server_name list and name) is checked against the length that encloses
 * it; a length that overruns its container is NO.  The whole ClientHello
 * is read (YES at its end, MORE until then); the server name and the ALPN
 * protocols are recorded as soon as they have been read, so that a
 * ClientHello cut short by the capture still gives its server name.  To the
 * client the message must be a ServerHello, whose version (or
 * supported_versions choice) is recorded.  A ClientHello in the SSL 2.0
 * compatible format is recognised too (it has no server name).
 *
 * dpi_tls_client_hello() reads a bare ClientHello message, for QUIC. */

#include "dpi-crypto.h"
#include "dpi-proto.h"
#include "proto/der.h"
#include "proto/tls.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* TLS record content type of handshake records. */
#define TLS_CT_HANDSHAKE 22

/* Handshake message types. */
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_HS_CERTIFICATE 11

/* Largest record payload accepted: 2^14 plus the expansion TLS 1.2 allows
 * for compressed or protected records. */
#define TLS_MAX_RECORD (16384 + 2048)

/* Longest server name kept; a longer one is cut (DNS names have at most
 * 253 characters). */
#define TLS_MAX_NAME 1024

/* Extension types: server_name (RFC 6066), ALPN (RFC 7301),
 * supported_versions (RFC 8446). */
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ALPN 16
#define TLS_EXT_SUPPORTED_VERSIONS 43

/* Extension types: signature_algorithms (RFC 8446 4.2.3),
 * quic_transport_parameters (RFC 9001 8.2) and the codepoint the QUIC
 * drafts used for it. */
#define TLS_EXT_SIGNATURE_ALGORITHMS 13
#define TLS_EXT_QUIC_PARAMS 57
#define TLS_EXT_QUIC_PARAMS_DRAFT 0xffa5

/* QUIC transport parameter in which Chrome sends its user agent
 * (google_user_agent, 0x3129; the value is the user agent string). */
#define TLS_QUIC_PARAM_USER_AGENT 0x3129

/* Most cipher suites, extensions and signature algorithms kept for the
 * JA4 fingerprint; a ClientHello with more gets no fingerprint (the
 * hashes need the whole lists). */
#define TLS_JA4_MAX 512

/* Longest leaf certificate decoded; the server's flight is buffered up to
 * DPI_MD_VALUE_MAX bytes (see tls_follow_server()). */
#define TLS_MAX_CERT DPI_MD_VALUE_MAX

/* What a ClientHello carries that its JA4 fingerprint needs (FoxIO's JA4
 * specification, technical_details/JA4.md).  GREASE values (RFC 8701) are
 * left out of every list.  It lives on the parser's stack; the lists come
 * last, so that clearing the members before 'ciphers' starts it empty
 * without writing its 3 KB. */
struct tls_hello {
    size_t n_ciphers;               /* Elements in 'ciphers'. */
    size_t n_exts;                  /* Elements in 'exts'. */
    size_t n_sigalgs;               /* Elements in 'sigalgs'. */
    uint16_t version;               /* ClientHello.client_version. */
    uint16_t best_version;          /* Highest supported_versions entry, or
                                     * 0 if there is none. */
    bool has_sni;                   /* The server_name extension is there. */
    bool has_alpn;                  /* 'alpn' is set: the first ALPN value
                                     * is not empty. */
    uint8_t alpn[2];                /* First and last bytes of the first
                                     * ALPN value. */
    bool overflow;                  /* A list had more than TLS_JA4_MAX
                                     * elements: no fingerprint. */
    uint16_t ciphers[TLS_JA4_MAX];  /* Cipher suites, in order. */
    uint16_t exts[TLS_JA4_MAX];     /* Extension types, in order. */
    uint16_t sigalgs[TLS_JA4_MAX];  /* Signature algorithms, in order. */
};

/* A reader of the handshake bytes carried by consecutive handshake records
 * at the start of a stream. */
struct tls_reader {
    const uint8_t *data;        /* The stream. */
    size_t len;                 /* Bytes at 'data'. */
    size_t pos;                 /* Next byte to read in 'data'. */
    size_t rec_left;            /* Bytes left in the current record. */
    bool more;                  /* The stream ended before a read. */
    bool bad;                   /* A record header was invalid. */
    size_t hs_pos;              /* Handshake bytes read so far. */
    bool raw;                   /* Bare handshake bytes, no records (as
                                 * QUIC's CRYPTO frames carry them). */
};

/* Makes sure that the byte at 'r->pos' is a handshake byte, crossing as many
 * record headers as needed.  Returns false, with 'r->more' or 'r->bad' set,
 * if that is not possible. */
static bool
tls_fill(struct tls_reader *r)
{
    if (r->raw && !r->rec_left) {
        r->rec_left = r->len - r->pos;
    }
    while (!r->rec_left) {
        const uint8_t *h = r->data + r->pos;
        size_t avail = r->len - r->pos;
        size_t rec_len;

        if ((avail > 0 && h[0] != TLS_CT_HANDSHAKE)
            || (avail > 1 && h[1] != 3)
            || (avail > 2 && h[2] > 4)) {
            r->bad = true;
            return false;
        }
        if (avail < 5) {
            r->more = true;
            return false;
        }
        rec_len = (size_t) h[3] << 8 | h[4];
        if (!rec_len || rec_len > TLS_MAX_RECORD) {
            r->bad = true;
            return false;
        }
        r->rec_left = rec_len;
        r->pos += 5;
    }
    if (r->pos >= r->len) {
        r->more = true;
        return false;
    }
    return true;
}

/* Moves 'r' past 'n' bytes of the current record, which are present. */
static void
tls_advance(struct tls_reader *r, size_t n)
{
    r->pos += n;
    r->hs_pos += n;
    r->rec_left -= n;
}

/* If the next 'n' handshake bytes lie in the current record and are
 * present (the common case), moves 'r' past them and returns where they
 * are; otherwise returns NULL, changing nothing. */
static const uint8_t *
tls_take(struct tls_reader *r, size_t n)
{
    const uint8_t *p = r->data + r->pos;

    if (n > r->rec_left || n > r->len - r->pos) {
        return NULL;
    }
    tls_advance(r, n);
    return p;
}

/* Reads the next 'n' handshake bytes into 'dst' (which may be NULL to skip
 * them).  Returns false if they are not all there. */
static bool
tls_read(struct tls_reader *r, uint8_t *dst, size_t n)
{
    const uint8_t *p = tls_take(r, n);

    if (p) {
        if (dst) {
            memcpy(dst, p, n);
        }
        return true;
    }
    while (n) {
        size_t k = n;

        if (!tls_fill(r)) {
            return false;
        }
        if (k > r->rec_left) {
            k = r->rec_left;
        }
        if (k > r->len - r->pos) {
            k = r->len - r->pos;
        }
        if (dst) {
            memcpy(dst, r->data + r->pos, k);
            dst += k;
        }
        tls_advance(r, k);
        n -= k;
    }
    return true;
}

/* Returns the handshake bytes read since 'r->hs_pos' was 'start'. */
static size_t
tls_reader_used(const struct tls_reader *r, size_t start)
{
    return r->hs_pos - start;
}

/* Reads an unsigned big-endian integer of 'n' (at most 4) bytes into
 * '*value'.  Returns false if the bytes are not all there. */
static bool
tls_read_uint(struct tls_reader *r, size_t n, size_t *value)
{
    const uint8_t *p = tls_take(r, n);
    uint8_t b[4];
    size_t i;

    if (!p) {
        if (!tls_read(r, b, n)) {
            return false;
        }
        p = b;
    }
    *value = 0;
    for (i = 0; i < n; i++) {
        *value = *value << 8 | p[i];
    }
    return true;
}

/* Reads a length field of 'n' bytes into '*value' and charges it, with the
 * field itself, to '*left', the bytes left in the enclosing structure.
 * Sets 'r->bad' if the field or its length overrun '*left'. */
static bool
tls_read_len(struct tls_reader *r, size_t n, size_t *left, size_t *value)
{
    if (*left < n) {
        r->bad = true;
        return false;
    }
    if (!tls_read_uint(r, n, value)) {
        return false;
    }
    *left -= n;
    if (*value > *left) {
        r->bad = true;
        return false;
    }
    return true;
}

/* Skips 'n' bytes charged to '*left' (which must hold them). */
static bool
tls_skip(struct tls_reader *r, size_t n, size_t *left)
{
    if (!tls_read(r, NULL, n)) {
        return false;
    }
    *left -= n;
    return true;
}

/* Returns the name of TLS version 'v' (as in supported_versions), or NULL
 * if it is not one. */
static const char *
tls_version_name(size_t v)
{
    switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    case 0xfeff: return "DTLSv1.0";
    case 0xfefd: return "DTLSv1.2";
    case 0xfefc: return "DTLSv1.3";
    }
    return NULL;
}

/* Reads the server_name extension, of 'ext_len' bytes, and adds its first
 * host_name to field 'f'.  Returns false on error or missing bytes. */
static bool
tls_read_sni(struct tls_reader *r, size_t ext_len, struct dpi_md *md,
             enum dpi_field f)
{
    size_t left = ext_len, list_len;

    if (!tls_read_len(r, 2, &left, &list_len)) {
        return false;
    }
    left = list_len;
    while (left) {
        uint8_t name[TLS_MAX_NAME];
        size_t type, name_len, n;

        if (!tls_read_uint(r, 1, &type)) {
            return false;
        }
        left--;
        if (!tls_read_len(r, 2, &left, &name_len)) {
            return false;
        }
        if (type == 0) {
            n = name_len < sizeof name ? name_len : sizeof name;
            if (!tls_read(r, name, n)) {
                return false;
            }
            dpi_md_add(md, f, name, n);
            return true;
        }
        if (!tls_skip(r, name_len, &left)) {
            return false;
        }
    }
    return true;
}

/* Returns true if 'v' is a GREASE value (RFC 8701): 0x?a?a with both bytes
 * equal. */
static bool
tls_is_grease(size_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Appends 'v' to the list 'list' of '*n' elements unless it is GREASE;
 * sets '*overflow' if the list is full. */
static void
tls_list_add(uint16_t *list, size_t *n, size_t v, bool *overflow)
{
    if (tls_is_grease(v)) {
        return;
    }
    if (*n >= TLS_JA4_MAX) {
        *overflow = true;
        return;
    }
    list[(*n)++] = (uint16_t) v;
}

/* Returns true if TLS or DTLS version 'a' is newer than 'b'.  DTLS
 * versions (0xfexx) count down: DTLS 1.2 is 0xfefd, DTLS 1.0 0xfeff. */
static bool
tls_version_newer(size_t a, size_t b)
{
    if (a >> 8 == 0xfe && b >> 8 == 0xfe) {
        return a < b;
    }
    return a > b;
}

/* Reads the ALPN extension, of 'ext_len' bytes, and adds each protocol to
 * field 'f'; notes the first one in 'h'.  Returns false on error or
 * missing bytes. */
static bool
tls_read_alpn(struct tls_reader *r, size_t ext_len, struct dpi_md *md,
              enum dpi_field f, struct tls_hello *h)
{
    size_t left = ext_len, list_len;
    bool first = true;

    if (!tls_read_len(r, 2, &left, &list_len)) {
        return false;
    }
    left = list_len;
    while (left) {
        uint8_t name[256];
        size_t n;

        if (!tls_read_len(r, 1, &left, &n) || !tls_read(r, name, n)) {
            return false;
        }
        left -= n;
        if (first && n) {
            h->has_alpn = true;
            h->alpn[0] = name[0];
            h->alpn[1] = name[n - 1];
        }
        first = false;
        dpi_md_add(md, f, name, n);
    }
    return true;
}

/* Reads a list of 2-byte values preceded by a length of 'len_size' bytes,
 * in an extension of 'ext_len' bytes, into 'list' (see tls_list_add()).
 * Returns false on error or missing bytes. */
static bool
tls_read_u16_list(struct tls_reader *r, size_t ext_len, size_t len_size,
                  uint16_t *list, size_t *n, bool *overflow)
{
    size_t left = ext_len, list_len;

    if (!tls_read_len(r, len_size, &left, &list_len)) {
        return false;
    }
    for (; list_len >= 2; list_len -= 2) {
        size_t v;

        if (!tls_read_uint(r, 2, &v)) {
            return false;
        }
        tls_list_add(list, n, v, overflow);
    }
    return true;
}

/* Reads the supported_versions extension of a ClientHello, of 'ext_len'
 * bytes, and notes its newest version (GREASE aside) in 'h'. */
static bool
tls_read_versions(struct tls_reader *r, size_t ext_len, struct tls_hello *h)
{
    size_t left = ext_len, list_len;

    if (!tls_read_len(r, 1, &left, &list_len)) {
        return false;
    }
    for (; list_len >= 2; list_len -= 2) {
        size_t v;

        if (!tls_read_uint(r, 2, &v)) {
            return false;
        }
        if (!tls_is_grease(v)
            && (!h->best_version || tls_version_newer(v, h->best_version))) {
            h->best_version = (uint16_t) v;
        }
    }
    return true;
}

/* Reads a QUIC variable-length integer (RFC 9000 16) from the 'len' bytes
 * at 'p' + '*pos'.  Returns false if it does not fit. */
static bool
tls_quic_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    size_t n, i;

    if (*pos >= len) {
        return false;
    }
    n = (size_t) 1 << (p[*pos] >> 6);
    if (len - *pos < n) {
        return false;
    }
    *v = p[*pos] & 0x3f;
    for (i = 1; i < n; i++) {
        *v = *v << 8 | p[*pos + i];
    }
    *pos += n;
    return true;
}

/* Reads the quic_transport_parameters extension, of 'ext_len' bytes: a
 * sequence of (id, length, value) with QUIC variable-length id and length
 * (RFC 9000 18).  Adds Chrome's google_user_agent parameter to
 * quic_user_agent. */
static bool
tls_read_quic_params(struct tls_reader *r, size_t ext_len, struct dpi_md *md)
{
    uint8_t buf[1024];
    size_t n = ext_len < sizeof buf ? ext_len : sizeof buf;
    size_t pos = 0;

    if (!tls_read(r, buf, n)) {
        return false;
    }
    while (pos < n) {
        uint64_t id, len;

        if (!tls_quic_varint(buf, n, &pos, &id)
            || !tls_quic_varint(buf, n, &pos, &len) || len > n - pos) {
            break;
        }
        if (id == TLS_QUIC_PARAM_USER_AGENT && len) {
            dpi_md_add(md, DPI_F_quic_user_agent, buf + pos, len);
        }
        pos += len;
    }
    return true;
}

/* Skips the extension of 'ext_len' bytes that was not read, or what is
 * left of one that was only partly read ('used' bytes). */
static bool
tls_skip_rest(struct tls_reader *r, size_t ext_len, size_t used,
              size_t *ext_left)
{
    if (used > ext_len) {
        r->bad = true;
        return false;
    }
    if (!tls_read(r, NULL, ext_len - used)) {
        return false;
    }
    *ext_left -= ext_len;
    return true;
}

/* Moves v[i] down the max-heap of the 'n' values of 'v' until both of its
 * children are no larger. */
static void
tls_heap_sift(uint16_t *v, size_t i, size_t n)
{
    uint16_t x = v[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= n) {
            break;
        }
        if (c + 1 < n && v[c + 1] > v[c]) {
            c++;
        }
        if (v[c] <= x) {
            break;
        }
        v[i] = v[c];
        i = c;
    }
    v[i] = x;
}

/* Sorts the 'n' values of 'v' in ascending order: by insertion for the
 * short lists of ordinary ClientHellos, by heapsort for long ones so that a
 * crafted hello cannot make it quadratic. */
static void
tls_sort_u16(uint16_t *v, size_t n)
{
    if (n > 32) {
        for (size_t i = n / 2; i-- > 0;) {
            tls_heap_sift(v, i, n);
        }
        for (size_t end = n - 1; end > 0; end--) {
            uint16_t top = v[0];

            v[0] = v[end];
            v[end] = top;
            tls_heap_sift(v, 0, end);
        }
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;

        for (; j > 0 && v[j - 1] > x; j--) {
            v[j] = v[j - 1];
        }
        v[j] = x;
    }
}

/* Lowercase hex digits. */
static const char tls_hex[] = "0123456789abcdef";

/* Feeds the 'n' values of 'list' (skipping 'skip_a' and 'skip_b' if
 * 'skip') to 'ctx' as lowercase 4-digit hex numbers joined by commas, the
 * first one preceded by 'sep' if not NUL.  Returns the number fed. */
static size_t
tls_hash_list(EVP_MD_CTX *ctx, const uint16_t *list, size_t n, char sep,
              bool skip, uint16_t skip_a, uint16_t skip_b)
{
    char buf[256];
    size_t i, fed = 0, len = 0;

    for (i = 0; i < n; i++) {
        uint16_t v = list[i];

        if (skip && (v == skip_a || v == skip_b)) {
            continue;
        }
        if (len > sizeof buf - 5) {
            EVP_DigestUpdate(ctx, buf, len);
            len = 0;
        }
        if (fed || sep) {
            buf[len++] = fed ? ',' : sep;
        }
        buf[len++] = tls_hex[v >> 12];
        buf[len++] = tls_hex[(v >> 8) & 0xf];
        buf[len++] = tls_hex[(v >> 4) & 0xf];
        buf[len++] = tls_hex[v & 0xf];
        fed++;
    }
    if (len) {
        EVP_DigestUpdate(ctx, buf, len);
    }
    return fed;
}

/* Writes into 'out' the first 12 hex digits of the SHA-256 of what 'ctx'
 * was fed. */
static bool
tls_hash_hex12(EVP_MD_CTX *ctx, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0, i;

    if (!EVP_DigestFinal_ex(ctx, md, &md_len) || md_len < 6) {
        return false;
    }
    for (i = 0; i < 6; i++) {
        out[2 * i] = tls_hex[md[i] >> 4];
        out[2 * i + 1] = tls_hex[md[i] & 0xf];
    }
    return true;
}

/* Returns the 2-character JA4 name of version 'v', or "00". */
static const char *
tls_ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    }
    return "00";
}

/* Writes 'n', or 99 if it is larger, as 2 decimal digits at 'out'. */
static void
tls_put_2digits(char *out, size_t n)
{
    if (n > 99) {
        n = 99;
    }
    out[0] = (char) ('0' + n / 10);
    out[1] = (char) ('0' + n % 10);
}

/* Returns true if 'c' is an ASCII letter or digit. */
static bool
tls_is_alnum(uint8_t c)
{
    return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
            || (c >= 'a' && c <= 'z'));
}

/* See proto/tls.h.  The format is FoxIO's JA4 specification
 * (technical_details/JA4.md): "a_b_c" with a = protocol, version, SNI,
 * cipher count, extension count (GREASE excluded, SNI and ALPN included,
 * at most 99), the first and last characters of the first ALPN value (or
 * of its hex form if either is not alphanumeric; "00" if none); b = the
 * first 12 hex digits of the SHA-256 of the sorted cipher list; c = the
 * same of the sorted extension list without SNI (0x0000) and ALPN
 * (0x0010), then "_" and the signature algorithms in their order (no "_"
 * if there are none).  An empty list hashes to "000000000000". */
bool
dpi_tls_ja4(enum dpi_tls_kind kind, uint16_t version, bool has_sni,
            const uint16_t *ciphers, size_t n_ciphers,
            const uint16_t *exts, size_t n_exts,
            const uint16_t *sigalgs, size_t n_sigalgs,
            const uint8_t *alpn, size_t alpn_len, char *out)
{
    uint16_t sorted[TLS_JA4_MAX];
    EVP_MD_CTX *ctx;
    char a_alpn[3];
    bool ok = true;
    size_t fed;

    if (n_ciphers > TLS_JA4_MAX || n_exts > TLS_JA4_MAX) {
        return false;
    }
    if (!alpn || !alpn_len) {
        memcpy(a_alpn, "00", 3);
    } else if (tls_is_alnum(alpn[0]) && tls_is_alnum(alpn[alpn_len - 1])) {
        a_alpn[0] = (char) alpn[0];
        a_alpn[1] = (char) alpn[alpn_len - 1];
        a_alpn[2] = '\0';
    } else {
        a_alpn[0] = tls_hex[alpn[0] >> 4];
        a_alpn[1] = tls_hex[alpn[alpn_len - 1] & 0xf];
        a_alpn[2] = '\0';
    }
    /* a: "t13d1516h2_", say (11 characters). */
    out[0] = (kind == DPI_TLS_KIND_QUIC ? 'q'
              : kind == DPI_TLS_KIND_DTLS ? 'd' : 't');
    memcpy(out + 1, tls_ja4_version(version), 2);
    out[3] = has_sni ? 'd' : 'i';
    tls_put_2digits(out + 4, n_ciphers);
    tls_put_2digits(out + 6, n_exts);
    memcpy(out + 8, a_alpn, 2);
    out[10] = '_';

    ctx = EVP_MD_CTX_new();
    if (!ctx) {
        return false;
    }

    /* b: the sorted cipher suites. */
    if (n_ciphers) {
        /* memcpy() wants valid pointers even for 0 bytes. */
        memcpy(sorted, ciphers, n_ciphers * sizeof *sorted);
        tls_sort_u16(sorted, n_ciphers);
    }
    if (!n_ciphers) {
        memcpy(out + 11, "000000000000", 12);
    } else if (!EVP_DigestInit_ex(ctx, dpi_crypto_sha256(), NULL)) {
        ok = false;
    } else {
        tls_hash_list(ctx, sorted, n_ciphers, 0, false, 0, 0);
        ok = tls_hash_hex12(ctx, out + 11);
    }
    out[23] = '_';

    /* c: the sorted extensions but SNI and ALPN, then the signature
     * algorithms. */
    if (n_exts) {
        /* memcpy() wants valid pointers even for 0 bytes. */
        memcpy(sorted, exts, n_exts * sizeof *sorted);
        tls_sort_u16(sorted, n_exts);
    }
    if (ok && !EVP_DigestInit_ex(ctx, dpi_crypto_sha256(), NULL)) {
        ok = false;
    } else if (ok) {
        fed = tls_hash_list(ctx, sorted, n_exts, 0, true,
                            TLS_EXT_SERVER_NAME, TLS_EXT_ALPN);
        if (!fed) {
            memcpy(out + 24, "000000000000", 12);
        } else {
            tls_hash_list(ctx, sigalgs, n_sigalgs, '_', false, 0, 0);
            ok = tls_hash_hex12(ctx, out + 24);
        }
    }
    out[DPI_TLS_JA4_LEN] = '\0';
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* Parses a ClientHello body of 'left' bytes: records the server name and
 * ALPN protocols in the TLS or QUIC fields, then the JA4 fingerprint. */
static enum dpi_proto_result
tls_parse_client_hello(struct tls_reader *r, size_t left,
                       enum dpi_tls_kind kind, struct dpi_md *md)
{
    bool is_quic = kind == DPI_TLS_KIND_QUIC;
    enum dpi_field sni_f = is_quic ? DPI_F_quic_sni : DPI_F_tls_sni;
    enum dpi_field alpn_f = is_quic ? DPI_F_quic_alpn : DPI_F_tls_alpn;
    size_t version, n, ext_left;
    char ja4[DPI_TLS_JA4_LEN + 1];
    struct tls_hello hello;
    struct tls_hello *h = &hello;

    memset(h, 0, offsetof(struct tls_hello, ciphers));

    /* client_version, random, session_id, (DTLS: cookie,) cipher_suites,
     * compression_methods. */
    if (left < 34 || !tls_read_uint(r, 2, &version)) {
        goto out;
    }
    if ((kind == DPI_TLS_KIND_DTLS
         ? version >> 8 != 0xfe && version != 0x0100 : version >> 8 != 3)
        || !tls_skip(r, 32, &left)) {
        goto out;
    }
    h->version = (uint16_t) version;
    left -= 2;
    if (!tls_read_len(r, 1, &left, &n) || n > 32 || !tls_skip(r, n, &left)) {
        goto out;
    }
    if (kind == DPI_TLS_KIND_DTLS
        && (!tls_read_len(r, 1, &left, &n) || !tls_skip(r, n, &left))) {
        goto out;
    }
    if (!tls_read_len(r, 2, &left, &n) || n < 2 || n % 2) {
        goto out;
    }
    for (left -= n; n; n -= 2) {
        size_t cs;

        if (!tls_read_uint(r, 2, &cs)) {
            goto out;
        }
        tls_list_add(h->ciphers, &h->n_ciphers, cs, &h->overflow);
    }
    if (!tls_read_len(r, 1, &left, &n) || n < 1 || !tls_skip(r, n, &left)) {
        goto out;
    }

    /* Extensions, if any. */
    ext_left = 0;
    if (left && !tls_read_len(r, 2, &left, &ext_left)) {
        goto out;
    }
    while (ext_left) {
        size_t type, ext_len, start;
        bool ok = true;

        if (ext_left < 4) {
            r->bad = true;
            goto out;
        }
        if (!tls_read_uint(r, 2, &type)) {
            goto out;
        }
        ext_left -= 2;
        if (!tls_read_len(r, 2, &ext_left, &ext_len)) {
            goto out;
        }
        tls_list_add(h->exts, &h->n_exts, type, &h->overflow);
        start = r->hs_pos;
        if (type == TLS_EXT_SERVER_NAME) {
            h->has_sni = true;
            ok = tls_read_sni(r, ext_len, md, sni_f);
        } else if (type == TLS_EXT_ALPN) {
            ok = tls_read_alpn(r, ext_len, md, alpn_f, h);
        } else if (type == TLS_EXT_SIGNATURE_ALGORITHMS) {
            ok = tls_read_u16_list(r, ext_len, 2, h->sigalgs, &h->n_sigalgs,
                                   &h->overflow);
        } else if (type == TLS_EXT_SUPPORTED_VERSIONS) {
            ok = tls_read_versions(r, ext_len, h);
        } else if (is_quic && (type == TLS_EXT_QUIC_PARAMS
                               || type == TLS_EXT_QUIC_PARAMS_DRAFT)) {
            ok = tls_read_quic_params(r, ext_len, md);
        }
        if (!ok || !tls_skip_rest(r, ext_len,
                                  tls_reader_used(r, start), &ext_left)) {
            goto out;
        }
    }

    if (!h->overflow
        && dpi_tls_ja4(kind, h->best_version ? h->best_version : h->version,
                       h->has_sni, h->ciphers, h->n_ciphers, h->exts,
                       h->n_exts, h->sigalgs, h->n_sigalgs,
                       h->has_alpn ? h->alpn : NULL, h->has_alpn ? 2 : 0,
                       ja4)) {
        dpi_md_add(md, DPI_F_tls_ja4, ja4, strlen(ja4));
    }
    return DPI_PROTO_YES;

out:
    return r->more && !r->bad ? DPI_PROTO_MORE : DPI_PROTO_NO;
}

/* Parses a ServerHello body of 'left' bytes: records the version chosen
 * (from supported_versions in TLS 1.3) and stores it in '*versionp'. */
static enum dpi_proto_result
tls_parse_server_hello(struct tls_reader *r, size_t left, struct dpi_md *md,
                       size_t *versionp)
{
    size_t version, n, ext_left;
    const char *name;

    if (left < 38 || !tls_read_uint(r, 2, &version)) {
        return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (version >> 8 != 3) {
        return DPI_PROTO_NO;
    }
    left -= 2;
    if (!tls_skip(r, 32, &left) || !tls_read_len(r, 1, &left, &n)
        || n > 32 || !tls_skip(r, n, &left) || left < 3
        || !tls_skip(r, 3, &left)) {
        return r->more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (left && tls_read_len(r, 2, &left, &ext_left)) {
        while (ext_left >= 4) {
            size_t type, ext_len, v;

            ext_left -= 4;
            if (!tls_read_uint(r, 2, &type) || !tls_read_uint(r, 2, &ext_len)
                || ext_len > ext_left) {
                break;
            }
            if (type == TLS_EXT_SUPPORTED_VERSIONS && ext_len == 2
                && tls_read_uint(r, 2, &v)) {
                version = v;
                break;
            }
            if (!tls_read(r, NULL, ext_len)) {
                break;
            }
            ext_left -= ext_len;
        }
    }
    name = tls_version_name(version);
    if (name) {
        dpi_md_set(md, DPI_F_tls_version, name, strlen(name));
    }
    *versionp = version;
    return DPI_PROTO_YES;
}

/* Adds the subject and issuer of the DER certificate of 'len' bytes at
 * 'der' to tls_cert_subject and tls_cert_issuer, neither if the
 * certificate is malformed; an empty name is not added. */
static void
tls_add_cert_names(struct dpi_md *md, const uint8_t *der, size_t len)
{
    struct dpi_der_cert_names names;
    char buf[DPI_MD_VALUE_MAX];
    size_t n;

    if (!dpi_der_cert_names(der, len, &names)
        || !dpi_der_format_name(names.issuer, names.issuer_len, buf, 0, &n)
        || !dpi_der_format_name(names.subject, names.subject_len, buf,
                                sizeof buf, &n)) {
        return;
    }
    if (n) {
        dpi_md_add(md, DPI_F_tls_cert_subject, buf, n);
    }
    dpi_der_format_name(names.issuer, names.issuer_len, buf, sizeof buf, &n);
    if (n) {
        dpi_md_add(md, DPI_F_tls_cert_issuer, buf, n);
    }
}

/* Parses a Certificate message body (RFC 5246 7.4.2) of 'left' bytes and
 * adds the subject and issuer of its first (leaf) certificate to
 * tls_cert_subject and tls_cert_issuer.  Returns false if its bytes are not
 * all there yet ('r->more') or are inconsistent. */
static bool
tls_parse_certificate(struct tls_reader *r, size_t left, struct dpi_md *md)
{
    size_t list_len, cert_len;
    uint8_t *der;

    if (!tls_read_len(r, 3, &left, &list_len)) {
        return false;
    }
    left = list_len;
    if (!list_len) {
        return true;            /* No certificate. */
    }
    if (!tls_read_len(r, 3, &left, &cert_len)) {
        return false;
    }
    if (cert_len > TLS_MAX_CERT) {
        return true;            /* Too long to decode. */
    }
    if (cert_len && tls_fill(r)) {
        /* All in one record, as usual: decode it where it is. */
        const uint8_t *p = tls_take(r, cert_len);

        if (p) {
            tls_add_cert_names(md, p, cert_len);
            return true;
        }
    }
    der = malloc(cert_len ? cert_len : 1);
    if (!der) {
        return true;
    }
    if (!tls_read(r, der, cert_len)) {
        free(der);
        return false;
    }
    tls_add_cert_names(md, der, cert_len);
    free(der);
    return true;
}

/* TLS record content type of alert records. */
#define TLS_CT_ALERT 21

/* Returns the length of the alert records (of 2-byte payload: a warning,
 * such as unrecognized_name, RFC 6066 3) that start the 'len' bytes at
 * 'data', some servers sending one before their ServerHello. */
static size_t
tls_skip_alerts(const uint8_t *data, size_t len)
{
    size_t pos = 0;

    while (len - pos >= 7 && data[pos] == TLS_CT_ALERT && data[pos + 1] == 3
           && data[pos + 3] == 0 && data[pos + 4] == 2) {
        pos += 7;
    }
    return pos;
}

/* Parses the start of the server's stream of 'len' bytes at 'data': a
 * ServerHello (after warning alerts, if any), then, up to TLS 1.2, the
 * Certificate message that follows it.  Sets '*done' when there is
 * nothing more to learn from this direction: the certificate was read,
 * the version is TLS 1.3 (the certificate is encrypted) or another
 * message came instead.  Returns DPI_PROTO_YES once the ServerHello
 * parsed. */
static enum dpi_proto_result
tls_server_flight(const uint8_t *data, size_t len, struct dpi_md *md,
                  bool *done)
{
    size_t skip = tls_skip_alerts(data, len);
    struct tls_reader r = { .data = data + skip, .len = len - skip };
    enum dpi_proto_result res;
    size_t type, hs_len, start, version = 0;

    *done = false;
    if (len - skip < 7 && len > skip && data[skip] == TLS_CT_ALERT) {
        return DPI_PROTO_MORE;  /* Part of an alert record. */
    }
    if (!tls_read_uint(&r, 1, &type) || !tls_read_uint(&r, 3, &hs_len)) {
        return r.more ? DPI_PROTO_MORE : DPI_PROTO_NO;
    }
    if (type != TLS_HS_SERVER_HELLO) {
        return DPI_PROTO_NO;
    }
    start = r.hs_pos;
    res = tls_parse_server_hello(&r, hs_len, md, &version);
    if (res != DPI_PROTO_YES) {
        return res;
    }
    if (version == 0x0304 || version >> 8 != 3) {
        *done = true;           /* TLS 1.3: the rest is encrypted. */
        return res;
    }
    if (tls_reader_used(&r, start) > hs_len
        || !tls_read(&r, NULL, hs_len - tls_reader_used(&r, start))) {
        *done = !r.more;
        return res;
    }
    if (!tls_read_uint(&r, 1, &type) || !tls_read_uint(&r, 3, &hs_len)) {
        *done = !r.more;
        return res;
    }
    if (type == TLS_HS_CERTIFICATE && !tls_parse_certificate(&r, hs_len, md)
        && r.more && !r.bad) {
        return res;             /* Not all there yet. */
    }
    *done = true;
    return res;
}

/* State of the server's direction after the verdict, in field _tls_server:
 * one byte, TLS_SRV_READING or TLS_SRV_DONE, then (reading) the TCP
 * sequence number of the next byte expected, 4 bytes big-endian, then the
 * server's stream from its first byte. */
#define TLS_SRV_READING 'R'
#define TLS_SRV_DONE 'D'
#define TLS_SRV_HDR 5

/* Marks the server's direction as done. */
static void
tls_server_done(struct dpi_md *md)
{
    uint8_t d = TLS_SRV_DONE;

    dpi_md_set(md, DPI_F__tls_server, &d, 1);
}

/* Returns true if 'cur', the 'len' bytes of field _tls_server (NULL if the
 * field is absent), says that follow mode has finished with the server's
 * direction: its ServerHello and Certificate were read, or cannot be. */
static bool
tls_server_state_done(const char *cur, size_t len)
{
    return cur && (len < TLS_SRV_HDR || cur[0] != TLS_SRV_READING);
}

/* Returns true if follow mode has finished with the server's direction of
 * a TLS connection whose metadata is 'md' (see tls_server_state_done()).
 * The client's direction has nothing to follow, so the parser then has
 * nothing more to learn from the connection. */
bool
dpi_tls_follow_done(const struct dpi_md *md)
{
    size_t len = 0;
    const char *cur = dpi_md_get(md, DPI_F__tls_server, &len);

    return tls_server_state_done(cur, len);
}

/* Returns true if the 'len' bytes at 'data' may start a server's stream:
 * warning alerts, then a handshake record whose first message is a
 * ServerHello, as far as the bytes go. */
static bool
tls_server_start_ok(const uint8_t *data, size_t len)
{
    size_t skip = tls_skip_alerts(data, len);
    const uint8_t *p = data + skip;
    size_t n = len - skip;

    if (n && p[0] == TLS_CT_ALERT && n < 7) {
        return true;            /* The start of an alert record. */
    }
    return (n && p[0] == TLS_CT_HANDSHAKE && (n < 2 || p[1] == 3)
            && (n < 6 || p[5] == TLS_HS_SERVER_HELLO));
}

/* Follow mode, server to client: the verdict was given on the ClientHello
 * before the server answered.  Buffers the server's stream, in order, in
 * field _tls_server (at most DPI_MD_VALUE_MAX bytes; segments out of order
 * are dropped) and reads its ServerHello and Certificate from it. */
static enum dpi_proto_result
tls_follow_server(const struct dpi_proto_ctx *ctx, const uint8_t *data,
                  size_t len, struct dpi_md *md)
{
    size_t cur_len = 0, have, n;
    const char *cur = dpi_md_get(md, DPI_F__tls_server, &cur_len);
    enum dpi_proto_result res;
    uint8_t *buf;
    uint32_t next;
    bool done;

    if (tls_server_state_done(cur, cur_len)) {
        return DPI_PROTO_NO;
    }
    if (!cur) {
        /* The server's first payload: a handshake record that starts with
         * a ServerHello, or this direction is of no interest. */
        if (!tls_server_start_ok(data, len)) {
            tls_server_done(md);
            return DPI_PROTO_NO;
        }
        have = 0;
        next = ctx->tcp_seq;
    } else {
        const uint8_t *c = (const uint8_t *) cur;

        have = cur_len - TLS_SRV_HDR;
        next = (uint32_t) c[1] << 24 | (uint32_t) c[2] << 16
               | (uint32_t) c[3] << 8 | c[4];
        if (ctx->tcp_seq != next) {
            return DPI_PROTO_NO;    /* A retransmission or a gap. */
        }
    }

    n = DPI_MD_VALUE_MAX - TLS_SRV_HDR - have;
    if (n > len) {
        n = len;
    }
    buf = malloc(TLS_SRV_HDR + have + n);
    if (!buf) {
        return DPI_PROTO_NO;
    }
    if (have) {
        memcpy(buf + TLS_SRV_HDR, cur + TLS_SRV_HDR, have);
    }
    memcpy(buf + TLS_SRV_HDR + have, data, n);
    have += n;
    next += (uint32_t) len;

    res = tls_server_flight(buf + TLS_SRV_HDR, have, md, &done);
    if (done || res == DPI_PROTO_NO
        || have >= DPI_MD_VALUE_MAX - TLS_SRV_HDR) {
        tls_server_done(md);
    } else {
        buf[0] = TLS_SRV_READING;
        buf[1] = next >> 24;
        buf[2] = next >> 16;
        buf[3] = next >> 8;
        buf[4] = next;
        if (!dpi_md_set(md, DPI_F__tls_server, buf, TLS_SRV_HDR + have)) {
            tls_server_done(md);
        }
    }
    free(buf);
    return res;
}

/* Parses a ClientHello in the SSL 2.0 compatible format (RFC 5246 E.2):
 * a 2-byte header with the high bit set, message type 1, version 3.x.  It
 * carries no extensions, so no server name. */
static enum dpi_proto_result
tls_parse_v2_client_hello(const uint8_t *data, size_t len)
{
    size_t i;

    for (i = 2; i < 5 && i < len; i++) {
        if ((i == 2 && data[i] != TLS_HS_CLIENT_HELLO)
            || (i == 3 && data[i] != 3) || (i == 4 && data[i] > 3)) {
            return DPI_PROTO_NO;
        }
    }
    if (len < 5) {
        return DPI_PROTO_MORE;
    }
    return ((size_t) (data[0] & 0x7f) << 8 | data[1]) < 9
           ? DPI_PROTO_NO : DPI_PROTO_YES;
}

/* Recognises a TLS connection captured after its handshake: the bytes
 * start with a change_cipher_spec (20), alert (21) or application_data
 * (23) record of version 3.1 to 3.4.  Every record header met must be
 * valid and the records must tile the bytes: YES once one complete record
 * has been checked and the bytes end exactly at a record boundary or at a
 * valid next header, MORE while the first record is incomplete, NO
 * otherwise.  Nothing is extracted: the handshake is gone. */
static enum dpi_proto_result
tls_parse_mid_stream(const uint8_t *data, size_t len)
{
    size_t pos = 0;
    int n = 0;

    while (pos < len) {
        const uint8_t *h = data + pos;
        size_t avail = len - pos, rec_len;

        if ((h[0] != 20 && h[0] != 21 && h[0] != 23)
            || (avail > 1 && h[1] != 3)
            || (avail > 2 && (h[2] < 1 || h[2] > 4))) {
            return DPI_PROTO_NO;
        }
        if (avail < 5) {
            return n ? DPI_PROTO_YES : DPI_PROTO_MORE;
        }
        rec_len = (size_t) h[3] << 8 | h[4];
        if (!rec_len || rec_len > TLS_MAX_RECORD) {
            return DPI_PROTO_NO;
        }
        if (avail < 5 + rec_len) {
            return n ? DPI_PROTO_YES : DPI_PROTO_MORE;
        }
        pos += 5 + rec_len;
        n++;
    }
    return DPI_PROTO_YES;
}

/* Longest run of bytes tls_resync() skips before the first record header:
 * the tail of a record cut by the start of the capture. */
#define TLS_RESYNC_MAX 8192

/* Checks whether a chain of records of the kind tls_parse_mid_stream()
 * accepts starts at 'data': returns DPI_PROTO_YES if at least one complete
 * record is followed by the end of the bytes or by a whole valid header,
 * DPI_PROTO_MORE if the first record is valid but incomplete, DPI_PROTO_NO
 * otherwise. */
static enum dpi_proto_result
tls_record_chain(const uint8_t *data, size_t len)
{
    size_t pos = 0;
    int n = 0;

    for (;;) {
        const uint8_t *h = data + pos;
        size_t rec_len;

        if (pos == len && n) {
            return DPI_PROTO_YES;
        }
        if (len - pos < 5) {
            return DPI_PROTO_NO;
        }
        rec_len = (size_t) h[3] << 8 | h[4];
        if ((h[0] != 20 && h[0] != 21 && h[0] != 23) || h[1] != 3
            || h[2] < 1 || h[2] > 4 || !rec_len || rec_len > TLS_MAX_RECORD) {
            return DPI_PROTO_NO;
        }
        if (n) {
            return DPI_PROTO_YES;
        }
        if (len - pos < 5 + rec_len) {
            return DPI_PROTO_MORE;
        }
        pos += 5 + rec_len;
        n++;
    }
}

/* Recognises a TLS connection whose capture began inside a record: the
 * first bytes are the tail of a record, then records follow.  Looks, in
 * the first TLS_RESYNC_MAX bytes, for an offset where a complete record of
 * the kind tls_parse_mid_stream() accepts is followed by the end of the
 * bytes or by another valid 5-byte header (RFC 8446 5.1: content type,
 * legacy version 3.x, length of at most 2^14 + 2048).  Two consistent
 * headers, or one whose length ends exactly at the end of the bytes, are
 * unlikely in other data; the TLS parser only runs on TLS candidates (its
 * ports).  MORE while some header's record is still incomplete and the
 * stream is short of DPI_PROTO_MAX_STREAM, NO otherwise. */
static enum dpi_proto_result
tls_resync(const uint8_t *data, size_t len)
{
    size_t k, end = len < TLS_RESYNC_MAX ? len : TLS_RESYNC_MAX;
    bool more = len < 5;

    for (k = 1; k + 5 <= end; k++) {
        enum dpi_proto_result r = tls_record_chain(data + k, len - k);

        if (r == DPI_PROTO_YES) {
            return DPI_PROTO_YES;
        }
        more |= r == DPI_PROTO_MORE;
    }
    return (more || len < 64) && len < DPI_PROTO_MAX_STREAM / 2
           ? DPI_PROTO_MORE : DPI_PROTO_NO;
}

/* Parses the first handshake message of a TLS stream: a ClientHello to
 * the server, else a ServerHello (and the Certificate after it, when it is
 * already there).  After the verdict (follow mode) reads the server's
 * flight up to its Certificate.  See dpi-proto.h. */
enum dpi_proto_result
dpi_tls_parse(const struct dpi_proto_ctx *ctx, const uint8_t *data,
              size_t len, struct dpi_md *md)
{
    struct tls_reader r = { .data = data, .len = len };
    enum dpi_proto_result res;
    size_t type, hs_len;

    if (!ctx->is_tcp) {
        return DPI_PROTO_NO;
    }
    if (ctx->follow) {
        return (ctx->to_server ? DPI_PROTO_NO
                : tls_follow_server(ctx, data, len, md));
    }
    if (ctx->to_server && len && data[0] & 0x80) {
        /* An SSL 2.0 ClientHello for SSL 2.0 itself is not TLS; other
         * bytes may be a record's tail (tls_resync()). */
        res = tls_parse_v2_client_hello(data, len);
        if (res != DPI_PROTO_NO || data[2] == TLS_HS_CLIENT_HELLO) {
            return res;
        }
    }
    if (len && data[0] != TLS_CT_HANDSHAKE) {
        res = tls_parse_mid_stream(data, len);
        if (res == DPI_PROTO_NO) {
            res = tls_resync(data, len);
        }
    } else if (ctx->to_server) {
        if (!tls_read_uint(&r, 1, &type) || !tls_read_uint(&r, 3, &hs_len)) {
            return r.more ? DPI_PROTO_MORE : DPI_PROTO_NO;
        }
        if (type != TLS_HS_CLIENT_HELLO) {
            return DPI_PROTO_NO;
        }
        res = tls_parse_client_hello(&r, hs_len, DPI_TLS_KIND_TLS, md);
    } else {
        bool done;

        res = tls_server_flight(data, len, md, &done);
        if (res == DPI_PROTO_YES) {
            /* The server's direction is over for follow mode. */
            tls_server_done(md);
        }
    }
    if (res == DPI_PROTO_YES) {
        uint16_t app = dpi_tls_port_proto(ctx->server_port);

        if (app) {
            dpi_md_set_u64(md, DPI_F__proto, app);
        }
    }
    return res;
}

/* See proto/tls.h. */
enum dpi_proto_result
dpi_tls_hello_body(const uint8_t *body, size_t avail, size_t body_len,
                   enum dpi_tls_kind kind, struct dpi_md *md)
{
    struct tls_reader r = { .data = body, .len = avail, .raw = true };

    return tls_parse_client_hello(&r, body_len, kind, md);
}

/* See dpi-proto.h. */
enum dpi_proto_result
dpi_tls_client_hello(const uint8_t *msg, size_t len, bool is_quic,
                     struct dpi_md *md)
{
    struct tls_reader r = { .data = msg, .len = len, .raw = true };
    size_t type, hs_len;

    if (!tls_read_uint(&r, 1, &type) || !tls_read_uint(&r, 3, &hs_len)
        || type != TLS_HS_CLIENT_HELLO) {
        return DPI_PROTO_NO;
    }
    return (tls_parse_client_hello(&r, hs_len,
                                   is_quic ? DPI_TLS_KIND_QUIC
                                   : DPI_TLS_KIND_TLS, md) == DPI_PROTO_YES
            ? DPI_PROTO_YES : DPI_PROTO_NO);
}
