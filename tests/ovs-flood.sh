#! /bin/bash
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

# ovs-flood.sh OVS_BUILD [WORKDIR]: connection flood through the patched
# OVS-DPDK userspace datapath (issue 5, item 3).
#
# OVS_BUILD is a built OVS tree with DPDK and the dpi() action (the 'ovs'
# directory of an ovs-dpi build).  Its programs are copied to WORKDIR
# (default: a new directory under /tmp, removed at the end) and run in a
# sandbox there, as in bench/run-ovs.sh: one ovsdb-server and one
# ovs-vswitchd with all their files under WORKDIR, DPDK with memory from
# the heap (--no-huge, so no hugepage is taken from the machine) and a
# --file-prefix of its own, one PMD thread on CPU 1.
#
# Input port 1 is net_pcap reading a named pipe, into which
# tests/ovs-flood-gen.py writes an endless stream (see there): one HTTP
# and one TLS connection from tests/captures, then, over and over, a block
# of 2**21 new 5-tuples (TCP SYNs, UDP datagrams to random ports, IPv4
# fragments: first, non-first, and orphan non-first), each pass with new
# addresses, with one ACK of the HTTP or the TLS connection every 1024
# frames to keep them active.  The flows:
#
#   table=0  ip                                   -> dpi(table=1)
#   table=1  app_proto=http, dpi_state=+done      -> port 3
#   table=1  app_proto=tls,  dpi_state=+done      -> port 4
#   table=1  anything else                        -> port 2
#
# Ports 2 to 4 are net_null (drop, counted).  With dpi-max-flows at
# $FLOOD_MAX_FLOWS (default 65536) the flood runs $FLOOD_SECS seconds
# (default 40, at least 15), sampled every 5 s; then the writer stops, the
# datapath drains, and the test checks that:
#
#   1. the DPI table never holds more than dpi-max-flows connections
#      (ovs-appctl dpi/show, every sample) and is full at the end;
#   2. at least $FLOOD_MIN_EVICTED (default 1,000,000) evictions are
#      counted in dpi/show, and created = flows + evicted + expired;
#   3. ovs-vswitchd's VmRSS grows by at most $FLOOD_RSS_SLACK_MB (default
#      16) MB from the first sample at 10 s or later to the end;
#   4. the HTTP and TLS connections keep their verdict: at every sample
#      dpi/dump-flows shows them with the app_proto tshark gives them
#      (tests/captures/EXPECTED.tsv) and state done, with more packets than
#      at the sample before, and ports 3 and 4 have sent more; at the end
#      the connection's packet count minus its port's count is between 0
#      and the number of its packets written before the flood (those
#      before the verdict went to port 2; a flood packet steered there, or
#      a connection evicted and created anew, breaks this);
#   5. forwarding continues: port 1 receives more at every sample, and at
#      the end every frame received was sent on ports 2 to 4.
#
# Prints the samples and a PASS or FAIL line with the figures; exits 0 on
# PASS, 1 on FAIL, 77 (skip) when not root, when OVS_BUILD has no DPDK,
# when python3 or 2 CPUs are missing or when DPDK or its net_pcap/net_null
# ports cannot start.  All daemons are stopped (by pid) and the files
# removed at exit, except WORKDIR/run (the logs) when WORKDIR is given.  Runs for about a minute with the defaults.  On a shared
# machine hold a lock around it (e.g. flock /work/build/ovs-build.lock).

set -u
build=${1:-}
w=${2:-}
secs=${FLOOD_SECS:-40}
max=${FLOOD_MAX_FLOWS:-65536}
min_evicted=${FLOOD_MIN_EVICTED:-1000000}
rss_slack=${FLOOD_RSS_SLACK_MB:-16}
here=$(cd "$(dirname "$0")" && pwd)
me=ovs-flood

skip () { echo "$me: SKIP: $*"; exit 77; }
if test -z "$build" || test "$secs" -lt 15 2>/dev/null; then
    echo "usage: $0 OVS_BUILD [WORKDIR] (FLOOD_SECS at least 15)" >&2
    exit 2
