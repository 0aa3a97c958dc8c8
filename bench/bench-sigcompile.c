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

/* bench-sigcompile: signature database compile time.
 *
 * For the built-in signature database and for each signature file named on
 * the command line, the program times N times (--rounds, default 7):
 *
 *   - for a file only, dpi_sigdb_create(), which parses the file and
 *     compiles its Hyperscan databases (the built-in database is compiled
 *     inside dpi_engine_create(), so it is timed that way alone);
 *   - dpi_engine_create() + dpi_engine_destroy(), which is what a reload
 *     costs the datapath (signature compile plus the empty connection
 *     table).
 *
 * It prints every run and the median, minimum and maximum, in
 * milliseconds of wall-clock time and of process CPU time. */

#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dpi.h"
#include "dpi-classify.h"

/* Returns the current time of 'clock' in milliseconds. */
static double
bs_clock_ms(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Returns the current monotonic time in milliseconds. */
static double
bs_now_ms(void)
{
    return bs_clock_ms(CLOCK_MONOTONIC);
}

/* Returns the process CPU time in milliseconds. */
static double
bs_cpu_ms(void)
{
    return bs_clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

/* qsort() comparison of doubles. */
static int
bs_cmp_double(const void *a_, const void *b_)
{
    double a = *(const double *) a_, b = *(const double *) b_;

    return a < b ? -1 : a > b;
}

/* Prints the 'n' times at 'v' (sorting them) under 'label'. */
static void
bs_print(const char *label, double *v, int n)
{
    printf("%s", label);
    for (int i = 0; i < n; i++) {
        printf(" %.1f", v[i]);
    }
    qsort(v, n, sizeof *v, bs_cmp_double);
    printf("\n    median %.1f ms (min %.1f, max %.1f)\n",
           n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0],
           v[n - 1]);
}

/* Times dpi_engine_create() with signature file 'path' (NULL for the
 * built-in database) 'n' times, and dpi_sigdb_create() too if 'path' is
 * nonnull. */
static void
bs_time(const char *path, int n)
{
    double *v = calloc(n, sizeof *v);
    double *u = calloc(n, sizeof *u);
    char label[512];

    if (!v || !u) {
        exit(1);
    }
    if (path) {
        for (int i = 0; i < n; i++) {
            struct dpi_sigdb *db;
            char *error = NULL;
            double t0 = bs_now_ms(), c0 = bs_cpu_ms();

            if (dpi_sigdb_create(path, &db, &error)) {
                fprintf(stderr, "bench-sigcompile: %s: %s\n", path, error);
                exit(1);
            }
            v[i] = bs_now_ms() - t0;
            u[i] = bs_cpu_ms() - c0;
            dpi_sigdb_destroy(db);
        }
        snprintf(label, sizeof label, "dpi_sigdb_create(%s) wall ms:",
                 path);
        bs_print(label, v, n);
        snprintf(label, sizeof label, "dpi_sigdb_create(%s) cpu ms:", path);
        bs_print(label, u, n);
    }
    for (int i = 0; i < n; i++) {
        struct dpi_config config;
        struct dpi_engine *engine;
        char *error = NULL;
        double t0, c0;

        dpi_config_init(&config);
        config.signatures = path;
        t0 = bs_now_ms();
        c0 = bs_cpu_ms();
        if (dpi_engine_create(&config, &engine, &error)) {
            fprintf(stderr, "bench-sigcompile: %s: %s\n",
                    path ? path : "built-in", error);
            exit(1);
        }
        dpi_engine_destroy(engine);
        v[i] = bs_now_ms() - t0;
        u[i] = bs_cpu_ms() - c0;
    }
    snprintf(label, sizeof label, "dpi_engine_create+destroy(%s) wall ms:",
             path ? path : "built-in");
    bs_print(label, v, n);
    snprintf(label, sizeof label, "dpi_engine_create+destroy(%s) cpu ms:",
             path ? path : "built-in");
    bs_print(label, u, n);
    free(v);
    free(u);
}

/* Parses the command line, runs the benchmark and prints its figures. */
int
main(int argc, char *argv[])
{
    int rounds = 7;
    int i = 1;

    if (argc > 2 && !strcmp(argv[1], "--rounds")) {
        rounds = atoi(argv[2]);
        i = 3;
    }
    if (rounds < 1 || (argc > 1 && !strcmp(argv[1], "--help"))) {
        printf("usage: bench-sigcompile [--rounds N] [FILE.sig...]\n"
               "Times the compile of the built-in signature database and "
               "of each FILE.\n");
        return rounds < 1 ? 2 : 0;
    }
    bs_time(NULL, rounds);
    for (; i < argc; i++) {
        bs_time(argv[i], rounds);
    }
    return 0;
}
