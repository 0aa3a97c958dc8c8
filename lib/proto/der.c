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

/* X.509 certificate names from DER (ITU-T X.690, RFC 5280 4.1).
 *
 * dpi_der_cert_names() checks the certificate's outer structure (every
 * length nested in the one that encloses it, the fields of
 * tbsCertificate in their order with the right tags, nothing left over)
 * and returns where the issuer and subject Names are.
 * dpi_der_format_name() checks a Name down to each attribute value and
 * prints it the way the TLS parser always has: RDNs joined by ", ",
 * attributes of one RDN by " + ", each as SHORTNAME=value with the short
 * names OpenSSL uses, an unknown attribute type as its dotted OID with the
 * value's content octets in hex after '#'.  Values are printed in UTF-8
 * (UTF8String bytes as they are; the other string types converted from
 * their code points), with control characters as \XX and a backslash
 * doubled.
 *
 * What DER allows but certificates do not use (indefinite or over-long
 * lengths, high tag numbers, constructed strings, attribute values that
 * are not strings) is rejected, as is any inconsistency: then there is no
 * name at all.  Every read is checked against the bytes given. */

#include "proto/der.h"

#include <stdio.h>
#include <string.h>

/* Universal tags (X.680 8.4) of the types the walker reads. */
enum {
    DER_INTEGER = 0x02,
    DER_BIT_STRING = 0x03,
    DER_OID = 0x06,
    DER_UTC_TIME = 0x17,
    DER_GEN_TIME = 0x18,
    DER_UTF8_STRING = 0x0c,
    DER_NUMERIC_STRING = 0x12,
    DER_PRINTABLE_STRING = 0x13,
    DER_T61_STRING = 0x14,
    DER_IA5_STRING = 0x16,
    DER_UNIVERSAL_STRING = 0x1c,
    DER_BMP_STRING = 0x1e,
    DER_SEQUENCE = 0x30,
    DER_SET = 0x31,
};

/* Tags of tbsCertificate's tagged fields: version [0] EXPLICIT,
 * issuerUniqueID [1] and subjectUniqueID [2] IMPLICIT BIT STRING,
 * extensions [3] EXPLICIT. */
enum {
    DER_CTX_VERSION = 0xa0,
    DER_CTX_ISSUER_UID = 0x81,
    DER_CTX_SUBJECT_UID = 0x82,
    DER_CTX_EXTENSIONS = 0xa3,
};

/* A position in DER bytes: the bytes not read yet. */
struct der_cur {
    const uint8_t *p;           /* Next byte. */
    size_t left;                /* Bytes from 'p' to the end. */
};

/* One element (tag, length, contents) read from a cursor. */
struct der_tlv {
    const uint8_t *start;       /* Identifier octet's position. */
    uint8_t tag;                /* Identifier octet. */
    const uint8_t *v;           /* Contents. */
    size_t len;                 /* Bytes at 'v'. */
};

/* Reads the next element of 'c' into '*t' and moves past it.  Returns
 * false, leaving 'c' unchanged, if no complete element with a
 * low-number tag and a definite length of at most 4 length octets is
 * there. */
static bool
der_next(struct der_cur *c, struct der_tlv *t)
{
    size_t hdr, len, n, i;

    if (c->left < 2 || (c->p[0] & 0x1f) == 0x1f) {
        return false;
    }
    len = c->p[1];
    hdr = 2;
    if (len & 0x80) {
        n = len & 0x7f;
        if (!n || n > 4 || c->left - 2 < n) {
            return false;       /* Indefinite, or too long for us. */
        }
        for (len = 0, i = 0; i < n; i++) {
            len = (len << 8) | c->p[2 + i];
        }
        hdr += n;
    }
    if (len > c->left - hdr) {
        return false;
    }
    t->start = c->p;
    t->tag = c->p[0];
    t->v = c->p + hdr;
    t->len = len;
    c->p += hdr + len;
    c->left -= hdr + len;
    return true;
}

/* Reads the next element of 'c' into '*t' if it has tag 'tag'. */
static bool
der_expect(struct der_cur *c, uint8_t tag, struct der_tlv *t)
{
    struct der_cur save = *c;

    if (der_next(c, t) && t->tag == tag) {
        return true;
    }
    *c = save;
    return false;
}

