#!/usr/bin/env bash
# observability-overhead.sh — what metrics + the access log cost on keep-alive HTTPS, side by side
# with HAProxy in one run.
#
# Usage (from anywhere; the shared harness is ../shared/bench/perf from the repo root):
#   bench/observability-overhead.sh            # REPS=5 SECS=12, updates docs/benchmarks.md
#   QUICK=1 bench/observability-overhead.sh    # REPS=2 SECS=4 smoke run of the same steps, docs untouched
#
# Three servers stay up together, all pinned to SERVER_CPU (one event loop each), clients and the
# nginx backend on CLIENT_CPU: HAProxy (start-haproxy.sh, nbthread 1), Gatehouse "off" (metrics
# listener disabled, no access log) and Gatehouse "on" (the Prometheus registry and listener
# enabled, a JSON access-log line per request written to a file, Prometheus-style scrapes of
# /metrics every second during the runs). Same certificates (gen-certs.sh, ECDSA P-256), same
# backend, same h2load runs (bench-keepalive.sh: h1 64 connections; h2 16 connections x 16
# streams). Before the measured runs every server gets one unmeasured warm-up run per protocol (JIT
# compilation would otherwise count against whichever server runs first). Then REPS repetitions,
# each running the three servers back to back, per protocol, in an order that cycles through all six
# permutations (off on hap, on off hap, hap off on, hap on off, off hap on, on hap off): drift on a
# shared or thermally throttled machine hits every configuration alike, and "on" runs as often
# before "off" as after it.
# Reported per cell: median, interquartile range and min-max of requests/s per fully busy server
# core over the repetitions, p50/p99, errors; the cost of "on" from the two medians and, as a check,
# the median of the per-repetition on/off ratios (each from two adjacent runs); every run's figures.
# Target (observability issue): on costs at most 5% of off, per core, for h1 and h2.
# Traffic goes to 127.0.0.1 only; every process started here is stopped by PID on exit; every
# wait and loop is bounded.
#
# The jar is built from this work tree on every run (mvn package; nothing installed) and removed after.
# Knobs: QUICK, REPS [5], SECS [12] (max 30), WARMUP [2] (h2load's own, per run), WARM_SECS [10]
#        (the unmeasured run per server and protocol; 0: none), N certificates [100], GH_JAVA_OPTS,
#        OUTDIR [bench/results/<ts>-observability], DOC [docs/benchmarks.md; QUICK: none],
#        PERF [../shared/bench/perf]; on a shared machine: WORKDIR, OFF_PORT [18446], ON_PORT [18447]
#        (consoles on port + 1000), METRICS_PORT [19464], and the harness's BACKEND_PORT, HAPROXY_PORT.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"
CMDLINE="$0 $*"
QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then
    REPS="${REPS:-2}"; SECS="${SECS:-4}"; WARMUP="${WARMUP:-1}"; WARM_SECS="${WARM_SECS:-3}"; DOC="${DOC-}"
else
    REPS="${REPS:-5}"; SECS="${SECS:-12}"; WARMUP="${WARMUP:-2}"; WARM_SECS="${WARM_SECS:-10}"
    DOC="${DOC-$REPO_DIR/docs/benchmarks.md}"
fi
export WARMUP
N="${N:-100}"
GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
TS="$(date -u +%Y%m%dT%H%M%SZ)"
OUTDIR="${OUTDIR:-$REPO_DIR/bench/results/$TS-observability}"
mkdir -p "$OUTDIR" "$RUN_DIR"
RAW="$OUTDIR/raw.log"; DATA="$OUTDIR/data.tsv"; : > "$RAW"; : > "$DATA"
OFF_PORT="${OFF_PORT:-18446}"; ON_PORT="${ON_PORT:-18447}"; METRICS_PORT="${METRICS_PORT:-19464}"
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT

ensure_tools
# the jar under test is built from this work tree and copied for this run only: a jar cached by an
# earlier run (bench-lib's default GH_JAR) would measure old code
log "building the appliance jar (mvn -B -q -pl appliance -am package -DskipTests)"
(cd "$REPO_DIR" && mvn -B -q -pl appliance -am package -DskipTests </dev/null) >&2
RUN_JAR="$WORKDIR/gatehouse-$TS.jar"
GH_JAR="$RUN_JAR"
gh_jar_prepare | tee -a "$RAW"
{
    echo "date_utc: $(date -u +%FT%TZ)"; echo "command: $CMDLINE"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
    echo "haproxy: $($HAPROXY_BIN -v | head -1)"; echo "java: $(java -version 2>&1 | sed -n 2p)"
    echo "h2load: $(h2load --version)"
    echo "gatehouse commit: $(git -C "$REPO_DIR" log -1 --format='%h %cI' 2>/dev/null || echo '?')"
    echo "placement: servers cpu $SERVER_CPU, clients+backend cpu $CLIENT_CPU; reps=$REPS secs=$SECS warmup=$WARMUP warm_secs=$WARM_SECS N=$N"
} | tee "$OUTDIR/meta.txt" >> "$RAW"

