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

/* DNS correlation cache: see dpi-dnscache.h. */

#include "dpi-dnscache.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dpi-hash.h"
#include "dpi-md.h"
#include "dpi-sig-private.h"

/* Number of mutexes guarding the sets (a power of 2). */
#define DPI_DNSCACHE_LOCKS 64

/* One cached answer. */
struct dpi_dnscache_entry {
    struct dpi_addr addr;       /* Answer address (IPv4-mapped for A). */
    uint16_t app;               /* Service; 0 if the entry is empty. */
    uint32_t domain;            /* Zone or VLAN (dpi_key_domain()). */
    uint64_t expire_ms;         /* Unusable from this time on. */
    uint64_t used_ms;           /* Last insertion or lookup (for LRU). */
};

/* A lock, alone on its cache line. */
struct dpi_dnscache_lock {
    pthread_mutex_t mutex;      /* Protects the sets mapped to it. */
    char pad[64 - sizeof(pthread_mutex_t) % 64]; /* Padding. */
};

/* The cache. */
struct dpi_dnscache {
    struct dpi_dnscache_entry *entries; /* 'n_sets' * DPI_DNSCACHE_WAYS. */
    size_t n_sets;              /* Number of sets, a power of 2. */
    uint64_t seed;              /* Hash seed. */
    struct dpi_dnscache_lock locks[DPI_DNSCACHE_LOCKS]; /* Set i uses lock
                                 * i % DPI_DNSCACHE_LOCKS. */
};

/* Creates a cache of at least 'capacity' entries (rounded up to a power of
 * 2, at least DPI_DNSCACHE_WAYS).  Returns NULL if memory is short. */
struct dpi_dnscache *
dpi_dnscache_create(size_t capacity)
{
    struct dpi_dnscache *c = calloc(1, sizeof *c);
    size_t n_sets = 1;
    int i;

    if (!c) {
        return NULL;
    }
    while (n_sets * DPI_DNSCACHE_WAYS < capacity && n_sets < SIZE_MAX / 128) {
        n_sets *= 2;
    }
    c->entries = calloc(n_sets * DPI_DNSCACHE_WAYS, sizeof *c->entries);
    if (!c->entries) {
        free(c);
        return NULL;
    }
    c->n_sets = n_sets;
    c->seed = ((uint64_t) time(NULL) << 20) ^ (uint64_t) (uintptr_t) c;
    for (i = 0; i < DPI_DNSCACHE_LOCKS; i++) {
        pthread_mutex_init(&c->locks[i].mutex, NULL);
    }
    return c;
}

/* Frees 'c' (which may be NULL). */
void
dpi_dnscache_destroy(struct dpi_dnscache *c)
{
    int i;

    if (c) {
        for (i = 0; i < DPI_DNSCACHE_LOCKS; i++) {
            pthread_mutex_destroy(&c->locks[i].mutex);
        }
        free(c->entries);
        free(c);
    }
}

/* Returns the number of entries 'c' can hold. */
size_t
dpi_dnscache_capacity(const struct dpi_dnscache *c)
{
    return c->n_sets * DPI_DNSCACHE_WAYS;
}

/* Returns the index of the set of 'addr' in zone or VLAN 'domain' in 'c'.
 * The domain counts too, so that the entries of one popular address in
 * many domains spread over the sets instead of filling one. */
static size_t
dpi_dnscache_set(const struct dpi_dnscache *c, uint32_t domain,
                 const struct dpi_addr *addr)
{
    /* Every bit of the address must reach the set index: IPv4 addresses
     * differ in their last 4 bytes only. */
    return ((size_t) dpi_hash_addr(addr->b, domain, c->seed)
            & (c->n_sets - 1));
}

/* Locks the set 'set' of 'c' and returns its first entry. */
static struct dpi_dnscache_entry *
dpi_dnscache_lock(struct dpi_dnscache *c, size_t set)
{
    pthread_mutex_lock(&c->locks[set % DPI_DNSCACHE_LOCKS].mutex);
    return &c->entries[set * DPI_DNSCACHE_WAYS];
}

/* Unlocks the set 'set' of 'c'. */
static void
dpi_dnscache_unlock(struct dpi_dnscache *c, size_t set)
{
    pthread_mutex_unlock(&c->locks[set % DPI_DNSCACHE_LOCKS].mutex);
}

/* Records that 'addr', in zone or VLAN 'domain', belongs to service 'app'
 * (nonzero) from 'now_ms' for 'ttl_ms' milliseconds.  A TTL of 0 records
 * nothing. */
void
dpi_dnscache_insert(struct dpi_dnscache *c, uint32_t domain,
                    const struct dpi_addr *addr, uint16_t app,
                    uint64_t now_ms, uint64_t ttl_ms)
{
    size_t set = dpi_dnscache_set(c, domain, addr);
    struct dpi_dnscache_entry *s, *victim = NULL;
    int i;

    if (!app || !ttl_ms) {
        return;
    }
    s = dpi_dnscache_lock(c, set);
    for (i = 0; i < DPI_DNSCACHE_WAYS; i++) {
        if (s[i].app && s[i].domain == domain
            && !memcmp(&s[i].addr, addr, sizeof *addr)) {
            victim = &s[i];
            break;
        }
    }
    if (!victim) {
        /* An empty or expired entry, else the least recently used. */
        for (i = 0; i < DPI_DNSCACHE_WAYS; i++) {
            struct dpi_dnscache_entry *e = &s[i];

            if (!e->app || e->expire_ms <= now_ms) {
                victim = e;
                break;
            }
            if (!victim || e->used_ms < victim->used_ms) {
                victim = e;
            }
        }
    }
    victim->addr = *addr;
    victim->app = app;
    victim->domain = domain;
    victim->expire_ms = dpi_expiry(now_ms, ttl_ms);
    victim->used_ms = now_ms;
    dpi_dnscache_unlock(c, set);
}