/* Returns a cursor over the contents of 't'. */
static struct der_cur
der_inside(const struct der_tlv *t)
{
    struct der_cur c = { .p = t->v, .left = t->len };

    return c;
}

/* Returns true if 't' is a well-formed INTEGER: not empty, and its first
 * 9 bits are not all equal (X.690 8.3.2), except for the most negative
 * value of its length. */
static bool
der_integer_ok(const struct der_tlv *t)
{
    bool pad = false;
    size_t i;

    if (t->tag != DER_INTEGER || !t->len) {
        return false;
    }
    if (t->len == 1) {
        return true;
    }
    if (t->v[0] == 0) {
        pad = true;
    } else if (t->v[0] == 0xff) {
        for (i = 1; i < t->len; i++) {
            pad = pad || t->v[i];
        }
    }
    return !pad || (t->v[0] & 0x80) != (t->v[1] & 0x80);
}

/* Returns true if 't' has a valid BIT STRING unused-bits octet. */
static bool
der_bit_string_ok(const struct der_tlv *t)
{
    return t->len >= 1 && t->v[0] <= 7;
}

/* Returns true if 't' is an OBJECT IDENTIFIER whose contents are a
 * sequence of minimally encoded subidentifiers of at most 63 bits. */
static bool
der_oid_ok(const struct der_tlv *t)
{
    size_t i, start = 0;

    if (t->tag != DER_OID || !t->len || t->v[t->len - 1] & 0x80) {
        return false;
    }
    for (i = 0; i < t->len; i++) {
        if (i == start && t->v[i] == 0x80) {
            return false;       /* Leading zero septet. */
        }
        if (!(t->v[i] & 0x80)) {
            if (i - start >= 9) {
                return false;   /* Wider than we print. */
            }
            start = i + 1;
        }
    }
    return true;
}

/* Returns true if 't' is an AlgorithmIdentifier (RFC 5280 4.1.1.2): a
 * SEQUENCE of an OID and, optionally, parameters. */
static bool
der_algorithm_ok(const struct der_tlv *t)
{
    struct der_cur c = der_inside(t);
    struct der_tlv oid, params;

    return (t->tag == DER_SEQUENCE && der_next(&c, &oid) && der_oid_ok(&oid)
            && (!c.left || der_next(&c, &params)) && !c.left);
}

/* Returns true if 't' is a Validity (RFC 5280 4.1.2.5): a SEQUENCE of two
 * times, each a UTCTime or a GeneralizedTime. */
static bool
der_validity_ok(const struct der_tlv *t)
{
    struct der_cur c = der_inside(t);
    struct der_tlv time;
    int i;

    if (t->tag != DER_SEQUENCE) {
        return false;
    }
    for (i = 0; i < 2; i++) {
        if (!der_next(&c, &time)
            || (time.tag != DER_UTC_TIME && time.tag != DER_GEN_TIME)) {
            return false;
        }
    }
    return !c.left;
}

/* Returns true if 't' is a SubjectPublicKeyInfo (RFC 5280 4.1.2.7): a
 * SEQUENCE of an AlgorithmIdentifier and a BIT STRING. */
static bool
der_key_info_ok(const struct der_tlv *t)
{
    struct der_cur c = der_inside(t);
    struct der_tlv alg, key;

    return (t->tag == DER_SEQUENCE && der_next(&c, &alg)
            && der_algorithm_ok(&alg) && der_expect(&c, DER_BIT_STRING, &key)
            && der_bit_string_ok(&key) && !c.left);
}

/* Finds the issuer and subject Names of the certificate in the 'len'
 * bytes at 'cert' (RFC 5280 4.1; bytes after the certificate are
 * ignored).  Returns false if its structure is broken. */
bool
dpi_der_cert_names(const uint8_t *cert, size_t len,
                   struct dpi_der_cert_names *names)
{
    struct der_cur top = { .p = cert, .left = len };
    struct der_tlv t, tbs, issuer, subject, inner;
    struct der_cur c, tc, vc;

