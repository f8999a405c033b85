#!/usr/bin/env bash
# observer-cost.sh — the observers' CPU per request in one JVM, no network: metrics observer and
# access-log line on the calling thread (the event loop's share), the access-log writer per line,
# and one OpenMetrics scrape (bench/observer-cost/ObserverCost.java says how).
#
# Usage: [THRASH_KB=K] bench/observer-cost.sh [N requests per round, 64000]   (six rounds, about a minute)
# THRASH_KB: memory written between two groups of 32 requests (the caches a loaded node leaves the observers)
# Pinned to SERVER_CPU like the servers of the other scripts. The jar is built from this work tree
# (mvn -B -q -pl appliance -am package -DskipTests) and removed afterwards. A development aid: the
# figure to judge the 5% target by is bench/observability-cpu.sh's.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/bench-lib.sh"
REPS=1; SECS="n/a"; WARMUP="n/a"; N="${1:-64000}"
bench_outdir observer-cost
trap 'rm -f "${RUN_JAR:-}" "$WORKDIR/observer-cost-$TS.log"' EXIT
bench_jar observer-cost -pl appliance -am
timeout 600 taskset -c "$SERVER_CPU" java -Xms512m -Xmx512m -XX:+UseParallelGC -cp "$GH_JAR" \
    "$BENCH_DIR/observer-cost/ObserverCost.java" "$WORKDIR/observer-cost-$TS.log" "$N" "${THRASH_KB:-0}" 2>&1 \
    | grep -v ' INFO ' | tee "$OUTDIR/report.txt"
log "results in $OUTDIR"
