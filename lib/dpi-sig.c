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

/* Signature database: parses a signature file (the format is documented at
 * the top of lib/signatures/00-core.sig and in docs/signatures.md) and
 * compiles it into:
 *
 *   - a Hyperscan block-mode database of payload patterns, each proposing
 *     one slot (an L7 protocol, or a service that a "protocol SERVICE" line
 *     identifies by its own payload), scanned once per payload packet over
 *     the first DPI_SIG_SCAN_MAX bytes;
 *
 *   - host patterns, each naming one service, matched against a host name.
 *     A "host" suffix matches the name itself and its subdomains only, as
 *     the anchored expression (?:^|\.)SUFFIX$ would.  Of several matches
 *     the one that starts leftmost, i.e. the longest suffix, wins, so that a
 *     specific entry ("instagram.fbcdn.net") beats a general one
 *     ("fbcdn.net") whatever their order in the file; ties go to the
 *     earlier pattern.  The suffixes are a sorted table, looked up for the
 *     name and for what follows each of its dots (a few binary searches);
 *     only "host-regex" patterns, for the names a suffix cannot express
 *     (google.com, google.fr, google.co.uk ...), are compiled into a
 *     Hyperscan database, with HS_FLAG_SOM_LEFTMOST so that their starts
 *     compete with the suffixes' under the same rule.  Compiling the
 *     hundreds of suffixes into Hyperscan with start-of-match tracking
 *     took about half of the database's compile time;
 *
 *   - a sorted table of port hints (transport, port, protocol line), which
 *     both the candidate protocols of a packet (dpi_sig_match_ports()) and
 *     the port guess at the end of an inspection (dpi_sig_guess()) search.
 *
 * Address blocks ("ip" CIDR prefixes, each naming one service) are
 * compiled apart from Hyperscan: every prefix is an inclusive range of
 * 128-bit addresses (an IPv4 prefix a.b.c.d/N is the IPv4-mapped range
 * ::ffff:a.b.c.d/(96+N), the form struct dpi_addr uses), and since two
 * prefixes are either nested or disjoint, the set flattens into a sorted
 * array of disjoint ranges, each labelled with the service of the longest
 * prefix covering it.  A lookup is then one binary search, with no
 * allocation. */

#include "dpi-sig-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <hs.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpi-app.h"

/* Largest signature file accepted, in bytes. */
#define DPI_SIG_MAX_FILE (4 * 1024 * 1024)

/* Most ports on one protocol line. */
#define DPI_SIG_MAX_PORTS 16

/* Marks an unused parameter. */
#define DPI_SIG_UNUSED __attribute__((unused))

/* IP protocol numbers of the transports a protocol line may name. */
#define DPI_SIG_TCP 6
#define DPI_SIG_UDP 17

/* Marks a "protocol NAME ip N" declaration in struct dpi_sig_proto's
 * 'l4_proto' while it is being parsed (no transport has this number: it is
 * reserved, RFC 5237). */
#define DPI_SIG_IP 255
/* Most address blocks in one signature file. */
#define DPI_SIG_MAX_BLOCKS 65536

/* A 128-bit address as a number, for range arithmetic. */
struct dpi_sig_u128 {
    uint64_t hi;                /* Most significant 64 bits. */
    uint64_t lo;                /* Least significant 64 bits. */
};

/* An address block ("ip" prefix) of a service, as an inclusive range; or,
 * in the compiled database, a range of addresses whose longest covering
 * prefix is a block of 'app'. */
struct dpi_sig_block {
    struct dpi_sig_u128 first;  /* First address. */
    struct dpi_sig_u128 last;   /* Last address. */
    uint16_t app;               /* Service. */
    int line;                   /* Line of the file (parsing only). */
};

/* One "protocol" line. */
struct dpi_sig_proto {
    uint16_t app;               /* Protocol's application id. */
    uint8_t l4_proto;           /* DPI_SIG_TCP or DPI_SIG_UDP. */
    uint8_t slot;               /* Protocol's slot. */
    size_t n_ports;             /* Number of elements in 'ports'. */
    uint16_t ports[DPI_SIG_MAX_PORTS]; /* Port hints. */
};

/* One port hint of the compiled database: protocol line 'proto' lists
 * 'port' over 'l4_proto'.  The hints are sorted by transport, port and
 * then file order, so that one binary search finds every protocol line
 * that lists a port, the first line first. */
struct dpi_sig_port {
    uint16_t port;              /* Port number. */
    uint8_t l4_proto;           /* DPI_SIG_TCP or DPI_SIG_UDP. */
    uint8_t slot;               /* Slot of the protocol line. */
    uint16_t app;               /* Application of the protocol line. */
    uint32_t proto;             /* Index of the line in 'protos'. */
};

/* A "host" suffix of the compiled database.  The suffixes are sorted by
 * name, then pattern id, so that a binary search finds the earliest
 * pattern of a name. */
struct dpi_sig_suffix {
    const char *name;           /* Suffix in lower case (the pattern's). */
    size_t len;                 /* Length of 'name'. */
    unsigned int id;            /* Host pattern id (file order). */
};

/* A set of byte values. */
struct dpi_sig_bset {
    uint64_t w[4];              /* Bit 'b % 64' of 'w[b / 64]' is byte 'b'. */
};

/* Operations of a fixed pattern's positions (struct dpi_sig_fixed): a
 * value below DPI_SIG_OP_ANY is the one byte accepted, DPI_SIG_OP_ANY
 * accepts any byte, and DPI_SIG_OP_CLASS + K accepts the bytes of class K
 * of the database. */
#define DPI_SIG_OP_ANY 256
#define DPI_SIG_OP_CLASS 257

/* Flag of an operation that accepts a run of zero or more bytes, all
 * accepted by the operation without the flag, instead of one byte. */
#define DPI_SIG_OP_STAR 0x8000

/* Most classes (distinct sets of bytes) of the fixed patterns of one
 * database. */
#define DPI_SIG_MAX_CLASSES (DPI_SIG_OP_STAR - DPI_SIG_OP_CLASS)

/* An anchored payload pattern of the compiled database, or one
 * alternative of one: it matches a payload whose first bytes are accepted,
 * one by one (or run by run, for DPI_SIG_OP_STAR), by its 'len'
 * operations, except for a gap of 'gap_min' to 'gap_max' bytes of any
 * value after the first 'gap_at' of them (if 'gap_at' is 'len', the gap
 * is at the end and 'gap_max' is 'gap_min', 0 if the pattern has none).
 * See dpi_sig_fixed_parse(). */
struct dpi_sig_fixed {
    uint32_t ops;               /* Index of its first operation in
                                 * 'fixed_ops'. */
    uint16_t len;               /* Number of operations. */
    uint16_t min_len;           /* Fewest bytes it matches, without the
                                 * gap. */
    uint16_t gap_at;            /* Operations before the gap. */
    uint16_t gap_min;           /* Fewest bytes in the gap. */
    uint16_t gap_max;           /* Most bytes in the gap. */
    uint8_t l4_proto;           /* DPI_SIG_TCP or DPI_SIG_UDP. */
    uint8_t slot;               /* Slot proposed. */
};

/* A compiled signature file. */
struct dpi_sigdb {
    struct dpi_sig_proto *protos;  /* Protocol lines, in file order. */
    size_t n_protos;               /* Number of elements in 'protos'. */
    struct dpi_sig_port *ports;    /* Port hints, sorted. */
    size_t n_ports;                /* Number of elements in 'ports'. */
    uint16_t slot_app[DPI_SIG_MAX_SLOTS]; /* Application of each slot. */
    size_t n_slots;                /* Slots in use. */
    hs_database_t *payload_db;     /* Payload patterns compiled by
                                    * Hyperscan, or NULL if none. */
    struct dpi_sig_fixed *fixed;   /* Payload patterns matched without
                                    * Hyperscan (see dpi_sig_fixed_parse()),
                                    * one per alternative. */
    size_t n_fixed;                /* Number of elements in 'fixed'. */
    uint16_t *fixed_ops;           /* Their operations. */
    struct dpi_sig_bset *classes;  /* Classes of DPI_SIG_OP_CLASS. */
    uint32_t fixed_first[257];     /* Byte B -> 'fixed_index' from
                                    * 'fixed_first[B]' to
                                    * 'fixed_first[B + 1]' lists the fixed
                                    * patterns whose first byte may be B. */
    uint32_t *fixed_index;         /* Indexes in 'fixed'. */
    size_t *payload_proto;         /* Pattern id -> index in 'protos'. */
    hs_database_t *host_db;        /* Host regexes, or NULL if none. */
    uint16_t *host_app;            /* Host pattern id -> service. */
    struct dpi_sig_suffix *suffixes; /* Host suffixes, sorted. */
    size_t n_suffixes;             /* Number of elements in 'suffixes'. */
    char *suffix_text;             /* The suffixes' names. */
    uint16_t ip_app[256];          /* IP protocol number -> protocol
                                    * declared with "ip N", or 0. */
    struct dpi_sig_block *blocks;  /* Disjoint address ranges, sorted. */
    size_t n_blocks;               /* Number of elements in 'blocks'. */
};

/* Per-thread scratch space. */
struct dpi_sig_scratch {
    hs_scratch_t *hs;           /* Scratch for both databases, or NULL if
                                 * the database has no pattern. */
};

/* A pattern waiting to be compiled. */
struct dpi_sig_pattern {
    char *expr;                 /* Hyperscan expression, malloc()ed; for a
                                 * host suffix, the suffix in lower case. */
    unsigned int flags;         /* HS_FLAG_*; 0 for a host suffix. */
    int line;                   /* Line of the file that gave it. */
    size_t target;              /* Index in 'protos', or service id. */
    bool fixed;                 /* Matched without Hyperscan (see
                                 * dpi_sig_fixed_parse()). */
    bool host_suffix;           /* A "host" suffix: not compiled into
                                 * Hyperscan but looked up in a sorted
                                 * table (struct dpi_sig_suffix). */
};

/* A growable array of patterns. */
struct dpi_sig_patterns {
    struct dpi_sig_pattern *p;  /* Elements. */
    size_t n;                   /* Elements in use. */
    size_t allocated;           /* Elements allocated. */
};

/* Kinds of declaration. */
enum dpi_sig_decl {
    DPI_SIG_DECL_NONE,          /* None in progress. */
    DPI_SIG_DECL_PROTOCOL,      /* A "protocol" declaration. */
    DPI_SIG_DECL_SERVICE,       /* A "service" declaration. */
};

/* State of one parse. */
struct dpi_sig_parser {
    const char *name;           /* File name for messages. */
    int line;                   /* Current line number, from 1. */
    char *error;                /* First error message, malloc()ed. */
    int errnum;                 /* Its errno value. */
    struct dpi_sigdb *db;       /* Database being built. */
    size_t allocated_protos;    /* Elements allocated in 'db->protos'. */
    struct dpi_sig_patterns payload;  /* Payload patterns. */
    struct dpi_sig_patterns host;     /* Host patterns. */
    struct dpi_sig_block *blocks;     /* Address blocks, in file order. */
    size_t n_blocks;                  /* Number of elements in 'blocks'. */
    size_t allocated_blocks;          /* Elements allocated in 'blocks'. */
    enum dpi_sig_decl decl;     /* Declaration in progress. */
    int decl_line;              /* Its first line. */
    size_t n_decl_patterns;     /* Patterns it has given. */
    bool nocase_ok;             /* The last keyword was a payload. */
    struct dpi_sig_proto proto; /* The protocol being declared. */
    uint16_t service;           /* The service being declared. */
    uint8_t ip_proto;           /* "ip N" declaration: N. */
    int ip_line[256];           /* Line that declared each 'db->ip_app'. */
};

/* Formats an error message, prefixed by 'prefix' when it is not NULL, into
 * a malloc()ed string.  Returns NULL only if memory is short. */
