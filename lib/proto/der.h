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

#ifndef DPI_PROTO_DER_H
#define DPI_PROTO_DER_H 1

/* A small, bounds-checked DER walker for the two names of an X.509
 * certificate (RFC 5280 4.1): it finds tbsCertificate's issuer and
 * subject and formats them as one line of text, "C=US, O=Example,
 * CN=example.com".  Nothing is allocated and no byte outside the given
 * buffer is read. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The issuer and subject Names of a certificate: each points to the
 * Name's contents (the RDNs, without the SEQUENCE header) inside the
 * certificate's bytes. */
struct dpi_der_cert_names {
    const uint8_t *issuer;      /* Issuer's RDN sequence contents. */
    size_t issuer_len;          /* Bytes at 'issuer'. */
    const uint8_t *subject;     /* Subject's RDN sequence contents. */
    size_t subject_len;         /* Bytes at 'subject'. */
};

bool dpi_der_cert_names(const uint8_t *cert, size_t len,
                        struct dpi_der_cert_names *);
bool dpi_der_format_name(const uint8_t *name, size_t len, char *out,
                         size_t cap, size_t *out_len);

#endif /* proto/der.h */
