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

# run-ovs.sh OVS_BUILD PCAP WORKDIR [SECONDS [ROUNDS]]: OVS-DPDK pipelines
# (issue 4, benchmark 3) in a sandbox.
#
# OVS_BUILD is a built OVS tree with DPDK and the dpi() action (the 'ovs'
# directory of an ovs-dpi build configured with DPDK).  Its programs are
# copied to WORKDIR first, so a rebuild of that tree during the run does not
# matter.  One sandboxed ovsdb-server and ovs-vswitchd (all files under
# WORKDIR, DPDK --file-prefix of its own) run one bridge with:
#
#   in:  net_pcap, rx_pcap=PCAP, infinite_rx=1 (replays PCAP forever;
#        infinite_rx refuses frames bigger than one mbuf, so keep PCAP to
#        frames of at most 1514 bytes, e.g. tshark -Y "frame.len <= 1514")
#   out: net_null, no-rx=1 (drops everything)
#
# one PMD thread on CPU 1 (pmd-cpu-mask=0x2) and, by default, DPDK memory
# from the heap (dpdk-extra="--no-pci --no-huge --legacy-mem -m 2048"; OVS
# adds --in-memory otherwise, which DPDK refuses with --no-huge), so no
# hugepage is taken from the machine.  With HUGEPAGES=N in the environment
# DPDK takes its memory from 2 MB hugepages instead, as a deployment would
# (dpdk-extra="--no-pci --huge-dir=WORKDIR/huge"): the script adds N pages
# to the kernel's pool of 2 MB pages (so as not to take the pages of
# another job, although DPDK may use any free one), mounts hugetlbfs on
# WORKDIR/huge, and at exit, once ovs-vswitchd is gone, unmounts it and
# takes the pages it added out of the pool again.  N=1024 (2 GB) is
# enough for the OVS mempool and net_pcap's copy of a PCAP of 16 MB; this
# needs root.  For each pipeline and EMC setting it installs the flows,
# purges the datapath flows with "revalidator/purge", lets traffic
# settle 2 s, clears the PMD statistics, waits SECONDS (default 10) and
# prints dpif-netdev/pmd-perf-show and pmd-stats-show.  (revalidator/purge
# removes the flows together with their ukeys.  "dpctl/del-flows", used
# before, left the ukeys behind: upcalls for the same flows then failed
# to the end of each measurement, each after a full translation in the
# PMD thread, on 0.2 to 2 % of the datapath passes.)
# The measurements (each pipeline with each EMC setting) are repeated
# ROUNDS times (default 1), in turn, and
# bench/ovs-summary.py turns the output into a table of medians.
#
#   a. forward: "ip,actions=out" (and the same for ipv6), plus a
#      never-matching TCP 5-tuple rule of higher priority (prefix
#      tracking and staged lookup keep the megaflows wide all the same: a
#      few dozen for the corpus);
#   b. ct:      "ip,actions=ct(table=1)" (and ipv6), table 1 "actions=out"
#               (without commit, conntrack keeps no connection: each
#               packet is looked up, not found, and marked new);
#   s. stateful ct: as (b) with "ct(commit,table=1)", so conntrack keeps
#               the connections and each packet finds its own (not run by
#               default);
#   c. dpi:     "ip,actions=dpi(table=1)" (and ipv6), table 1
#               "app_id=http,actions=out"
#               and "actions=out";
#   k. dpi, settled connections skipping the engine: as (c), with
#      other_config:dpi-skip-classified=true (off for the other
#      pipelines), so that the packets of each settled connection take a
#      megaflow of their own that sets the verdict and forwards, without
#      the engine and the recirculation (not run by default);
#   f. forward by 5-tuple: as (a), but the actions of the TCP and UDP
#      rules first copy the addresses and ports to registers
#      ("move:ip_src->reg0", ...), so translation matches all five
#      exactly and each connection direction gets a megaflow of its own,
#      as a forwarding decision by 5-tuple would.  (a)'s megaflows stay
#      wide; (f) is the issue's "stock forwarding by 5-tuple" taken
#      literally.  Not run by default.
#
# EMC "on" is emc-insert-inv-prob=1 (insert every flow), "off" is 0.
# Environment: PIPELINES (default "a b c"; all: "a f b s c k") picks the
# pipelines to run;
# DPI_MAX_FLOWS, if set, is written to other_config:dpi-max-flows (a
# table smaller than the PCAP's connections makes the engine evict each
# connection before its next replay, so that every pass inspects every
# connection anew; for each measurement of (c) the script prints the
# engine's count of connections created before and after it);
# PERF_DIR, if set, makes each measurement a "perf record -e cpu-clock -g
# -C 1" of the PMD's CPU, saved as
# PERF_DIR/perf-rROUND-PIPELINE-emcon|off.data.  The sampling slows the PMD
# down, so take rates from runs without PERF_DIR.
# Hold /work/build/ovs-build.lock (flock) around a run on a shared
# machine.

set -e
build=$1
pcap=$2
w=$3
secs=${4:-10}
rounds=${5:-1}
if test ! -x "$build/vswitchd/ovs-vswitchd" || test ! -r "$pcap" \
   || test -z "$w"; then
    echo "usage: $0 OVS_BUILD PCAP WORKDIR [SECONDS [ROUNDS]]" >&2
    exit 2