    if (!der_expect(&top, DER_SEQUENCE, &t)) {
        return false;
    }
    c = der_inside(&t);
    if (!der_expect(&c, DER_SEQUENCE, &tbs)
        || !der_next(&c, &t) || !der_algorithm_ok(&t)
        || !der_expect(&c, DER_BIT_STRING, &t) || !der_bit_string_ok(&t)
        || c.left) {
        return false;
    }

    tc = der_inside(&tbs);
    if (der_expect(&tc, DER_CTX_VERSION, &t)) {
        vc = der_inside(&t);
        if (!der_next(&vc, &inner) || !der_integer_ok(&inner) || vc.left) {
            return false;
        }
    }
    if (!der_next(&tc, &t) || !der_integer_ok(&t)         /* serial */
        || !der_next(&tc, &t) || !der_algorithm_ok(&t)    /* signature */
        || !der_expect(&tc, DER_SEQUENCE, &issuer)
        || !der_next(&tc, &t) || !der_validity_ok(&t)
        || !der_expect(&tc, DER_SEQUENCE, &subject)
        || !der_next(&tc, &t) || !der_key_info_ok(&t)) {
        return false;
    }
    if (der_expect(&tc, DER_CTX_ISSUER_UID, &t) && !der_bit_string_ok(&t)) {
        return false;
    }
    if (der_expect(&tc, DER_CTX_SUBJECT_UID, &t)
        && !der_bit_string_ok(&t)) {
        return false;
    }
    der_expect(&tc, DER_CTX_EXTENSIONS, &t);
    if (tc.left) {
        return false;
    }

    names->issuer = issuer.v;
    names->issuer_len = issuer.len;
    names->subject = subject.v;
    names->subject_len = subject.len;
    return true;
}

/* Short names of the attribute types of X.520 (2.5.4.N), indexed by N. */
static const char *const der_x520_names[] = {
    [3] = "CN", [4] = "SN", [5] = "serialNumber", [6] = "C", [7] = "L",
    [8] = "ST", [9] = "street", [10] = "O", [11] = "OU", [12] = "title",
    [13] = "description", [14] = "searchGuide",
    [15] = "businessCategory", [16] = "postalAddress",
    [17] = "postalCode", [18] = "postOfficeBox",
    [19] = "physicalDeliveryOfficeName", [20] = "telephoneNumber",
    [21] = "telexNumber", [22] = "teletexTerminalIdentifier",
    [23] = "facsimileTelephoneNumber", [24] = "x121Address",
    [25] = "internationaliSDNNumber", [26] = "registeredAddress",
    [27] = "destinationIndicator", [28] = "preferredDeliveryMethod",
    [29] = "presentationAddress", [30] = "supportedApplicationContext",
    [31] = "member", [32] = "owner", [33] = "roleOccupant",
    [34] = "seeAlso", [35] = "userPassword", [36] = "userCertificate",
    [37] = "cACertificate", [38] = "authorityRevocationList",
    [39] = "certificateRevocationList", [40] = "crossCertificatePair",
    [41] = "name", [42] = "GN", [43] = "initials",
    [44] = "generationQualifier", [45] = "x500UniqueIdentifier",
    [46] = "dnQualifier", [47] = "enhancedSearchGuide",
    [48] = "protocolInformation", [49] = "distinguishedName",
    [50] = "uniqueMember", [51] = "houseIdentifier",
    [52] = "supportedAlgorithms", [53] = "deltaRevocationList",
    [54] = "dmdName", [65] = "pseudonym", [72] = "role",
    [97] = "organizationIdentifier", [98] = "c3", [99] = "n3",
    [100] = "dnsName",
};

/* Short names of the pilot attribute types of RFC 4519 and RFC 1274
 * (0.9.2342.19200300.100.1.N), indexed by N. */
