#!/usr/bin/env bash
# failover.sh — how long the VIP is unreachable when a Gatehouse node fails, side by side with
# keepalived's anchor figures, using the shared failover lab and probe (../shared/bench/failover:
# netlab.sh namespaces lb1/lb2/client on one bridge, probe.py = one new TCP connection + GET every
# 10 ms to VIP 198.18.0.100:8080, answered by Gatehouse's port-80 listener with X-Node).
#
# Usage: bench/failover.sh [scenarios]      (as root; about 2 min per scenario and config at REPS=5)
#   scenarios: silent (link down) | frozen (SIGSTOP) | killed (kill -9, then release-vips as the
#   unit's ExecStopPost does) | graceful (SIGTERM); each one's recovery window is the failback
#   (lb1 is the preferred owner; failback hold-down GH_FAILBACK, default 10s).
# Knobs: REPS [5], CONFIGS ["default fast"]: default = product failure detection (heartbeat 100 ms,
#   timeout 600 ms, verify 100 ms); fast = heartbeat 40 ms, timeout 160 ms, verify 60 ms; TAG, SHARED
#   (the shared harness dir), GH_JAR.
# Output: bench/results/failover-<TAG>.jsonl (one line per rep) and .md (summary table).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/failover/common.sh"
export GH_FAILBACK="${GH_FAILBACK:-10s}"   # a node that just came back is busy (grid merge, JIT) for a few seconds
REPS="${REPS:-5}"
SCENARIOS="${*:-silent frozen killed graceful}"
CONFIGS="${CONFIGS:-default fast}"
OUT="$HERE/results/failover-$TAG.jsonl"
KEEP="$HERE/failover/run/bench-$TAG"
mkdir -p "$KEEP"
failover_build_jar
failover_lab_up

for cfg in $CONFIGS; do
  failover_config "$cfg"
  for sc in $SCENARIOS; do
    case "$sc" in
      silent)   fail="ip -n lb1 link set eth0 down; echo ACTION_REALTIME=\$(date +%s.%N)"
                rec="ip -n lb1 link set eth0 up; echo ACTION_REALTIME=\$(date +%s.%N)" ;;
      frozen)   fail="$LAB stop lb1 STOP; echo ACTION_REALTIME=\$(date +%s.%N)"
                rec="$LAB stop lb1 CONT; echo ACTION_REALTIME=\$(date +%s.%N)" ;;
      killed)   fail="$LAB stop lb1 KILL"; rec="$LAB start lb1" ;;
      graceful) fail="$LAB stop lb1 TERM"; rec="$LAB start lb1" ;;
    esac
    case "$sc" in
      silent|frozen) secs=25 ;;   # failback: settle 2 s + hold-down (GH_FAILBACK, 10 s here) after recovery
      *) secs=45 ;;   # the same after a JVM start (5-15 s here)
      *) echo "unknown scenario $sc" >&2; exit 2 ;;
    esac
    # fail at 2 s (+ up to 0.2 s jitter), recover at 5 s; the failback lands before the end of the run.
    python3 "$SHARED/failover_bench.py" run --name "gatehouse-$cfg/$sc" --reps "$REPS" \
      --setup "$LAB ensure" --ready "test \"\$($LAB where)\" = lb1" --settle 1 \
      --fail "$fail" --fail-at 2 --recover "$rec" --recover-at 5 \
      --observe "4.7:$LAB where" --seconds "$secs" --jitter 0.2 --out "$OUT" --keep "$KEEP"
  done
done
python3 "$SHARED/failover_bench.py" summary "$OUT" | tee "${OUT%.jsonl}.md"
