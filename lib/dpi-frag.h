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

#ifndef DPI_FRAG_H
#define DPI_FRAG_H 1

/* IP fragment association (internal to libdpi).
 *
 * Only the first fragment of a fragmented TCP or UDP datagram carries the
 * L4 header, so only it has ports.  The corpus oracle counts every
 * fragment with its datagram, so with the datagram's connection.  This
 * table remembers, for each first fragment seen, the ports of its datagram
 * under the datagram's identity (addresses, IP identification, VLAN and,
 * for IPv4, protocol), and gives them and its protocol to the later
 * fragments of the same datagram.
 *
 * Limits
 * ======
 *
 * The table has a fixed capacity, set at creation: it never allocates
 * afterwards.  It is a hash table of small buckets; when a bucket is full,
 * a new datagram replaces the entry of that bucket that expires first.  An
 * entry expires DPI_FRAG_TIMEOUT_MS after the last fragment that used it.
 * A hash seed chosen at creation keeps remote senders from aiming at one
 * bucket.
 *
 * A fragment that arrives before its datagram's first fragment (or whose
 * first fragment was evicted, expired or never seen) is not associated: it
 * keeps its port-less key, and so is counted in the port-less connection
 * of its addresses and protocol.  The oracle, which reassembles the whole
 * capture offline, counts it with the datagram; doing so here would mean
 * holding packets back, which an inline datapath cannot do.
 *
 * Thread-safety
 * =============
 *
 * dpi_frag_resolve() may be called concurrently from any number of
 * threads: each bucket is protected by one of a fixed set of mutexes
 * (lock striping), held only while the bucket is read or written, and no
 * other lock is taken meanwhile.  dpi_frag_table_create() and
 * dpi_frag_table_destroy() must not race with anything else on the same
 * table. */

#include <stddef.h>
#include <stdint.h>

#include "dpi.h"

struct dpi_frag_table;

/* Default capacity (datagrams) and idle timeout of a table. */
#define DPI_FRAG_DEFAULT_CAPACITY 4096
#define DPI_FRAG_TIMEOUT_MS 30000

struct dpi_frag_table *dpi_frag_table_create(size_t capacity);
void dpi_frag_table_destroy(struct dpi_frag_table *);
size_t dpi_frag_table_capacity(const struct dpi_frag_table *);

const struct dpi_pkt *dpi_frag_resolve(struct dpi_frag_table *,
                                       const struct dpi_pkt *,
                                       uint64_t now_ms,
                                       struct dpi_pkt *tmp);

#endif /* dpi-frag.h */