static char * __attribute__((format(printf, 2, 0)))
dpi_sig_vformat(const char *prefix, const char *fmt, va_list args)
{
    char msg[512];
    char *s;
    int n;

    vsnprintf(msg, sizeof msg, fmt, args);
    n = snprintf(NULL, 0, "%s%s", prefix ? prefix : "", msg);
    s = n >= 0 ? malloc((size_t) n + 1) : NULL;
    if (s) {
        snprintf(s, (size_t) n + 1, "%s%s", prefix ? prefix : "", msg);
    }
    return s;
}

/* Records error 'errnum' with a message "NAME:LINE: ..." in 'p', unless an
 * error is already recorded.  Always returns false. */
static bool __attribute__((format(printf, 3, 4)))
dpi_sig_error(struct dpi_sig_parser *p, int errnum, const char *fmt, ...)
{
    char prefix[256];
    va_list args;

    if (p->errnum) {
        return false;
    }
    if (p->line > 0) {
        snprintf(prefix, sizeof prefix, "%s:%d: ", p->name, p->line);
    } else {
        snprintf(prefix, sizeof prefix, "%s: ", p->name);
    }
    va_start(args, fmt);
    p->error = dpi_sig_vformat(prefix, fmt, args);
    va_end(args);
    p->errnum = errnum;
    return false;
}

/* Appends a pattern to 'ps'; takes ownership of 'expr'. */
static bool
dpi_sig_add_pattern(struct dpi_sig_parser *p, struct dpi_sig_patterns *ps,
                    char *expr, unsigned int flags, size_t target)
{
    if (!expr) {
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }
    if (ps->n == ps->allocated) {
        size_t n = ps->allocated ? 2 * ps->allocated : 16;
        struct dpi_sig_pattern *np = realloc(ps->p, n * sizeof *np);

        if (!np) {
            free(expr);
            return dpi_sig_error(p, ENOMEM, "out of memory");
        }
        ps->p = np;
        ps->allocated = n;
    }
    ps->p[ps->n++] = (struct dpi_sig_pattern) {
        .expr = expr, .flags = flags, .line = p->line, .target = target,
    };
    return true;
}

/* Frees the patterns in 'ps'. */
static void
dpi_sig_patterns_destroy(struct dpi_sig_patterns *ps)
{
    size_t i;

    for (i = 0; i < ps->n; i++) {
        free(ps->p[i].expr);
    }
    free(ps->p);
}

/* Token kinds. */
enum dpi_sig_token_type {
    DPI_SIG_TOK_END,            /* End of line (or comment). */
    DPI_SIG_TOK_WORD,           /* A bare word. */
    DPI_SIG_TOK_STRING,         /* A quoted string. */
    DPI_SIG_TOK_ERROR,          /* Bad token; error recorded. */
};

/* Reads the next token of the line at '*cursor' into 'tok' (of 'size'
 * bytes), advancing '*cursor'.  In a quoted string \" stands for a quote
 * and every other backslash sequence is kept as is, for Hyperscan. */
static enum dpi_sig_token_type
dpi_sig_token(struct dpi_sig_parser *p, const char **cursor, char *tok,
              size_t size)
{
    const char *s = *cursor;
    size_t n = 0;

    while (*s == ' ' || *s == '\t' || *s == '\r') {
        s++;
    }
    if (!*s || *s == '#') {
        *cursor = s;
        return DPI_SIG_TOK_END;
    }
    if (*s == '"') {
        for (s++; *s != '"'; s++) {
            if (!*s) {
                dpi_sig_error(p, EINVAL, "missing closing quote");
                return DPI_SIG_TOK_ERROR;
            }
            if (s[0] == '\\' && s[1] == '"') {
                s++;
            } else if (s[0] == '\\' && s[1]) {
                if (n + 1 < size) {
                    tok[n++] = *s;
                }
                s++;
            }
            if (n + 1 < size) {
                tok[n++] = *s;
            }
        }
        s++;
        if (n + 1 >= size) {
            dpi_sig_error(p, EINVAL, "string too long (at most %zu bytes)",
                          size - 2);
            return DPI_SIG_TOK_ERROR;
        }
        if (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#') {
            dpi_sig_error(p, EINVAL, "missing blank after closing quote");
            return DPI_SIG_TOK_ERROR;
        }
        tok[n] = '\0';
        *cursor = s;
        return DPI_SIG_TOK_STRING;
    }
    while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#') {
        if (*s == '"') {
            dpi_sig_error(p, EINVAL, "unexpected quote");
            return DPI_SIG_TOK_ERROR;
        }
        if (n + 1 < size) {
            tok[n++] = *s;
        }
        s++;
    }
    if (n + 1 >= size) {
        dpi_sig_error(p, EINVAL, "word too long");
        return DPI_SIG_TOK_ERROR;
    }
    tok[n] = '\0';
    *cursor = s;
    return DPI_SIG_TOK_WORD;
}

/* Reads the quoted argument of keyword 'kw' into 'tok'. */
static bool
dpi_sig_string_arg(struct dpi_sig_parser *p, const char **cursor,
                   const char *kw, char *tok, size_t size)
{
    enum dpi_sig_token_type t = dpi_sig_token(p, cursor, tok, size);

    if (t == DPI_SIG_TOK_ERROR) {
        return false;
    } else if (t != DPI_SIG_TOK_STRING) {
        return dpi_sig_error(p, EINVAL, "'%s' needs a quoted argument", kw);
    } else if (!tok[0]) {
        return dpi_sig_error(p, EINVAL, "empty '%s' argument", kw);
    }
    return true;
}

/* Parses the comma-separated port list 's' into 'proto'. */
static bool
dpi_sig_parse_ports(struct dpi_sig_parser *p, const char *s,
                    struct dpi_sig_proto *proto)
{
    const char *start = s;

    for (;;) {
        unsigned long port = 0;
        const char *digits = s;

        while (*s >= '0' && *s <= '9' && port <= 65535) {
            port = port * 10 + (unsigned long) (*s++ - '0');
        }
        if (s == digits || port < 1 || port > 65535
            || (*s && *s != ',')) {
            return dpi_sig_error(p, EINVAL, "bad port list '%s'", start);
        }
        if (proto->n_ports >= DPI_SIG_MAX_PORTS) {
            return dpi_sig_error(p, EINVAL, "more than %d ports",
                                 DPI_SIG_MAX_PORTS);
        }
        proto->ports[proto->n_ports++] = (uint16_t) port;
        if (!*s) {
            return true;
        }
        s++;
    }
}

/* Kinds of application a declaration may name. */
enum dpi_sig_app_kind {
    DPI_SIG_APP_ANY,            /* An L7 protocol or a service. */
    DPI_SIG_APP_SERVICE,        /* A service (id from 1024) only. */
};

/* Looks up application 'name', which must be of kind 'kind'. */
static bool
dpi_sig_app(struct dpi_sig_parser *p, const char *name,
            enum dpi_sig_app_kind kind, uint16_t *app)
{
    if (!dpi_app_from_name(name, app) || !*app) {
        return dpi_sig_error(p, EINVAL, "unknown application '%s'", name);
    }
    if (kind == DPI_SIG_APP_SERVICE && dpi_app_is_protocol(*app)) {
        return dpi_sig_error(p, EINVAL, "'%s' is a protocol, not a service",
                             name);
    }
    return true;
}

/* Returns the slot of protocol 'app', allocating one if needed; -1 if all
 * slots are taken (error recorded). */
static int
dpi_sig_slot(struct dpi_sig_parser *p, uint16_t app)
{
    struct dpi_sigdb *db = p->db;
    int slot = dpi_sig_app_slot(db, app);

    if (slot >= 0) {
        return slot;
    }
    if (db->n_slots >= DPI_SIG_MAX_SLOTS) {
        dpi_sig_error(p, EINVAL, "more than %d protocols",
                      DPI_SIG_MAX_SLOTS);
        return -1;
    }
    db->slot_app[db->n_slots] = app;
    return (int) db->n_slots++;
}

/* Checks that 's' is a host name suffix: labels of letters, digits, '-'
 * and '_', separated by single dots. */
static bool
dpi_sig_is_host_suffix(const char *s)
{
    size_t label = 0;

    for (; *s; s++) {
        if (*s == '.') {
            if (!label) {
                return false;
            }
            label = 0;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
                   || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_') {
            label++;
        } else {
            return false;
        }
    }
    return label > 0;
}

/* Returns a malloc()ed copy of 's' in lower case (ASCII), or NULL if
 * memory is short. */
static char *
dpi_sig_lower(const char *s)
{
    char *copy = strdup(s);
    char *q;

    for (q = copy; q && *q; q++) {
        if (*q >= 'A' && *q <= 'Z') {
            *q = (char) (*q - 'A' + 'a');
        }
    }
    return copy;
}

/* Returns 'a' plus one (wrapping around). */
static struct dpi_sig_u128
dpi_sig_u128_inc(struct dpi_sig_u128 a)
{
    a.lo++;
    if (!a.lo) {
        a.hi++;
    }
    return a;
}

/* Returns 'a' minus one (wrapping around). */
static struct dpi_sig_u128
dpi_sig_u128_dec(struct dpi_sig_u128 a)
{
    if (!a.lo) {
        a.hi--;
    }
    a.lo--;
    return a;
}

/* Returns -1, 0 or 1 as 'a' is less than, equal to or greater than 'b'. */
static int
dpi_sig_u128_cmp(struct dpi_sig_u128 a, struct dpi_sig_u128 b)
{
    if (a.hi != b.hi) {
        return a.hi < b.hi ? -1 : 1;
    }
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

/* Returns the 16 bytes of address 'b' (network order) as a number. */
static struct dpi_sig_u128
dpi_sig_u128_from_bytes(const uint8_t b[16])
{
    struct dpi_sig_u128 a = { 0, 0 };
    int i;

    for (i = 0; i < 8; i++) {
        a.hi = a.hi << 8 | b[i];
        a.lo = a.lo << 8 | b[i + 8];
    }
    return a;
}

/* Parses the CIDR prefix 's' ("a.b.c.d/N", N from 0 to 32, or
 * "IPV6/N", N from 0 to 128; no bit may be set past the prefix) of the
 * service being declared and adds it to the parser's blocks. */
static bool
dpi_sig_add_block(struct dpi_sig_parser *p, const char *s)
{
    char addr[INET6_ADDRSTRLEN + 1];
    struct dpi_sig_block *b;
    const char *slash = strchr(s, '/');
    uint8_t bytes[16];
    unsigned int plen, max;
    struct dpi_sig_u128 mask;
    size_t n;
    char *end;

    if (!slash || (size_t) (slash - s) >= sizeof addr || !slash[1]
        || slash[1] < '0' || slash[1] > '9'
        || (slash[1] == '0' && slash[2])) {
        return dpi_sig_error(p, EINVAL, "bad ip block \"%s\" (expected "
                             "ADDRESS/LENGTH)", s);
    }
    memcpy(addr, s, (size_t) (slash - s));
    addr[slash - s] = '\0';
    memset(bytes, 0, sizeof bytes);
    if (inet_pton(AF_INET, addr, bytes + 12) == 1) {
        bytes[10] = bytes[11] = 0xff;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, bytes) == 1) {
        max = 128;
    } else {
        return dpi_sig_error(p, EINVAL, "bad address in ip block \"%s\"",
                             s);
    }
    errno = 0;
    n = strtoul(slash + 1, &end, 10);
    if (errno || *end || n > max) {
        return dpi_sig_error(p, EINVAL, "bad prefix length in ip block "
                             "\"%s\" (0 to %u)", s, max);
    }
    plen = (unsigned int) n + (128 - max);

    /* 'mask' has the low 128 - 'plen' bits set. */
    mask.hi = plen >= 64 ? 0 : (plen ? UINT64_MAX >> plen : UINT64_MAX);
    mask.lo = plen >= 128 ? 0 : (plen <= 64 ? UINT64_MAX
                                 : UINT64_MAX >> (plen - 64));
    if (p->n_blocks >= DPI_SIG_MAX_BLOCKS) {
        return dpi_sig_error(p, EINVAL, "too many ip blocks (at most %d)",
                             DPI_SIG_MAX_BLOCKS);
    }
    if (p->n_blocks == p->allocated_blocks) {
        size_t na = p->allocated_blocks ? 2 * p->allocated_blocks : 64;
        struct dpi_sig_block *nb = realloc(p->blocks, na * sizeof *nb);

        if (!nb) {
            return dpi_sig_error(p, ENOMEM, "out of memory");
        }
        p->blocks = nb;
        p->allocated_blocks = na;
    }
    b = &p->blocks[p->n_blocks];
    b->first = dpi_sig_u128_from_bytes(bytes);
    if ((b->first.hi & mask.hi) || (b->first.lo & mask.lo)) {
        return dpi_sig_error(p, EINVAL, "ip block \"%s\" has bits set "
                             "past its prefix length", s);
    }
    b->last.hi = b->first.hi | mask.hi;
    b->last.lo = b->first.lo | mask.lo;
    b->app = p->service;
    b->line = p->line;
    p->n_blocks++;
    return true;
}

