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

# gen-hosts-sig.sh BASE.sig N: prints BASE.sig followed by N synthetic
# 'service NAME host "..."' lines, one host suffix each, spread round robin
# over the services BASE.sig already declares (a service may be declared on
# several lines).  The host names are distinct and under .invalid.

set -e
base=$1
n=$2
if test ! -r "$base" || test -z "$n"; then
    echo "usage: $0 BASE.sig N" >&2
    exit 2
fi
cat "$base"
echo
echo "# $n synthetic host patterns (bench/gen-hosts-sig.sh)."
awk '$1 == "service" { print $2 }' "$base" | sort -u | awk -v n="$n" '
    { svc[m++] = $1 }
    END {
        for (i = 0; i < n; i++) {
            printf "service %s host \"h%05d-%s.bench-%d.invalid\"\n",
                   svc[i % m], i, svc[i % m], i % 97
        }
    }'