fi
test "$(id -u)" = 0 || skip "needs root (DPDK)"
test -x "$build/vswitchd/ovs-vswitchd" \
    || skip "$build/vswitchd/ovs-vswitchd: not built"
"$build/vswitchd/ovs-vswitchd" --version 2>/dev/null | grep -q '^DPDK' \
    || skip "$build/vswitchd/ovs-vswitchd is built without DPDK"
command -v python3 > /dev/null || skip "no python3"
test "$(nproc)" -ge 2 || skip "needs 2 CPUs (the PMD thread runs on CPU 1)"

if test -z "$w"; then
    w=$(mktemp -d /tmp/ovs-flood.XXXXXX) || exit 1
    rm_w=yes
else
    rm_w=no
    mkdir -p "$w" || exit 1
fi
prefix=ovsdpiflood$$
gen_pid=

# Stops 'pid' (SIGTERM, then SIGKILL after 10 s) and waits for it.
stop_pid () {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
}

cleanup () {
    if test -n "$gen_pid"; then
        stop_pid "$gen_pid"
    fi
    for p in ovs-vswitchd ovsdb-server; do
        if test -s "$w/run/$p.pid"; then
            stop_pid "$(cat "$w/run/$p.pid")"
        fi
    done
    rm -rf "/var/run/dpdk/$prefix"
    if test $rm_w = yes; then
        rm -rf "$w"
    else
        rm -rf "$w/bin" "$w/fifo"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rm -rf "$w/run"
mkdir -p "$w/bin" "$w/run" || exit 1
for p in vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool \
         utilities/ovs-vsctl utilities/ovs-ofctl utilities/ovs-appctl \
         vswitchd/vswitch.ovsschema; do
    cp "$build/$p" "$w/bin/" || exit 1
done
export OVS_RUNDIR=$w/run OVS_LOGDIR=$w/run OVS_DBDIR=$w/run \
       OVS_SYSCONFDIR=$w/run OVS_PKGDATADIR=$w/bin
export PATH=$w/bin:$PATH
db=unix:$w/run/db.sock
vsctl () { ovs-vsctl --db="$db" --timeout=60 "$@"; }

# The stream writer: it blocks in opening the pipe until net_pcap opens it.
rm -f "$w/fifo" "$w/info"
mkfifo "$w/fifo" || exit 1
start=$(date +%s)
python3 "$here/ovs-flood-gen.py" "$here/captures" "$w/fifo" "$w/info" &
gen_pid=$!

set -e
ovsdb-tool create "$w/run/conf.db" "$w/bin/vswitch.ovsschema"
ovsdb-server --remote=punix:"$w/run/db.sock" \
    --pidfile="$w/run/ovsdb-server.pid" --detach \
    --log-file="$w/run/ovsdb-server.log" "$w/run/conf.db"
vsctl --no-wait init
vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
    other_config:dpi-max-flows="$max" \
    other_config:dpdk-extra="--no-pci --no-huge --legacy-mem -m 2048 \
--file-prefix=$prefix"
set +e
if ! ovs-vswitchd "$db" --pidfile="$w/run/ovs-vswitchd.pid" --detach \
        --log-file="$w/run/ovs-vswitchd.log" -vconsole:err; then
    if grep -q -e '|dpdk|\(ERR\|EMER\)|' "$w/run/ovs-vswitchd.log"; then
        grep -i -e dpdk -e EAL "$w/run/ovs-vswitchd.log" | tail -5
        skip "ovs-vswitchd did not start: DPDK failed"
    fi
    echo "$me: FAIL: ovs-vswitchd did not start"
    tail -5 "$w/run/ovs-vswitchd.log"
    exit 1
fi
vs_pid=$(cat "$w/run/ovs-vswitchd.pid")
ctl=$w/run/ovs-vswitchd.$vs_pid.ctl
appctl () { ovs-appctl -t "$ctl" "$@"; }

if test "$(vsctl get Open_vSwitch . dpdk_initialized)" != true; then
    tail -5 "$w/run/ovs-vswitchd.log"
    skip "DPDK did not initialise"
fi
vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    protocols=OpenFlow10,OpenFlow13,OpenFlow15 || exit 1
for i in 2 3 4; do
    if ! vsctl add-port br0 out$i -- set Interface out$i type=dpdk \
            options:dpdk-devargs="net_null$i,no-rx=1" ofport_request=$i \
         || test "$(vsctl get Interface out$i ofport)" != $i; then
        grep -i -e dpdk -e error "$w/run/ovs-vswitchd.log" | tail -5
        skip "DPDK net_null port out$i cannot start"
    fi
done
ovs-ofctl -O OpenFlow15 add-flows br0 - <<EOF || exit 1
table=0,priority=10,ip,actions=dpi(table=1)
table=0,priority=0,actions=output:2
table=1,priority=20,app_proto=http,dpi_state=+done,actions=output:3
table=1,priority=20,app_proto=tls,dpi_state=+done,actions=output:4
table=1,priority=10,actions=output:2
EOF

# Wait for the writer's INFO (the flood block is built), then start it.
for i in $(seq 1 600); do
    test -s "$w/info" && break
    kill -0 "$gen_pid" 2>/dev/null || break
    sleep 0.1
done
test -s "$w/info" || { echo "$me: FAIL: ovs-flood-gen.py failed"; exit 1; }
. "$w/info"
echo "$me: flood block of $N new 5-tuples built in" \
     "$(( $(date +%s) - start )) s;" \
     "HTTP $HTTP_TUPLE, TLS $TLS_TUPLE"
rss_idle=$(awk '/^VmRSS:/ { print $2 }' "/proc/$vs_pid/status")
if ! vsctl --timeout=30 add-port br0 in -- set Interface in type=dpdk \
        options:dpdk-devargs="net_pcap1,rx_pcap=$w/fifo" ofport_request=1 \
     || test "$(vsctl get Interface in ofport)" != 1; then
    grep -i -e dpdk -e error "$w/run/ovs-vswitchd.log" | tail -5
    skip "DPDK net_pcap port cannot start"
fi
t0=$(date +%s)
echo "$me: flooding for $secs s, dpi-max-flows=$max"

fail=0
bad () { echo "$me: FAIL: $*"; fail=1; }

# Port statistics: "rx1 tx2 tx3 tx4".
port_stats () {
    ovs-ofctl -O OpenFlow15 --no-names dump-ports br0 | awk '
        /^ *port / { p = $2; sub(/:$/, "", p) }
        match($0, /rx pkts=[0-9]+/) { rx[p] = substr($0, RSTART + 8,
                                                     RLENGTH - 8) }
        match($0, /tx pkts=[0-9]+/) { tx[p] = substr($0, RSTART + 8,
                                                     RLENGTH - 8) }
        END { print rx[1] + 0, tx[2] + 0, tx[3] + 0, tx[4] + 0 }'
}

# A connection's dpi/dump-flows line, from the dump in file $1: "PROTO
# STATE PACKETS" (packets of both directions) or "none".
conn () {
    local line
    line=$(grep -F ",$2," "$1" | head -1)
    if test -z "$line"; then
        echo none
        return
    fi
    echo "$line" | awk '{
        proto = "-"; state = "-"; pkts = 0
        if (match($0, /app_proto=[^,]*/))
            proto = substr($0, RSTART + 10, RLENGTH - 10)
        if (match($0, /state=[^,]*/))
            state = substr($0, RSTART + 6, RLENGTH - 6)
        if (match($0, /packets=[0-9]+\/[0-9]+/)) {
            split(substr($0, RSTART + 8, RLENGTH - 8), p, "/")
            pkts = p[1] + p[2]
        }
        print proto, state, pkts }'
}

