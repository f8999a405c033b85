#!/usr/bin/env bash
# observability-cpu.sh — what metrics + the access log cost, as server CPU time per request, off vs on,
# with HAProxy's CPU per request in the same run for scale.
#
# Usage (from anywhere; the shared harness is ../shared/bench/perf from the repo root):
#   bench/observability-cpu.sh                  # REPS=16 runs of RUN_SECS=10 s, the three servers at once; updates docs/benchmarks.md
#   MODE=alternate bench/observability-cpu.sh   # REPS=16 x COUNT=150000 requests, one server after another (the earlier design)
#   QUICK=1 bench/observability-cpu.sh          # REPS=3 x 4 s (alternate: 30000 requests), short warm-up: a smoke run, docs untouched
#
# Why CPU per request and not requests/s: on this two-core machine single throughput runs move by
# +-20%, four times the 5% to be shown. The CPU time a server spends on a fixed number of requests
# does not depend on how fast the client or the machine happened to be in that second, only on the
# work per request (and cache or frequency effects, which hit both nodes alike when runs alternate).
#
# Set-up (as bench/observability-overhead.sh): three servers stay up together, pinned to SERVER_CPU,
# one event loop each; h2load and the nginx backend on CLIENT_CPU. HAProxy (start-haproxy.sh, nbthread
# 1), Gatehouse "off" (no metrics listener, no access log) and Gatehouse "on" (metrics listener, a
# JSON access-log line per request to a file, /metrics scraped once a second for the whole run with
# the Accept header Prometheus sends). Same certificates (ECDSA P-256), backend and load: h1 --h1 -c 64
# (one request in flight per connection), h2 -c 16 -m 16.
#
# 1. Warm-up, unmeasured, per Gatehouse node: rounds of WARM_SECS of h1 then WARM_SECS of h2 until the
#    JIT compiler threads used less than JIT_DONE_PCT % of the node's CPU in a round (at most WARM_ROUNDS
#    rounds; the log says when C2 did not settle). HAProxy gets one short run per protocol.
# 2. REPS repetitions; in each, per protocol, one run against each server. MODE=together (the default): the
#    three servers are loaded at the same time for RUN_SECS (h2load -D, one client each, all on CLIENT_CPU),
#    so they share CPU 0 from one scheduler slice to the next and whatever slows the machine in that second
#    (a neighbour on the host, the clock, the caches) slows "on" and "off" alike. The alternating design
#    before it (MODE=alternate: COUNT requests per server, h2load -n, one after another in an order cycling
#    through the six permutations) saw HAProxy's own CPU per request move by 2x from one run to the next on
#    this VM, which is what left its paired ratios +-10% wide.
#    Around each run the CPU ticks (utime + stime) of every thread of the server process are read
#    from /proc/PID/task/*/stat, and grouped by thread name: io (the event loop), jit (C1/C2 compiler
#    threads, sweeper), gc (GC workers and the VM thread), access-log writer, metrics (the scrape thread
#    and the JDK HTTP server's dispatcher), other. "steady" = all but jit: what a request costs once
#    the code is compiled.
# 3. Report: per protocol and server the median over the repetitions of µs CPU per request, steady and
#    per thread group; the cost of "on" as the median, interquartile range and min–max of the paired
#    per-repetition differences (on / off − 1, steady and event loop only); HAProxy's µs per request.
#    Also the CPU of the threads only "on" has (access-log writer, scrape) per request: a floor of the
#    cost without the pairing noise.
#    Target (observability issue #12): at most 5%, h1 and h2.
# Ticks are 1/CLK_TCK s (10 ms): COUNT=150000 requests at ~40 µs are ~600 ticks, a resolution of ~0.2%.
#
# Traffic goes to 127.0.0.1 only; every process started here is stopped by PID on exit; every run is
# bounded by `timeout`, every loop by a count. The jar is built from this work tree on every run
# (mvn -B -q -pl appliance -am package -DskipTests; nothing installed) and removed afterwards.
# Knobs: QUICK, MODE [together], RUN_SECS [10], REPS [16], COUNT [150000, alternate only], WARM_SECS [10], WARM_ROUNDS [4], JIT_DONE_PCT [2],
#        N certificates [100], GH_JAVA_OPTS, SCRAPE_ACCEPT [Prometheus's], OUTDIR
#        [bench/results/<ts>-observability-cpu], DOC [docs/benchmarks.md; QUICK: none], PERF
#        [../shared/bench/perf]; on a shared machine: WORKDIR, OFF_PORT [18456], ON_PORT [18457]
#        (consoles on port + 1000), METRICS_PORT [19474], and the harness's BACKEND_PORT, HAPROXY_PORT.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/bench-lib.sh"
CMDLINE="$0 $*"
MODE="${MODE:-together}"
if [ "${QUICK:=0}" = 1 ]; then
    REPS="${REPS:-3}"; COUNT="${COUNT:-30000}"; RUN_SECS="${RUN_SECS:-4}"; WARM_SECS="${WARM_SECS:-5}"; WARM_ROUNDS="${WARM_ROUNDS:-2}"
    DOC="${DOC-}"