/* qsort() comparison of blocks: by first address, then the wider (outer)
 * block first. */
static int
dpi_sig_block_cmp(const void *a_, const void *b_)
{
    const struct dpi_sig_block *a = a_, *b = b_;
    int c = dpi_sig_u128_cmp(a->first, b->first);

    return c ? c : dpi_sig_u128_cmp(b->last, a->last);
}

/* Appends the range 'first'..'last' of service 'app' to 'out', which has
 * '*n' elements, merging it with the previous range when they touch and
 * have the same service. */
static void
dpi_sig_emit_range(struct dpi_sig_block *out, size_t *n,
                   struct dpi_sig_u128 first, struct dpi_sig_u128 last,
                   uint16_t app)
{
    if (*n && out[*n - 1].app == app
        && !dpi_sig_u128_cmp(dpi_sig_u128_inc(out[*n - 1].last), first)) {
        out[*n - 1].last = last;
    } else {
        out[*n].first = first;
        out[*n].last = last;
        out[*n].app = app;
        out[*n].line = 0;
        (*n)++;
    }
}

/* Flattens the parser's blocks into the database's sorted array of
 * disjoint ranges (see the comment at the top of this file).  The same
 * prefix twice is an error. */
static bool
dpi_sig_compile_blocks(struct dpi_sig_parser *p)
{
    struct dpi_sig_block *in = p->blocks, *out, **stack;
    struct dpi_sig_u128 cur = { 0, 0 };
    size_t n = p->n_blocks, n_out = 0, depth = 0, i;
    bool wrapped = false;

    if (!n) {
        return true;
    }
    qsort(in, n, sizeof *in, dpi_sig_block_cmp);
    for (i = 1; i < n; i++) {
        if (!dpi_sig_u128_cmp(in[i].first, in[i - 1].first)
            && !dpi_sig_u128_cmp(in[i].last, in[i - 1].last)) {
            p->line = in[i - 1].line > in[i].line ? in[i - 1].line
                                                  : in[i].line;
            return dpi_sig_error(p, EINVAL, "ip block declared twice (also "
                                 "on line %d)",
                                 in[i - 1].line < in[i].line
                                 ? in[i - 1].line : in[i].line);
        }
    }

    /* Each prefix adds at most two ranges: itself, and the rest of its
     * parent after it. */
    out = malloc(2 * n * sizeof *out);
    stack = malloc(n * sizeof *stack);
    if (!out || !stack) {
        free(out);
        free(stack);
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }

    /* 'stack' holds the prefixes that contain the current position,
     * outermost first; 'cur' is the first address not yet emitted, unless
     * everything up to the last address was ('wrapped'). */
    for (i = 0; i <= n; i++) {
        struct dpi_sig_block *b = i < n ? &in[i] : NULL;

        while (depth && (!b || dpi_sig_u128_cmp(stack[depth - 1]->last,
                                                b->first) < 0)) {
            struct dpi_sig_block *t = stack[--depth];

            if (!wrapped && dpi_sig_u128_cmp(cur, t->last) <= 0) {
                dpi_sig_emit_range(out, &n_out, cur, t->last, t->app);
                cur = dpi_sig_u128_inc(t->last);
                wrapped = !cur.hi && !cur.lo;
            }
        }
        if (!b) {
            break;
        }
        if (depth && dpi_sig_u128_cmp(cur, b->first) < 0) {
            dpi_sig_emit_range(out, &n_out, cur,
                               dpi_sig_u128_dec(b->first),
                               stack[depth - 1]->app);
        }
        cur = b->first;
        stack[depth++] = b;
    }
    free(stack);
    p->db->blocks = out;
    p->db->n_blocks = n_out;
    return true;
}

/* Handles keyword 'kw' of a "protocol" declaration, reading its
 * arguments from '*cursor'. */
static bool
dpi_sig_protocol_keyword(struct dpi_sig_parser *p, const char *kw,
                         const char **cursor, char *tok, size_t size)
{
    if (p->proto.l4_proto == DPI_SIG_IP) {
        return dpi_sig_error(p, EINVAL, "'protocol %s ip %d' takes no "
                             "keyword ('%s')", dpi_app_name(p->proto.app),
                             p->ip_proto, kw);
    }
    if (!strcmp(kw, "payload")) {
        if (!dpi_sig_string_arg(p, cursor, "payload", tok, size)
            || !dpi_sig_add_pattern(p, &p->payload, strdup(tok),
                                    HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH,
                                    p->db->n_protos)) {
            return false;
        }
        p->n_decl_patterns++;
        p->nocase_ok = true;
        return true;
    } else if (!strcmp(kw, "nocase")) {
        if (!p->nocase_ok) {
            return dpi_sig_error(p, EINVAL,
                                 "'nocase' must follow a payload pattern");
        }
        p->payload.p[p->payload.n - 1].flags |= HS_FLAG_CASELESS;
        p->nocase_ok = false;
        return true;
    } else if (!strcmp(kw, "ports")) {
        p->nocase_ok = false;
        if (dpi_sig_token(p, cursor, tok, size) != DPI_SIG_TOK_WORD) {
            return dpi_sig_error(p, EINVAL, "'ports' needs a list of ports");
        }
        return dpi_sig_parse_ports(p, tok, &p->proto);
    }
    return dpi_sig_error(p, EINVAL, "unknown keyword '%s'", kw);
}

/* Handles keyword 'kw' of a "service" declaration, reading its arguments
 * from '*cursor'. */
static bool
dpi_sig_service_keyword(struct dpi_sig_parser *p, const char *kw,
                        const char **cursor, char *tok, size_t size)
{
    char *expr;

    if (!strcmp(kw, "host")) {
        if (!dpi_sig_string_arg(p, cursor, "host", tok, size)) {
            return false;
        }
        if (!dpi_sig_is_host_suffix(tok)) {
            return dpi_sig_error(p, EINVAL, "bad host suffix \"%s\"", tok);
        }
        p->n_decl_patterns++;
        if (!dpi_sig_add_pattern(p, &p->host, dpi_sig_lower(tok), 0,
                                 p->service)) {
            return false;
        }
        p->host.p[p->host.n - 1].host_suffix = true;
        return true;
    } else if (!strcmp(kw, "host-regex")) {
        if (!dpi_sig_string_arg(p, cursor, "host-regex", tok, size)) {
            return false;
        }
        expr = strdup(tok);
    } else if (!strcmp(kw, "ip")) {
        if (!dpi_sig_string_arg(p, cursor, "ip", tok, size)) {
            return false;
        }
        p->n_decl_patterns++;
        return dpi_sig_add_block(p, tok);
    } else {
        return dpi_sig_error(p, EINVAL, "unknown keyword '%s'", kw);
    }
    p->n_decl_patterns++;
    return dpi_sig_add_pattern(p, &p->host, expr,
                               HS_FLAG_CASELESS | HS_FLAG_DOTALL
                               | HS_FLAG_SOM_LEFTMOST, p->service);
}

/* Handles the keywords at '*cursor' up to the end of the line, for the
 * declaration in progress. */
static bool
dpi_sig_keywords(struct dpi_sig_parser *p, const char **cursor, char *tok,
                 size_t size)
{
    for (;;) {
        enum dpi_sig_token_type t = dpi_sig_token(p, cursor, tok, size);
        bool ok;

        if (t == DPI_SIG_TOK_END) {
            return true;
        } else if (t == DPI_SIG_TOK_ERROR) {
            return false;
        } else if (t == DPI_SIG_TOK_STRING) {
            return dpi_sig_error(p, EINVAL, "unexpected string \"%s\"", tok);
        }
        ok = (p->decl == DPI_SIG_DECL_PROTOCOL
              ? dpi_sig_protocol_keyword(p, tok, cursor, tok, size)
              : dpi_sig_service_keyword(p, tok, cursor, tok, size));
        if (!ok) {
            return false;
        }
    }
}

/* Checks and records the declaration in progress, if any.  Errors name the
 * declaration's first line. */
static bool
dpi_sig_end_decl(struct dpi_sig_parser *p)
{
    struct dpi_sigdb *db = p->db;
    enum dpi_sig_decl decl = p->decl;
    int line = p->line;
    bool ok = true;

    p->decl = DPI_SIG_DECL_NONE;
    p->line = p->decl_line;
    if (decl == DPI_SIG_DECL_PROTOCOL && p->proto.l4_proto == DPI_SIG_IP) {
        /* Identified by the IP protocol number alone: no slot. */
        db->ip_app[p->ip_proto] = p->proto.app;
        p->ip_line[p->ip_proto] = p->decl_line;
    } else if (decl == DPI_SIG_DECL_PROTOCOL) {
        uint16_t app = p->proto.app;

        if (!p->n_decl_patterns && !p->proto.n_ports) {
            ok = dpi_sig_error(p, EINVAL, "protocol %s has neither a "
                               "payload pattern nor ports",
                               dpi_app_name(app));
        } else if (!p->n_decl_patterns && !dpi_classify_has_parser(app)) {
            ok = dpi_sig_error(p, EINVAL, "protocol %s has no parser, so it "
                               "needs a payload pattern", dpi_app_name(app));
        } else if (db->n_protos == p->allocated_protos) {
            size_t n = p->allocated_protos ? 2 * p->allocated_protos : 8;
            struct dpi_sig_proto *np = realloc(db->protos, n * sizeof *np);

            if (!np) {
                ok = dpi_sig_error(p, ENOMEM, "out of memory");
            } else {
                db->protos = np;
                p->allocated_protos = n;
            }
        }
        if (ok) {
            db->protos[db->n_protos++] = p->proto;
        }
    } else if (decl == DPI_SIG_DECL_SERVICE && !p->n_decl_patterns) {
        ok = dpi_sig_error(p, EINVAL, "service %s has no host pattern "
                           "or address block",
                           dpi_app_name(p->service));
    }
    p->line = line;
    return ok;
}

/* Parses the IP protocol number 's' (0-254, not TCP or UDP) of an "ip N"
 * declaration into 'p->ip_proto'. */
static bool
dpi_sig_parse_ip_proto(struct dpi_sig_parser *p, const char *s)
{
    unsigned long n = 0;
    const char *c;

    for (c = s; *c >= '0' && *c <= '9' && n <= 255; c++) {
        n = n * 10 + (unsigned long) (*c - '0');
    }
    if (c == s || *c || n > 254) {
        return dpi_sig_error(p, EINVAL, "bad IP protocol number '%s' "
                             "(expected 0 to 254)", s);
    }
    if (n == DPI_SIG_TCP || n == DPI_SIG_UDP) {
        return dpi_sig_error(p, EINVAL, "IP protocol %lu is %s: use "
                             "'protocol %s %s'", n,
                             n == DPI_SIG_TCP ? "TCP" : "UDP",
                             dpi_app_name(p->proto.app),
                             n == DPI_SIG_TCP ? "tcp" : "udp");
    }
    if (p->db->ip_app[n]) {
        return dpi_sig_error(p, EINVAL, "IP protocol %lu already declared "
                             "as %s at line %d", n,
                             dpi_app_name(p->db->ip_app[n]),
                             p->ip_line[n]);
    }
    p->ip_proto = (uint8_t) n;
    return true;
}

