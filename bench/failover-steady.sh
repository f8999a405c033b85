#!/usr/bin/env bash
# failover-steady.sh — no failure injected: does the VIP stay put while the owner's JVM works hard
# (HTTPS load through the proxy, GC included)? Counts outages and owner switches seen by the shared
# probe, and view changes / VIP moves in both nodes' logs; reports each JVM's CPU.
#
# Usage: bench/failover-steady.sh [SECONDS]    (default 600; as root)
# Load: h2load from the client namespace to https://VIP:8443 (SNI app.lab.test, a certificate in the
# lab), LOAD_CLIENTS [32] connections x LOAD_STREAMS [4] streams, for the whole run, bounded by time.
# Knobs: CONFIGS ["fast default"] (as in failover.sh), SHARED, TAG.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/failover/common.sh"
SECS="${1:-600}"
[ "$SECS" -le 1800 ] || { echo "at most 1800 s" >&2; exit 2; }
CONFIGS="${CONFIGS:-fast default}"
OUT="$HERE/results/failover-steady-$TAG.md"
RUN="$HERE/failover/run"
command -v h2load >/dev/null || apt-get install -y -q nghttp2-client >/dev/null
failover_build_jar
failover_lab_up
HZ=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
{
echo "| config | probe s | probe outages | owner switches | view changes lb1/lb2 | VIP moves | HTTPS requests (h2load) ok / failed | JVM CPU lb1 (owner) / lb2 | load avg |"
echo "|---|---|---|---|---|---|---|---|---|"
} | tee "$OUT"
for cfg in $CONFIGS; do
  failover_config "$cfg"
  : > "$RUN/lb1/log" 2>/dev/null || true; : > "$RUN/lb2/log" 2>/dev/null || true
  "$LAB" ensure
  "$LAB" wait-vip lb1
  sleep 2
  p1=$(cat "$RUN/lb1/pid"); p2=$(cat "$RUN/lb2/pid")
  v1=$(grep -c 'event=view_changed' "$RUN/lb1/log" || true); v2=$(grep -c 'event=view_changed' "$RUN/lb2/log" || true)
  m0=$(cat "$RUN"/lb*/log | grep -c 'event=vip_move' || true)
  c1=$(cpu "$p1"); c2=$(cpu "$p2")
  ip netns exec client timeout $((SECS + 30)) h2load -c "${LOAD_CLIENTS:-32}" -m "${LOAD_STREAMS:-4}" -D "$SECS" \
      --connect-to=198.18.0.100:8443 -H ':authority: app.lab.test' "https://app.lab.test:8443/" > "$RUN/h2load-$cfg.txt" 2>&1 &
  load=$!
  ip netns exec client python3 "$SHARED/probe.py" --vip 198.18.0.100:8080 --seconds "$SECS" --json "$RUN/steady-$cfg.json" \
      > "$RUN/steady-$cfg.txt" 2>&1 || true
  wait "$load" || true
  d1=$(( $(cpu "$p1") - c1 )); d2=$(( $(cpu "$p2") - c2 ))
  n1=$(( $(grep -c 'event=view_changed' "$RUN/lb1/log" || true) - v1 )); n2=$(( $(grep -c 'event=view_changed' "$RUN/lb2/log" || true) - v2 ))
  moves=$(( $(cat "$RUN"/lb*/log | grep -c 'event=vip_move' || true) - m0 ))
  read -r outs sws < <(python3 -c "import json; s=json.load(open('$RUN/steady-$cfg.json'))['summary']; print(len(s['outages']), len(s['switches']))")
  reqs=$(grep -E '^requests:' "$RUN/h2load-$cfg.txt" | sed -E 's/.* ([0-9]+) succeeded, ([0-9]+) failed.*/\1 \/ \2/' || echo "?")
  printf "| %s | %s | %s | %s | %s/%s | %s | %s | %.0f%% / %.0f%% | %s |\n" "$cfg" "$SECS" "$outs" "$sws" "$n1" "$n2" "$moves" \
    "$reqs" "$(python3 -c "print($d1*100/$HZ/$SECS)")" "$(python3 -c "print($d2*100/$HZ/$SECS)")" \
    "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT"
done