# One sample into the shell variables s_*; prints it.  With argument
# "dump", also reads the two connections from dpi/dump-flows (a dump of
# the whole table: its buffers, about 25 MB in ovs-vswitchd's main thread,
# are kept by the allocator, so it is done at the first sample, before the
# memory baseline, and at the end, after the last memory figure).
sample () {
    local mode=${1:-} show
    show=$(appctl dpi/show)
    # "flows: N (max M)" and "flows created: C, evicted: E, expired: X".
    set -- $(echo "$show" | awk -F '[:() ]+' '/^flows: / { print $2, $4 }')
    s_flows=${1:-} s_max=${2:-}
    set -- $(echo "$show" \
             | awk -F '[:, ]+' '/^flows created: / { print $3, $5, $7 }')
    s_created=${1:-0} s_evicted=${2:-0} s_expired=${3:-0}
    s_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$vs_pid/status")
    set -- $(port_stats)
    s_rx=$1 s_tx2=$2 s_tx3=$3 s_tx4=$4
    s_http=- s_tls=-
    if test "$mode" = dump; then
        appctl dpi/dump-flows > "$w/run/dump" 2>&1
        s_http=$(conn "$w/run/dump" "$HTTP_TUPLE")
        s_tls=$(conn "$w/run/dump" "$TLS_TUPLE")
    fi
    s_t=$(( $(date +%s) - t0 ))
    printf '%4s s  flows %6s/%-6s created %9s evicted %9s expired %3s' \
        "$s_t" "$s_flows" "$s_max" "$s_created" "$s_evicted" "$s_expired"
    printf '  RSS %4s MB  rx %9s  tx2 %9s tx3 %6s tx4 %6s' \
        "$(( ${s_rss:-0} / 1024 ))" "$s_rx" "$s_tx2" "$s_tx3" "$s_tx4"
    printf '  http [%s]  tls [%s]\n' "$s_http" "$s_tls"
}

