#!/bin/bash
# make-captures.sh - record the project's own packet captures of real clients
# talking to real servers, inside two private network namespaces.
#
# Usage: sudo tests/captures/make-captures.sh OUTDIR
#
# Writes OUTDIR/{http,tls,dns,ssh,demo}.pcap (classic pcap, Ethernet) and
# OUTDIR/EXPECTED.tsv (per-connection values read by tshark, see
# make-expected.py and README.md).  Needs root and the Debian packages
# iproute2 ethtool tcpdump tshark nginx-light openssl curl dnsmasq-base
# bind9-dnsutils openssh-server openssh-client.
#
# Topology (nothing is sent outside the two namespaces created here):
#
#   netns "client"                         netns "server"
#   vc 02:00:00:00:00:01  <--- veth --->  vs 02:00:00:00:00:02
#      10.0.0.1/24, fd00::1/64               10.0.0.2/24, fd00::2/64
#
# The servers (nginx :80, openssl s_server :443, dnsmasq :53, sshd :22) run
# in the server namespace; the clients (curl, openssl s_client, dig, ssh) and
# tcpdump run in the client namespace.  Every daemon is started by this
# script, remembered by pid, and killed by pid on exit (also on failure).

set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "$0: must run as root (network namespaces)" >&2
    exit 2
fi
for tool in ip ethtool tcpdump tshark nginx openssl curl dnsmasq dig ssh \
            ssh-keygen python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: missing tool: $tool" >&2
        exit 2
    fi
done
if [ ! -x /usr/sbin/sshd ]; then
    echo "$0: missing /usr/sbin/sshd (openssh-server)" >&2
    exit 2
fi

HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
OUTDIR=$(cd "$1" && pwd)

NS_C=ovsdpi-cap-cli-$$
NS_S=ovsdpi-cap-srv-$$
C_MAC=02:00:00:00:00:01
S_MAC=02:00:00:00:00:02
C4=10.0.0.1
S4=10.0.0.2
C6=fd00::1
S6=fd00::2
HTTP_HOST=www.example-http.test
MOZ_UA="Mozilla/5.0 (ovs-dpi test)"

WORK=$(mktemp -d /tmp/ovsdpi-captures.XXXXXX)
DAEMON_PIDS=()          # long-running servers, killed at exit
TCPDUMP_PID=""          # the running capture, if any
MADE_RUN_SSHD=no        # whether we created sshd's privilege separation dir

log() {
    echo "make-captures: $*" >&2
}