static const char *const der_pilot_names[] = {
    [1] = "UID", [2] = "textEncodedORAddress", [3] = "mail",
    [4] = "info", [5] = "favouriteDrink", [6] = "roomNumber",
    [7] = "photo", [8] = "userClass", [9] = "host", [10] = "manager",
    [11] = "documentIdentifier", [12] = "documentTitle",
    [13] = "documentVersion", [14] = "documentAuthor",
    [15] = "documentLocation", [20] = "homeTelephoneNumber",
    [21] = "secretary", [22] = "otherMailbox", [23] = "lastModifiedTime",
    [24] = "lastModifiedBy", [25] = "DC", [26] = "aRecord",
    [27] = "pilotAttributeType27", [28] = "mXRecord", [29] = "nSRecord",
    [30] = "sOARecord", [31] = "cNAMERecord", [37] = "associatedDomain",
    [38] = "associatedName", [39] = "homePostalAddress",
    [40] = "personalTitle", [41] = "mobileTelephoneNumber",
    [42] = "pagerTelephoneNumber", [43] = "friendlyCountryName",
    [44] = "uid", [45] = "organizationalStatus", [46] = "janetMailbox",
    [47] = "mailPreferenceOption", [48] = "buildingName",
    [49] = "dSAQuality", [50] = "singleLevelQuality",
    [51] = "subtreeMinimumQuality", [52] = "subtreeMaximumQuality",
    [53] = "personalSignature", [54] = "dITRedirect", [55] = "audio",
    [56] = "documentPublisher",
};

/* Short names of the PKCS #9 attribute types (RFC 2985) found in names
 * (1.2.840.113549.1.9.N), indexed by N. */
static const char *const der_pkcs9_names[] = {
    [1] = "emailAddress", [2] = "unstructuredName",
    [8] = "unstructuredAddress",
};

/* Short names of the EV jurisdiction attribute types (CA/Browser Forum EV
 * guidelines, 1.3.6.1.4.1.311.60.2.1.N), indexed by N. */
static const char *const der_ev_names[] = {
    [1] = "jurisdictionL", [2] = "jurisdictionST", [3] = "jurisdictionC",
};

/* A family of attribute types: the contents octets of their OIDs but the
 * last, which is one octet N (below 128) indexing 'names'. */
struct der_oid_family {
    const char *prefix;         /* OID contents octets but the last. */
    size_t prefix_len;          /* Bytes at 'prefix'. */
    const char *const *names;   /* Short names by last arc, or NULL. */
    size_t n_names;             /* Elements of 'names'. */
};

#define DER_FAMILY(PREFIX, NAMES) \
    { PREFIX, sizeof PREFIX - 1, NAMES, sizeof NAMES / sizeof NAMES[0] }

/* The attribute type families with short names. */
static const struct der_oid_family der_families[] = {
    DER_FAMILY("\x55\x04", der_x520_names),
    DER_FAMILY("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01", der_pilot_names),
    DER_FAMILY("\x2a\x86\x48\x86\xf7\x0d\x01\x09", der_pkcs9_names),
    DER_FAMILY("\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01", der_ev_names),
};

/* Returns the short name of the attribute type whose OID has the 'len'
 * contents octets at 'oid', or NULL if it has none. */
static const char *
der_oid_short_name(const uint8_t *oid, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof der_families / sizeof der_families[0]; i++) {
        const struct der_oid_family *f = &der_families[i];
        size_t arc = oid[len - 1];

        if (len == f->prefix_len + 1
            && !memcmp(oid, f->prefix, f->prefix_len)
            && arc < f->n_names) {
            return f->names[arc];
        }
    }
    return NULL;
}

/* Where a name is printed: at most 'cap' bytes are kept, the rest is
 * counted only. */
struct der_out {
    char *buf;                  /* Output. */
    size_t cap;                 /* Size of 'buf'. */
    size_t len;                 /* Bytes kept in 'buf'. */
};

