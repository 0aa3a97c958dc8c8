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

/* Expected connections: see dpi-expect.h. */

#include "dpi-expect.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dpi-app.h"
#include "dpi-hash.h"
#include "dpi-md.h"

/* Number of mutexes guarding the sets (a power of 2). */
#define DPI_EXPECT_LOCKS 16

/* IP protocol numbers. */
#define DPI_EXPECT_TCP 6
#define DPI_EXPECT_UDP 17

/* One expected connection. */
struct dpi_expect_entry {
    struct dpi_addr client;     /* Client address. */
    struct dpi_addr server;     /* Server address. */
    uint16_t port;              /* Server port. */
    uint16_t app;               /* Protocol; 0 if the entry is empty. */
    uint32_t domain;            /* Zone or VLAN (dpi_key_domain()). */
    uint8_t proto;              /* IP protocol. */
    uint64_t created_ms;        /* Time of insertion (for replacement). */
    uint64_t expire_ms;         /* Unusable from this time on. */
};

/* A lock, alone on its cache line. */
struct dpi_expect_lock {
    pthread_mutex_t mutex;      /* Protects the sets mapped to it. */
    char pad[64 - sizeof(pthread_mutex_t) % 64]; /* Padding. */
};

/* The table. */
struct dpi_expect {
    struct dpi_expect_entry *entries; /* 'n_sets' * DPI_EXPECT_WAYS. */
    size_t n_sets;              /* Number of sets, a power of 2. */
    uint64_t seed;              /* Hash seed. */
    size_t n_used;              /* Nonempty entries (atomic), expired ones
                                 * included until they are cleared. */
    struct dpi_expect_lock locks[DPI_EXPECT_LOCKS]; /* Set i uses lock
                                 * i % DPI_EXPECT_LOCKS. */
};

/* Creates a table of at least 'capacity' entries (rounded up to a power
 * of 2, at least DPI_EXPECT_WAYS).  Returns NULL if memory is short. */
struct dpi_expect *
dpi_expect_create(size_t capacity)
{
    struct dpi_expect *x = calloc(1, sizeof *x);
    size_t n_sets = 1;
    int i;

    if (!x) {
        return NULL;
    }
    while (n_sets * DPI_EXPECT_WAYS < capacity && n_sets < SIZE_MAX / 128) {
        n_sets *= 2;
    }
    x->entries = calloc(n_sets * DPI_EXPECT_WAYS, sizeof *x->entries);
    if (!x->entries) {
        free(x);
        return NULL;
    }
    x->n_sets = n_sets;
    x->seed = ((uint64_t) time(NULL) << 20) ^ (uint64_t) (uintptr_t) x;
    for (i = 0; i < DPI_EXPECT_LOCKS; i++) {
        pthread_mutex_init(&x->locks[i].mutex, NULL);
    }
    return x;
}

/* Frees 'x' (which may be NULL). */
void
dpi_expect_destroy(struct dpi_expect *x)
{
    int i;

    if (x) {
        for (i = 0; i < DPI_EXPECT_LOCKS; i++) {
            pthread_mutex_destroy(&x->locks[i].mutex);
        }
        free(x->entries);
        free(x);
    }
}

/* Returns the number of entries 'x' can hold. */
size_t
dpi_expect_capacity(const struct dpi_expect *x)
{
    return x->n_sets * DPI_EXPECT_WAYS;
}

/* Returns the index of the set of server 'addr' and 'port' in zone or VLAN
 * 'domain' in 'x'. */
static size_t
dpi_expect_set(const struct dpi_expect *x, uint32_t domain,
               const struct dpi_addr *addr, uint16_t port)
{
    /* Every bit of the address, port and domain must reach the set index:
     * IPv4 addresses differ in their last 4 bytes only. */
    return ((size_t) dpi_hash_addr(addr->b, port | (uint64_t) domain << 16,
                                   x->seed)
            & (x->n_sets - 1));
}

/* Locks the set 'set' of 'x' and returns its first entry. */
static struct dpi_expect_entry *
dpi_expect_lock(struct dpi_expect *x, size_t set)
{
    pthread_mutex_lock(&x->locks[set % DPI_EXPECT_LOCKS].mutex);
    return &x->entries[set * DPI_EXPECT_WAYS];
}

/* Unlocks the set 'set' of 'x'. */
static void
dpi_expect_unlock(struct dpi_expect *x, size_t set)
{
    pthread_mutex_unlock(&x->locks[set % DPI_EXPECT_LOCKS].mutex);
}