/* Returns the service recorded for 'addr' in zone or VLAN 'domain' that
 * has not expired at 'now_ms', or 0. */
uint16_t
dpi_dnscache_lookup(struct dpi_dnscache *c, uint32_t domain,
                    const struct dpi_addr *addr, uint64_t now_ms)
{
    size_t set = dpi_dnscache_set(c, domain, addr);
    struct dpi_dnscache_entry *s = dpi_dnscache_lock(c, set);
    uint16_t app = 0;
    int i;

    for (i = 0; i < DPI_DNSCACHE_WAYS; i++) {
        struct dpi_dnscache_entry *e = &s[i];

        if (e->app && e->domain == domain
            && !memcmp(&e->addr, addr, sizeof *addr)) {
            if (e->expire_ms > now_ms) {
                app = e->app;
                e->used_ms = now_ms;
            } else {
                e->app = 0;
            }
            break;
        }
    }
    dpi_dnscache_unlock(c, set);
    return app;
}

/* Returns the number of entries of 'c' that have not expired at 'now_ms'
 * (for tests and statistics; takes every lock in turn). */
size_t
dpi_dnscache_count(struct dpi_dnscache *c, uint64_t now_ms)
{
    size_t set, n = 0;
    int i;

    for (set = 0; set < c->n_sets; set++) {
        struct dpi_dnscache_entry *s = dpi_dnscache_lock(c, set);

        for (i = 0; i < DPI_DNSCACHE_WAYS; i++) {
            n += s[i].app && s[i].expire_ms > now_ms;
        }
        dpi_dnscache_unlock(c, set);
    }
    return n;
}

/* Parses textual address 's' (as the DNS parser writes dns_answer) into
 * '*addr'.  Returns false if it is not an IPv4 or IPv6 address. */
static bool
dpi_dnscache_parse_addr(const char *s, struct dpi_addr *addr)
{
    memset(addr, 0, sizeof *addr);
    if (inet_pton(AF_INET, s, addr->b + 12) == 1) {
        addr->b[10] = addr->b[11] = 0xff;
        return true;
    }
    return inet_pton(AF_INET6, s, addr->b) == 1;
}

/* Learns from the metadata 'md' of a DNS connection: if the DNS parser left
 * answers not yet learned (hidden field _dns_ttl, their smallest TTL in
 * seconds) and the query names belong to a service of 'db', records each
 * dns_answer address not learned before as that service, in the DNS
 * connection's zone or VLAN 'domain', for the TTL, at most 'max_ttl_ms'.
 * Removes _dns_ttl and counts the addresses learned in _dns_learned, so that
 * each answer is learned once, with the TTL of its own message: an older
 * answer of the connection never gets a later message's TTL.  (An address that
 * a later message repeats is not appended again to dns_answer, so it keeps its
 * first TTL: it may expire early, never late.)  Learns nothing if the
 * connection's query names belong to different services (or some to none),
 * since the answers cannot be told apart.
 *
 * Only answers teach: 'answer' says whether the message came from the
 * server of a connection whose client had sent something first (its
 * query).  The answers of any other message (a "response" that a client
 * sends itself, to get its own traffic labelled as a service) count as
 * learned and are never recorded, even once a real response comes. */
void
dpi_dnscache_learn(struct dpi_dnscache *c, uint32_t domain,
                   const struct dpi_sigdb *db,
                   struct dpi_sig_scratch *scratch, struct dpi_md *md,
                   uint64_t now_ms, uint64_t max_ttl_ms, bool answer)
{
    uint64_t ttl, learned = 0;
    struct dpi_md_value v;
    uint32_t pos = 0;
    uint32_t i = 0;
    uint16_t app;

    if (!c || !dpi_md_get_u64(md, DPI_F__dns_ttl, &ttl)) {
        return;
    }
    dpi_md_remove(md, DPI_F__dns_ttl);
    if (!answer) {
        while (dpi_md_next(md, &pos, &v)) {
            i += v.field == DPI_F_dns_answer;
        }
        if (i) {
            dpi_md_set_u64(md, DPI_F__dns_learned, i);
        }
        return;
    }

    /* A connection may carry several messages (a client reusing its port,
     * DNS over TCP), whose answers all pile up in dns_answer: learn only
     * if every query name belongs to the same service. */
    app = 0;
    while (dpi_md_next(md, &pos, &v)) {
        if (v.field == DPI_F_dns_qname) {
            uint16_t q = dpi_sig_match_host(db, scratch, v.str);

            if (!q || (app && q != app)) {
                return;
            }
            app = q;
        }
    }
    if (!app) {
        return;
    }
    pos = 0;
    ttl = ttl > max_ttl_ms / 1000 ? max_ttl_ms : ttl * 1000;
    dpi_md_get_u64(md, DPI_F__dns_learned, &learned);
    while (dpi_md_next(md, &pos, &v)) {
        struct dpi_addr addr;

        if (v.field == DPI_F_dns_answer && i++ >= learned
            && dpi_dnscache_parse_addr(v.str, &addr)) {
            dpi_dnscache_insert(c, domain, &addr, app, now_ms, ttl);
        }
    }
    if (i > learned) {
        dpi_md_set_u64(md, DPI_F__dns_learned, i);
    }
}