/* Starts a "protocol" declaration: reads its name and transport (tcp, udp,
 * or "ip N"). */
static bool
dpi_sig_begin_protocol(struct dpi_sig_parser *p, const char **cursor,
                       char *tok, size_t size)
{
    uint16_t app;
    int slot;

    if (dpi_sig_token(p, cursor, tok, size) != DPI_SIG_TOK_WORD) {
        return dpi_sig_error(p, EINVAL, "'protocol' needs a protocol or "
                             "service name");
    }
    if (!dpi_sig_app(p, tok, DPI_SIG_APP_ANY, &app)) {
        return false;
    }
    memset(&p->proto, 0, sizeof p->proto);
    p->proto.app = app;

    if (dpi_sig_token(p, cursor, tok, size) != DPI_SIG_TOK_WORD) {
        return dpi_sig_error(p, EINVAL, "'protocol %s' needs a transport "
                             "(tcp, udp or ip N)", dpi_app_name(app));
    }
    if (!strcmp(tok, "tcp")) {
        p->proto.l4_proto = DPI_SIG_TCP;
    } else if (!strcmp(tok, "udp")) {
        p->proto.l4_proto = DPI_SIG_UDP;
    } else if (!strcmp(tok, "ip")) {
        if (!dpi_app_is_protocol(app)) {
            return dpi_sig_error(p, EINVAL, "'%s' is a service: 'ip N' "
                                 "declares L7 protocols only",
                                 dpi_app_name(app));
        }
        if (dpi_sig_token(p, cursor, tok, size) != DPI_SIG_TOK_WORD) {
            return dpi_sig_error(p, EINVAL, "'protocol %s ip' needs an IP "
                                 "protocol number", dpi_app_name(app));
        }
        if (!dpi_sig_parse_ip_proto(p, tok)) {
            return false;
        }
        p->proto.l4_proto = DPI_SIG_IP;
        p->decl = DPI_SIG_DECL_PROTOCOL;
        return true;
    } else {
        return dpi_sig_error(p, EINVAL, "unknown transport '%s' (expected "
                             "tcp, udp or ip N)", tok);
    }
    slot = dpi_sig_slot(p, app);
    if (slot < 0) {
        return false;
    }
    p->proto.slot = (uint8_t) slot;
    p->decl = DPI_SIG_DECL_PROTOCOL;
    return true;
}

/* Starts a "service" declaration: reads its name. */
static bool
dpi_sig_begin_service(struct dpi_sig_parser *p, const char **cursor,
                      char *tok, size_t size)
{
    if (dpi_sig_token(p, cursor, tok, size) != DPI_SIG_TOK_WORD) {
        return dpi_sig_error(p, EINVAL, "'service' needs a service name");
    }
    if (!dpi_sig_app(p, tok, DPI_SIG_APP_SERVICE, &p->service)) {
        return false;
    }
    p->decl = DPI_SIG_DECL_SERVICE;
    return true;
}

/* Parses one line, NUL-terminated, without its LF.  A line that starts
 * with a blank continues the declaration in progress. */
static bool
dpi_sig_parse_line(struct dpi_sig_parser *p, const char *line)
{
    size_t size = strlen(line) + 2;
    const char *cursor = line;
    enum dpi_sig_token_type t;
    char *tok = malloc(size);
    bool ok;

    if (!tok) {
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }
    t = dpi_sig_token(p, &cursor, tok, size);
    if (t == DPI_SIG_TOK_END) {
        ok = true;
    } else if (t == DPI_SIG_TOK_ERROR) {
        ok = false;
    } else if (line[0] == ' ' || line[0] == '\t') {
        if (p->decl == DPI_SIG_DECL_NONE) {
            ok = dpi_sig_error(p, EINVAL, "indented line continues no "
                               "declaration");
        } else {
            cursor = line;
            ok = dpi_sig_keywords(p, &cursor, tok, size);
        }
    } else if (!dpi_sig_end_decl(p)) {
        ok = false;
    } else {
        p->decl_line = p->line;
        p->n_decl_patterns = 0;
        p->nocase_ok = false;
        if (t == DPI_SIG_TOK_WORD && !strcmp(tok, "protocol")) {
            ok = dpi_sig_begin_protocol(p, &cursor, tok, size);
        } else if (t == DPI_SIG_TOK_WORD && !strcmp(tok, "service")) {
            ok = dpi_sig_begin_service(p, &cursor, tok, size);
        } else {
            ok = dpi_sig_error(p, EINVAL, "expected 'protocol' or "
                               "'service', not '%s'", tok);
        }
        ok = ok && dpi_sig_keywords(p, &cursor, tok, size);
    }
    free(tok);
    return ok;
}

/* qsort() comparison of struct dpi_sig_port: by transport, port, then
 * file order. */
static int
dpi_sig_port_cmp(const void *a_, const void *b_)
{
    const struct dpi_sig_port *a = a_, *b = b_;

    if (a->l4_proto != b->l4_proto) {
        return a->l4_proto < b->l4_proto ? -1 : 1;
    }
    if (a->port != b->port) {
        return a->port < b->port ? -1 : 1;
    }
    return a->proto < b->proto ? -1 : a->proto > b->proto;
}

/* Builds the sorted port hints of 'p->db' from its protocol lines. */
static bool
dpi_sig_compile_ports(struct dpi_sig_parser *p)
{
    struct dpi_sigdb *db = p->db;
    size_t i, j, n = 0;

    for (i = 0; i < db->n_protos; i++) {
        n += db->protos[i].n_ports;
    }
    if (!n) {
        return true;
    }
    db->ports = calloc(n, sizeof *db->ports);
    if (!db->ports) {
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }
    for (i = 0; i < db->n_protos; i++) {
        const struct dpi_sig_proto *proto = &db->protos[i];

        for (j = 0; j < proto->n_ports; j++) {
            struct dpi_sig_port *port = &db->ports[db->n_ports++];

            port->port = proto->ports[j];
            port->l4_proto = proto->l4_proto;
            port->slot = proto->slot;
            port->app = proto->app;
            port->proto = (uint32_t) i;
        }
    }
    qsort(db->ports, db->n_ports, sizeof *db->ports, dpi_sig_port_cmp);
    return true;
}

/* Most alternatives of one fixed payload pattern. */
#define DPI_SIG_FIXED_MAX_ALTS 32

/* Most bytes of one alternative of a fixed payload pattern. */
#define DPI_SIG_FIXED_MAX_LEN 128

/* Most byte tests that the part after the gap of a fixed payload pattern
 * may cost on one payload, summed over its alternatives: the number of gap
 * lengths to try times the atoms after the gap, plus DPI_SIG_SCAN_MAX per
 * run after the gap (see dpi_sig_fixed_parse()).  Costlier patterns go to
 * Hyperscan, whose scan time does not grow with them. */
#define DPI_SIG_FIXED_MAX_WORK 65536

/* A payload pattern parsed by dpi_sig_fixed_parse(): 'n_alts'
 * alternatives, alternative 'i' accepting the payloads whose first
 * 'len[i]' bytes are in 'set[i][0]', 'set[i][1]' ... in turn (a run of
 * such bytes where 'star[i][k]'), except that the pattern may have one
 * gap: between 'gap_at[i]' sets and the next,
 * from 'gap_min' to 'gap_max' bytes of any value. */
struct dpi_sig_fixed_parse {
    size_t n_alts;              /* Number of alternatives. */
    size_t len[DPI_SIG_FIXED_MAX_ALTS];  /* Length of each. */
    struct dpi_sig_bset set[DPI_SIG_FIXED_MAX_ALTS][DPI_SIG_FIXED_MAX_LEN];
                                /* Accepted bytes at each position. */
    bool star[DPI_SIG_FIXED_MAX_ALTS][DPI_SIG_FIXED_MAX_LEN];
                                /* Whether a position takes a run of zero
                                 * or more bytes of its set. */
    bool has_gap;               /* Whether there is a gap. */
    size_t gap_at[DPI_SIG_FIXED_MAX_ALTS];  /* Sets before it. */
    size_t gap_min;             /* Fewest bytes in it. */
    size_t gap_max;             /* Most bytes in it. */
};

/* Adds byte 'b' to 's'. */
static void
dpi_sig_bset_add(struct dpi_sig_bset *s, unsigned int b)
{
    s->w[b / 64] |= UINT64_C(1) << (b % 64);
}

/* Returns true if 's' holds byte 'b'. */
static bool
dpi_sig_bset_has(const struct dpi_sig_bset *s, unsigned int b)
{
    return (s->w[b / 64] >> (b % 64)) & 1;
}

/* Returns true if 'a' and 'b' have a byte in common. */
static bool
dpi_sig_bset_intersects(const struct dpi_sig_bset *a,
                        const struct dpi_sig_bset *b)
{
    return ((a->w[0] & b->w[0]) || (a->w[1] & b->w[1])
            || (a->w[2] & b->w[2]) || (a->w[3] & b->w[3]));
}

/* Returns the number of bytes in 's'. */
static int
dpi_sig_bset_count(const struct dpi_sig_bset *s)
{
    return (__builtin_popcountll(s->w[0]) + __builtin_popcountll(s->w[1])
            + __builtin_popcountll(s->w[2]) + __builtin_popcountll(s->w[3]));
}

/* Returns the value of hexadecimal digit 'c', or -1 if it is not one. */
static int
dpi_sig_hex(char c)
{
    return (c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : -1);
}

/* Returns true if 'c' is an ASCII letter or digit. */
static bool
dpi_sig_is_alnum(char c)
{
    return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9'));
}

/* Reads the escape sequence at '*sp' (which starts with a backslash) and
 * returns the byte it stands for, advancing '*sp'; returns -1 for a
 * sequence outside the subset dpi_sig_fixed_parse() accepts: \xHH (two
 * hexadecimal digits), \r, \n, \t, and a backslash before an ASCII
 * character that is neither a letter nor a digit, which stands for that
 * character. */
static int
dpi_sig_fixed_escape(const char **sp)
{
    const char *s = *sp;

    if (s[1] == 'x') {
        int hi = dpi_sig_hex(s[2]);
        int lo = hi < 0 ? -1 : dpi_sig_hex(s[3]);

        if (lo < 0) {
            return -1;
        }
        *sp = s + 4;
        return hi * 16 + lo;
    } else if (s[1] == 'r' || s[1] == 'n' || s[1] == 't') {
        *sp = s + 2;
        return s[1] == 'r' ? '\r' : s[1] == 'n' ? '\n' : '\t';
    } else if (s[1] && !(s[1] & 0x80) && !dpi_sig_is_alnum(s[1])) {
        *sp = s + 2;
        return (unsigned char) s[1];
    }
    return -1;
}

/* Reads one member of a character class at '*sp', as
 * dpi_sig_fixed_escape() or a plain byte other than '[' and '\\'.
 * Returns the byte, or -1. */
static int
dpi_sig_fixed_class_char(const char **sp)
{
    const char *s = *sp;

    if (*s == '\\') {
        return dpi_sig_fixed_escape(sp);
    } else if (!*s || *s == '[') {
        return -1;
    }
    *sp = s + 1;
    return (unsigned char) *s;
}

/* If '*sp' starts with \s (white space: \t, \n, \v, \f, \r and space) or
 * \d (a decimal digit), adds its bytes to 'set', advances '*sp' and returns
 * true. */
static bool
dpi_sig_fixed_type(const char **sp, struct dpi_sig_bset *set)
{
    const char *s = *sp;
    unsigned int c;

    if (s[0] != '\\' || (s[1] != 's' && s[1] != 'd')) {
        return false;
    }
    for (c = 0; c < 256; c++) {
        if (s[1] == 's' ? (c >= '\t' && c <= '\r') || c == ' '
            : c >= '0' && c <= '9') {
            dpi_sig_bset_add(set, c);
        }
    }
    *sp = s + 2;
    return true;
}