D=$(certs "$N" ecdsa)
backend_start
hap_start "$D"
log "haproxy: $HAP_LINE"

start_node() { # start_node NAME PORT ON -> sets PID_<NAME>
    local cfg logf
    cfg=$(obs_node_config "$1" "$2" "$3" "$D" "$METRICS_PORT"); logf="$OUTDIR/$1.log"
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CPU" java $GH_JAVA_OPTS -jar "$GH_JAR" serve --config "$cfg" >"$logf" 2>&1 &
    local pid=$!
    GH_PIDS+=("$pid")
    wait_port "$2" 120 "$pid" >/dev/null || { tail -20 "$logf" >&2; exit 1; }
    eval "PID_$1=$pid"
    log "gatehouse $1 pid $pid on :$2"
}
start_node off "$OFF_PORT" 0
start_node on "$ON_PORT" 1

# a scraper like Prometheus: /metrics once a second for as long as this script runs (bounded)
( for _ in $(seq 1 3600); do curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$METRICS_PORT/metrics" || true; sleep 1; done ) &
EXTRA_PIDS+=("$!")

NAME=$(head -1 "$D/domains.txt")
# a few single requests first, so the first h2load run does not open 64 TLS connections on a cold JVM
for port in "$OFF_PORT" "$ON_PORT"; do
    for _ in $(seq 1 20); do
        curl -sk --max-time 10 -o /dev/null --resolve "$NAME:$port:127.0.0.1" "https://$NAME:$port/" || true
    done
done
summary_of() { grep '^SUMMARY' | tail -1 | sed 's/^SUMMARY //'; }
# ka SERVER PROTO REP SECS: one bench-keepalive.sh run against SERVER; REP 0 is the unmeasured warm-up
ka() {
    local s port pid
    case $1 in
        off) port=$OFF_PORT pid=$PID_off ;;
        on) port=$ON_PORT pid=$PID_on ;;
        haproxy) port=$HAPROXY_PORT pid=$HAP_PID ;;
    esac
    log "$1 $2 rep $3 (${4}s)"
    # bounded: on an overloaded machine h2load has been seen waiting for ever on connections of a cold
    # server; timeout signals its whole process group (h2load included) and the run counts as missing
    s=$(SERVER_PIDS="$pid" timeout -k 5 $(( $4 + WARMUP + 90 )) "$PERF/bench-keepalive.sh" "https://$NAME:$port/" \
        "$4" "$2" 2>&1 | tee -a "$RAW" | summary_of) || { log "$1 $2 rep $3: no result (timed out or failed)"; s=""; }
    if [ "$3" -gt 0 ]; then printf '%s\t%s\t%s\t%s\n' "$2" "$1" "$3" "$s" >> "$DATA"; fi
}
ORDERS=("off on haproxy" "on off haproxy" "haproxy off on" "haproxy on off" "off haproxy on" "on haproxy off")
if [ "$WARM_SECS" -gt 0 ]; then
    for proto in h1 h2; do for srv in off on haproxy; do ka "$srv" "$proto" 0 "$WARM_SECS"; done; done
fi
for rep in $(seq 1 "$REPS"); do
    for proto in h1 h2; do
        # shellcheck disable=SC2086
        for srv in ${ORDERS[$(( (rep - 1) % 6 ))]}; do ka "$srv" "$proto" "$rep" "$SECS"; done
    done
