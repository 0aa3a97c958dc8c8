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

#include <config.h>

#include "sigdb-fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dpi-classify.h"

/* Compiles the built-in signature file into a new fixture in '*state'. */
int
sigdb_fixture_setup(void **state)
{
    struct sigdb_fixture *f = calloc(1, sizeof *f);
    char *error = NULL;

    assert_non_null(f);
    assert_int_equal(dpi_sigdb_create_from_string(dpi_sig_builtin,
                                                  "builtin", &f->db,
                                                  &error), 0);
    assert_null(error);
    f->scratch = dpi_sig_scratch_create(f->db);
    assert_non_null(f->scratch);
    *state = f;
    return 0;
}

/* Frees the fixture in '*state'. */
int
sigdb_fixture_teardown(void **state)
{
    struct sigdb_fixture *f = *state;

    dpi_sig_scratch_destroy(f->scratch);
    dpi_sigdb_destroy(f->db);
    free(f);
    return 0;
}
