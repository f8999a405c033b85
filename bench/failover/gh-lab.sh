#!/usr/bin/env bash
# gh-lab.sh — Gatehouse nodes in the failover lab of ../../../shared/bench/failover (netlab.sh:
# namespaces lb1 198.18.0.11, lb2 198.18.0.12, client 198.18.0.50 on one bridge; VIP 198.18.0.100).
#
#   gh-lab.sh start NODE        start Gatehouse in namespace NODE (lb1|lb2); returns when it is ready
#   gh-lab.sh stop NODE SIG     TERM (graceful) | KILL (crash; then release-vips, as the unit's
#                               ExecStopPost would) | STOP / CONT (freeze / thaw the JVM)
#   gh-lab.sh where             which namespaces hold the VIP
#   gh-lab.sh wait-vip NODE     until NODE (only) holds the VIP (bounded, 30 s)
#   gh-lab.sh ensure            both nodes running, thawed, links up (starts what is missing)
#   gh-lab.sh clean             stop both nodes, remove the VIP everywhere
#
# Each node: JGroups membership on :7800 (encrypted, static peers), Hazelcast on :5701, HTTPS on
# :8443, port-80 listener on :8080 with monitorPath "/" answering 200 + X-Node (what probe.py
# reads), VIP 198.18.0.100/24 on eth0 via the netlink driver, preferred owner lb1.
# Settings: GH_JAR (default: ../../appliance/target/gatehouse.jar), GH_FAILBACK (off|<duration>, default 2s),
# GH_FD (cluster.membership.failureDetection, e.g. '{heartbeat: 50ms, timeout: 250ms}'; default: the
# product defaults), GH_JAVA_OPTS (default: -Xms256m -Xmx256m -XX:+UseG1GC -XX:MaxGCPauseMillis=50), GH_RUN (state dir).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
JAR="${GH_JAR:-$ROOT/appliance/target/gatehouse.jar}"
RUN="${GH_RUN:-$HERE/run}"
VIP=198.18.0.100
declare -A ADDR=([lb1]=198.18.0.11 [lb2]=198.18.0.12)
JAVA_OPTS="${GH_JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseG1GC -XX:MaxGCPauseMillis=50}"

conf() {
  local n=$1
  mkdir -p "$RUN/$n/data"
  [ -f "$RUN/cluster.key" ] || head -c 32 /dev/urandom > "$RUN/cluster.key"
  [ -f "$RUN/jgroups.secret" ] || head -c 32 /dev/urandom > "$RUN/jgroups.secret"
  if [ ! -f "$RUN/certs/lab.pem" ]; then
    mkdir -p "$RUN/certs"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=app.lab.test" \
        -addext "subjectAltName=DNS:app.lab.test" -keyout "$RUN/certs/key.pem" -out "$RUN/certs/crt.pem" 2>/dev/null
    cat "$RUN/certs/crt.pem" "$RUN/certs/key.pem" > "$RUN/certs/lab.pem"; rm -f "$RUN/certs/key.pem" "$RUN/certs/crt.pem"
  fi
  cat > "$RUN/$n/gatehouse.yaml" <<YAML
node: {name: $n, dataDir: '$RUN/$n/data'}
listeners: {https: '0.0.0.0:8443', http: '0.0.0.0:8080', redirectHttp: false, monitorPath: '/'}
console: {listen: '127.0.0.1:9443'}
proxy: {drainTimeout: 2s}
tls: {certificateDirs: ['$RUN/certs']}
pools:
  - name: lab
    servers: ['127.0.0.1:9080']
defaultPool: lab
cluster:
  enabled: true
  name: gh-failover-lab
  bind: '${ADDR[$n]}:5701'
  members: ['198.18.0.11:5701', '198.18.0.12:5701']
  keyFile: '$RUN/cluster.key'
  membership:
    port: 7800
    peers: ['198.18.0.11:7800', '198.18.0.12:7800']
    secretFile: '$RUN/jgroups.secret'
    failureDetection: ${GH_FD:-{\}}
    ha:
      driver: netlink
      interface: eth0
      failback: ${GH_FAILBACK:-2s}
      vips:
        - {address: $VIP/24, preferredOwner: lb1}
YAML
}

