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

#ifndef DPI_CLASSIFY_H
#define DPI_CLASSIFY_H 1

/* Signature database and per-connection classification (libdpi internal).
 *
 * The signature database (struct dpi_sigdb) is compiled once from a
 * signature file (format: docs/signatures.md) into
 * Hyperscan databases: payload patterns that propose L7 protocols, and host
 * patterns that map a host name (HTTP Host, TLS SNI, DNS query name) to a
 * service.  It is immutable once built.
 *
 * The connection table (dpi-engine.c) feeds each payload-carrying packet of
 * a connection under inspection to dpi_classify_packet(), together with the
 * connection's inspection state (struct dpi_inspect), until it returns
 * true (final verdict) or the engine's inspection window closes.
 *
 * Thread-safety
 * =============
 *
 * A dpi_sigdb may be used concurrently by any number of threads, each with
 * its own dpi_sig_scratch.  A dpi_inspect belongs to one connection: the
 * caller serialises the calls for one connection (the engine holds the
 * connection's lock). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi.h"
#include "dpi-md.h"

struct dpi_sigdb;
struct dpi_sig_scratch;
struct dpi_inspect;

/* The signature file built into the library (lib/signatures parts
 * concatenated),
 * as a NUL-terminated string; generated at build time. */
extern const char dpi_sig_builtin[];

int dpi_sigdb_create(const char *path, struct dpi_sigdb **, char **errorp);
int dpi_sigdb_create_from_string(const char *text, const char *name,
                                 struct dpi_sigdb **, char **errorp);
void dpi_sigdb_destroy(struct dpi_sigdb *);

/* Returns the protocol declared for IP protocol number 'ip_proto' ("protocol
 * NAME ip N") in the database, or 0 if none (or if the database is
 * NULL). */
uint16_t dpi_sig_match_ip_proto(const struct dpi_sigdb *, uint8_t ip_proto);

struct dpi_sig_scratch *dpi_sig_scratch_create(const struct dpi_sigdb *);
void dpi_sig_scratch_destroy(struct dpi_sig_scratch *);

struct dpi_inspect *dpi_inspect_create(uint32_t gen);
void dpi_inspect_destroy(struct dpi_inspect *);

/* Prepares 'in' for dpi_classify_packet() calls with 'db', whose
 * generation number (the caller's count of databases loaded) is 'gen'.
 * Does nothing if 'in' was built with that generation.  Otherwise keeps
 * the reassembled stream bytes and what was decided from them and forgets
 * the old database's slot numbers (see "Signature reload" in
 * dpi-classify.c). */
void dpi_inspect_rebind(struct dpi_inspect *in, const struct dpi_sigdb *db,
                        uint32_t gen);

/* Feeds one packet of a connection under inspection: 'pkt' is the parsed
 * packet, 'to_server' its direction (client to server if true) and
 * 'client' the connection's key in the client-to-server direction.
 * 'now_us' is the packet's time in microseconds.
 * Updates 'md' with extracted metadata and 'v->app_id', 'v->app_proto' with
 * what is known so far.  Returns true when the verdict is final, false if
 * more packets should be inspected. */
bool dpi_classify_packet(const struct dpi_sigdb *, struct dpi_sig_scratch *,
                         struct dpi_inspect *, const struct dpi_pkt *,
                         bool to_server, const struct dpi_key *client,
                         uint64_t now_us, struct dpi_md *md,
                         struct dpi_verdict *v);

/* Returns true if inspection has identified the connection's protocol, or
 * a service by its own payload (then app_proto may be 0). */
bool dpi_classify_identified(const struct dpi_inspect *);

/* Feeds one packet of a connection whose verdict is final to the parser of
 * its protocol 'app_proto' (or, when that protocol was refined from
 * another by a parser and has no parser of its own, to the parser recorded
 * in 'md' field _parser), if that parser follows connections (see
 * dpi-proto.h), to extract the metadata of later requests. */
void dpi_classify_follow(uint16_t app_proto, const struct dpi_pkt *,
                         bool to_server, const struct dpi_key *client,
                         uint64_t now_us, struct dpi_md *md);
bool dpi_classify_settled(uint16_t app_proto, const struct dpi_md *);

#endif /* dpi-classify.h */
