#!/usr/bin/env bash
# observability-perf.sh — where an "on" node's CPU goes, by thread and by symbol (Linux perf, kernel and
# JIT-compiled Java frames), next to an "off" node's, under the same keep-alive load: the profile behind
# bench/observability-cpu.sh's per-thread figures (issue #12). A development aid; the cost figure to
# judge the 5% target by is observability-cpu.sh's.
#
# Usage: [PROTO=h1|h2] [SECS=10] bench/observability-perf.sh
# One node at a time (off, then on), pinned to SERVER_CPU, one event loop; h2load and the nginx backend on
# CLIENT_CPU; /metrics scraped once a second as Prometheus would; three unmeasured warm-up runs, then
# `perf record -F 1999` of the node for SECS during a run. Java symbols come from the JVM's perf map
# (-XX:+DumpPerfMapAtExit and `jcmd PID Compiler.perfmap`, /tmp/perf-PID.map). Prints per node: the
# share of samples per thread, and the event loop's share in observability code (access log, metrics
# observer, the request record). The perf.data files are left out of what is kept (perf-*.data are removed
# at the end; set KEEP_PERF=1 to keep them). Needs perf (Debian: linux-perf); traffic to 127.0.0.1 only; every run
# bounded by timeout; processes stopped by PID.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/bench-lib.sh"
PROTO="${PROTO:-h1}"; SECS="${SECS:-10}"; REPS=1; WARMUP=3; N=100
command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 2; }
bench_outdir observability-perf
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT
bench_jar observability-perf -pl appliance -am
bench_meta "$0 $*" "proto=$PROTO secs=$SECS"
D=$(certs "$N" ecdsa)
backend_start
NAME=t000001.tenant.test
PORT=18657 METRICS=19674
ARGS=(-c 64 -m 1 --h1); [ "$PROTO" = h2 ] && ARGS=(-c 16 -m 16)
ACCEPT="application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
load() { timeout $(( $1 + 20 )) taskset -c "$CLIENT_CPU" h2load "${ARGS[@]}" -t 1 -D "$1" --connect-to="127.0.0.1:$PORT" \
    "https://$NAME:$PORT/" 2>&1 | grep '^finished' | tee -a "$RAW"; }
for mode in off on; do
    on=0; [ "$mode" = on ] && on=1
    GH_JAVA_OPTS="-Xms512m -Xmx512m -XX:+UseParallelGC -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit" \
        gh_serve "$mode" "$PORT" -jar "$GH_JAR" serve --config "$(obs_node_config "$mode" "$PORT" "$on" "$D" "$METRICS")"
    eval "pid=\$PID_$mode"
    ( for _ in $(seq 1 $(( 5 * SECS + 60 ))); do
          curl -s -o /dev/null --max-time 2 -H "Accept: $ACCEPT" "http://127.0.0.1:$METRICS/metrics" || true; sleep 1
      done ) &
    scraper=$!
    EXTRA_PIDS+=("$scraper")
    for _ in 1 2 3; do load "$SECS"; done
    load $(( SECS + 2 )) &
    sleep 1
    perf record -q -F 1999 -p "$pid" -o "$OUTDIR/perf-$mode.data" -- sleep "$SECS" 2>>"$RAW"
    wait "$!" 2>/dev/null || true
    kill "$scraper" 2>/dev/null || true
    jcmd "$pid" Compiler.perfmap >/dev/null 2>&1 || true
    {
        echo "== $mode ($PROTO): share of samples per thread"
        perf report -i "$OUTDIR/perf-$mode.data" --no-children --sort comm --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' \
            > "$OUTDIR/threads-$mode.txt" || true
        head -8 "$OUTDIR/threads-$mode.txt"
        echo "== $mode: event loop, top symbols"
        perf report -i "$OUTDIR/perf-$mode.data" --no-children --comm gatehouse-io-2- --sort sym --stdio 2>/dev/null \
            | grep -v '^#' | grep -v '^$' > "$OUTDIR/loop-$mode.txt" || true
        head -25 "$OUTDIR/loop-$mode.txt" | cut -c1-160
        python3 - "$OUTDIR/loop-$mode.txt" <<'PY'
import re, sys
pat = re.compile(r'accesslog|appliance\.metrics|ExchangeRecord|RequestRecord|ClientAddress|ConnectionTls')
tot = obs = 0.0
for l in open(sys.argv[1]):
    m = re.match(r'\s*([\d.]+)%\s+\[.\]\s+(.*)', l)
    if m:
        tot += float(m.group(1))
        obs += float(m.group(1)) if pat.search(m.group(2)) else 0
print("event loop: %.1f%% of the node's samples, %.2f%% in observability code (%.1f%% of the loop's)"
      % (tot, obs, 100 * obs / tot if tot else 0))
PY
    } | tee -a "$OUTDIR/report.txt"
    gh_stop "$pid"
    rm -f "/tmp/perf-$pid.map"
done
[ "${KEEP_PERF:-0}" = 1 ] || rm -f "$OUTDIR"/perf-*.data
log "results in $OUTDIR"
