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

/* IP fragment association: see dpi-frag.h for what it does and its
 * limits. */

#include "dpi-frag.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dpi-hash.h"

/* IP protocol numbers. */
#define DPI_IPPROTO_TCP 6
#define DPI_IPPROTO_UDP 17

/* Entries per bucket. */
#define DPI_FRAG_WAYS 4

/* Number of mutexes the buckets are spread over (a power of 2). */
#define DPI_FRAG_N_LOCKS 64

/* Largest capacity accepted, in datagrams. */
#define DPI_FRAG_MAX_CAPACITY (1u << 24)

/* The identity of a fragmented datagram.  It has no padding, so that two
 * keys compare with memcmp(). */
struct dpi_frag_key {
    struct dpi_addr src;        /* Source address. */
    struct dpi_addr dst;        /* Destination address. */
    uint32_t id;                /* IP identification. */
    uint16_t vlan;              /* VLAN id, 0 if untagged; or the zone if
                                 * 'zoned'. */
    uint8_t proto;              /* IP protocol (TCP or UDP); 0 for IPv6,
                                 * whose datagrams RFC 8200 identifies
                                 * without it. */
    uint8_t flags;              /* DPI_FRAG_IPV6, DPI_FRAG_ZONED. */
};
_Static_assert(sizeof(struct dpi_frag_key) == 40,
               "struct dpi_frag_key must not have padding");

/* Bits of struct dpi_frag_key's 'flags'. */
#define DPI_FRAG_IPV6  1        /* An IPv6 datagram. */
#define DPI_FRAG_ZONED 2        /* 'vlan' holds a zone. */

/* A datagram whose first fragment was seen. */
struct dpi_frag_entry {
    struct dpi_frag_key key;    /* The datagram. */
    uint64_t expires_ms;        /* Time after which the entry is unused. */
    uint16_t sport;             /* Source port of the first fragment. */
    uint16_t dport;             /* Destination port of the first
                                 * fragment. */
    uint8_t proto;              /* IP protocol of the first fragment. */
    bool used;                  /* False if the entry was never filled. */
};

/* The table. */
struct dpi_frag_table {
    struct dpi_frag_entry *entries; /* 'n_buckets' * DPI_FRAG_WAYS entries;
                                     * bucket 'b' is entries
                                     * [b * DPI_FRAG_WAYS, +DPI_FRAG_WAYS)
                                     * and is guarded by
                                     * 'locks[b % DPI_FRAG_N_LOCKS]'. */
    size_t n_buckets;           /* Number of buckets, a power of 2, or 0
                                 * for a table that remembers nothing. */
    uint32_t seed;              /* Hash seed. */
    pthread_mutex_t locks[DPI_FRAG_N_LOCKS]; /* Bucket locks. */
};

/* Creates a table that remembers up to 'capacity' datagrams (rounded up to
 * a whole number of buckets; 0 makes a table that associates nothing).
 * Returns NULL if memory is short. */