# Kill one process we started, by pid, and reap it.  (Daemons are started
# as simple background commands, so $! is the daemon itself: "ip netns exec"
# execs it in place.)
stop_pid() {
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$TCPDUMP_PID" ]; then
        stop_pid "$TCPDUMP_PID"
    fi
    for pid in "${DAEMON_PIDS[@]}"; do
        stop_pid "$pid"
    done
    # Children the daemons forked (sshd sessions, dnsmasq TCP workers) live
    # only in our namespaces; end any that are left, by pid.
    for ns in "$NS_C" "$NS_S"; do
        if ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do
                kill -9 "$pid" 2>/dev/null
            done
            ip netns del "$ns"
        fi
    done
    if [ "$MADE_RUN_SSHD" = yes ]; then
        rmdir /run/sshd 2>/dev/null
    fi
    rm -rf "$WORK"
    if [ $rc -ne 0 ]; then
        log "FAILED (exit $rc)"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

inc() { ip netns exec "$NS_C" "$@"; }
ins() { ip netns exec "$NS_S" "$@"; }

# ---------------------------------------------------------------------------
# Namespaces and the veth pair.
# ---------------------------------------------------------------------------
setup_netns() {
    log "creating namespaces $NS_C and $NS_S"
    ip netns add "$NS_C"
    ip netns add "$NS_S"
    ip link add vc netns "$NS_C" type veth peer name vs netns "$NS_S"

    local ns dev mac peer_mac a4 a6 p4 p6
    for ns in "$NS_C" "$NS_S"; do
        if [ "$ns" = "$NS_C" ]; then
            dev=vc mac=$C_MAC peer_mac=$S_MAC a4=$C4 a6=$C6 p4=$S4 p6=$S6
        else
            dev=vs mac=$S_MAC peer_mac=$C_MAC a4=$S4 a6=$S6 p4=$C4 p6=$C6
        fi
        # No router solicitations, DAD or MLD chatter on the link.
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
            net.ipv6.conf.default.accept_dad=0 \
            net.ipv6.conf.default.router_solicitations=0 \
            net.ipv6.conf.all.router_solicitations=0 \
            net.ipv6.conf.default.accept_ra=0 \
            net.ipv6.conf.all.accept_ra=0
        # No tail loss probes: with a microsecond RTT and a busy CPU they
        # fire within milliseconds and put spurious retransmissions in the
        # captures.  (The RTO, 200 ms minimum, still applies.)
        ip netns exec "$ns" sysctl -qw net.ipv4.tcp_early_retrans=0
        ip netns exec "$ns" ip link set lo up
        ip netns exec "$ns" ip link set "$dev" address "$mac"
        # Real checksums in the capture: no tx checksum/segmentation offload.
        ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null
        ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off \
            >/dev/null 2>&1 || true
        ip netns exec "$ns" ip addr add "$a4/24" dev "$dev"
        ip netns exec "$ns" ip addr add "$a6/64" dev "$dev" nodad
        ip netns exec "$ns" ip link set "$dev" up
        # Static neighbours: no ARP / neighbour discovery in the captures.
        ip netns exec "$ns" ip neigh replace "$p4" lladdr "$peer_mac" \
            dev "$dev" nud permanent
        ip netns exec "$ns" ip -6 neigh replace "$p6" lladdr "$peer_mac" \
            dev "$dev" nud permanent
    done
    local off
    off=$(inc ethtool -k vc | awk '/^tx-checksumming:/ {print $2}')
    if [ "$off" != off ]; then
        log "could not turn off tx checksumming on vc"
        return 1
    fi
}

# ---------------------------------------------------------------------------
# Server-side material and daemons.
# ---------------------------------------------------------------------------
prepare_files() {
    mkdir -p "$WORK/www" "$WORK/nginx"
    cat >"$WORK/www/index.html" <<'EOF'
<!DOCTYPE html>
<html><head><title>ovs-dpi test</title></head>
<body><p>Hello from the ovs-dpi capture server.</p></body></html>
EOF
    printf 'About this test server.\n' >"$WORK/www/about.html"
    printf 'hello over TLS\n' >"$WORK/www/hello.txt"

    # Self-signed certificate (small EC key keeps the handshakes short).
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -days 30 \
        -subj "/CN=ovs-dpi.test" 2>/dev/null

    cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root root;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
    access_log $WORK/nginx/access.log;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    default_type text/html;
    server_tokens on;
    server {
        listen $S4:80;
        listen [$S6]:80;
        server_name $HTTP_HOST;
        root $WORK/www;
        location = /submit {
            default_type text/plain;
            return 200 "thanks\n";
        }
    }
}
EOF

    ssh-keygen -q -t ed25519 -N '' -C ovs-dpi-host \
        -f "$WORK/ssh_host_ed25519_key"
    ssh-keygen -q -t ed25519 -N '' -C ovs-dpi-client -f "$WORK/client_key"
    cp "$WORK/client_key.pub" "$WORK/authorized_keys"
    cat >"$WORK/sshd_config" <<EOF
ListenAddress $S4
Port 22
HostKey $WORK/ssh_host_ed25519_key
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PrintMotd no
PrintLastLog no
X11Forwarding no
EOF
}