/* Adds to 's' the other case of every ASCII letter it holds. */
static void
dpi_sig_bset_fold(struct dpi_sig_bset *s)
{
    unsigned int c;

    for (c = 'a'; c <= 'z'; c++) {
        if (dpi_sig_bset_has(s, c) || dpi_sig_bset_has(s, c - 'a' + 'A')) {
            dpi_sig_bset_add(s, c);
            dpi_sig_bset_add(s, c - 'a' + 'A');
        }
    }
}

/* Reads one atom at '*sp' into 's': a byte, an escape sequence (see
 * dpi_sig_fixed_escape()), \s or \d (see dpi_sig_fixed_type()), '.' (any
 * byte: payload patterns are DOTALL), or a character class "[...]" or
 * "[^...]" of bytes, escape sequences, \s, \d and ranges (a class may
 * not start with ']' nor hold "[:name:]").  With 'caseless', letters also
 * stand for their other case.  Returns false, leaving '*sp' alone, if
 * there is no atom of the subset there. */
static bool
dpi_sig_fixed_atom(const char **sp, bool caseless, struct dpi_sig_bset *set)
{
    const char *s = *sp;
    int c;

    memset(set, 0, sizeof *set);
    if (*s == '.') {
        memset(set, 0xff, sizeof *set);
        *sp = s + 1;
        return true;
    } else if (*s == '[') {
        bool negate = s[1] == '^';

        s += negate ? 2 : 1;
        if (*s == ']') {
            return false;
        }
        while (*s != ']') {
            int lo, hi;

            if (dpi_sig_fixed_type(&s, set)) {
                if (s[0] == '-' && s[1] != ']') {
                    return false;
                }
                continue;
            }
            lo = hi = dpi_sig_fixed_class_char(&s);
            if (lo < 0) {
                return false;
            }
            if (s[0] == '-' && s[1] != ']') {
                s++;
                hi = dpi_sig_fixed_class_char(&s);
                if (hi < lo) {
                    return false;
                }
            }
            for (c = lo; c <= hi; c++) {
                dpi_sig_bset_add(set, (unsigned int) c);
            }
        }
        s++;
        if (caseless) {
            dpi_sig_bset_fold(set);
        }
        if (negate) {
            for (c = 0; c < 4; c++) {
                set->w[c] = ~set->w[c];
            }
        }
        if (!dpi_sig_bset_count(set)) {
            return false;       /* Never matches: Hyperscan tells. */
        }
        *sp = s;
        return true;
    } else if (dpi_sig_fixed_type(&s, set)) {
        *sp = s;
        return true;
    } else if (*s == '\\') {
        c = dpi_sig_fixed_escape(&s);
    } else if (!*s || strchr("()|*+?{}[]^$", *s)) {
        return false;
    } else {
        c = (unsigned char) *s++;
    }
    if (c < 0) {
        return false;
    }
    dpi_sig_bset_add(set, (unsigned int) c);
    if (caseless) {
        dpi_sig_bset_fold(set);
    }
    *sp = s;
    return true;
}

/* Reads the repeat count of the atom just read, at '*sp': 1 if none
 * follows, N for "{N}" (N from 1 to DPI_SIG_FIXED_MAX_LEN), 0 for '*' and
 * 1 for '+', with '*star' set for these two (the atom, then a run of it);
 * returns 0 with '*star' false for any other quantifier, which the subset
 * does not accept. */
static size_t
dpi_sig_fixed_count(const char **sp, bool *star)
{
    const char *s = *sp;
    size_t n = 0;

    *star = *s == '*' || *s == '+';
    if (*star) {
        *sp = s + 1;
        return *s == '+';
    } else if (*s == '?') {
        return 0;
    } else if (*s != '{') {
        return 1;
    }
    for (s++; *s >= '0' && *s <= '9' && n <= DPI_SIG_FIXED_MAX_LEN; s++) {
        n = n * 10 + (size_t) (*s - '0');
    }
    if (*s != '}' || s == *sp + 1 || n > DPI_SIG_FIXED_MAX_LEN) {
        return 0;
    }
    *sp = s + 1;
    return n;
}

/* Reads at '*sp' a gap of any bytes: ".*", ".+", ".?" or ".{M,N}" (M up
 * to N, N from 1 to DPI_SIG_SCAN_MAX), and stores its fewest and most
 * bytes in '*min' and '*max'.  As a pattern sees at most DPI_SIG_SCAN_MAX
 * bytes, ".*" and ".+" have at most that many.  Returns false, leaving
 * '*sp' alone, if there is no gap there. */
static bool
dpi_sig_fixed_gap(const char **sp, size_t *min, size_t *max)
{
    const char *s = *sp;
    size_t m = 0, n = 0;

    if (s[0] != '.') {
        return false;
    } else if (s[1] == '*' || s[1] == '+' || s[1] == '?') {
        *min = s[1] == '+';
        *max = s[1] == '?' ? 1 : DPI_SIG_SCAN_MAX;
        *sp = s + 2;
        return true;
    } else if (s[1] != '{') {
        return false;
    }
    for (s += 2; *s >= '0' && *s <= '9' && m <= DPI_SIG_SCAN_MAX; s++) {
        m = m * 10 + (size_t) (*s - '0');
    }
    if (s == *sp + 2 || *s != ',') {
        return false;
    }
    for (s++; *s >= '0' && *s <= '9' && n <= DPI_SIG_SCAN_MAX; s++) {
        n = n * 10 + (size_t) (*s - '0');
    }
    if (s[-1] == ',' || *s != '}' || !n || m > n
        || n > DPI_SIG_SCAN_MAX) {
        return false;
    }
    *min = m;
    *max = n;
    *sp = s + 1;
    return true;
}

/* Reads at '*sp' a sequence of atoms, each with an optional "{N}", up to
 * a '|', '(', ')' or the end, and appends it to every alternative of 'fp' from
 * 'first' to 'fp->n_alts' - 1.  Returns false if the subset does not
 * accept it or it is too long. */
static bool
dpi_sig_fixed_seq(const char **sp, bool caseless,
                  struct dpi_sig_fixed_parse *fp, size_t first)
{
    const char *s = *sp;

    while (*s && *s != '|' && *s != ')' && *s != '(') {
        struct dpi_sig_bset set;
        const char *gap = s;
        size_t n, i, k;
        bool star;

        if (dpi_sig_fixed_gap(&gap, &n, &i)) {
            break;
        }
        if (!dpi_sig_fixed_atom(&s, caseless, &set)) {
            return false;
        }
        n = dpi_sig_fixed_count(&s, &star);
        if (!n && !star) {
            return false;
        }
        for (i = first; i < fp->n_alts; i++) {
            if (fp->len[i] + n + star > DPI_SIG_FIXED_MAX_LEN) {
                return false;
            }
            for (k = 0; k < n + star; k++) {
                fp->star[i][fp->len[i]] = k == n;
                fp->set[i][fp->len[i]++] = set;
            }
        }
    }
    *sp = s;
    return true;
}

/* Reads the group at '*sp' ("(" or "(?:", alternatives separated by '|',
 * each a nonempty dpi_sig_fixed_seq(), then ")" with no quantifier) and
 * appends it to the alternatives of 'fp', which multiplies them. */
static bool
dpi_sig_fixed_group(const char **sp, bool caseless,
                    struct dpi_sig_fixed_parse *fp)
{
    size_t n = fp->n_alts, total = n, i;
    const char *s = *sp + 1;

    if (s[0] == '?') {
        if (s[1] != ':') {
            return false;
        }
        s += 2;
    }
    for (;;) {
        size_t start = total;

        /* Copy the alternatives so far, then append this branch. */
        if (total + n > DPI_SIG_FIXED_MAX_ALTS) {
            return false;
        }
        for (i = 0; i < n; i++) {
            fp->len[total] = fp->len[i];
            fp->gap_at[total] = fp->gap_at[i];
            memcpy(fp->set[total], fp->set[i],
                   fp->len[i] * sizeof fp->set[i][0]);
            memcpy(fp->star[total], fp->star[i],
                   fp->len[i] * sizeof fp->star[i][0]);
            total++;
        }
        fp->n_alts = total;
        if (*s == '|' || *s == ')'
            || !dpi_sig_fixed_seq(&s, caseless, fp, start)) {
            return false;
        }
        if (*s == ')') {
            break;
        } else if (*s != '|') {
            return false;
        }
        s++;
    }
    s++;
    if (*s == '*' || *s == '+' || *s == '?' || *s == '{') {
        return false;
    }

    /* Drop the alternatives from before the group. */
    memmove(fp->len, fp->len + n, (total - n) * sizeof fp->len[0]);
    memmove(fp->gap_at, fp->gap_at + n, (total - n) * sizeof fp->gap_at[0]);
    memmove(fp->set, fp->set + n, (total - n) * sizeof fp->set[0]);
    memmove(fp->star, fp->star + n, (total - n) * sizeof fp->star[0]);
    fp->n_alts = total - n;
    *sp = s;
    return true;
}

/* Parses payload pattern 'expr' into 'fp' if it is in the subset of
 * Hyperscan's syntax that matches only at the start of the payload: '^',
 * then atoms (see dpi_sig_fixed_atom()) each with an optional exact count
 * "{N}", '*' or '+', groups of such sequences separated by '|' (see
 * dpi_sig_fixed_group()), and at most one gap of any bytes outside the
 * groups (see dpi_sig_fixed_gap()).  Such a pattern, with the payload
 * flags (HS_FLAG_DOTALL, HS_FLAG_SINGLEMATCH, maybe HS_FLAG_CASELESS as
 * 'caseless'), matches exactly the payloads whose first bytes one of the
 * alternatives accepts, which a few byte comparisons check much faster
 * than Hyperscan compiles them.
 *
 * A run ('*' or '+') must be followed, in every alternative, by an atom
 * without a run that shares no byte with it, or end the pattern: then the
 * run is the longest one (no backtracking), and at the end a '*' run is
 * nothing and a '+' run one atom, since only whether there is a match
 * matters.  After a gap of more than one length, a run must also follow an
 * atom without a run that shares no byte with it: then the runs tried for
 * different gap lengths cover disjoint bytes, and all of them together
 * cost at most one pass over the payload; and the whole part after the gap
 * must cost at most DPI_SIG_FIXED_MAX_WORK byte tests.  Returns false if
 * the pattern is not in the subset, for Hyperscan to compile it (and to
 * report its errors). */
static bool
dpi_sig_fixed_parse(const char *expr, bool caseless,
                    struct dpi_sig_fixed_parse *fp)
{
    const char *s = expr;
    size_t i;

    fp->n_alts = 1;
    fp->len[0] = 0;
    fp->gap_at[0] = 0;
    fp->has_gap = false;
    fp->gap_min = fp->gap_max = 0;
    if (*s++ != '^') {
        return false;
    }
    while (*s) {
        if (*s == '(') {
            if (!dpi_sig_fixed_group(&s, caseless, fp)) {
                return false;
            }
        } else if (dpi_sig_fixed_gap(&s, &fp->gap_min, &fp->gap_max)) {
            if (fp->has_gap) {
                return false;
            }
            fp->has_gap = true;
            for (i = 0; i < fp->n_alts; i++) {
                fp->gap_at[i] = fp->len[i];
            }
        } else if (!dpi_sig_fixed_seq(&s, caseless, fp, 0) || *s == '|'
                   || *s == ')') {
            return false;
        }
    }
    for (i = 0; i < fp->n_alts; i++) {
        size_t k;

        /* Runs at the end (after the gap, if any): drop them. */
        while (fp->len[i] > (fp->has_gap ? fp->gap_at[i] : 0)
               && fp->star[i][fp->len[i] - 1]) {
            fp->len[i]--;
        }
        if (!fp->has_gap) {
            fp->gap_at[i] = fp->len[i];
        }
        if (!fp->len[i]) {
            return false;
        }
        for (k = 0; k < fp->len[i]; k++) {
            if (fp->star[i][k]
                && ((fp->has_gap && k + 1 == fp->gap_at[i])
                    || k + 1 == fp->len[i] || fp->star[i][k + 1]
                    || dpi_sig_bset_intersects(&fp->set[i][k],
                                               &fp->set[i][k + 1]))) {
                return false;
            }
        }
    }
    if (fp->has_gap && fp->gap_max > fp->gap_min) {
        size_t work = 0;

        for (i = 0; i < fp->n_alts; i++) {
            size_t k;

            work += ((fp->gap_max - fp->gap_min + 1)
                     * (fp->len[i] - fp->gap_at[i]));
            for (k = fp->gap_at[i]; k < fp->len[i]; k++) {
                if (!fp->star[i][k]) {
                    continue;
                }
                if (k == fp->gap_at[i]
                    || dpi_sig_bset_intersects(&fp->set[i][k - 1],
                                               &fp->set[i][k])) {
                    return false;
                }
                work += DPI_SIG_SCAN_MAX;
            }
        }
        if (work > DPI_SIG_FIXED_MAX_WORK) {
            return false;
        }
    }
    return true;
}

