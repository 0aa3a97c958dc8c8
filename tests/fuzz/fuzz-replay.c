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

/* Fuzz regression replay: one CMocka test per file of
 * tests/fuzz/regress/TARGET/, each fed once to TARGET's
 * LLVMFuzzerTestOneInput() as libFuzzer would feed it.
 *
 * This file is linked with one fuzz target's source (FUZZ_REPLAY_TARGET
 * names it) and lib/libdpi.a, compiled with the ordinary compiler and no
 * libFuzzer, so the regression inputs run in every build: a failed check
 * of the target aborts the test, and in the sanitizer build
 * (configure --enable-sanitizers) so does any ASan or UBSan report.
 *
 * Usage: replay-TARGET [FILE...]
 *
 * Without FILE, the files of $DPI_SRCDIR/tests/fuzz/regress/TARGET/ (all
 * but README.md and dot files), in name order; exits 77 (skipped) when
 * there are none. */

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#ifndef FUZZ_REPLAY_TARGET
#error "FUZZ_REPLAY_TARGET must name the fuzz target"
#endif

/* The fuzz target's entry point, from tests/fuzz/FUZZ_REPLAY_TARGET.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads file 'path' into an exact-size heap buffer (so that a sanitizer
 * sees a read past its end), storing its size in '*size'.  Fails the
 * current test if the file cannot be read. */
static uint8_t *
replay_read(const char *path, size_t *size)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    FILE *f;

    f = fopen(path, "rb");
    if (!f) {
        fail_msg("%s: %s", path, strerror(errno));
    }
    for (;;) {
        uint8_t chunk[4096];
        size_t n = fread(chunk, 1, sizeof chunk, f);
        uint8_t *grown;

        if (!n) {
            break;
        }
        grown = realloc(buf, len + n);
        assert_non_null(grown);
        buf = grown;
        memcpy(buf + len, chunk, n);
        len += n;
    }
    assert_false(ferror(f));
    fclose(f);
    if (!buf) {
        buf = malloc(1);        /* An empty input: nothing may be read. */
        assert_non_null(buf);
    }
    *size = len;
    return buf;
}

/* Test: the regression input whose path is '*state' goes through the
 * fuzz target without a failed check or a sanitizer report. */
static void
replay_one(void **state)
{
    const char *path = *state;
    uint8_t *data;
    size_t size;

    data = replay_read(path, &size);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
}

/* Returns true if directory entry 'name' is a regression input. */
static bool
replay_is_input(const char *name)
{
    return name[0] != '.' && strcmp(name, "README.md");
}

/* scandir() filter for replay_is_input(). */
static int
replay_filter(const struct dirent *de)
{
    return replay_is_input(de->d_name);
}

int
main(int argc, char *argv[])
{
    struct CMUnitTest *tests;
    char **paths;
    size_t n = 0;
    int i, status;

    if (argc > 1) {
        n = argc - 1;
        paths = calloc(n, sizeof *paths);
        for (i = 1; paths && i < argc; i++) {
            paths[i - 1] = strdup(argv[i]);
        }
    } else {
        const char *srcdir = getenv("DPI_SRCDIR");
        struct dirent **names;
        char dir[4096];
        int m;

        snprintf(dir, sizeof dir, "%s/tests/fuzz/regress/%s",
                 srcdir && srcdir[0] ? srcdir : ".", FUZZ_REPLAY_TARGET);
        m = scandir(dir, &names, replay_filter, alphasort);
        if (m <= 0) {
            printf("replay: no regression inputs in %s: skipped\n", dir);
            return 77;
        }
        n = m;
        paths = calloc(n, sizeof *paths);
        for (i = 0; i < m; i++) {
            if (paths) {
                size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;

                paths[i] = malloc(len);
                if (paths[i]) {
                    snprintf(paths[i], len, "%s/%s", dir, names[i]->d_name);
                }
            }
            free(names[i]);
        }
        free(names);
    }

    tests = calloc(n, sizeof *tests);
    if (!paths || !tests) {
        fprintf(stderr, "replay: out of memory\n");
        return 1;
    }
    for (i = 0; i < (int) n; i++) {
        const char *slash;

        if (!paths[i]) {
            fprintf(stderr, "replay: out of memory\n");
            return 1;
        }
        slash = strrchr(paths[i], '/');
        tests[i].name = slash ? slash + 1 : paths[i];
        tests[i].test_func = replay_one;
        tests[i].initial_state = paths[i];
    }
    status = _cmocka_run_group_tests(FUZZ_REPLAY_TARGET " regressions",
                                     tests, n, NULL, NULL);
    for (i = 0; i < (int) n; i++) {
        free(paths[i]);
    }
    free(paths);
    free(tests);
    return status;
}