else
    REPS="${REPS:-16}"; COUNT="${COUNT:-150000}"; RUN_SECS="${RUN_SECS:-10}"; WARM_SECS="${WARM_SECS:-10}"; WARM_ROUNDS="${WARM_ROUNDS:-4}"
    DOC="${DOC-$REPO_DIR/docs/benchmarks.md}"
fi
JIT_DONE_PCT="${JIT_DONE_PCT:-2}"
N="${N:-100}"
GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
SCRAPE_ACCEPT="${SCRAPE_ACCEPT:-application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1}"
OFF_PORT="${OFF_PORT:-18456}"; ON_PORT="${ON_PORT:-18457}"; METRICS_PORT="${METRICS_PORT:-19474}"
# bench_meta prints these; here a run is a request count, and h2load has no warm-up phase of its own
SECS="n/a"; WARMUP="n/a"
HZ=$(getconf CLK_TCK)
bench_outdir observability-cpu
SNAPS="$OUTDIR/snapshots"; mkdir -p "$SNAPS"
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT

ensure_tools
bench_jar obscpu -pl appliance -am
case "$MODE" in together|alternate) ;; *) echo "MODE must be together or alternate, not '$MODE'" >&2; exit 2;; esac
bench_meta "$CMDLINE" "mode=$MODE run_secs=$RUN_SECS count=$COUNT warm_secs=$WARM_SECS warm_rounds=$WARM_ROUNDS jit_done_pct=$JIT_DONE_PCT clk_tck=$HZ" \
    "java_opts: $GH_JAVA_OPTS"

D=$(certs "$N" ecdsa)
NAME=$(head -1 "$D/domains.txt")
backend_start
hap_start "$D"
log "haproxy: $HAP_LINE"
PID_haproxy=$HAP_PID; PORT_haproxy=$HAPROXY_PORT
gh_serve off "$OFF_PORT" -jar "$GH_JAR" serve --config "$(obs_node_config off "$OFF_PORT" 0 "$D" "$METRICS_PORT")"
gh_serve on "$ON_PORT" -jar "$GH_JAR" serve --config "$(obs_node_config on "$ON_PORT" 1 "$D" "$METRICS_PORT")"

# a scraper like Prometheus: /metrics once a second for as long as this script runs (bounded)
( for _ in $(seq 1 3600); do
      curl -s -o /dev/null --max-time 2 -H "Accept: $SCRAPE_ACCEPT" "http://127.0.0.1:$METRICS_PORT/metrics" || true
      sleep 1
  done ) &
EXTRA_PIDS+=("$!")

# snap PID FILE: one line per thread of PID, "tid<TAB>name<TAB>utime+stime ticks" (threads that end
# between the listing and the read are skipped)
snap() {
    awk 'FNR == 1 { l = $0; o = index(l, "("); r = l; sub(/^.*\) /, "", r); split(r, f, " ")
                    printf "%s\t%s\t%d\n", substr(l, 1, o - 2), substr(l, o + 1, length(l) - length(r) - o - 2), f[12] + f[13] }' \
        /proc/"$1"/task/*/stat > "$2" 2>/dev/null || true
}
# jit_ticks BEFORE AFTER -> "jit_ticks all_ticks" between two snapshots
jit_ticks() {
    awk -F'\t' 'NR == FNR { b[$1] = $3; next }
                { d = $3 - b[$1]; all += d; if ($2 ~ /^(C[12] CompilerThre|Sweeper thread)/) jit += d }
                END { print jit + 0, all + 0 }' "$1" "$2"
}
h2load_args() { if [ "$1" = h1 ]; then echo "--h1 -c 64 -m 1"; else echo "-c 16 -m 16"; fi; }
# load SERVER PROTO WHAT OUT: one h2load run on CLIENT_CPU against SERVER, WHAT = "-n COUNT" or "-D SECS",
# bounded by timeout (a run that hangs on an overloaded machine counts as missing, not as a result)
load() {
    local port args
    eval "port=\$PORT_$1"
    args=$(h2load_args "$2")
    # shellcheck disable=SC2086
    timeout -k 5 "${LOAD_TIMEOUT:-180}" taskset -c "$CLIENT_CPU" h2load $args -t 1 $3 \
        --connect-to="127.0.0.1:$port" "https://$NAME:$port/" > "$4" 2>&1 || log "$1 $2: h2load failed or timed out"
}

# a few single requests first, so the first h2load run does not open 64 TLS connections on a cold JVM
for port in "$OFF_PORT" "$ON_PORT"; do
    for _ in $(seq 1 20); do
        curl -sk --max-time 10 -o /dev/null --resolve "$NAME:$port:127.0.0.1" "https://$NAME:$port/" || true
    done
