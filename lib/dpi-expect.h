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

#ifndef DPI_EXPECT_H
#define DPI_EXPECT_H 1

/* Expected connections (libdpi internal).
 *
 * Some protocols announce, on one connection, another connection that is
 * about to be opened: an FTP server's "227 Entering Passive Mode" reply
 * names the address and port the client will connect to for the data.
 * The parser of such a protocol leaves the announcement in the hidden
 * metadata field _expect (format in dpi-proto.h); the engine moves it into
 * this table with dpi_expect_learn(), and a new connection that matches an
 * entry (dpi_expect_match()) consumes it and takes its protocol from its
 * first packet.
 *
 * An entry is (IP protocol, server address, server port, client address,
 * domain) -> protocol, until it expires; the client is the end of the
 * announcing connection that did not announce (see dpi_expect_learn()),
 * and the domain is that connection's zone or VLAN (dpi_key_domain()), so
 * that an announcement made in one zone or VLAN labels no connection of
 * another.  The table has a fixed capacity, allocated once: it is
 * set-associative, DPI_EXPECT_WAYS entries per set chosen by a seeded hash
 * of the server address, port and domain; a new entry replaces an entry
 * with the same key, else an empty or expired one, else the oldest of its
 * set.  A flood of announcements thus only ever evicts older entries and
 * never allocates.
 *
 * Thread-safety
 * =============
 *
 * Every function but create and destroy may be called concurrently: sets
 * are protected by striped mutexes, never held while taking another lock.
 * A table with no entry answers dpi_expect_match() without locking. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi.h"

struct dpi_expect;
struct dpi_md;

/* Entries per set. */
#define DPI_EXPECT_WAYS 8

/* Capacity of the engine's table, in entries. */
#define DPI_EXPECT_CAPACITY 4096

/* How long an announced connection is expected, in milliseconds. */
#define DPI_EXPECT_TIMEOUT_MS 60000

struct dpi_expect *dpi_expect_create(size_t capacity);
void dpi_expect_destroy(struct dpi_expect *);
size_t dpi_expect_capacity(const struct dpi_expect *);

void dpi_expect_insert(struct dpi_expect *, uint32_t domain, uint8_t proto,
                       const struct dpi_addr *client,
                       const struct dpi_addr *server, uint16_t port,
                       uint16_t app, uint64_t now_ms, uint64_t timeout_ms);
uint16_t dpi_expect_match(struct dpi_expect *, const struct dpi_key *,
                          uint64_t now_ms);
size_t dpi_expect_count(struct dpi_expect *, uint64_t now_ms);

void dpi_expect_learn(struct dpi_expect *, const struct dpi_key *,
                      struct dpi_md *, uint64_t now_ms);

#endif /* dpi-expect.h */