# Checks the connections read by "sample dump": present, with the
# expected app_proto, state done, more packets than at the previous check.
prev_http=0 prev_tls=0
check_conns () {
    local c cur prev proto
    for c in http tls; do
        eval "cur=\$s_$c; prev=\$prev_$c"
        eval "proto=\$$(echo $c | tr a-z A-Z)_PROTO"
        set -- $cur
        if test "$1" = none; then
            bad "$c connection not in dpi/dump-flows at $s_t s"
            continue
        fi
        test "$1" = "$proto" \
            || bad "$c connection app_proto=$1 at $s_t s, not $proto"
        case "|$2|" in
            *"|done|"*) ;;
            *) bad "$c connection state=$2 at $s_t s, not done" ;;
        esac
        test "$3" -gt "$prev" \
            || bad "$c connection: $3 packets at $s_t s, $prev before"
        eval "prev_$c=\$3"
    done
}

prev_rx=-1 prev_tx3=-1 prev_tx4=-1
rss_base= peak_flows=0 n_samples=0
while :; do
    sleep 5
    if ! kill -0 "$vs_pid" 2>/dev/null; then
        bad "ovs-vswitchd died"
        tail -20 "$w/run/ovs-vswitchd.log"
        exit 1
    fi
    if test $n_samples = 0; then
        sample dump
        check_conns
    else
        sample
    fi
    n_samples=$((n_samples + 1))
    if test -z "$s_flows" || test "$s_max" != "$max"; then
        bad "dpi/show: flows '$s_flows' (max '$s_max'), expected max $max"
    elif test "$s_flows" -gt "$max"; then
        bad "$s_flows DPI connections at $s_t s, above dpi-max-flows $max"
    fi
    test "${s_flows:-0}" -gt "$peak_flows" && peak_flows=$s_flows
    if test -z "$rss_base" && test "$s_t" -ge 10; then
        rss_base=$s_rss rss_base_t=$s_t
    fi
    test "$s_rx" -gt "$prev_rx" || bad "port 1 received nothing in 5 s"
    test "$s_tx3" -gt "$prev_tx3" \
        || bad "port 3 (app_proto=http) sent nothing in 5 s"
    test "$s_tx4" -gt "$prev_tx4" \
        || bad "port 4 (app_proto=tls) sent nothing in 5 s"
    prev_rx=$s_rx prev_tx3=$s_tx3 prev_tx4=$s_tx4
    test "$s_t" -ge "$secs" && break