/* Advances xorshift32 state '*seed' and returns it. */
static uint32_t
dpi_sig_xorshift(uint32_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    return *seed;
}

/* For tests: if payload pattern 'expr' (with HS_FLAG_CASELESS if
 * 'caseless') is one that the database matches without Hyperscan (see
 * dpi_sig_fixed_parse()), stores in 'buf' (of 'size' bytes) a payload
 * that it should match, drawn at random with '*seed' (a nonzero xorshift32
 * state, updated), and its length in '*len', and returns true. */
bool
dpi_sig_fixed_sample(const char *expr, bool caseless, uint32_t *seed,
                     uint8_t *buf, size_t size, size_t *len)
{
    struct dpi_sig_fixed_parse *fp = malloc(sizeof *fp);
    bool ok = fp && dpi_sig_fixed_parse(expr, caseless, fp);
    size_t alt, i;

    if (ok) {
        size_t gap = 0, span, out = 0, n;

        alt = dpi_sig_xorshift(seed) % fp->n_alts;
        span = fp->gap_max - fp->gap_min;
        if (fp->has_gap) {
            /* Short gaps, or ones close to the longest. */
            uint32_t r = dpi_sig_xorshift(seed);

            gap = (r & 1
                   ? fp->gap_max - (r >> 1) % ((span < 4 ? span : 4) + 1)
                   : fp->gap_min + (r >> 1) % ((span < 16 ? span : 16) + 1));
        }
        ok = 3 * fp->len[alt] + gap <= size;
        for (i = 0; ok && i < fp->len[alt]; i++) {
            const struct dpi_sig_bset *set = &fp->set[alt][i];
            int pick, c;

            if (i == fp->gap_at[alt]) {
                for (; gap; gap--) {
                    buf[out++] = (uint8_t) dpi_sig_xorshift(seed);
                }
            }
            n = fp->star[alt][i] ? dpi_sig_xorshift(seed) % 4 : 1;
            for (; ok && n; n--) {
                pick = (int) (dpi_sig_xorshift(seed)
                              % (uint32_t) dpi_sig_bset_count(set));
                for (c = 0; ; c++) {
                    if (dpi_sig_bset_has(set, (unsigned int) c)
                        && !pick--) {
                        break;
                    }
                }
                ok = out < size;
                if (ok) {
                    buf[out++] = (uint8_t) c;
                }
            }
        }
        for (; ok && gap; gap--) {
            buf[out++] = (uint8_t) dpi_sig_xorshift(seed);
        }
        *len = out;
    }
    free(fp);
    return ok;
}

/* Returns the operation that accepts the bytes of 'set', adding it to the
 * classes of 'db' (whose array has room for '*allocated' elements) if
 * needed; returns -1 if memory is short or there are too many classes. */
static int
dpi_sig_fixed_op(struct dpi_sigdb *db, size_t *n_classes, size_t *allocated,
                 const struct dpi_sig_bset *set)
{
    size_t i;

    if (dpi_sig_bset_count(set) == 256) {
        return DPI_SIG_OP_ANY;
    } else if (dpi_sig_bset_count(set) == 1) {
        for (i = 0; !dpi_sig_bset_has(set, (unsigned int) i); i++) {
            continue;
        }
        return (int) i;
    }
    for (i = 0; i < *n_classes; i++) {
        if (!memcmp(&db->classes[i], set, sizeof *set)) {
            return DPI_SIG_OP_CLASS + (int) i;
        }
    }
    if (*n_classes >= DPI_SIG_MAX_CLASSES) {
        return -1;
    }
    if (*n_classes == *allocated) {
        size_t n = *allocated ? 2 * *allocated : 16;
        struct dpi_sig_bset *nc = realloc(db->classes, n * sizeof *nc);

        if (!nc) {
            return -1;
        }
        db->classes = nc;
        *allocated = n;
    }
    db->classes[*n_classes] = *set;
    return DPI_SIG_OP_CLASS + (int) (*n_classes)++;
}

/* Growable arrays of the fixed patterns being built. */
struct dpi_sig_fixed_builder {
    size_t allocated_fixed;     /* Elements allocated in 'db->fixed'. */
    size_t n_ops;               /* Elements in use in 'db->fixed_ops'. */
    size_t allocated_ops;       /* Elements allocated in 'db->fixed_ops'. */
    size_t n_classes;           /* Elements in use in 'db->classes'. */
    size_t allocated_classes;   /* Elements allocated in 'db->classes'. */
};

/* Adds the alternatives of 'fp', proposing the slot of protocol line
 * 'proto', to the fixed patterns of 'db'.  Returns false if memory is
 * short. */
static bool
dpi_sig_fixed_add(struct dpi_sigdb *db, struct dpi_sig_fixed_builder *b,
                  const struct dpi_sig_fixed_parse *fp, size_t proto)
{
    size_t i, k;

    for (i = 0; i < fp->n_alts; i++) {
        struct dpi_sig_fixed *fx;

        if (db->n_fixed == b->allocated_fixed) {
            size_t n = b->allocated_fixed ? 2 * b->allocated_fixed : 32;
            struct dpi_sig_fixed *nf = realloc(db->fixed, n * sizeof *nf);

            if (!nf) {
                return false;
            }
            db->fixed = nf;
            b->allocated_fixed = n;
        }
        if (b->n_ops + fp->len[i] > b->allocated_ops) {
            size_t n = 2 * (b->n_ops + fp->len[i]);
            uint16_t *no;

            if (n > UINT32_MAX) {
                return false;
            }
            no = realloc(db->fixed_ops, n * sizeof *no);
            if (!no) {
                return false;
            }
            db->fixed_ops = no;
            b->allocated_ops = n;
        }
        fx = &db->fixed[db->n_fixed++];
        fx->ops = (uint32_t) b->n_ops;
        fx->len = (uint16_t) fp->len[i];
        fx->min_len = 0;
        fx->gap_at = (uint16_t) fp->gap_at[i];
        fx->gap_min = (uint16_t) fp->gap_min;
        fx->gap_max = (uint16_t) (fx->gap_at < fx->len ? fp->gap_max
                                  : fp->gap_min);
        fx->l4_proto = db->protos[proto].l4_proto;
        fx->slot = db->protos[proto].slot;
        for (k = 0; k < fp->len[i]; k++) {
            int op = dpi_sig_fixed_op(db, &b->n_classes,
                                      &b->allocated_classes, &fp->set[i][k]);

            if (op < 0) {
                return false;
            }
            if (fp->star[i][k]) {
                op |= DPI_SIG_OP_STAR;
            } else {
                fx->min_len++;
            }
            db->fixed_ops[b->n_ops++] = (uint16_t) op;
        }
    }
    return true;
}

/* Returns the operation that the first byte of a payload must pass for
 * fixed pattern 'fx' of 'db' to match. */
static unsigned int
dpi_sig_fixed_first_op(const struct dpi_sigdb *db,
                       const struct dpi_sig_fixed *fx)
{
    unsigned int op = db->fixed_ops[fx->ops];

    return ((!fx->gap_at && fx->gap_max) || op & DPI_SIG_OP_STAR
            ? DPI_SIG_OP_ANY : op);
}

/* Builds the index by first byte of the fixed patterns of 'db'. */
static bool
dpi_sig_fixed_index(struct dpi_sigdb *db)
{
    size_t i, n = 0;
    unsigned int c;

    for (c = 0; c < 256; c++) {
        db->fixed_first[c] = (uint32_t) n;
        for (i = 0; i < db->n_fixed; i++) {
            unsigned int op = dpi_sig_fixed_first_op(db, &db->fixed[i]);

            n += (op == DPI_SIG_OP_ANY || op == c
                  || (op >= DPI_SIG_OP_CLASS
                      && dpi_sig_bset_has(&db->classes[op
                                                       - DPI_SIG_OP_CLASS],
                                          c)));
        }
    }
    db->fixed_first[256] = (uint32_t) n;
    if (!n) {
        return true;
    }
    db->fixed_index = malloc(n * sizeof *db->fixed_index);
    if (!db->fixed_index) {
        return false;
    }
    for (c = 0, n = 0; c < 256; c++) {
        for (i = 0; i < db->n_fixed; i++) {
            unsigned int op = dpi_sig_fixed_first_op(db, &db->fixed[i]);

            if (op == DPI_SIG_OP_ANY || op == c
                || (op >= DPI_SIG_OP_CLASS
                    && dpi_sig_bset_has(&db->classes[op - DPI_SIG_OP_CLASS],
                                        c))) {
                db->fixed_index[n++] = (uint32_t) i;
            }
        }
    }
    return true;
}

/* Takes out of the payload patterns of 'p' those that
 * dpi_sig_fixed_parse() accepts, marking them 'fixed', and builds the
 * fixed patterns of 'p->db' from them. */
static bool
dpi_sig_compile_fixed(struct dpi_sig_parser *p)
{
    struct dpi_sig_fixed_builder b;
    struct dpi_sig_fixed_parse *fp;
    struct dpi_sig_patterns *ps = &p->payload;
    size_t i;

    if (!ps->n) {
        return true;
    }
    memset(&b, 0, sizeof b);
    fp = malloc(sizeof *fp);
    if (!fp) {
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }
    for (i = 0; i < ps->n; i++) {
        struct dpi_sig_pattern *pat = &ps->p[i];

        if ((pat->flags & HS_FLAG_DOTALL)
            && dpi_sig_fixed_parse(pat->expr,
                                   (pat->flags & HS_FLAG_CASELESS) != 0,
                                   fp)) {
            if (!dpi_sig_fixed_add(p->db, &b, fp, pat->target)) {
                free(fp);
                return dpi_sig_error(p, ENOMEM, "out of memory");
            }
            pat->fixed = true;
        }
    }
    free(fp);
    if (!dpi_sig_fixed_index(p->db)) {
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }
    return true;
}

/* Compiles the Hyperscan patterns of 'ps' (all but host suffixes), with
 * their indexes in 'ps' as ids, into '*dbp' (left NULL if there are none).
 * 'what' names the kind of pattern in error messages. */
