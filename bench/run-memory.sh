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

# run-memory.sh BENCH_MEMORY [ARGS...]: runs bench-memory with ARGS under
# /usr/bin/time -v and prints its report followed by the peak RSS.

set -e
prog=$1
shift
tmp=${TMPDIR:-/tmp}/run-memory.$$
trap 'rm -f "$tmp"' EXIT
echo "# $prog $*"
/usr/bin/time -v -o "$tmp" "$prog" "$@"
awk -F': ' '/Maximum resident set size/ {
                printf "peak RSS %.1f MB (%s kB)\n", $2 / 1024, $2 }
            /Elapsed \(wall clock\)/ { print "wall " $2 }' "$tmp"
