#!/usr/bin/env bash
# first-request-gap.sh — the first request on a new TLS connection from a client that leaves
# Nagle's algorithm on (Python's ssl module), Gatehouse and HAProxy side by side in one run.
#
# Usage: bench/first-request-gap.sh            # N=200 connections per server
#        N=50 bench/first-request-gap.sh       # quicker
#
# Builds this work tree's jar (never a cached one), makes a throw-away CA and one ECDSA leaf for
# gap.test, starts a small Python HTTP/1.1 backend, `gatehouse serve` (1 I/O thread) and, when
# /usr/sbin/haproxy exists, HAProxy (nbthread 1) on the same certificate and backend, then runs
# tls-engine/src/test/resources/clients/first_request_gap.py (one request per connection, the gap
# from writing it to the first response byte) against each, interleaved. Prints min/p50/p90/max in
# ms. A p50 around 40 ms is the kernel's delayed-ACK timer (the stall this measures). Loopback only;
# every process started here is stopped by PID on exit; every wait is bounded.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-200}"
ROUNDS="${ROUNDS:-4}"
GH_PORT="${GH_PORT:-18543}"
HAP_PORT="${HAP_PORT:-18544}"
BE_PORT="${BE_PORT:-18580}"
HAPROXY_BIN="${HAPROXY_BIN:-/usr/sbin/haproxy}"
work="$(mktemp -d /tmp/first-request-gap.XXXXXX)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

wait_port() { # wait_port PORT: up to 60 s
    for _ in $(seq 1 600); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "port $1 did not open" >&2; return 1
}

echo "building $here/appliance/target/gatehouse.jar" >&2
(cd "$here" && mvn -B -q -pl appliance -am package -DskipTests) >&2
cp "$here/appliance/target/gatehouse.jar" "$work/gatehouse.jar"

mkdir -p "$work/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=gap bench CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
    -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=gap.test \
    -keyout "$work/leaf.key" -out "$work/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:gap.test\n' > "$work/ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/ext" -out "$work/leaf.crt" 2>/dev/null
cat "$work/leaf.crt" "$work/leaf.key" > "$work/certs/gap.test.pem"

cat > "$work/backend.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$work/backend.py" "$BE_PORT" 2>"$work/backend.log" & pids+=($!) # resets by the proxies at exit: noise
java -jar "$work/gatehouse.jar" serve --https "127.0.0.1:$GH_PORT" --http off --cert-dir "$work/certs" \
    --backend "127.0.0.1:$BE_PORT" --io-threads 1 >"$work/gatehouse.log" 2>&1 & pids+=($!)
servers=("gatehouse:$GH_PORT")
if [ -x "$HAPROXY_BIN" ]; then
    cat > "$work/haproxy.cfg" <<CFG
global
    nbthread 1
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:$HAP_PORT ssl crt $work/certs/gap.test.pem
    default_backend be
backend be
    server s1 127.0.0.1:$BE_PORT
CFG
    "$HAPROXY_BIN" -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 & pids+=($!)
    servers+=("haproxy:$HAP_PORT")
else
    echo "no $HAPROXY_BIN: Gatehouse only" >&2
fi
wait_port "$BE_PORT"; wait_port "$GH_PORT"; [ -x "$HAPROXY_BIN" ] && wait_port "$HAP_PORT"

client="$here/tls-engine/src/test/resources/clients/first_request_gap.py"
for s in "${servers[@]}"; do # warm-up (JIT, caches), not counted
    timeout 120 python3 "$client" 127.0.0.1 "${s#*:}" gap.test "$work/ca.crt" 50 >/dev/null
done
per=$(( (N + ROUNDS - 1) / ROUNDS ))
for r in $(seq 1 "$ROUNDS"); do # interleaved, so slow drifts in machine noise hit both
    for s in "${servers[@]}"; do
        timeout 300 python3 "$client" 127.0.0.1 "${s#*:}" gap.test "$work/ca.crt" "$per" >> "$work/${s%%:*}.gaps"
    done
done
echo "first-request gap, Python ssl client (Nagle on), $((per * ROUNDS)) connections per server, ms:"
for s in "${servers[@]}"; do
    sort -n "$work/${s%%:*}.gaps" | awk -v name="${s%%:*}" '{a[NR]=$1} END {
        printf "  %-10s min %7.2f  p50 %7.2f  p90 %7.2f  max %7.2f\n", name, a[1], a[int(NR*0.5)+1], a[int(NR*0.9)+1], a[NR]}'
done
