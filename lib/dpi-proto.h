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

#ifndef DPI_PROTO_H
#define DPI_PROTO_H 1

/* Protocol parsers.
 *
 * One small parser per protocol family, in lib/proto/.  Each is a pure
 * function of the bytes it is given: it touches no global state and keeps
 * no state between calls, so it can be tested from a captured payload
 * alone and may run on any thread.
 *
 * For TCP, 'data' is the start of one direction's byte stream, reassembled
 * in order by the engine from the first segments of the connection (at most
 * DPI_PROTO_MAX_STREAM bytes).  For UDP it is one datagram's payload.  A
 * parser returns:
 *
 *   - DPI_PROTO_NO if the bytes cannot be this protocol;
 *
 *   - DPI_PROTO_MORE if they could be, but more bytes of the same direction
 *     are needed to decide or to extract the metadata (e.g. a TLS
 *     ClientHello split over several segments);
 *
 *   - DPI_PROTO_YES if they are this protocol.  The metadata found is
 *     written into the corresponding fields of 'md' (fields not found are
 *     left unchanged), each NUL-terminated and truncated to its size.
 *
 * Parsers never read outside [data, data + len). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi.h"

/* Longest stream prefix, per direction, the engine buffers for parsers. */
#define DPI_PROTO_MAX_STREAM 16384

/* What a parser decided. */
enum dpi_proto_result {
    DPI_PROTO_NO,               /* Not this protocol. */
    DPI_PROTO_MORE,             /* Maybe; give me more bytes. */
    DPI_PROTO_YES,              /* This protocol; 'md' updated. */
};

/* HTTP/1.x: a request (to_server) fills http_method, http_host, http_uri,
 * http_user_agent; a response is recognised but extracts nothing yet. */
enum dpi_proto_result dpi_http_parse(const uint8_t *data, size_t len,
                                     bool to_server, struct dpi_metadata *);

/* TLS: a ClientHello (to_server) fills tls_sni when the server_name
 * extension is present; a ServerHello is recognised. */
enum dpi_proto_result dpi_tls_parse(const uint8_t *data, size_t len,
                                    bool to_server, struct dpi_metadata *);

/* DNS (UDP datagram, or TCP stream with its 2-byte length prefix when
 * 'is_tcp'): fills dns_qname from the first question. */
enum dpi_proto_result dpi_dns_parse(const uint8_t *data, size_t len,
                                    bool is_tcp, struct dpi_metadata *);

/* SSH: the identification string "SSH-2.0-..." fills ssh_client
 * (to_server) or ssh_server. */
enum dpi_proto_result dpi_ssh_parse(const uint8_t *data, size_t len,
                                    bool to_server, struct dpi_metadata *);

#endif /* dpi-proto.h */