/* Empties entry 'e' of 'x'.  The caller holds its set's lock. */
static void
dpi_expect_clear(struct dpi_expect *x, struct dpi_expect_entry *e)
{
    e->app = 0;
    __atomic_sub_fetch(&x->n_used, 1, __ATOMIC_RELAXED);
}

/* Returns true if entry 'e' is for the same connections as the other
 * arguments (see dpi_expect_insert()). */
static bool
dpi_expect_same(const struct dpi_expect_entry *e, uint32_t domain,
                uint8_t proto, const struct dpi_addr *client,
                const struct dpi_addr *server, uint16_t port)
{
    return (e->app && e->proto == proto && e->port == port
            && e->domain == domain
            && !memcmp(&e->server, server, sizeof *server)
            && !memcmp(&e->client, client, sizeof *client));
}

/* Records that a connection of IP protocol 'proto' from 'client' to
 * 'server':'port', in zone or VLAN 'domain' (see dpi_key_domain()), is
 * protocol 'app' (nonzero), from 'now_ms' for 'timeout_ms' milliseconds.
 * Nothing is recorded for port 0 or a timeout of 0. */
void
dpi_expect_insert(struct dpi_expect *x, uint32_t domain, uint8_t proto,
                  const struct dpi_addr *client,
                  const struct dpi_addr *server, uint16_t port,
                  uint16_t app, uint64_t now_ms, uint64_t timeout_ms)
{
    size_t set = dpi_expect_set(x, domain, server, port);
    struct dpi_expect_entry *s, *victim = NULL;
    int i;

    if (!app || !port || !timeout_ms) {
        return;
    }
    s = dpi_expect_lock(x, set);
    for (i = 0; i < DPI_EXPECT_WAYS; i++) {
        if (dpi_expect_same(&s[i], domain, proto, client, server, port)) {
            victim = &s[i];
            break;
        }
    }
    if (!victim) {
        /* An empty or expired entry, else the oldest. */
        for (i = 0; i < DPI_EXPECT_WAYS; i++) {
            struct dpi_expect_entry *e = &s[i];

            if (!e->app || e->expire_ms <= now_ms) {
                victim = e;
                break;
            }
            if (!victim || e->created_ms < victim->created_ms) {
                victim = e;
            }
        }
        if (!victim->app) {
            __atomic_add_fetch(&x->n_used, 1, __ATOMIC_RELAXED);
        }
    }
    memset(victim, 0, sizeof *victim);
    victim->client = *client;
    victim->server = *server;
    victim->port = port;
    victim->domain = domain;
    victim->proto = proto;
    victim->app = app;
    victim->created_ms = now_ms;
    victim->expire_ms = dpi_expiry(now_ms, timeout_ms);
    dpi_expect_unlock(x, set);
}

/* Looks for a connection expected from 'client' to 'server':'port' (IP
 * protocol 'proto', zone or VLAN 'domain') at 'now_ms'; consumes it and
 * returns its protocol, or returns 0.  Clears the expired entries of the
 * set it looks at. */
static uint16_t
dpi_expect_take(struct dpi_expect *x, uint32_t domain, uint8_t proto,
                const struct dpi_addr *client,
                const struct dpi_addr *server, uint16_t port,
                uint64_t now_ms)
{
    size_t set = dpi_expect_set(x, domain, server, port);
    struct dpi_expect_entry *s = dpi_expect_lock(x, set);
    struct dpi_expect_entry *found = NULL;
    uint16_t app = 0;
    int i;

    for (i = 0; i < DPI_EXPECT_WAYS; i++) {
        struct dpi_expect_entry *e = &s[i];

        if (!e->app) {
            continue;
        } else if (e->expire_ms <= now_ms) {
            dpi_expect_clear(x, e);
        } else if (!found && dpi_expect_same(e, domain, proto, client,
                                             server, port)) {
            found = e;
        }
    }
    if (found) {
        app = found->app;
        dpi_expect_clear(x, found);
    }
    dpi_expect_unlock(x, set);
    return app;
}

/* Returns the protocol of the connection expected for the new connection
 * 'key' (client to server, as far as its first packet tells) at 'now_ms',
 * and consumes the expectation; tries the reverse direction too, in case
 * the first packet seen was the server's.  Returns 0 if none. */
uint16_t
dpi_expect_match(struct dpi_expect *x, const struct dpi_key *key,
                 uint64_t now_ms)
{
    uint32_t domain = dpi_key_domain(key);
    uint16_t app;

    if (!__atomic_load_n(&x->n_used, __ATOMIC_RELAXED)) {
        return 0;
    }
    app = dpi_expect_take(x, domain, key->proto, &key->src, &key->dst,
                          key->dport, now_ms);
    if (!app) {
        app = dpi_expect_take(x, domain, key->proto, &key->dst, &key->src,
                              key->sport, now_ms);
    }
    return app;
}