done
LINES=$(wc -l < "$WORKDIR/obs-on/access.log" || echo 0)
SCRAPE=$(curl -s --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" | grep -c '^gatehouse_' || true)

python3 - "$DATA" "$OUTDIR/report.md" "$LINES" "$SCRAPE" "$REPS" "$SECS" "$(tr '\n' ';' < "$OUTDIR/meta.txt")" <<'PY'
import sys, statistics
data, out, lines, scrape, reps, secs, meta = sys.argv[1:8]
runs = {}  # (proto, server) -> {rep: summary}
for row in open(data):
    proto, srv, rep, s = row.rstrip("\n").split("\t")
    runs.setdefault((proto, srv), {})[int(rep)] = dict(x.split("=", 1) for x in s.split() if "=" in x)
def nums(c, key):
    return [float(k[key]) for k in c.values() if k.get(key) not in ("", None)]
def spread(vals):
    """median, first and third quartile, min, max (quartiles by the inclusive method; NaN when empty)"""
    if not vals:
        return (float("nan"),) * 5
    q = statistics.quantiles(vals, n=4, method="inclusive") if len(vals) > 1 else [vals[0]] * 3
    return statistics.median(vals), q[0], q[2], min(vals), max(vals)
def f0(v):
    return f"{v:,.0f}"
NAMES = {"off": "Gatehouse, observability off", "on": "Gatehouse, metrics + access log", "haproxy": "HAProxy"}
rows = ["| protocol | server | req/s per server core: median | IQR | min–max | req/s (median) | server CPU % | p50 ms | p99 ms | failed |",
        "|---|---|---|---|---|---|---|---|---|---|"]
cost, per_run = [], ["| protocol | server | " + " | ".join(f"rep {r}" for r in range(1, int(reps) + 1)) + " |",
                      "|---|---|" + "---|" * int(reps)]
for proto in ("h1", "h2"):
    med = {}
    for srv in ("off", "on", "haproxy"):
        c = runs.get((proto, srv), {})
        m, q1, q3, lo, hi = spread(nums(c, "per_core_rate")); med[srv] = m
        rows.append(f"| {proto} | {NAMES[srv]} | {f0(m)} | {f0(q1)}–{f0(q3)} | {f0(lo)}–{f0(hi)} | "
                    f"{f0(spread(nums(c, 'rps'))[0])} | {spread(nums(c, 'server_cpu_pct'))[0]:.0f} | "
                    f"{spread(nums(c, 'p50_ms'))[0]:.2f} | {spread(nums(c, 'p99_ms'))[0]:.2f} | "
                    f"{','.join(k.get('failed_errored_timeout', '?') for k in c.values())} |")
        per_run.append(f"| {proto} | {srv} | " + " | ".join(f0(float(c[r]['per_core_rate'])) if r in c and c[r].get('per_core_rate') else "–"
                                                    for r in range(1, int(reps) + 1)) + " |")
    off, on = runs.get((proto, "off"), {}), runs.get((proto, "on"), {})
    paired = [1 - float(on[r]["per_core_rate"]) / float(off[r]["per_core_rate"]) for r in sorted(off)
              if r in on and float(off[r].get("per_core_rate") or 0) > 0 and on[r].get("per_core_rate")]
    pm = spread(paired)
    cost.append(f"| {proto} | {(1 - med['on'] / med['off']) * 100:+.1f}% | {pm[0] * 100:+.1f}% "
                f"({pm[3] * 100:+.1f}% to {pm[4] * 100:+.1f}%) | {med['on'] / med['haproxy']:.2f}× | "
                f"{'yes' if 1 - med['on'] / med['off'] <= 0.05 else 'no'} |")
rep = ["<!-- observability-overhead:begin -->", "## Observability overhead (metrics + access log), keep-alive HTTPS", "",
       f"`bench/observability-overhead.sh` (REPS={reps}, {secs} s per run, after one unmeasured warm-up run per server "
       "and protocol; the three servers run back to back in each repetition, in an order cycling through all six "
       "permutations). Servers pinned to one core (one event loop each), h2load and the nginx backend on the other; "
       "h1: 64 connections, h2: 16 connections × 16 streams; the 'on' node also had /metrics scraped every second. "
       "Per-core rate = req/s ÷ the server's CPU share; median, interquartile range and min–max over the repetitions.",
       "", *rows, "",
       "Cost of 'on' (target: at most 5% per core): from the two medians, and the median (min to max) of the "
       "per-repetition ratios of adjacent on/off runs.", "",
       "| protocol | cost (medians) | cost (paired, per repetition) | on / HAProxy | ≤ 5% |", "|---|---|---|---|---|", *cost, "",
       "Every run, req/s per server core:", "", *per_run, "",
       f"The 'on' node wrote {lines.strip()} access-log lines; its last scrape had {scrape.strip()} `gatehouse_` series.", "",
       "Machine: " + meta.replace(";", "; "), "<!-- observability-overhead:end -->"]
open(out, "w").write("\n".join(rep) + "\n")
print("\n".join(rep))
PY
if [ -n "${DOC:-}" ] && [ -f "$DOC" ]; then
    bench_doc_block "$DOC" "$OUTDIR/report.md" observability-overhead
fi
log "results in $OUTDIR"