done
WARM_LOG="$OUTDIR/warmup.tsv"; : > "$WARM_LOG"
for srv in off on; do
    eval "pid=\$PID_$srv"
    for round in $(seq 1 "$WARM_ROUNDS"); do
        snap "$pid" "$SNAPS/warm-$srv-$round.0"
        for proto in h1 h2; do load "$srv" "$proto" "-D $WARM_SECS" "$SNAPS/warm-$srv-$round-$proto.out"; done
        snap "$pid" "$SNAPS/warm-$srv-$round.1"
        read -r jit all < <(jit_ticks "$SNAPS/warm-$srv-$round.0" "$SNAPS/warm-$srv-$round.1")
        pct=$(( all > 0 ? 100 * jit / all : 100 ))
        printf '%s\t%s\t%s\t%s\n' "$srv" "$round" "$jit" "$all" >> "$WARM_LOG"
        log "warm-up $srv round $round: jit threads $jit of $all ticks (${pct}%)"
        [ "$pct" -lt "$JIT_DONE_PCT" ] && break
        [ "$round" = "$WARM_ROUNDS" ] && log "warm-up $srv: JIT still at ${pct}% after $WARM_ROUNDS rounds (reported apart as jit)"
    done
done
for proto in h1 h2; do load haproxy "$proto" "-D 3" /dev/null; done

ORDERS=("off on haproxy" "on off haproxy" "haproxy off on" "haproxy on off" "off haproxy on" "on haproxy off")
# record PROTO SRV REP F T0 T1: one measured run into DATA and RAW
record() {
    local ok
    ok=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$4.out")
    { echo "== $1 $2 rep $3"; cat "$4.out"; } >> "$RAW"
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${ok:-0}" "$(( ($6 - $5) / 1000000 ))" >> "$DATA"
    log "$2 $1 rep $3: ${ok:-0} requests in $(( ($6 - $5) / 1000000 )) ms"
}
for rep in $(seq 1 "$REPS"); do
    for proto in h1 h2; do
        if [ "$MODE" = together ]; then
            # the three servers at once, one client each, for RUN_SECS: they share CPU 0 second by second, so
            # whatever slows the machine (a neighbour, the clock, the caches) slows all three alike
            for srv in off on haproxy; do eval "pid=\$PID_$srv"; snap "$pid" "$SNAPS/$proto-$srv-$rep.0"; done
            t0=$(date +%s%N)
            lpids=()
            for srv in off on haproxy; do load "$srv" "$proto" "-D $RUN_SECS" "$SNAPS/$proto-$srv-$rep.out" & lpids+=("$!"); done
            wait "${lpids[@]}"
            t1=$(date +%s%N)
            for srv in off on haproxy; do eval "pid=\$PID_$srv"; snap "$pid" "$SNAPS/$proto-$srv-$rep.1"; done
            for srv in off on haproxy; do record "$proto" "$srv" "$rep" "$SNAPS/$proto-$srv-$rep" "$t0" "$t1"; done
            continue
        fi
        # shellcheck disable=SC2086
        for srv in ${ORDERS[$(( (rep - 1) % 6 ))]}; do
            eval "pid=\$PID_$srv"
            f="$SNAPS/$proto-$srv-$rep"
            snap "$pid" "$f.0"
            t0=$(date +%s%N)
            load "$srv" "$proto" "-n $COUNT" "$f.out"
            t1=$(date +%s%N)
            snap "$pid" "$f.1"
            record "$proto" "$srv" "$rep" "$f" "$t0" "$t1"
        done
    done
done
LINES=$(wc -l < "$WORKDIR/obs-on/access.log" || echo 0)
SCRAPE_FILE="$OUTDIR/last-scrape.txt"
curl -s --max-time 5 -H "Accept: $SCRAPE_ACCEPT" "http://127.0.0.1:$METRICS_PORT/metrics" > "$SCRAPE_FILE" || true

python3 "$BENCH_DIR/observability-cpu-report.py" "$DATA" "$SNAPS" "$HZ" "$OUTDIR/report.md" "$LINES" "$SCRAPE_FILE" \
    "$REPS" "$COUNT" "$WARM_LOG" "$OUTDIR/meta.txt" "$MODE" "$RUN_SECS"
# the thread snapshots stay with the results as one table (file, tid, name, ticks) for a re-analysis
for f in "$SNAPS"/*.0 "$SNAPS"/*.1; do awk -v f="${f##*/}" '{ print f "\t" $0 }' "$f"; done > "$OUTDIR/snapshots.tsv"
rm -r "$SNAPS"
if [ -n "${DOC:-}" ] && [ -f "$DOC" ]; then
    bench_doc_block "$DOC" "$OUTDIR/report.md" observability-cpu
fi
log "results in $OUTDIR"
