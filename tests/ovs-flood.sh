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
#   1. the DPI table holds at most dpi-max-flows connections and is full
#      at the end.  The flows figure of ovs-appctl dpi/show cannot show
#      the limit broken by itself: it is the very counter that the table's
#      compare-and-swap keeps at or below the limit.  So, once the datapath
#      has drained (no frame arrives any more), ovs-appctl dpi/dump-flows,
#      which walks the connections linked in the table's hash stripes, must
#      list at most dpi-max-flows connections and exactly as many as
#      dpi/show's flows figure, read just before and just after the dump
#      with the created, evicted and expired counters unchanged between
#      the two reads (so the table did not change during the dump; if it
#      did, the dump is taken again, up to 3 times).  This catches a table
#      that holds more connections than it counts (a slot given back while
#      its connection stays linked, a connection linked twice) or fewer (a
#      slot never given back), and connections lost from the stripes.
#      During the flood dpi/show's figures are only printed: a dump under
#      traffic may count a connection evicted after its stripe was copied
#      and its successor in a stripe copied later, so it is not compared;
#   2. at least $FLOOD_MIN_EVICTED (default 1,000,000) evictions are
#      counted in dpi/show, and created = flows + evicted + expired (a
#      connection created or removed without being counted breaks this);
#   3. ovs-vswitchd's VmRSS grows by at most $FLOOD_RSS_SLACK_MB (default
#      16) MB from the first sample at 10 s or later that is not a dump
#      (see sample()) to the end (with the defaults, at least 1 M
#      connections are created and evicted, so a leak of some 20 bytes per
#      connection exceeds the slack);
#   4. the HTTP and TLS connections keep their verdict: at the first
#      sample and at the end dpi/dump-flows shows them with the app_proto
#      tshark gives them (tests/captures/EXPECTED.tsv) and state done, with
#      more packets than at the check before, and ports 3 and 4 have sent
#      more at every sample; at the end the connection's packet count
#      minus its port's count is between 0 and the number of its packets
#      written before the flood (those before the verdict went to port 2;
#      a flood packet steered there, or a connection evicted and created
#      anew, breaks this);
#   5. forwarding continues: port 1 receives more at every sample, and at
#      the end every frame received was sent on ports 2 to 4;
#   6. lowering dpi-max-flows to 1/64 of it shrinks the table to the new
#      limit at once (dpi/show and dpi/dump-flows), and ovs-vswitchd's
#      VmRSS falls by at least 64 bytes per connection evicted.
#
# Prints the samples and a PASS or FAIL line with the figures; exits 0 on
# PASS, 1 on FAIL, 2 on bad arguments (FLOOD_SECS, FLOOD_MAX_FLOWS,
# FLOOD_MIN_EVICTED and FLOOD_RSS_SLACK_MB must be decimal integers), 77
# (skip) when not root, when OVS_BUILD has no DPDK, when python3 is
# missing, when CPUs 0 and 1 are not both in the process's CPU affinity
# set (DPDK's lcore 0 and the PMD thread on CPU 1) or when DPDK or its
# net_pcap/net_null ports cannot start (printing DPDK's error lines from
# the log).  Every call of ovs-vsctl, ovs-ofctl and ovs-appctl gives up
# after 60 s, and a daemon that does not start within 300 s fails the
# test.  All daemons and the writer are stopped (by pid, waiting until
# they are gone) and the files removed at exit, except WORKDIR/run (the
# logs) when WORKDIR is given.  Runs for about a minute with the
# defaults.  On a shared machine hold a lock around it (e.g. flock
# /work/build/ovs-build.lock).

set -u
build=${1:-}
w=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
me=ovs-flood

usage () {
    echo "$me: $*" >&2
    echo "usage: $0 OVS_BUILD [WORKDIR]" >&2
    exit 2
}