static bool
dpi_sig_compile(struct dpi_sig_parser *p, const struct dpi_sig_patterns *ps,
                const char *what, hs_database_t **dbp)
{
    const char **exprs;
    unsigned int *flags, *ids;
    hs_compile_error_t *cerr = NULL;
    hs_error_t err;
    size_t i, n = 0;

    *dbp = NULL;
    if (ps->n > UINT_MAX) {
        return dpi_sig_error(p, EINVAL, "too many %s patterns", what);
    }
    for (i = 0; i < ps->n; i++) {
        n += !ps->p[i].host_suffix && !ps->p[i].fixed;
    }
    if (!n) {
        return true;
    }
    exprs = calloc(n, sizeof *exprs);
    flags = calloc(n, sizeof *flags);
    ids = calloc(n, sizeof *ids);
    if (!exprs || !flags || !ids) {
        free(exprs);
        free(flags);
        free(ids);
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }
    for (i = 0, n = 0; i < ps->n; i++) {
        if (!ps->p[i].host_suffix && !ps->p[i].fixed) {
            exprs[n] = ps->p[i].expr;
            flags[n] = ps->p[i].flags;
            ids[n++] = (unsigned int) i;
        }
    }
    err = hs_compile_multi(exprs, flags, ids, (unsigned int) n,
                           HS_MODE_BLOCK, NULL, dbp, &cerr);
    free(exprs);
    free(flags);
    if (err != HS_SUCCESS) {
        const char *msg = cerr && cerr->message ? cerr->message : "unknown";

        *dbp = NULL;
        if (cerr && cerr->expression >= 0
            && (size_t) cerr->expression < n) {
            const struct dpi_sig_pattern *pat
                = &ps->p[ids[cerr->expression]];

            p->line = pat->line;
            dpi_sig_error(p, EINVAL, "bad %s pattern \"%s\": %s", what,
                          pat->expr, msg);
        } else {
            p->line = 0;
            dpi_sig_error(p, err == HS_NOMEM ? ENOMEM : EINVAL,
                          "cannot compile %s patterns: %s", what, msg);
        }
        hs_free_compile_error(cerr);
        free(ids);
        return false;
    }
    free(ids);
    return true;
}