struct dpi_frag_table *
dpi_frag_table_create(size_t capacity)
{
    struct dpi_frag_table *t = calloc(1, sizeof *t);
    struct timespec ts;
    size_t n = 0;

    if (!t) {
        return NULL;
    }
    if (capacity > DPI_FRAG_MAX_CAPACITY) {
        capacity = DPI_FRAG_MAX_CAPACITY;
    }
    if (capacity) {
        n = 1;
        while (n * DPI_FRAG_WAYS < capacity) {
            n *= 2;
        }
        t->entries = calloc(n * DPI_FRAG_WAYS, sizeof *t->entries);
        if (!t->entries) {
            free(t);
            return NULL;
        }
    }
    t->n_buckets = n;

    /* Not a secret, but not guessable from outside either. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t->seed = (uint32_t) ts.tv_nsec ^ (uint32_t) ts.tv_sec * 2654435761u
              ^ (uint32_t) (uintptr_t) t;

    for (size_t i = 0; i < DPI_FRAG_N_LOCKS; i++) {
        pthread_mutex_init(&t->locks[i], NULL);
    }
    return t;
}

/* Destroys 't' (which may be NULL). */
void
dpi_frag_table_destroy(struct dpi_frag_table *t)
{
    if (t) {
        for (size_t i = 0; i < DPI_FRAG_N_LOCKS; i++) {
            pthread_mutex_destroy(&t->locks[i]);
        }
        free(t->entries);
        free(t);
    }
}

/* Returns the number of datagrams 't' can remember. */
size_t
dpi_frag_table_capacity(const struct dpi_frag_table *t)
{
    return t->n_buckets * DPI_FRAG_WAYS;
}

/* Returns a hash of 'key' under 'seed'. */
static uint32_t
dpi_frag_hash(const struct dpi_frag_key *key, uint32_t seed)
{
    const uint8_t *p = (const uint8_t *) key;
    uint32_t h = seed ^ 2166136261u;

    for (size_t i = 0; i < sizeof *key; i++) {
        h = (h ^ p[i]) * 16777619u;
    }

    /* Mix the high bits into the low ones, which pick the bucket. */
    return dpi_hash_fmix32(h);
}

/* Fills in 'key' with the identity of the datagram 'pkt' is a fragment
 * of. */
static void
dpi_frag_key_init(struct dpi_frag_key *key, const struct dpi_pkt *pkt)
{
    memset(key, 0, sizeof *key);
    key->src = pkt->key.src;
    key->dst = pkt->key.dst;
    key->id = pkt->frag_id;
    key->vlan = pkt->key.vlan;
    key->proto = pkt->key.ipv6 ? 0 : pkt->key.proto;
    key->flags = ((pkt->key.ipv6 ? DPI_FRAG_IPV6 : 0)
                  | (pkt->key.zoned ? DPI_FRAG_ZONED : 0));
}

/* Returns the entry of bucket 'bucket' (whose lock the caller holds) for
 * 'key', live at 'now_ms', or NULL if there is none. */
static struct dpi_frag_entry *
dpi_frag_find(struct dpi_frag_entry *bucket, const struct dpi_frag_key *key,
              uint64_t now_ms)
{
    for (size_t i = 0; i < DPI_FRAG_WAYS; i++) {
        struct dpi_frag_entry *e = &bucket[i];

        if (e->used && e->expires_ms > now_ms
            && !memcmp(&e->key, key, sizeof *key)) {
            return e;
        }
    }
    return NULL;
}

/* Returns the entry of bucket 'bucket' (whose lock the caller holds) to
 * use for a new datagram at 'now_ms': a free or expired one if there is
 * one, else the one that expires first. */
static struct dpi_frag_entry *
dpi_frag_victim(struct dpi_frag_entry *bucket, uint64_t now_ms)
{
    struct dpi_frag_entry *victim = &bucket[0];

    for (size_t i = 0; i < DPI_FRAG_WAYS; i++) {
        struct dpi_frag_entry *e = &bucket[i];

        if (!e->used || e->expires_ms <= now_ms) {
            return e;
        }
        if (e->expires_ms < victim->expires_ms) {
            victim = e;
        }
    }
    return victim;
}

/* Associates the IP fragment 'pkt', seen at 'now_ms', with its datagram.
 *
 *   - If 'pkt' is the first fragment of a TCP or UDP datagram (offset 0,
 *     more fragments), remembers its ports and returns 'pkt'.
 *
 *   - If 'pkt' is a later fragment (pkt->is_fragment) of a datagram whose
 *     first fragment is remembered, copies 'pkt' into '*tmp' with the
 *     ports and protocol of the first fragment and is_fragment cleared
 *     (it now has the key of a TCP or UDP packet without payload) and
 *     returns 'tmp'.
 *     Its fragment members still tell that it is a non-first fragment.
 *
 *   - Otherwise returns 'pkt' unchanged.
 *
 * The returned packet is valid as long as both 'pkt' and 'tmp' are. */
const struct dpi_pkt *
dpi_frag_resolve(struct dpi_frag_table *t, const struct dpi_pkt *pkt,
                 uint64_t now_ms, struct dpi_pkt *tmp)
{
    struct dpi_frag_entry *bucket, *e;
    pthread_mutex_t *lock;
    struct dpi_frag_key key;
    bool first;
    size_t b;

    if (!t->n_buckets) {
        return pkt;
    }
    first = !pkt->is_fragment && !pkt->frag_offset && pkt->frag_more;
    if (!first && !pkt->is_fragment) {
        return pkt;             /* Not a fragment. */
    }
    /* Only TCP and UDP datagrams have ports.  An IPv6 later fragment
     * names the first header after its Fragment header, which may be a
     * Destination Options header, so its datagram is looked up whatever
     * it names. */
    if ((first || !pkt->key.ipv6)
        && pkt->key.proto != DPI_IPPROTO_TCP
        && pkt->key.proto != DPI_IPPROTO_UDP) {
        return pkt;
    }

    dpi_frag_key_init(&key, pkt);
    b = dpi_frag_hash(&key, t->seed) & (t->n_buckets - 1);
    bucket = &t->entries[b * DPI_FRAG_WAYS];
    lock = &t->locks[b % DPI_FRAG_N_LOCKS];

    pthread_mutex_lock(lock);
    e = dpi_frag_find(bucket, &key, now_ms);
    if (first) {
        /* A repeated first fragment (retransmission or reuse of the IP
         * identification) takes over the entry. */
        if (!e) {
            e = dpi_frag_victim(bucket, now_ms);
            e->key = key;
            e->used = true;
        }
        e->sport = pkt->key.sport;
        e->dport = pkt->key.dport;
        e->proto = pkt->key.proto;
        e->expires_ms = dpi_expiry(now_ms, DPI_FRAG_TIMEOUT_MS);
    } else if (e) {
        *tmp = *pkt;
        tmp->key.sport = e->sport;
        tmp->key.dport = e->dport;
        tmp->key.proto = e->proto;
        tmp->is_fragment = 0;
        e->expires_ms = dpi_expiry(now_ms, DPI_FRAG_TIMEOUT_MS);
        pkt = tmp;
    }
    pthread_mutex_unlock(lock);
    return pkt;
}
