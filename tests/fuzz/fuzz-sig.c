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

/* libFuzzer target: the signature file parser and compiler,
 * dpi_sigdb_create_from_string() on the input as a signature file.
 *
 * A bad file must give an error (nonzero, with a message) and no
 * database; a good one a database.  Neither may crash or leak.  Inputs
 * are capped at FUZZ_SIG_MAX bytes so that Hyperscan's compile time stays
 * bounded. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpi-classify.h"
#include "fuzz-util.h"

/* Longest input tried: the largest part of lib/signatures/ fits. */
#define FUZZ_SIG_MAX 8192

/* libFuzzer entry point. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dpi_sigdb *db = (struct dpi_sigdb *) 1;
    char *error = (char *) 1;
    char *text;
    int err;

    if (size > FUZZ_SIG_MAX) {
        return -1;
    }
    text = malloc(size + 1);
    FUZZ_ASSERT(text != NULL, "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';

    err = dpi_sigdb_create_from_string(text, "fuzz.sig", &db, &error);
    if (err) {
        FUZZ_ASSERT(db == NULL, "database despite an error");
        FUZZ_ASSERT(error != NULL && error[0], "error without a message");
    } else {
        FUZZ_ASSERT(db != NULL, "no database and no error");
        FUZZ_ASSERT(error == NULL, "message without an error");
        dpi_sigdb_destroy(db);
    }
    free(error);
    free(text);
    return 0;
}