start_daemons() {
    log "starting servers in $NS_S"
    ip netns exec "$NS_S" nginx -e "$WORK/nginx/error.log" -p "$WORK/nginx" \
        -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/stderr.log" &
    DAEMON_PIDS+=($!)

    # Two TLS servers, one per address family; -WWW serves files from cwd.
    (cd "$WORK/www" && exec ip netns exec "$NS_S" openssl s_server \
        -accept "$S4:443" -cert "$WORK/tls.crt" -key "$WORK/tls.key" \
        -WWW -quiet) >"$WORK/s_server4.log" 2>&1 &
    DAEMON_PIDS+=($!)
    (cd "$WORK/www" && exec ip netns exec "$NS_S" openssl s_server \
        -accept "[$S6]:443" -cert "$WORK/tls.crt" -key "$WORK/tls.key" \
        -WWW -quiet) >"$WORK/s_server6.log" 2>&1 &
    DAEMON_PIDS+=($!)

    # Local answers only: no upstream resolver, nothing leaves the netns.
    ip netns exec "$NS_S" dnsmasq --keep-in-foreground --conf-file=/dev/null \
        --no-resolv --no-hosts --bind-interfaces --listen-address="$S4" \
        --listen-address="$S6" --pid-file="$WORK/dnsmasq.pid" \
        --user=root --log-facility=- --log-queries \
        --host-record=www.google.com,10.1.0.1,fd00:1::1 \
        --host-record=www.youtube.com,10.1.0.2,fd00:1::2 \
        --host-record=www.netflix.com,10.1.0.3,fd00:1::3 \
        --host-record=www.facebook.com,10.1.0.4,fd00:1::4 \
        --host-record=example.test,10.1.0.5 \
        --txt-record=example.test,"v=ovs-dpi test record" \
        --txt-record=www.google.com,"google-site-verification=ovs-dpi-test" \
        >"$WORK/dnsmasq.log" 2>&1 &
    DAEMON_PIDS+=($!)

    if [ ! -d /run/sshd ]; then
        mkdir -p /run/sshd
        chmod 755 /run/sshd
        MADE_RUN_SSHD=yes
    fi
    ip netns exec "$NS_S" /usr/sbin/sshd -D -e -f "$WORK/sshd_config" \
        >"$WORK/sshd.log" 2>&1 &
    DAEMON_PIDS+=($!)

    # Wait until everything listens.
    local listening
    for _ in $(seq 1 50); do
        listening=$(ins ss -Hlntu | awk '{print $1 " " $5}')
        if echo "$listening" | grep -q "tcp $S4:80$" &&
           echo "$listening" | grep -q "tcp \[$S6\]:80$" &&
           echo "$listening" | grep -q "tcp $S4:443$" &&
           echo "$listening" | grep -q "tcp \[$S6\]:443$" &&
           echo "$listening" | grep -q "udp $S4:53$" &&
           echo "$listening" | grep -q "tcp $S4:53$" &&
           echo "$listening" | grep -q "udp \[$S6\]:53$" &&
           echo "$listening" | grep -q "tcp $S4:22$"; then
            return 0
        fi
        sleep 0.2
    done
    log "servers did not come up; listening sockets:"
    ins ss -Hlntu >&2
    tail -n 5 "$WORK"/*.log "$WORK"/nginx/*.log >&2 || true
    return 1
}

# ---------------------------------------------------------------------------
# Capturing.
# ---------------------------------------------------------------------------
capture_start() {
    local file=$1
    rm -f "$file"
    # -Z root: write the file as root; classic pcap, full snaplen.
    # --immediate-mode: hand each packet over at once (TPACKET_V3 otherwise
    # holds packets for up to a second and they are lost when we stop).
    ip netns exec "$NS_C" tcpdump -i vc -s 0 -U --immediate-mode -n -Z root \
        -w "$file" 'tcp or udp' 2>"$WORK/tcpdump.log" &
    TCPDUMP_PID=$!
    for _ in $(seq 1 50); do
        if grep -q 'listening on' "$WORK/tcpdump.log"; then
            return 0
        fi
        sleep 0.1
    done
    log "tcpdump did not start:"
    cat "$WORK/tcpdump.log" >&2
    return 1
}

capture_stop() {
    sleep 1                     # let the last FIN/ACKs through
    kill -TERM "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=""
    log "  $(grep -E 'packets (captured|dropped by kernel)' \
        "$WORK/tcpdump.log" | tr '\n' ' ')"
}

# Client helpers (all run in the client namespace, all bounded by timeout).
http_get() {                    # http_get ADDR [curl options...] URL...
    local addr=$1
    shift
    inc timeout 10 curl -sS --resolve "$HTTP_HOST:80:$addr" "$@" >/dev/null
}

tls_client() {                  # tls_client HOST:PORT SNI|- VERSION [PAUSE]
    local sni_opt pause=${4:-0}
    if [ "$2" = - ]; then
        sni_opt=(-noservername)
    else
        sni_opt=(-servername "$2")
    fi
    # PAUSE seconds between the handshake and the request keep the
    # connection open (s_server, single-threaded, then holds back the
    # handshakes of later connections, so they interleave).
    { sleep "$pause"; printf 'GET /hello.txt HTTP/1.0\r\n\r\n'; } |
        inc timeout 15 openssl s_client -connect "$1" "${sni_opt[@]}" \
            "-$3" -quiet -verify_quiet >/dev/null 2>>"$WORK/s_client.log"
}

https_get() {                   # https_get NAME ADDR
    inc timeout 10 curl -sS -k -o /dev/null --resolve "$1:443:$2" \
        "https://$1/hello.txt"
}

dns_query() {                   # dns_query SERVER NAME TYPE [dig options]
    local server=$1 name=$2 type=$3
    shift 3
    inc timeout 10 dig +tries=1 +time=3 "$@" "@$server" "$name" "$type" \
        >/dev/null
}

ssh_client() {                  # ssh_client USER [ssh options]
    local user=$1
    shift
    inc timeout 15 ssh -F /dev/null -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o IdentitiesOnly=yes -o LogLevel=ERROR "$@" "$user@$S4" \
        'echo ssh-ok'
}

cap_http() {
    log "http.pcap"
    capture_start "$OUTDIR/http.pcap"
    # curl's own User-Agent; two requests on one connection (keep-alive).
    http_get "$S4" "http://$HTTP_HOST/index.html?x=1" \
        "http://$HTTP_HOST/about.html"
    sleep 0.2
    http_get "$S4" -A "$MOZ_UA" "http://$HTTP_HOST/index.html?x=1"
    sleep 0.2
    http_get "$S4" -d 'name=ovs&value=dpi' "http://$HTTP_HOST/submit"
    sleep 0.2
    http_get "[$S6]" -A "$MOZ_UA" "http://$HTTP_HOST/index.html?x=1"
    capture_stop
}

cap_tls() {
    log "tls.pcap"
    capture_start "$OUTDIR/tls.pcap"
    tls_client "$S4:443" www.youtube.com tls1_3
    sleep 0.2
    tls_client "$S4:443" www.youtube.com tls1_2
    sleep 0.2
    tls_client "$S4:443" www.netflix.com tls1_3
    sleep 0.2
    tls_client "$S4:443" www.netflix.com tls1_2
    sleep 0.2
    tls_client "$S4:443" - tls1_3
    sleep 0.2
    tls_client "$S4:443" - tls1_2
    sleep 0.2
    tls_client "[$S6]:443" www.youtube.com tls1_3
    sleep 0.2
    https_get www.facebook.com "$S4"
    capture_stop
}

cap_dns() {
    log "dns.pcap"
    capture_start "$OUTDIR/dns.pcap"
    dns_query "$S4" www.google.com A
    sleep 0.1
    dns_query "$S4" www.google.com AAAA
    sleep 0.1
    dns_query "$S4" www.youtube.com A
    sleep 0.1
    dns_query "$S4" www.youtube.com AAAA
    sleep 0.1
    dns_query "$S4" example.test A
    sleep 0.1
    dns_query "$S4" example.test TXT
    sleep 0.1
    dns_query "$S6" www.google.com AAAA
    sleep 0.1
    dns_query "$S4" www.google.com TXT +tcp
    capture_stop
}

cap_ssh() {
    log "ssh.pcap"
    capture_start "$OUTDIR/ssh.pcap"
    # Public-key login that runs one command.
    ssh_client root -i "$WORK/client_key" >/dev/null
    sleep 0.2
    # Banner exchange, key exchange, then authentication failure.
    if ssh_client nobody -o PubkeyAuthentication=no 2>/dev/null; then
        log "ssh as nobody unexpectedly succeeded"
        return 1
    fi
    capture_stop
}

cap_demo() {
    log "demo.pcap"
    capture_start "$OUTDIR/demo.pcap"
    local pids=() p
    dns_query "$S4" www.youtube.com A & pids+=($!)
    sleep 0.05
    http_get "$S4" "http://$HTTP_HOST/index.html?x=1" & pids+=($!)
    sleep 0.05
    tls_client "$S4:443" www.youtube.com tls1_3 1.5 & pids+=($!)
    sleep 0.05
    dns_query "$S4" www.netflix.com A & pids+=($!)
    sleep 0.05
    tls_client "$S4:443" www.netflix.com tls1_2 & pids+=($!)
    sleep 0.05
    dns_query "$S4" www.facebook.com A & pids+=($!)
    sleep 0.05
    https_get www.facebook.com "$S4" & pids+=($!)
    sleep 0.05
    http_get "[$S6]" -A "$MOZ_UA" "http://$HTTP_HOST/index.html?x=1" &
    pids+=($!)
    sleep 0.05
    dns_query "$S6" www.youtube.com AAAA & pids+=($!)
    sleep 0.05
    http_get "$S4" -d 'name=ovs&value=dpi' "http://$HTTP_HOST/submit" &
    pids+=($!)
    sleep 0.05
    tls_client "$S4:443" www.youtube.com tls1_2 & pids+=($!)
    for p in "${pids[@]}"; do
        wait "$p"
    done
    capture_stop
}

# ---------------------------------------------------------------------------
# Checks on the result (tshark is the judge).
# ---------------------------------------------------------------------------
verify() {
    local f bad n
    for f in http tls dns ssh demo; do
        f=$OUTDIR/$f.pcap
        if [ "$(capinfos -t -E -M "$f" | awk -F': *' \
                '/^File (type|encapsulation)/ {printf "%s ", $2}')" \
             != "pcap ether " ]; then
            log "$f: not a classic pcap with Ethernet link type"
            return 1
        fi
        n=$(tshark -n -r "$f" 2>/dev/null | wc -l)
        bad=$(tshark -n -r "$f" -o tcp.check_checksum:TRUE \
                -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE \
                -Y 'tcp.checksum.status != 1 || udp.checksum.status == 0 ||
                    ip.checksum.status == 0 ||
                    tcp.analysis.retransmission ||
                    tcp.analysis.fast_retransmission ||
                    tcp.analysis.lost_segment || tcp.analysis.out_of_order ||
                    tcp.analysis.duplicate_ack || _ws.malformed ||
                    (_ws.expert.severity >= warning && !ssh)' \
                2>/dev/null | wc -l)
        if [ "$bad" != 0 ]; then
            log "$f: $bad frames with bad checksums/retransmissions/errors"
            tshark -n -r "$f" -o tcp.check_checksum:TRUE \
                -o udp.check_checksum:TRUE -Y '_ws.expert' 2>/dev/null |
                head >&2
            return 1
        fi
        log "$(basename "$f"): $n frames, $(stat -c %s "$f") bytes, checks OK"
    done
}

setup_netns
prepare_files
start_daemons
cap_http
cap_tls
cap_dns
cap_ssh
cap_demo
verify
python3 "$HERE/make-expected.py" -o "$OUTDIR/EXPECTED.tsv" \
    "$OUTDIR/http.pcap" "$OUTDIR/tls.pcap" "$OUTDIR/dns.pcap" \
    "$OUTDIR/ssh.pcap" "$OUTDIR/demo.pcap"
log "wrote $OUTDIR/EXPECTED.tsv"
log "done"