pid_of() { cat "$RUN/$1/pid" 2>/dev/null || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

start() {
  local n=$1
  alive "$n" && { echo "$n already running (pid $(pid_of "$n"))"; return 0; }
  conf "$n"
  # a small backend in the node's namespace for the steady run's HTTPS load (127.0.0.1:9080)
  if [ ! -f "$RUN/$n/backend.pid" ] || ! kill -0 "$(cat "$RUN/$n/backend.pid")" 2>/dev/null; then
    ip netns exec "$n" setsid python3 -m http.server 9080 --bind 127.0.0.1 --directory "$RUN/certs" \
        >"$RUN/$n/backend.log" 2>&1 < /dev/null &
    echo $! > "$RUN/$n/backend.pid"
  fi
  # shellcheck disable=SC2086
  ip netns exec "$n" setsid java $JAVA_OPTS -jar "$JAR" serve --config "$RUN/$n/gatehouse.yaml" \
      >>"$RUN/$n/log" 2>&1 < /dev/null &
  echo $! > "$RUN/$n/pid"
  for _ in $(seq 600); do
    if ip netns exec "$n" curl -fsS -o /dev/null --max-time 1 2>/dev/null "http://127.0.0.1:8080/" 2>/dev/null; then
      echo "$n started (pid $(pid_of "$n"))"; return 0
    fi
    alive "$n" || { echo "$n died during start; see $RUN/$n/log" >&2; tail -20 "$RUN/$n/log" >&2; return 1; }
    sleep 0.1
  done
  echo "$n not ready after 60 s" >&2; return 1
}

stop() {
  local n=$1 sig=$2 p
  p=$(pid_of "$n")
  [ -n "$p" ] || { echo "$n not running"; return 0; }
  case "$sig" in
    TERM) kill -TERM "$p" 2>/dev/null || true
          for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
          rm -f "$RUN/$n/pid" ;;
    KILL) kill -KILL "$p" 2>/dev/null || true
          for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
          rm -f "$RUN/$n/pid"
          ip netns exec "$n" java -jar "$JAR" release-vips --config "$RUN/$n/gatehouse.yaml" >>"$RUN/$n/log" 2>&1 ;;
    STOP|CONT) kill "-$sig" "$p" ;;
    *) echo "stop: signal TERM|KILL|STOP|CONT" >&2; return 2 ;;
  esac
}

where() {
  local out=""
  for n in lb1 lb2; do
    ip -n "$n" -4 addr show dev eth0 | grep -q "inet $VIP/" && out="$out $n"
  done
  echo "${out# }"
}

wait_vip() {
  for _ in $(seq 300); do [ "$(where)" = "$1" ] && return 0; sleep 0.1; done
  echo "VIP held by '$(where)', expected '$1'" >&2; return 1
}

clean() {
  for n in lb1 lb2; do
    alive "$n" && stop "$n" KILL >/dev/null 2>&1 || true
    if [ -f "$RUN/$n/backend.pid" ]; then kill "$(cat "$RUN/$n/backend.pid")" 2>/dev/null || true; rm -f "$RUN/$n/backend.pid"; fi
    ip -n "$n" addr del "$VIP/24" dev eth0 2>/dev/null || true
  done
}

# Back to the starting state: link up, JVMs thawed and running.
ensure() {
  for n in lb1 lb2; do
    ip -n "$n" link set eth0 up
    alive "$n" && kill -CONT "$(pid_of "$n")" 2>/dev/null || true
    alive "$n" || start "$n" >/dev/null
  done
}

cmd=${1:-}; shift || true
case "$cmd" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  where) where ;;
  wait-vip) wait_vip "$@" ;;
  clean) clean ;;
  ensure) ensure ;;
  *) sed -n 2,20p "$0"; exit 2 ;;
esac