done

# Stop the writer; let the datapath drain (port 1's count stops moving).
rss_flood=$s_rss flood_rx=$s_rx flood_t=$s_t
stop_pid "$gen_pid"
wait "$gen_pid" 2>/dev/null
gen_pid=
RESTARTS=0 PASSES=?
. "$w/info"
last=-1
for i in $(seq 1 20); do
    sleep 1
    set -- $(port_stats)
    test "$1" = "$last" && break
    last=$1
done
echo "$me: writer stopped after $PASSES full passes" \
     "($RESTARTS restarts); drained:"
sample dump
check_conns
appctl dpif-netdev/pmd-stats-show | awk '
    /^pmd thread/ { on = 1; next }
    /^[^ ]/ { on = 0 }
    on && /packets received|megaflow hits|upcall|processing cycles per/ {
        sub(/^ */, ""); print "  pmd: " $0 }'

# 1. Table bounded and full.
test "$s_flows" -le "$max" || bad "$s_flows DPI connections at the end"
test "$s_flows" = "$max" \
    || bad "table not full at the end: $s_flows of $max"
# 2. Evictions counted.
test "$s_evicted" -ge "$min_evicted" \
    || bad "evicted $s_evicted, fewer than $min_evicted"
test "$s_created" = "$(( s_flows + s_evicted + s_expired ))" \
    || bad "created $s_created != flows $s_flows + evicted $s_evicted" \
           "+ expired $s_expired"
# 3. Memory bounded.
if test -z "$rss_base" || test -z "$s_rss"; then
    bad "no VmRSS figure"
    rss_base=0 s_rss=0 rss_base_t=0
fi
rss_growth=$(( (s_rss - rss_base) / 1024 ))
test $(( s_rss - rss_base )) -le $(( rss_slack * 1024 )) \
    || bad "VmRSS grew by $rss_growth MB after $rss_base_t s" \
           "(limit $rss_slack MB)"
# 4. Verdicts kept: packets of each connection not on its port.
for c in http:3:$HTTP_PREFIX tls:4:$TLS_PREFIX; do
    IFS=: read name port npre <<< "$c"
    eval "cur=\$s_$name; tx=\$s_tx$port"
    set -- $cur
    pk=${3:-0}
    d=$(( pk - tx ))
    if test "$d" -lt 0 || test "$d" -gt $(( npre * (RESTARTS + 1) )); then
        bad "$name connection: $pk packets, port $port sent $tx"
    fi
done
# 5. Every frame received was forwarded.
test "$s_rx" = "$(( s_tx2 + s_tx3 + s_tx4 ))" \
    || bad "port 1 received $s_rx, ports 2-4 sent $(( s_tx2 + s_tx3 + s_tx4 ))"

elapsed=$(( $(date +%s) - start ))
summary="$n_samples samples over $secs s: DPI table at most $peak_flows"
summary="$summary (max $max), $s_evicted evicted of $s_created created"
summary="$summary, $s_rx frames forwarded"
summary="$summary ($(( flood_rx / flood_t )) per s during the flood)"
summary="$summary, VmRSS $(( rss_idle / 1024 )) MB before the flood"
summary="$summary, $(( rss_base / 1024 ))"
summary="$summary MB at $rss_base_t s, $(( rss_flood / 1024 )) MB"
summary="$summary at $flood_t s"
summary="$summary, $(( s_rss / 1024 )) MB at the end; $s_tx3 HTTP and"
summary="$summary $s_tx4 TLS packets steered by app_proto;"
summary="$summary $elapsed s in all"
if test $fail = 0; then
    echo "$me: PASS: $summary"
    exit 0
fi
echo "$me: FAIL: $summary"
ovs-ofctl -O OpenFlow15 --no-names dump-flows br0
ovs-ofctl -O OpenFlow15 --no-names dump-ports br0
appctl dpctl/dump-flows
grep -e ERR -e EMER "$w/run/ovs-vswitchd.log" | tail -5
exit 1
