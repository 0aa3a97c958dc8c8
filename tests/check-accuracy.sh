#! /bin/sh
# Copyright (c) 2026 The ovs-dpi authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# Automake test: dpi-classify's accuracy on the corpus must not fall below
# tests/accuracy-floors.txt.  Runs tests/dpi-accuracy.py --check.
#
# Environment: DPI_CORPUS_DIR (the corpus; skip without it), top_builddir
# (default: the current directory, where automake runs tests), DPI_CLASSIFY
# (default: $top_builddir/utilities/dpi-classify), PYTHON3 (default
# python3).  First checks the scorer itself (dpi-accuracy.py --self-test).
# Writes the full report to $top_builddir/tests/check-accuracy.md for a
# look after a failure.  Exit status: 0 pass, 1 fail, 77 skip, 99
# error.

srcdir_tests=`dirname "$0"`
top_builddir=${top_builddir:-.}
classify=${DPI_CLASSIFY:-$top_builddir/utilities/dpi-classify}
python=${PYTHON3:-python3}

if test -z "$DPI_CORPUS_DIR" || test ! -d "$DPI_CORPUS_DIR/pcap"; then
    echo "SKIP: check-accuracy: corpus not found (DPI_CORPUS_DIR)"
    exit 77
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 5))' \
        2>/dev/null; then
    echo "SKIP: check-accuracy: no Python 3"
    exit 77
fi

# The scorer itself must work (fake predictions made from the oracle).
if ! "$python" "$srcdir_tests/dpi-accuracy.py" --corpus "$DPI_CORPUS_DIR" \
        --self-test; then
    echo "ERROR: check-accuracy: dpi-accuracy.py --self-test failed"
    exit 99
fi

if test ! -x "$classify"; then
    echo "SKIP: check-accuracy: $classify not built"
    exit 77
fi

mkdir -p "$top_builddir/tests" || exit 99
exec "$python" "$srcdir_tests/dpi-accuracy.py" \
    --corpus "$DPI_CORPUS_DIR" \
    --classifier "$classify" \
    --srcdir "$srcdir_tests/.." \
    --report "$top_builddir/tests/check-accuracy.md" \
    --check "$srcdir_tests/accuracy-floors.txt"