fi
pipelines=${PIPELINES:-a b c}
# Exits with an error unless environment variable $1, if set, is a
# decimal number.
check_number () {
    case ${!1:-0} in
        *[!0-9]*) echo "$0: $1: not a number: \"${!1}\"" >&2
                  exit 2 ;;
    esac
}
check_number DPI_MAX_FLOWS
check_number HUGEPAGES
huge=$((10#${HUGEPAGES:-0}))
for p in $pipelines; do
    case $p in
    a|b|c|f|k|s) ;;
    *) echo "$0: PIPELINES: unknown pipeline \"$p\" (a, b, c, f, k or s)" >&2
       exit 2 ;;
    esac
done
if test -n "$PERF_DIR"; then
    if ! command -v perf > /dev/null; then
        echo "$0: PERF_DIR is set but perf is not installed" >&2
        exit 2
    fi
    mkdir -p "$PERF_DIR"
fi

mkdir -p "$w/bin" "$w/run"
for p in vswitchd/ovs-vswitchd ovsdb/ovsdb-server ovsdb/ovsdb-tool \
         utilities/ovs-vsctl utilities/ovs-ofctl utilities/ovs-appctl \
         vswitchd/vswitch.ovsschema; do
    cp "$build/$p" "$w/bin/"
done
export OVS_RUNDIR=$w/run OVS_LOGDIR=$w/run OVS_DBDIR=$w/run \
       OVS_SYSCONFDIR=$w/run OVS_PKGDATADIR=$w/bin
export PATH=$w/bin:$PATH
db=unix:$w/run/db.sock
vsctl () { ovs-vsctl --db="$db" --timeout=60 "$@"; }

# The kernel's pool of 2 MB hugepages.
hp=/sys/kernel/mm/hugepages/hugepages-2048kB

# Prints the pids of the daemons the script started that still run, from
# their pidfiles.
daemons_alive () {
    local pid
    for p in ovs-vswitchd ovsdb-server; do
        pid=$(cat "$w/run/$p.pid" 2>/dev/null) || continue
        if test -n "$pid" && kill -0 "$pid" 2>/dev/null; then
            echo "$pid"
        fi
    done
}

