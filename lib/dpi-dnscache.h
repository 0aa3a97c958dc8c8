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

#ifndef DPI_DNSCACHE_H
#define DPI_DNSCACHE_H 1

/* DNS correlation cache (libdpi internal).
 *
 * When the engine sees a DNS response whose query name belongs to a
 * service, it records each A/AAAA answer address -> service here, so that
 * a later connection to that address gets the service as its app_id from
 * its first packet, before (or without) any host name of its own.  Entries
 * are kept per zone or VLAN of the DNS connection (dpi_key_domain()): an
 * answer seen in one zone labels no connection of another, where the
 * same private address may be another host.
 *
 * The cache has a fixed capacity, allocated once: it is set-associative,
 * DPI_DNSCACHE_WAYS entries per set, the set chosen by a seeded hash of the
 * address and its zone or VLAN; a new address replaces an empty or expired
 * entry of its set, else the least recently used one.  So a flood of
 * answers only ever evicts older entries and never allocates.  An entry
 * expires after the answer's TTL, capped by the caller (the engine caps it
 * at its idle timeout).
 *
 * Thread-safety
 * =============
 *
 * Every function but create and destroy may be called concurrently: sets
 * are protected by striped mutexes, which are never held while taking any
 * other lock. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi.h"

struct dpi_dnscache;
struct dpi_sigdb;
struct dpi_sig_scratch;

/* Entries per set. */
#define DPI_DNSCACHE_WAYS 8

/* Capacity of the engine's cache, in entries. */
#define DPI_DNSCACHE_CAPACITY 65536

struct dpi_dnscache *dpi_dnscache_create(size_t capacity);
void dpi_dnscache_destroy(struct dpi_dnscache *);
size_t dpi_dnscache_capacity(const struct dpi_dnscache *);

void dpi_dnscache_insert(struct dpi_dnscache *, uint32_t domain,
                         const struct dpi_addr *, uint16_t app,
                         uint64_t now_ms, uint64_t ttl_ms);
uint16_t dpi_dnscache_lookup(struct dpi_dnscache *, uint32_t domain,
                             const struct dpi_addr *, uint64_t now_ms);
size_t dpi_dnscache_count(struct dpi_dnscache *, uint64_t now_ms);

void dpi_dnscache_learn(struct dpi_dnscache *, uint32_t domain,
                        const struct dpi_sigdb *,
                        struct dpi_sig_scratch *, struct dpi_md *,
                        uint64_t now_ms, uint64_t max_ttl_ms,
                        bool answer);

#endif /* dpi-dnscache.h */