/* Returns the number of entries of 'x' that have not expired at 'now_ms'
 * (for tests; takes every lock in turn). */
size_t
dpi_expect_count(struct dpi_expect *x, uint64_t now_ms)
{
    size_t set, n = 0;
    int i;

    for (set = 0; set < x->n_sets; set++) {
        struct dpi_expect_entry *s = dpi_expect_lock(x, set);

        for (i = 0; i < DPI_EXPECT_WAYS; i++) {
            n += s[i].app && s[i].expire_ms > now_ms;
        }
        dpi_expect_unlock(x, set);
    }
    return n;
}

/* Parses textual address 's' into '*addr' (IPv4 as IPv4-mapped IPv6).
 * Returns false if it is not an IPv4 or IPv6 address. */
static bool
dpi_expect_parse_addr(const char *s, struct dpi_addr *addr)
{
    memset(addr, 0, sizeof *addr);
    if (inet_pton(AF_INET, s, addr->b + 12) == 1) {
        addr->b[10] = addr->b[11] = 0xff;
        return true;
    }
    return inet_pton(AF_INET6, s, addr->b) == 1;
}

/* Returns true if 'addr' is IPv4-mapped. */
static bool
dpi_expect_is_v4(const struct dpi_addr *addr)
{
    static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

    return !memcmp(addr->b, prefix, sizeof prefix);
}

/* Records the announcement 's' (one _expect value, format in dpi-proto.h)
 * made on the connection 'key' (client to server) at 'now_ms'.  Ignores
 * a malformed one. */
static void
dpi_expect_learn_one(struct dpi_expect *x, const struct dpi_key *key,
                     const char *s, uint64_t now_ms)
{
    char proto_c, side_c, addr_s[64];
    const struct dpi_addr *end, *peer;
    unsigned int app, port;
    struct dpi_addr addr;
    uint8_t proto;
    int n = 0;

    if (sscanf(s, "%u %c %c %63s %u%n", &app, &proto_c, &side_c, addr_s,
               &port, &n) != 5
        || s[n] || !app || app > UINT16_MAX || !dpi_app_name(app)
        || !port || port > UINT16_MAX
        || (proto_c != 't' && proto_c != 'u')
        || (side_c != 's' && side_c != 'c')) {
        return;
    }
    proto = proto_c == 't' ? DPI_EXPECT_TCP : DPI_EXPECT_UDP;
    /* The announcer's end, and the other, where the data connection
     * comes from.  To the server (passive mode): from the announcing
     * connection's client.  To the client (active mode): from the
     * announcing connection's server, as Linux's nf_conntrack_ftp expects
     * it.  RFC 959 lets a third host connect, but expecting any host would
     * let anyone who sends "PORT" name any other host's next connection to
     * an address and port (its own or another's) and have it labelled
     * without inspection. */
    end = side_c == 's' ? &key->dst : &key->src;
    peer = side_c == 's' ? &key->src : &key->dst;
    if (!strcmp(addr_s, "-")) {
        addr = *end;
    } else if (!dpi_expect_parse_addr(addr_s, &addr)
               || dpi_expect_is_v4(&addr) != dpi_expect_is_v4(end)) {
        return;
    }

    dpi_expect_insert(x, dpi_key_domain(key), proto, peer, &addr, port, app,
                      now_ms, DPI_EXPECT_TIMEOUT_MS);
    if (memcmp(&addr, end, sizeof addr)) {
        /* A host behind NAT announces its private address, which the
         * connection then does not go to: expect its own address too. */
        dpi_expect_insert(x, dpi_key_domain(key), proto, peer, end, port,
                          app, now_ms, DPI_EXPECT_TIMEOUT_MS);
    }
}

/* Moves the announcements that a parser left in the metadata 'md' of the
 * connection 'key' (client to server) into 'x' at 'now_ms', and removes
 * them from 'md'. */
void
dpi_expect_learn(struct dpi_expect *x, const struct dpi_key *key,
                 struct dpi_md *md, uint64_t now_ms)
{
    struct dpi_md_value v;
    uint32_t pos = 0;
    bool any = false;

    while (dpi_md_next(md, &pos, &v)) {
        if (v.field == DPI_F__expect) {
            dpi_expect_learn_one(x, key, v.str, now_ms);
            any = true;
        }
    }
    if (any) {
        dpi_md_remove(md, DPI_F__expect);
    }
}
