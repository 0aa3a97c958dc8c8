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


#ifndef TESTS_MD_SHIM_H
#define TESTS_MD_SHIM_H 1

/* Test helper: the first value of the common metadata fields as plain
 * strings, so that tests can compare them with assert_string_equal() and
 * with the oracle's first value.  'struct test_md' is filled from a
 * struct dpi_md by test_md_fill(); a field absent from the dpi_md is left
 * as it was. */

#include <string.h>

#include "dpi-md.h"

/* Room for one value in a struct test_md (values are cut there). */
#define TEST_MD_LEN (DPI_MD_VALUE_MAX + 1)

/* First values of the fields that the tests look at. */
struct test_md {
    char http_method[TEST_MD_LEN];      /* DPI_F_http_method. */
    char http_host[TEST_MD_LEN];        /* DPI_F_http_host. */
    char http_uri[TEST_MD_LEN];         /* DPI_F_http_uri. */
    char http_user_agent[TEST_MD_LEN];  /* DPI_F_http_user_agent. */
    char tls_sni[TEST_MD_LEN];          /* DPI_F_tls_sni. */
    char dns_qname[TEST_MD_LEN];        /* DPI_F_dns_qname. */
    char ssh_client[TEST_MD_LEN];       /* DPI_F_ssh_client. */
    char ssh_server[TEST_MD_LEN];       /* DPI_F_ssh_server. */
};

/* Copies the first value of field 'f' of 'md', if any, into 'dst'. */
static inline void
test_md_copy(const struct dpi_md *md, enum dpi_field f, char *dst)
{
    size_t len;
    const char *v = dpi_md_get(md, f, &len);

    if (v) {
        memcpy(dst, v, len + 1);
    }
}

/* Fills 't' from 'md'. */
static inline void
test_md_fill(struct test_md *t, const struct dpi_md *md)
{
    test_md_copy(md, DPI_F_http_method, t->http_method);
    test_md_copy(md, DPI_F_http_host, t->http_host);
    test_md_copy(md, DPI_F_http_uri, t->http_uri);
    test_md_copy(md, DPI_F_http_user_agent, t->http_user_agent);
    test_md_copy(md, DPI_F_tls_sni, t->tls_sni);
    test_md_copy(md, DPI_F_dns_qname, t->dns_qname);
    test_md_copy(md, DPI_F_ssh_client, t->ssh_client);
    test_md_copy(md, DPI_F_ssh_server, t->ssh_server);
}

#endif /* tests/md-shim.h */