/* qsort() comparison of struct dpi_sig_suffix: by name, then id. */
static int
dpi_sig_suffix_cmp(const void *a_, const void *b_)
{
    const struct dpi_sig_suffix *a = a_, *b = b_;
    int c = strcmp(a->name, b->name);

    if (c) {
        return c;
    }
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Builds the sorted host suffix table of 'p->db' from the host suffix
 * patterns of 'p->host', copying their names into 'p->db->suffix_text'. */
static bool
dpi_sig_compile_suffixes(struct dpi_sig_parser *p)
{
    const struct dpi_sig_patterns *ps = &p->host;
    struct dpi_sigdb *db = p->db;
    size_t i, n = 0, text = 0;
    char *q;

    for (i = 0; i < ps->n; i++) {
        if (ps->p[i].host_suffix) {
            n++;
            text += strlen(ps->p[i].expr) + 1;
        }
    }
    if (!n) {
        return true;
    }
    db->suffixes = calloc(n, sizeof *db->suffixes);
    db->suffix_text = malloc(text);
    if (!db->suffixes || !db->suffix_text) {
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }
    q = db->suffix_text;
    for (i = 0; i < ps->n; i++) {
        if (ps->p[i].host_suffix) {
            struct dpi_sig_suffix *sfx = &db->suffixes[db->n_suffixes++];

            sfx->len = strlen(ps->p[i].expr);
            memcpy(q, ps->p[i].expr, sfx->len + 1);
            sfx->name = q;
            sfx->id = (unsigned int) i;
            q += sfx->len + 1;
        }
    }
    qsort(db->suffixes, db->n_suffixes, sizeof *db->suffixes,
          dpi_sig_suffix_cmp);
    return true;
}

/* Moves the targets of 'ps' into a new array of 'elem_size'-byte elements
 * ('size_t' or 'uint16_t') at '*arrayp'. */
static bool
dpi_sig_targets(struct dpi_sig_parser *p, const struct dpi_sig_patterns *ps,
                size_t elem_size, void **arrayp)
{
    size_t i;

    *arrayp = NULL;
    if (!ps->n) {
        return true;
    }
    *arrayp = calloc(ps->n, elem_size);
    if (!*arrayp) {
        return dpi_sig_error(p, ENOMEM, "out of memory");
    }
    for (i = 0; i < ps->n; i++) {
        if (elem_size == sizeof(size_t)) {
            ((size_t *) *arrayp)[i] = ps->p[i].target;
        } else {
            ((uint16_t *) *arrayp)[i] = (uint16_t) ps->p[i].target;
        }
    }
    return true;
}

/* Builds a database from signature text 'text' (NUL-terminated), calling
 * it 'name' in error messages.  On success stores it in '*dbp' and returns
 * 0; on failure stores NULL in '*dbp' and a malloc()ed message
 * "NAME:LINE: reason" in '*errorp' (if 'errorp' is not NULL; the caller
 * frees it) and returns an errno value. */
int
dpi_sigdb_create_from_string(const char *text, const char *name,
                             struct dpi_sigdb **dbp, char **errorp)
{
    struct dpi_sig_parser p;
    const char *s = text;
    void *payload_proto = NULL, *host_app = NULL;

    memset(&p, 0, sizeof p);
    p.name = name ? name : "signatures";
    *dbp = NULL;
    if (errorp) {
        *errorp = NULL;
    }
    p.db = calloc(1, sizeof *p.db);
    if (!p.db) {
        if (errorp) {
            *errorp = strdup("out of memory");
        }
        return ENOMEM;
    }

    while (*s && !p.errnum) {
        const char *eol = strchr(s, '\n');
        size_t n = eol ? (size_t) (eol - s) : strlen(s);
        char *line = malloc(n + 1);

        p.line++;
        if (!line) {
            dpi_sig_error(&p, ENOMEM, "out of memory");
            break;
        }
        memcpy(line, s, n);
        line[n] = '\0';
        dpi_sig_parse_line(&p, line);
        free(line);
        s += n + (eol ? 1 : 0);
    }
    if (!p.errnum) {
        dpi_sig_end_decl(&p);
    }

    if (!p.errnum
        && dpi_sig_compile_fixed(&p)
        && dpi_sig_compile(&p, &p.payload, "payload", &p.db->payload_db)
        && dpi_sig_compile(&p, &p.host, "host", &p.db->host_db)
        && dpi_sig_targets(&p, &p.payload, sizeof(size_t), &payload_proto)
        && dpi_sig_targets(&p, &p.host, sizeof(uint16_t), &host_app)) {
        p.db->payload_proto = payload_proto;
        p.db->host_app = host_app;
        dpi_sig_compile_blocks(&p);
        dpi_sig_compile_ports(&p);
        dpi_sig_compile_suffixes(&p);
    } else {
        free(payload_proto);
        free(host_app);
    }

    dpi_sig_patterns_destroy(&p.payload);
    dpi_sig_patterns_destroy(&p.host);
    free(p.blocks);
    if (p.errnum) {
        dpi_sigdb_destroy(p.db);
        if (errorp) {
            *errorp = p.error;
        } else {
            free(p.error);
        }
        return p.errnum;
    }
    *dbp = p.db;
    return 0;
}

/* Reads file 'path' into a malloc()ed NUL-terminated string.  Returns 0 or
 * an errno value, with a message in '*errorp'.  Anything but a regular
 * file (a FIFO, a device, a directory) is refused without being read, as
 * reading it could block the caller for good. */
static int
dpi_sig_read_file(const char *path, char **textp, char **errorp)
{
    struct dpi_sig_parser p = { .name = path };
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    char *text = NULL;
    FILE *f = NULL;
    struct stat st;
    size_t n = 0;

    *textp = NULL;
    if (fd < 0 || fstat(fd, &st)) {
        dpi_sig_error(&p, errno, "%s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        dpi_sig_error(&p, EINVAL, "not a regular file");
        goto out;
    }
    f = fdopen(fd, "rb");       /* Fails only for want of memory. */
    if (!f) {
        dpi_sig_error(&p, ENOMEM, "out of memory");
        goto out;
    }
    fd = -1;
    text = malloc(DPI_SIG_MAX_FILE + 1);
    if (!text) {
        dpi_sig_error(&p, ENOMEM, "out of memory");
        goto out;
    }
    n = fread(text, 1, DPI_SIG_MAX_FILE + 1, f);
    if (ferror(f)) {
        dpi_sig_error(&p, EIO, "read error");
    } else if (n > DPI_SIG_MAX_FILE) {
        dpi_sig_error(&p, EFBIG, "file larger than %d bytes",
                      DPI_SIG_MAX_FILE);
    } else if (memchr(text, '\0', n)) {
        const char *nul = memchr(text, '\0', n);
        const char *c;

        p.line = 1;
        for (c = text; c < nul; c++) {
            p.line += *c == '\n';
        }
        dpi_sig_error(&p, EINVAL, "NUL byte in file");
    }

out:
    if (f) {
        fclose(f);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (p.errnum) {
        free(text);
        *errorp = p.error;
        return p.errnum;
    }
    text[n] = '\0';
    *textp = text;
    return 0;
}

/* Builds a database from the signature file at 'path'.  Same contract as
 * dpi_sigdb_create_from_string(), with 'path' as the name in messages. */
int
dpi_sigdb_create(const char *path, struct dpi_sigdb **dbp, char **errorp)
{
    char *text, *error = NULL;
    int err;

    *dbp = NULL;
    err = dpi_sig_read_file(path, &text, &error);
    if (!err) {
        err = dpi_sigdb_create_from_string(text, path, dbp, &error);
        free(text);
    }
    if (errorp) {
        *errorp = error;
    } else {
        free(error);
    }
    return err;
}

/* Frees 'db' (which may be NULL). */
void
dpi_sigdb_destroy(struct dpi_sigdb *db)
{
    if (db) {
        hs_free_database(db->payload_db);
        hs_free_database(db->host_db);
        free(db->fixed);
        free(db->fixed_ops);
        free(db->classes);
        free(db->fixed_index);
        free(db->payload_proto);
        free(db->host_app);
        free(db->blocks);
        free(db->ports);
        free(db->suffixes);
        free(db->suffix_text);
        free(db->protos);
        free(db);
    }
}

/* Creates scratch space for scanning 'db' from one thread.  Returns NULL if
 * memory is short. */
struct dpi_sig_scratch *
dpi_sig_scratch_create(const struct dpi_sigdb *db)
{
    struct dpi_sig_scratch *s = calloc(1, sizeof *s);

    if (!s) {
        return NULL;
    }
    if ((db->payload_db
         && hs_alloc_scratch(db->payload_db, &s->hs) != HS_SUCCESS)
        || (db->host_db
            && hs_alloc_scratch(db->host_db, &s->hs) != HS_SUCCESS)) {
        hs_free_scratch(s->hs);
        free(s);
        return NULL;
    }
    return s;
}

/* Frees 's' (which may be NULL). */
void
dpi_sig_scratch_destroy(struct dpi_sig_scratch *s)
{
    if (s) {
        hs_free_scratch(s->hs);
        free(s);
    }
}

/* Returns the number of protocol slots in 'db'. */
size_t
dpi_sig_n_slots(const struct dpi_sigdb *db)
{
    return db->n_slots;
}

/* Returns the protocol of 'slot' ('slot' < dpi_sig_n_slots(db)). */
uint16_t
dpi_sig_slot_app(const struct dpi_sigdb *db, unsigned int slot)
{
    return slot < db->n_slots ? db->slot_app[slot] : 0;
}

/* Returns the slot of protocol 'app' in 'db', or -1 if it has none. */
int
dpi_sig_app_slot(const struct dpi_sigdb *db, uint16_t app)
{
    size_t i;

    for (i = 0; i < db->n_slots; i++) {
        if (db->slot_app[i] == app) {
            return (int) i;
        }
    }
    return -1;
}

/* Context of a payload scan. */
struct dpi_sig_payload_ctx {
    const struct dpi_sigdb *db; /* Database scanned. */
    uint8_t l4_proto;           /* Transport of the packet. */
    struct dpi_slots *slots;    /* Slots matched so far. */
};

/* Hyperscan callback of a payload scan: adds the pattern's slot if the
 * transport agrees. */
static int
dpi_sig_payload_match(unsigned int id, unsigned long long from DPI_SIG_UNUSED,
                      unsigned long long to DPI_SIG_UNUSED,
                      unsigned int flags DPI_SIG_UNUSED, void *ctx_)
{
    struct dpi_sig_payload_ctx *ctx = ctx_;
    const struct dpi_sig_proto *proto
        = &ctx->db->protos[ctx->db->payload_proto[id]];

    if (proto->l4_proto == ctx->l4_proto) {
        dpi_slots_add(ctx->slots, proto->slot);
    }
    return 0;
}

/* Returns true if operation 'op' of 'db' accepts byte 'c'. */
static inline bool
dpi_sig_op_accepts(const struct dpi_sigdb *db, unsigned int op, uint8_t c)
{
    return (op < DPI_SIG_OP_ANY ? op == c
            : op == DPI_SIG_OP_ANY
            || dpi_sig_bset_has(&db->classes[op - DPI_SIG_OP_CLASS], c));
}

/* Matches operations 'ops[from]' to 'ops[to - 1]' of 'db' against the
 * 'len' bytes at 'data' from offset '*j', advancing '*j' past the bytes
 * they take.  A run takes all the bytes it accepts (see
 * dpi_sig_fixed_parse() for why that is exact).  Returns true if they
 * all match. */
static inline bool
dpi_sig_fixed_run(const struct dpi_sigdb *db, const uint16_t *ops,
                  size_t from, size_t to, const uint8_t *data, size_t len,
                  size_t *j)
{
    size_t i, k = *j;

    for (i = from; i < to; i++) {
        unsigned int op = ops[i];

        if (op & DPI_SIG_OP_STAR) {
            op &= ~DPI_SIG_OP_STAR;
            while (k < len && dpi_sig_op_accepts(db, op, data[k])) {
                k++;
            }
        } else if (k < len && dpi_sig_op_accepts(db, op, data[k])) {
            k++;
        } else {
            return false;
        }
    }
    *j = k;
    return true;
}

/* Adds to '*slots' the slots of the fixed payload patterns over
 * 'l4_proto' that match the 'len' bytes at 'data' (see
 * dpi_sig_fixed_parse()). */
static void
dpi_sig_match_fixed(const struct dpi_sigdb *db, uint8_t l4_proto,
                    const uint8_t *data, size_t len, struct dpi_slots *slots)
{
    uint32_t k;

    for (k = db->fixed_first[data[0]]; k < db->fixed_first[data[0] + 1];
         k++) {
        const struct dpi_sig_fixed *fx = &db->fixed[db->fixed_index[k]];
        const uint16_t *ops = &db->fixed_ops[fx->ops];
        size_t gap, j = 0;

        if (fx->l4_proto != l4_proto
            || (size_t) fx->min_len + fx->gap_min > len
            || dpi_slots_has(slots, fx->slot)
            || !dpi_sig_fixed_run(db, ops, 0, fx->gap_at, data, len, &j)) {
            continue;
        }
        for (gap = fx->gap_min; gap <= fx->gap_max && j + gap <= len;
             gap++) {
            size_t at = j + gap;

            if (dpi_sig_fixed_run(db, ops, fx->gap_at, fx->len, data, len,
                                  &at)) {
                dpi_slots_add(slots, fx->slot);
                break;
            }
        }
    }
}

/* Sets '*slots' to the slots whose payload patterns over transport
 * 'l4_proto' match the first DPI_SIG_SCAN_MAX bytes of 'data'. */
void
dpi_sig_match_payload(const struct dpi_sigdb *db,
                      struct dpi_sig_scratch *scratch, uint8_t l4_proto,
                      const uint8_t *data, size_t len,
                      struct dpi_slots *slots)
{
    struct dpi_sig_payload_ctx ctx = { .db = db, .l4_proto = l4_proto,
                                       .slots = slots };

    memset(slots, 0, sizeof *slots);
    if (!scratch || !len) {
        return;
    }
    if (len > DPI_SIG_SCAN_MAX) {
        len = DPI_SIG_SCAN_MAX;
    }
    if (db->payload_db && scratch->hs) {
        hs_scan(db->payload_db, (const char *) data, (unsigned int) len, 0,
                scratch->hs, dpi_sig_payload_match, &ctx);
    }
    dpi_sig_match_fixed(db, l4_proto, data, len, slots);
}

/* Returns the index in 'db->ports' of the first hint for 'port' over
 * 'l4_proto' (the first protocol line in file order that lists it), or of
 * the first hint after where it would be. */
static size_t
dpi_sig_port_lower_bound(const struct dpi_sigdb *db, uint8_t l4_proto,
                         uint16_t port)
{
    size_t lo = 0, hi = db->n_ports;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct dpi_sig_port *m = &db->ports[mid];

        if (m->l4_proto < l4_proto
            || (m->l4_proto == l4_proto && m->port < port)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Returns true if hint 'i' of 'db' is for 'port' over 'l4_proto'. */
static bool
dpi_sig_port_is(const struct dpi_sigdb *db, size_t i, uint8_t l4_proto,
                uint16_t port)
{
    return (i < db->n_ports && db->ports[i].l4_proto == l4_proto
            && db->ports[i].port == port);
}

/* Adds to '*slots' the slots of the protocols over 'l4_proto' that list
 * 'port'. */
static void
dpi_sig_port_slots(const struct dpi_sigdb *db, uint8_t l4_proto,
                   uint16_t port, struct dpi_slots *slots)
{
    size_t i;

    for (i = dpi_sig_port_lower_bound(db, l4_proto, port);
         dpi_sig_port_is(db, i, l4_proto, port); i++) {
        dpi_slots_add(slots, db->ports[i].slot);
    }
}

/* Sets '*slots' to the slots of the protocols over 'l4_proto' that list
 * 'port_a' or 'port_b' among their ports. */
void
dpi_sig_match_ports(const struct dpi_sigdb *db, uint8_t l4_proto,
                    uint16_t port_a, uint16_t port_b, struct dpi_slots *slots)
{
    memset(slots, 0, sizeof *slots);
    dpi_sig_port_slots(db, l4_proto, port_a, slots);
    if (port_b != port_a) {
        dpi_sig_port_slots(db, l4_proto, port_b, slots);
    }
}

/* Returns the protocol that the port hints of 'db' suggest for a
 * connection over 'l4_proto' from 'client_port' to 'server_port', for a
 * connection whose inspection ended without a verdict: the first protocol
 * in file order that lists the server's port, else the first that lists the
 * client's; 0 if none does. */
uint16_t
dpi_sig_guess(const struct dpi_sigdb *db, uint8_t l4_proto,
              uint16_t client_port, uint16_t server_port)
{
    uint16_t ports[2] = { server_port, client_port };
    size_t k;

    for (k = 0; k < 2; k++) {
        size_t i = dpi_sig_port_lower_bound(db, l4_proto, ports[k]);

        if (dpi_sig_port_is(db, i, l4_proto, ports[k])) {
            return db->ports[i].app;
        }
    }
    return 0;
}

/* Returns the protocol that 'db' declares for IP protocol number
 * 'ip_proto' with "protocol NAME ip N", or 0 if none. */
uint16_t
dpi_sig_match_ip_proto(const struct dpi_sigdb *db, uint8_t ip_proto)
{
    return db ? db->ip_app[ip_proto] : 0;
}

/* Context of a host scan. */
struct dpi_sig_host_ctx {
    unsigned long long from;    /* Start of the best match so far. */
    unsigned int id;            /* Its pattern id. */
    bool found;                 /* Whether there is a match. */
};

/* Hyperscan callback of a host scan: keeps the leftmost-starting match,
 * the earliest pattern on ties. */
static int
dpi_sig_host_match(unsigned int id, unsigned long long from,
                   unsigned long long to DPI_SIG_UNUSED,
                   unsigned int flags DPI_SIG_UNUSED, void *ctx_)
{
    struct dpi_sig_host_ctx *ctx = ctx_;

    if (!ctx->found || from < ctx->from
        || (from == ctx->from && id < ctx->id)) {
        ctx->found = true;
        ctx->from = from;
        ctx->id = id;
    }
    return 0;
}

/* Returns the id of the earliest host suffix pattern of 'db' that is the
 * 'len' bytes at 'name' (compared in lower case), or UINT_MAX if none. */
static unsigned int
dpi_sig_find_suffix(const struct dpi_sigdb *db, const char *name, size_t len)
{
    size_t lo = 0, hi = db->n_suffixes;

    /* Find the first suffix not below 'name'. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct dpi_sig_suffix *m = &db->suffixes[mid];
        size_t n = m->len < len ? m->len : len, i;
        int c = 0;

        for (i = 0; i < n && !c; i++) {
            unsigned char a = (unsigned char) m->name[i];
            unsigned char b = (unsigned char) name[i];

            if (b >= 'A' && b <= 'Z') {
                b = (unsigned char) (b - 'A' + 'a');
            }
            c = (a > b) - (a < b);
        }
        if (!c) {
            c = (m->len > len) - (m->len < len);
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < db->n_suffixes && db->suffixes[lo].len == len
        && !strncasecmp(db->suffixes[lo].name, name, len)) {
        return db->suffixes[lo].id;
    }
    return UINT_MAX;
}

/* Finds the host suffix pattern of 'db' that the 'len' bytes at 'host'
 * match with the leftmost start, as the Hyperscan expression
 * (?:^|\.)SUFFIX$ would: the name itself (start 0), else the longest
 * suffix after a dot (starting at the dot).  Like '$', a single newline
 * at the end is ignored.  On success stores the start in '*from' and the
 * pattern id in '*id'. */
static bool
dpi_sig_match_suffix(const struct dpi_sigdb *db, const char *host,
                     size_t len, unsigned long long *from, unsigned int *id)
{
    size_t i;

    if (!db->n_suffixes) {
        return false;
    }
    if (len && host[len - 1] == '\n') {
        len--;
    }
    *id = dpi_sig_find_suffix(db, host, len);
    if (*id != UINT_MAX) {
        *from = 0;
        return true;
    }
    for (i = 0; i < len; i++) {
        if (host[i] == '.') {
            *id = dpi_sig_find_suffix(db, host + i + 1, len - i - 1);
            if (*id != UINT_MAX) {
                *from = i;
                return true;
            }
        }
    }
    return false;
}

/* Returns the service that host name 'host' belongs to, or 0 if none.  An
 * HTTP Host value may carry a port (host:port, [v6]:port) and a name may
 * end in a dot: both are ignored.  Of the host patterns that match, the
 * one that starts leftmost wins (the longest suffix), the earliest in the
 * file on a tie. */
uint16_t
dpi_sig_match_host(const struct dpi_sigdb *db,
                   struct dpi_sig_scratch *scratch, const char *host)
{
    struct dpi_sig_host_ctx ctx = { .found = false };
    unsigned long long from;
    const char *colon;
    unsigned int id;
    size_t len;

    if (!host[0] || host[0] == '[') {
        return 0;
    }
    len = strlen(host);
    colon = memchr(host, ':', len);
    if (colon) {
        if (memchr(colon + 1, ':', len - (size_t) (colon - host) - 1)) {
            return 0;           /* A bare IPv6 address. */
        }
        len = (size_t) (colon - host);
    }
    if (len && host[len - 1] == '.') {
        len--;
    }
    if (!len) {
        return 0;
    }
    if (db->host_db && scratch && scratch->hs) {
        hs_scan(db->host_db, host, (unsigned int) len, 0, scratch->hs,
                dpi_sig_host_match, &ctx);
    }
    if (dpi_sig_match_suffix(db, host, len, &from, &id)) {
        dpi_sig_host_match(id, from, 0, 0, &ctx);
    }
    return ctx.found ? db->host_app[ctx.id] : 0;
}

/* Returns the service whose address blocks hold 'addr' (the longest
 * matching prefix wins), or 0 if none does.  A binary search: no
 * allocation, safe to call from any thread. */
uint16_t
dpi_sig_match_addr(const struct dpi_sigdb *db, const struct dpi_addr *addr)
{
    struct dpi_sig_u128 a = dpi_sig_u128_from_bytes(addr->b);
    size_t lo = 0, hi = db->n_blocks;

    /* Find the last range whose first address is at most 'a'. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (dpi_sig_u128_cmp(db->blocks[mid].first, a) <= 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo && dpi_sig_u128_cmp(a, db->blocks[lo - 1].last) <= 0) {
        return db->blocks[lo - 1].app;
    }
    return 0;
}