# Prints the value of the knob named $1 (default $2) as a decimal integer;
# exits 2 if it is not one.
num_knob () {
    local v
    eval "v=\${$1:-$2}"
    case $v in
        '' | *[!0-9]*) usage "$1='$v': not a decimal integer" ;;
    esac
    test ${#v} -le 15 || usage "$1=$v: too large"
    echo $(( 10#$v ))
}

test -n "$build" || usage "no OVS_BUILD"
secs=$(num_knob FLOOD_SECS 40) || exit 2
max=$(num_knob FLOOD_MAX_FLOWS 65536) || exit 2
min_evicted=$(num_knob FLOOD_MIN_EVICTED 1000000) || exit 2
rss_slack=$(num_knob FLOOD_RSS_SLACK_MB 16) || exit 2
test "$secs" -ge 15 || usage "FLOOD_SECS=$secs: must be at least 15"
test "$max" -ge 1 && test "$max" -le 16777216 \
    || usage "FLOOD_MAX_FLOWS=$max: must be between 1 and 16777216"

skip () { echo "$me: SKIP: $*"; exit 77; }
test "$(id -u)" = 0 || skip "needs root (DPDK)"
test -x "$build/vswitchd/ovs-vswitchd" \
    || skip "$build/vswitchd/ovs-vswitchd: not built"
"$build/vswitchd/ovs-vswitchd" --version 2>/dev/null | grep -q '^DPDK' \
    || skip "$build/vswitchd/ovs-vswitchd is built without DPDK"
command -v python3 > /dev/null || skip "no python3"

# Returns true if CPU $1 is in this shell's CPU affinity set (inherited by
# the daemons).
cpu_allowed () {
    awk -v cpu="$1" '
        /^Cpus_allowed_list:/ {
            n = split($2, r, ",")
            for (i = 1; i <= n; i++) {
                if (split(r[i], b, "-") == 1)
                    b[2] = b[1]
                if (cpu >= b[1] + 0 && cpu <= b[2] + 0)
                    ok = 1
            }
        }
        END { exit !ok }' "/proc/$$/status"
}
if ! cpu_allowed 0 || ! cpu_allowed 1; then
    skip "needs CPUs 0 and 1 (DPDK lcore mask 0x1, pmd-cpu-mask 0x2)," \
         "the CPU affinity set is" \
         "$(awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$$/status")"
fi

if test -z "$w"; then
    w=$(mktemp -d /tmp/ovs-flood.XXXXXX) || exit 1
    rm_w=yes
else
    rm_w=no
    mkdir -p "$w" || exit 1
fi
prefix=ovsdpiflood$$
gen_pid=

# Returns true if process $1 exists and is not a zombie.
alive () {
    local state

    kill -0 "$1" 2>/dev/null || return 1
    state=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    test "${state:-Z}" != Z
}

# Stops process $1: SIGTERM, SIGKILL after 10 s, then waits up to 10 s
# more until it is gone.  Returns 1, with a message, if it is still there.
stop_pid () {
    local pid=$1 i

    alive "$pid" || return 0
    kill "$pid" 2>/dev/null
    for i in $(seq 1 100); do
        alive "$pid" || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    for i in $(seq 1 100); do
        alive "$pid" || return 0
        sleep 0.1
    done
    echo "$me: process $pid still there 10 s after SIGKILL" >&2
    return 1
}

# Stops the writer, and reaps it.  Returns 1 if it is still there.
stop_gen () {
    test -n "$gen_pid" || return 0
    stop_pid "$gen_pid" || return 1
    wait "$gen_pid" 2>/dev/null
    gen_pid=
}

# Stops the writer and the daemons, waits until they are gone, then
# removes DPDK's runtime directory, the pipe and the programs (all of
# WORKDIR if it was made here).  What a surviving process may still use is
# kept, and said so.
cleanup () {
    local p gone=yes

    stop_gen || gone=no
    for p in ovs-vswitchd ovsdb-server; do
        if test -s "$w/run/$p.pid"; then
            stop_pid "$(cat "$w/run/$p.pid")" || gone=no
        fi
    done
    if test $gone = no; then
        echo "$me: kept /var/run/dpdk/$prefix and $w" >&2
        return
    fi
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
log=$w/run/ovs-vswitchd.log
vsctl () { ovs-vsctl --db="$db" --timeout=60 "$@"; }
ofctl () { ovs-ofctl --timeout=60 -O OpenFlow15 "$@"; }

# Prints the lines of ovs-vswitchd's log that say why DPDK or a DPDK port
# failed (warnings and errors of the DPDK and port modules, EAL's among
# them), or the log's last lines if there is none.
dpdk_errors () {
    local lines

    lines=$(grep -E '\|(dpdk|netdev_dpdk|netdev|bridge)\|(EMER|ERR|WARN)\|' \
                 "$log" 2>/dev/null | tail -10)
    test -n "$lines" || lines=$(tail -10 "$log" 2>/dev/null)
    echo "$lines" | sed "s/^/$me: log: /"
}

# The stream writer: it blocks in opening the pipe until net_pcap opens it.
rm -f "$w/fifo" "$w/info"
mkfifo "$w/fifo" || exit 1
start=$(date +%s)
python3 "$here/ovs-flood-gen.py" "$here/captures" "$w/fifo" "$w/info" &
gen_pid=$!

ovsdb-tool create "$w/run/conf.db" "$w/bin/vswitch.ovsschema" || exit 1
if ! timeout --foreground 300 ovsdb-server --remote=punix:"$w/run/db.sock" \
        --pidfile="$w/run/ovsdb-server.pid" --detach \
        --log-file="$w/run/ovsdb-server.log" "$w/run/conf.db"; then
    echo "$me: FAIL: ovsdb-server did not start (within 300 s)"
    exit 1
fi
vsctl --no-wait init || exit 1
vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
    other_config:dpi-max-flows="$max" \
    other_config:dpdk-extra="--no-pci --no-huge --legacy-mem -m 2048 \
--file-prefix=$prefix" || exit 1
timeout --foreground 300 ovs-vswitchd "$db" \
    --pidfile="$w/run/ovs-vswitchd.pid" --detach --log-file="$log" \
    -vconsole:err
rc=$?
if test $rc != 0; then
    if test $rc = 124; then
        echo "$me: FAIL: ovs-vswitchd did not start within 300 s"
        tail -5 "$log"
        exit 1
    fi
    if grep -q -e '|dpdk|\(ERR\|EMER\)|' "$log"; then
        dpdk_errors
        skip "ovs-vswitchd did not start: DPDK failed (log lines above)"
    fi
    echo "$me: FAIL: ovs-vswitchd did not start"
    tail -5 "$log"
    exit 1
fi
vs_pid=$(cat "$w/run/ovs-vswitchd.pid")
ctl=$w/run/ovs-vswitchd.$vs_pid.ctl
appctl () { ovs-appctl -T 60 -t "$ctl" "$@"; }
# Prints ovs-vswitchd's VmRSS in kB.
vm_rss () { awk '/^VmRSS:/ { print $2 }' "/proc/$vs_pid/status"; }

if test "$(vsctl get Open_vSwitch . dpdk_initialized)" != true; then
    dpdk_errors
    skip "DPDK did not initialise (log lines above)"
fi
vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    protocols=OpenFlow10,OpenFlow13,OpenFlow15 || exit 1
for i in 2 3 4; do
    if ! vsctl add-port br0 out$i -- set Interface out$i type=dpdk \
            options:dpdk-devargs="net_null$i,no-rx=1" ofport_request=$i \
         || test "$(vsctl get Interface out$i ofport)" != $i; then
        dpdk_errors
        skip "DPDK net_null port out$i cannot start (log lines above)"
    fi
done
ofctl add-flows br0 - <<EOF || exit 1
table=0,priority=10,ip,actions=dpi(table=1)
table=0,priority=0,actions=output:2
table=1,priority=20,app_proto=http,dpi_state=+done,actions=output:3
table=1,priority=20,app_proto=tls,dpi_state=+done,actions=output:4
table=1,priority=10,actions=output:2
EOF

# Wait for the writer's INFO (the flood block is built: 2.5 s on an idle
# machine, 8-21 s seen on a loaded one), then start it.
gen_wait=300
for i in $(seq 1 $(( gen_wait * 10 ))); do
    test -s "$w/info" && break
    alive "$gen_pid" || break
    sleep 0.1
done
if ! test -s "$w/info"; then
    if alive "$gen_pid"; then
        echo "$me: FAIL: ovs-flood-gen.py did not build its flood block" \
             "within $gen_wait s (machine too loaded?)"
    else
        echo "$me: FAIL: ovs-flood-gen.py failed (exited without INFO)"
    fi
    exit 1
fi
. "$w/info"
echo "$me: flood block of $N new 5-tuples built in" \
     "$(( $(date +%s) - start )) s;" \
     "HTTP $HTTP_TUPLE, TLS $TLS_TUPLE"
rss_idle=$(vm_rss)
if ! vsctl add-port br0 in -- set Interface in type=dpdk \
        options:dpdk-devargs="net_pcap1,rx_pcap=$w/fifo" ofport_request=1 \
     || test "$(vsctl get Interface in ofport)" != 1; then
    dpdk_errors
    skip "DPDK net_pcap port cannot start (log lines above)"
fi
t0=$(date +%s)
echo "$me: flooding for $secs s, dpi-max-flows=$max"

fail=0
bad () { echo "$me: FAIL: $*"; fail=1; }

# Port statistics: "rx1 tx2 tx3 tx4".
port_stats () {
    ofctl --no-names dump-ports br0 | awk '
        /^ *port / { p = $2; sub(/:$/, "", p) }
        match($0, /rx pkts=[0-9]+/) { rx[p] = substr($0, RSTART + 8,
                                                     RLENGTH - 8) }
        match($0, /tx pkts=[0-9]+/) { tx[p] = substr($0, RSTART + 8,
                                                     RLENGTH - 8) }
        END { print rx[1] + 0, tx[2] + 0, tx[3] + 0, tx[4] + 0 }'
}

# dpi/show's counters: "FLOWS MAX CREATED EVICTED EXPIRED" from its lines
# "flows: N (max M)" and "flows created: C, evicted: E, expired: X", or
# nothing if it has no flows line.
show_counts () {
    appctl dpi/show | awk -F '[:,() ]+' '
        /^flows: / { f = $2; m = $4 }
        /^flows created: / { c = $3; e = $5; x = $7 }
        END { if (f != "") print f, m, c + 0, e + 0, x + 0 }'
}

# Dumps the DPI table into $w/run/dump and counts its connections (one
# line each) into n_dump.
dump_table () {
    appctl dpi/dump-flows > "$w/run/dump" 2>&1 \
        || bad "ovs-appctl dpi/dump-flows failed: $(tail -1 "$w/run/dump")"
    n_dump=$(grep -c ',client=' "$w/run/dump")
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
# "dump", also dumps the table (dump_table) after reading the other
# figures, and reads the two connections from it.  A dump of the whole
# table makes ovs-vswitchd's main thread allocate buffers, about 25 MB,
# which the allocator keeps, so it is done only at the first sample (the
# memory baseline is taken from a later sample without a dump) and at the
# end, after the last memory figure.
sample () {
    local mode=${1:-}
    set -- $(show_counts)
    s_flows=${1:-} s_max=${2:-}
    s_created=${3:-0} s_evicted=${4:-0} s_expired=${5:-0}
    s_rss=$(vm_rss)
    set -- $(port_stats)
    s_rx=$1 s_tx2=$2 s_tx3=$3 s_tx4=$4
    s_http=- s_tls=-
    if test "$mode" = dump; then
        dump_table
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
    if ! alive "$vs_pid"; then
        bad "ovs-vswitchd died"
        tail -20 "$log"
        exit 1
    fi
    mode=
    test $n_samples = 0 && mode=dump
    sample $mode
    test "$mode" = dump && check_conns
    n_samples=$((n_samples + 1))
    # dpi/show must answer with the configured limit.  Its flows figure is
    # only printed and its peak reported: see check 1.
    if test -z "$s_flows" || test "$s_max" != "$max"; then
        bad "dpi/show: flows '$s_flows' (max '$s_max'), expected max $max"
    elif test "$s_flows" -gt "$peak_flows"; then
        peak_flows=$s_flows
    fi
    if test -z "$rss_base" && test "$mode" != dump && test "$s_t" -ge 10
    then
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

# Stop the writer; let the datapath drain: what the pipe still holds is
# read and forwarded, and then port 1's count stops moving.  The PMD
# thread creates and evicts connections only for the frames it receives,
# so from then on only the 1-s expiry sweep of the main thread (120 s
# idle timeout, so nothing here) could change the table; check 1 makes
# sure that nothing did during its dump.
rss_flood=$s_rss flood_rx=$s_rx flood_t=$s_t
stop_gen || bad "ovs-flood-gen.py did not stop"
RESTARTS=0 PASSES=?
. "$w/info"
last=-1 drained=no
for i in $(seq 1 20); do
    sleep 1
    set -- $(port_stats)
    if test "$1" = "$last"; then
        drained=yes
        break
    fi
    last=$1
done
echo "$me: writer stopped after $PASSES full passes" \
     "($RESTARTS restarts); drained: $drained"
sample dump
check_conns
appctl dpif-netdev/pmd-stats-show | awk '
    /^pmd thread/ { on = 1; next }
    /^[^ ]/ { on = 0 }
    on && /packets received|megaflow hits|upcall|processing cycles per/ {
        sub(/^ */, ""); print "  pmd: " $0 }'

# 1. Table bounded and full: the connections in the dump against the
# counters read before it (by "sample dump") and after it.
quiet=no
for try in 1 2 3; do
    set -- $(show_counts)
    if test "$*" = "$s_flows $s_max $s_created $s_evicted $s_expired"; then
        quiet=yes
        break
    fi
    echo "$me: the DPI table changed during the dump (dpi/show:" \
         "$s_flows $s_created $s_evicted $s_expired, then $1 $3 $4 $5)"
    s_flows=${1:-} s_max=${2:-}
    s_created=${3:-0} s_evicted=${4:-0} s_expired=${5:-0}
    test $try = 3 || dump_table
done
echo "$me: dpi/dump-flows lists $n_dump connections, dpi/show counts" \
     "$s_flows (max $s_max)"
if test $quiet = no; then
    bad "the DPI table kept changing after the drain, cannot compare"
else
    test "$n_dump" -le "$max" \
        || bad "dpi/dump-flows lists $n_dump connections," \
               "above dpi-max-flows $max"
    test "$n_dump" = "$s_flows" \
        || bad "dpi/dump-flows lists $n_dump connections," \
               "dpi/show counts $s_flows"
fi
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

# 6. Lowering dpi-max-flows shrinks the table at once, and ovs-vswitchd
# hands the memory freed back to the system.  A first step to one
# connection fewer makes its allocator give back what the dumps above
# left it (malloc_trim()), so that the second step's fall in VmRSS is the
# table's: at least 64 bytes per connection evicted, half of a struct
# dpi_conn alone.
n_dump_flood=$n_dump
vsctl set Open_vSwitch . other_config:dpi-max-flows=$(( max - 1 ))
rss_full=$(vm_rss)
low=$(( max / 64 > 0 ? max / 64 : 1 ))
vsctl set Open_vSwitch . other_config:dpi-max-flows=$low
rss_low=$(vm_rss)
set -- $(show_counts)
test "${1:-x}" = "$low" && test "${2:-x}" = "$low" \
    || bad "dpi-max-flows=$low: dpi/show says flows ${1:-?} (max ${2:-?})"
dump_table
test "$n_dump" -le "$low" \
    || bad "dpi-max-flows=$low: dpi/dump-flows lists $n_dump connections"
echo "$me: dpi-max-flows $max -> $low: VmRSS $(( rss_full / 1024 )) MB" \
     "-> $(( rss_low / 1024 )) MB"
test $(( rss_full - rss_low )) -ge $(( (max - low) * 64 / 1024 )) \
    || bad "dpi-max-flows $max -> $low: VmRSS fell by" \
           "$(( rss_full - rss_low )) kB only"

elapsed=$(( $(date +%s) - start ))
summary="$n_samples samples over $secs s: dpi/show flows at most"
summary="$summary $peak_flows (max $max), $n_dump_flood connections dumped"
summary="$summary at the end, $s_evicted evicted of $s_created created"
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
ofctl --no-names dump-flows br0
ofctl --no-names dump-ports br0
appctl dpctl/dump-flows
grep -e ERR -e EMER "$log" | tail -5
exit 1