/* Appends the 'n' bytes at 's', as much as fits. */
static void
der_put(struct der_out *o, const char *s, size_t n)
{
    size_t room = o->cap - o->len;

    if (n > room) {
        n = room;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

/* Appends byte 'b' of a value: a control character as "\XX", a backslash
 * doubled, anything else as it is. */
static void
der_put_byte(struct der_out *o, uint8_t b)
{
    static const char digits[] = "0123456789ABCDEF";

    if (b < 0x20 || b == 0x7f) {
        char tmp[3] = { '\\', digits[b >> 4], digits[b & 15] };

        der_put(o, tmp, 3);
    } else if (b == '\\') {
        der_put(o, "\\\\", 2);
    } else {
        der_put(o, (const char *) &b, 1);
    }
}

/* Appends code point 'c' (at most 0x10ffff, not a surrogate) in UTF-8,
 * each byte as der_put_byte() does. */
static void
der_put_code_point(struct der_out *o, uint32_t c)
{
    if (c < 0x80) {
        der_put_byte(o, c);
    } else if (c < 0x800) {
        der_put_byte(o, 0xc0 | (c >> 6));
        der_put_byte(o, 0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        der_put_byte(o, 0xe0 | (c >> 12));
        der_put_byte(o, 0x80 | ((c >> 6) & 0x3f));
        der_put_byte(o, 0x80 | (c & 0x3f));
    } else {
        der_put_byte(o, 0xf0 | (c >> 18));
        der_put_byte(o, 0x80 | ((c >> 12) & 0x3f));
        der_put_byte(o, 0x80 | ((c >> 6) & 0x3f));
        der_put_byte(o, 0x80 | (c & 0x3f));
    }
}

/* Returns true if 'c' is a Unicode scalar value. */
static bool
der_scalar_ok(uint32_t c)
{
    return c <= 0x10ffff && (c < 0xd800 || c > 0xdfff);
}

/* Returns the length of the well-formed UTF-8 sequence (RFC 3629) at the
 * start of the 'len' bytes at 's', or 0 if there is none. */
static size_t
der_utf8_seq(const uint8_t *s, size_t len)
{
    uint32_t c, min;
    size_t n, i;

    if (s[0] < 0x80) {
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        n = 2, c = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, c = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    return c >= min && der_scalar_ok(c) ? n : 0;
}

/* Bytes per character of the string types a name's attribute value may
 * have, by universal tag: 1 for the 8-bit types (their bytes taken as
 * code points), 2 for BMPString, 4 for UniversalString, 8 for UTF8String
 * (a variable width), 0 for a type that is not allowed.  A BIT STRING
 * (its bits, the unused ones cleared) and a SEQUENCE (its whole encoding)
 * are taken as 8-bit strings too. */
static const uint8_t der_char_width[31] = {
    [DER_BIT_STRING] = 1, [7] = 1, [8] = 1, [9] = 1, [11] = 1,
    [DER_UTF8_STRING] = 8, [13] = 1, [14] = 1, [15] = 1,
    [DER_NUMERIC_STRING] = 1, [DER_PRINTABLE_STRING] = 1,
    [DER_T61_STRING] = 1, [DER_IA5_STRING] = 1,
    [DER_UNIVERSAL_STRING] = 4, [29] = 1, [DER_BMP_STRING] = 2,
};

/* Returns true if the 'n' bytes at 'd' are all printable ASCII other than
 * a backslash: bytes that der_put_byte() prints as they are. */
static bool
der_plain(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] < 0x20 || d[i] >= 0x7f || d[i] == '\\') {
            return false;
        }
    }
    return true;
}

/* Checks attribute value 't' and appends it to 'o': as its text if 'hex'
 * is false, as '#' and its contents in hexadecimal if true.  Returns false
 * if 't' is not a valid string. */
static bool
der_put_value(struct der_out *o, const struct der_tlv *t, bool hex)
{
    static const char digits[] = "0123456789ABCDEF";
    const uint8_t *d = t->v;
    uint8_t last_mask = 0xff;
    size_t n_bytes = t->len;
    size_t width, i, n;

    if (t->tag == DER_SEQUENCE) {
        d = t->start;
        n_bytes = t->v + t->len - t->start;
        width = 1;
    } else {
        width = t->tag < sizeof der_char_width ? der_char_width[t->tag] : 0;
    }
    if (t->tag == DER_BIT_STRING) {
        if (!der_bit_string_ok(t)) {
            return false;
        }
        last_mask = 0xff << d[0];
        d++;
        n_bytes--;
    }
    if (!width || ((width == 2 || width == 4) && n_bytes % width)) {
        return false;
    }
    if (!hex && (width == 1 || width == 8) && last_mask == 0xff
        && der_plain(d, n_bytes)) {
        /* Printable ASCII, the common case: valid, and printed as it
         * is. */
        der_put(o, (const char *) d, n_bytes);
        return true;
    }
    for (i = 0; i < n_bytes; i += n) {
        uint32_t c = i == n_bytes - 1 ? d[i] & last_mask : d[i];

        n = width;
        if (width == 8) {
            n = der_utf8_seq(d + i, n_bytes - i);
            if (!n) {
                return false;
            }
        } else if (width == 2) {
            c = (c << 8) | d[i + 1];
        } else if (width == 4) {
            c = (c << 24) | ((uint32_t) d[i + 1] << 16)
                | ((uint32_t) d[i + 2] << 8) | d[i + 3];
        }
        if (width != 8 && !der_scalar_ok(c)) {
            return false;
        }
        if (hex) {
            continue;
        }
        if (width == 8) {
            size_t j;

            for (j = 0; j < n; j++) {
                der_put_byte(o, d[i + j]);
            }
        } else {
            der_put_code_point(o, c);
        }
    }
    if (hex) {
        der_put(o, "#", 1);
        for (i = 0; i < n_bytes; i++) {
            uint8_t b = i == n_bytes - 1 ? d[i] & last_mask : d[i];
            char pair[2] = { digits[b >> 4], digits[b & 15] };

            der_put(o, pair, 2);
        }
    }
    return true;
}

/* Appends the dotted decimal form of OID 't' (checked by der_oid_ok()),
 * cut at 79 characters. */
static void
der_put_oid(struct der_out *o, const struct der_tlv *t)
{
    char text[80];
    size_t len = 0, i;
    uint64_t v = 0;
    bool first = true;

    for (i = 0; i < t->len; i++) {
        v = (v << 7) | (t->v[i] & 0x7f);
        if (t->v[i] & 0x80) {
            continue;
        }
        if (first) {
            unsigned int top = v < 80 ? v / 40 : 2;

            v -= top * 40;
            len += snprintf(text + len, sizeof text - len, "%u", top);
            first = false;
        }
        if (len < sizeof text - 1) {
            len += snprintf(text + len, sizeof text - len, ".%llu",
                            (unsigned long long) v);
        }
        if (len > sizeof text - 1) {
            len = sizeof text - 1;
        }
        v = 0;
    }
    der_put(o, text, len);
}

/* Checks the Name whose RDN sequence is the 'len' bytes at 'name' and
 * prints it into 'out' (at most 'cap' bytes, not NUL-terminated; the rest
 * is cut off), storing the length printed in '*out_len'.  Returns false,
 * with nothing to use in 'out', if the Name is malformed.  An empty Name
 * prints as nothing. */
bool
dpi_der_format_name(const uint8_t *name, size_t len, char *out, size_t cap,
                    size_t *out_len)
{
    struct der_out o = { .buf = out, .cap = cap, .len = 0 };
    struct der_cur rdns = { .p = name, .left = len };
    bool any = false;
    struct der_tlv rdn;

    while (rdns.left) {
        struct der_cur atvs;
        bool first = true;

        if (!der_expect(&rdns, DER_SET, &rdn)) {
            return false;
        }
        atvs = der_inside(&rdn);
        while (atvs.left) {
            struct der_tlv atv, type, value;
            struct der_cur c;
            const char *sn;

            if (!der_expect(&atvs, DER_SEQUENCE, &atv)) {
                return false;
            }
            c = der_inside(&atv);
            if (!der_next(&c, &type) || !der_oid_ok(&type)
                || !der_next(&c, &value) || c.left) {
                return false;
            }
            if (any) {
                der_put(&o, first ? ", " : " + ", first ? 2 : 3);
            }
            sn = der_oid_short_name(type.v, type.len);
            if (sn) {
                der_put(&o, sn, strlen(sn));
            } else {
                der_put_oid(&o, &type);
            }
            der_put(&o, "=", 1);
            if (!der_put_value(&o, &value, !sn)) {
                return false;
            }
            any = true;
            first = false;
        }
    }
    *out_len = o.len;
    return true;
}