cleanup () {
    trap '' INT TERM HUP
    # The pids are taken once: a daemon removes its pidfile on the way
    # out, before it has let go of its hugepages.
    local pids pid left
    pids=$(daemons_alive)
    for pid in $pids; do
        kill "$pid" 2>/dev/null || true
    done
    # Wait up to 10 s for them to exit, so that no hugepage is in use.
    for i in $(seq 1 100); do
        left=
        for pid in $pids; do
            kill -0 "$pid" 2>/dev/null && left=yes
        done
        test -z "$left" && break
        sleep 0.1
    done
    rm -rf /var/run/dpdk/ovsdpibench
    if test -n "$huge_mounted"; then
        umount "$w/huge" || echo "$0: could not unmount $w/huge" >&2
    fi
    if test "$huge_added" -gt 0; then
        # Take out what was added (no more: another job may have grown
        # the pool since); a page still being released keeps the pool from
        # shrinking, so try again for up to 5 s.
        nr=$(cat "$hp/nr_hugepages")
        target=$((nr > huge_added ? nr - huge_added : 0))
        for i in $(seq 1 50); do
            echo "$target" > "$hp/nr_hugepages" || true
            test "$(cat "$hp/nr_hugepages")" -le "$target" && break
            sleep 0.1
        done
        nr=$(cat "$hp/nr_hugepages")
        if test "$nr" -gt "$target"; then
            echo "$0: $((nr - target)) hugepages not given back" >&2
        fi
    fi
}
huge_mounted=
huge_added=0
rm -f "$w"/run/*.pid
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if test "$huge" -gt 0; then
    if test ! -w "$hp/nr_hugepages"; then
        echo "$0: HUGEPAGES needs root and 2 MB hugepages ($hp)" >&2
        exit 2
    fi
    nr=$(cat "$hp/nr_hugepages")
    echo $((nr + huge)) > "$hp/nr_hugepages"
    huge_added=$(($(cat "$hp/nr_hugepages") - nr))
    if test "$huge_added" -lt "$huge"; then
        echo "$0: the kernel gave $huge_added of $huge hugepages" >&2
        exit 1
    fi
    mkdir -p "$w/huge"
    mount -t hugetlbfs -o pagesize=2M nodev "$w/huge"
    huge_mounted=yes
    dpdk_mem="--huge-dir=$w/huge"
    echo "2 MB hugepages: $(cat "$hp/nr_hugepages"), $huge_added added"
else
    dpdk_mem="--no-huge --legacy-mem -m 2048"
fi

rm -f "$w/run/conf.db"
ovsdb-tool create "$w/run/conf.db" "$w/bin/vswitch.ovsschema"
ovsdb-server --remote=punix:"$w/run/db.sock" \
    --pidfile="$w/run/ovsdb-server.pid" --detach \
    --log-file="$w/run/ovsdb-server.log" "$w/run/conf.db"
vsctl --no-wait init
vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
    other_config:pmd-perf-metrics=true \
    other_config:dpdk-extra="--no-pci $dpdk_mem --file-prefix=ovsdpibench"
if test -n "$DPI_MAX_FLOWS"; then
    vsctl --no-wait set Open_vSwitch . \
        other_config:dpi-max-flows="$DPI_MAX_FLOWS"
fi
ovs-vswitchd "$db" --pidfile="$w/run/ovs-vswitchd.pid" --detach \
    --log-file="$w/run/ovs-vswitchd.log"
ctl=$w/run/ovs-vswitchd.$(cat "$w/run/ovs-vswitchd.pid").ctl
appctl () { ovs-appctl -t "$ctl" "$@"; }

vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    protocols=OpenFlow10,OpenFlow13,OpenFlow15
vsctl add-port br0 out -- set Interface out type=dpdk \
    options:dpdk-devargs="net_null0,no-rx=1" ofport_request=2
vsctl add-port br0 in -- set Interface in type=dpdk \
    options:dpdk-devargs="net_pcap0,rx_pcap=$pcap,infinite_rx=1" \
    ofport_request=1
sleep 2
vsctl show
appctl dpif-netdev/pmd-rxq-show

five="tcp,nw_src=192.0.2.1,nw_dst=192.0.2.2,tp_src=1,tp_dst=1"
flows_a="table=0,priority=20,$five,actions=drop
table=0,priority=10,ip,actions=output:2
table=0,priority=10,ipv6,actions=output:2
table=0,priority=0,actions=output:2"
flows_b="table=0,priority=10,ip,actions=ct(table=1)
table=0,priority=10,ipv6,actions=ct(table=1)
table=0,priority=0,actions=output:2
table=1,priority=10,actions=output:2"
flows_s=${flows_b//ct(table=1)/ct(commit,table=1)}
flows_c="table=0,priority=10,ip,actions=dpi(table=1)
table=0,priority=10,ipv6,actions=dpi(table=1)
table=0,priority=0,actions=output:2
table=1,priority=20,app_id=http,actions=output:2
table=1,priority=10,actions=output:2"
flows_k=$flows_c
to_regs4="move:NXM_OF_IP_SRC[]->NXM_NX_REG0[],\
move:NXM_OF_IP_DST[]->NXM_NX_REG1[]"
to_regs6="move:NXM_NX_IPV6_SRC[]->NXM_NX_XXREG0[],\
move:NXM_NX_IPV6_DST[]->NXM_NX_XXREG1[]"
to_regs_tcp="move:NXM_OF_TCP_SRC[]->NXM_NX_REG2[0..15],\
move:NXM_OF_TCP_DST[]->NXM_NX_REG2[16..31]"
to_regs_udp="move:NXM_OF_UDP_SRC[]->NXM_NX_REG2[0..15],\
move:NXM_OF_UDP_DST[]->NXM_NX_REG2[16..31]"
flows_f="table=0,priority=20,tcp,actions=$to_regs4,$to_regs_tcp,output:2
table=0,priority=20,udp,actions=$to_regs4,$to_regs_udp,output:2
table=0,priority=20,tcp6,actions=$to_regs6,$to_regs_tcp,output:2
table=0,priority=20,udp6,actions=$to_regs6,$to_regs_udp,output:2
table=0,priority=10,ip,actions=output:2
table=0,priority=10,ipv6,actions=output:2
table=0,priority=0,actions=output:2"

for round in $(seq 1 "$rounds"); do
for emc in 1 0; do
    vsctl set Open_vSwitch . other_config:emc-insert-inv-prob=$emc
    emcname=$([ $emc = 1 ] && echo on || echo off)
    for p in $pipelines; do
        eval "flows=\$flows_$p"
        vsctl set Open_vSwitch . \
            other_config:dpi-skip-classified=$(test $p = k && echo true \
                                               || echo false)
        echo "$flows" | ovs-ofctl -O OpenFlow15 replace-flows br0 -
        appctl revalidator/purge > /dev/null
        sleep 2
        appctl dpif-netdev/pmd-stats-clear > /dev/null
        if test $p = c; then
            created_before=$(appctl dpi/show | grep "^flows created" || true)
        fi
        if test -n "$PERF_DIR"; then
            perf record -q -e cpu-clock -g -C 1 \
                -o "$PERF_DIR/perf-r$round-$p-emc$emcname.data" \
                -- sleep "$secs"
        else
            sleep "$secs"
        fi
        echo "=== round $round pipeline $p" \
             "EMC $emcname" \
             "(emc-insert-inv-prob=$emc), ${secs} s"
        appctl dpif-netdev/pmd-perf-show
        appctl dpif-netdev/pmd-stats-show
        echo "datapath flows: $(appctl dpctl/dump-flows | grep -c 'actions:')"
        if test $p = c; then
            echo "dpi before: $created_before"
            appctl dpi/show | grep '^flows' | sed 's/^/dpi after: /'
        fi
    done
done
done
ovs-ofctl -O OpenFlow15 dump-ports br0
