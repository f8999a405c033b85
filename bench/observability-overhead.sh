#!/usr/bin/env bash
# observability-overhead.sh — what metrics + the access log cost on keep-alive HTTPS, side by side
# with HAProxy in one run.
#
# Usage (from anywhere; the shared harness is ../shared/bench/perf from the repo root):
#   bench/observability-overhead.sh            # REPS=3 SECS=15, updates docs/benchmarks.md
#   QUICK=1 bench/observability-overhead.sh    # REPS=1 SECS=5 smoke run, docs untouched
#
# Three servers stay up together, all pinned to SERVER_CPU (one event loop each), clients and the
# nginx backend on CLIENT_CPU: HAProxy (start-haproxy.sh, nbthread 1), Gatehouse "off" (metrics
# listener disabled, no access log) and Gatehouse "on" (the Prometheus registry and listener
# enabled, a JSON access-log line per request written to a file, Prometheus-style scrapes of
# /metrics every second during the runs). Same certificates (gen-certs.sh, ECDSA P-256), same
# backend, same h2load runs (bench-keepalive.sh: h1 64 connections; h2 16 connections x 16
# streams), interleaved per repetition (off, on, haproxy, then rotated) so drifts hit all three.
# Reported per cell: median (min-max) requests/s per fully busy server core, p50/p99, errors;
# and the on/off ratio. Target (observability issue): on costs at most 5% of off.
# Traffic goes to 127.0.0.1 only; every process started here is stopped by PID on exit; every
# wait and loop is bounded.
#
# The jar is built from this work tree on every run (mvn package; nothing installed) and removed after.
# Knobs: QUICK, REPS [3], SECS [15] (max 30), WARMUP [2], N certificates [100], GH_JAVA_OPTS,
#        OUTDIR [bench/results/<ts>-observability], DOC [docs/benchmarks.md; QUICK: none],
#        PERF [../shared/bench/perf].
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"
CMDLINE="$0 $*"
QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then REPS="${REPS:-1}"; SECS="${SECS:-5}"; WARMUP="${WARMUP:-1}"; DOC="${DOC-}"
else REPS="${REPS:-3}"; SECS="${SECS:-15}"; WARMUP="${WARMUP:-2}"; DOC="${DOC-$REPO_DIR/docs/benchmarks.md}"; fi
export WARMUP
N="${N:-100}"
GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
TS="$(date -u +%Y%m%dT%H%M%SZ)"
OUTDIR="${OUTDIR:-$REPO_DIR/bench/results/$TS-observability}"
mkdir -p "$OUTDIR" "$RUN_DIR"
RAW="$OUTDIR/raw.log"; DATA="$OUTDIR/data.tsv"; : > "$RAW"; : > "$DATA"
OFF_PORT=18446; ON_PORT=18447; METRICS_PORT=19464
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT

ensure_tools
# the jar under test is built from this work tree and copied for this run only: a jar cached by an
# earlier run (bench-lib's default GH_JAR) would measure old code
log "building the appliance jar (mvn -B -q -DskipTests package)"
(cd "$REPO_DIR" && mvn -B -q -DskipTests package </dev/null) >&2
RUN_JAR="$WORKDIR/gatehouse-$TS.jar"
GH_JAR="$RUN_JAR"
gh_jar_prepare | tee -a "$RAW"
{
    echo "date_utc: $(date -u +%FT%TZ)"; echo "command: $CMDLINE"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
    echo "haproxy: $($HAPROXY_BIN -v | head -1)"; echo "java: $(java -version 2>&1 | sed -n 2p)"
    echo "h2load: $(h2load --version)"
    echo "gatehouse commit: $(git -C "$REPO_DIR" log -1 --format='%h %cI' 2>/dev/null || echo '?')"
    echo "placement: servers cpu $SERVER_CPU, clients+backend cpu $CLIENT_CPU; reps=$REPS secs=$SECS warmup=$WARMUP N=$N"
} | tee "$OUTDIR/meta.txt" >> "$RAW"

D=$(certs "$N" ecdsa)
backend_start
hap_start "$D"
log "haproxy: $HAP_LINE"

# node_config NAME PORT ON -> path of a gatehouse.yaml serving the generated certificates
node_config() {
    local name="$1" port="$2" on="$3" dir="$WORKDIR/obs-$1"
    rm -rf "$dir"; mkdir -p "$dir"
    {
        echo "node: {name: $name, dataDir: '$dir/data'}"
        echo "listeners: {https: '127.0.0.1:$port', http: off, ioThreads: 1}"
        echo "console: {listen: '127.0.0.1:$((port + 1000))'}"
        echo "tls: {certificateDirs: ['$D'], maxContexts: 20000}"
        echo "pools: [{name: app, servers: ['127.0.0.1:$BACKEND_PORT']}]"
        echo "defaultPool: app"
        if [ "$on" = 1 ]; then
            echo "metrics: {enabled: true, listen: '127.0.0.1:$METRICS_PORT'}"
            echo "accessLog: {enabled: true, path: '$dir/access.log'}"
        else
            echo "metrics: {enabled: false}"
            echo "accessLog: {enabled: false}"
        fi
    } > "$dir/gatehouse.yaml"
    echo "$dir/gatehouse.yaml"
}
start_node() { # start_node NAME PORT ON -> sets PID_<NAME>
    local cfg logf
    cfg=$(node_config "$1" "$2" "$3"); logf="$OUTDIR/$1.log"
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
summary_of() { grep '^SUMMARY' | tail -1 | sed 's/^SUMMARY //'; }
ka() { # ka SERVER PORT PID PROTO REP
    local s
    log "$1 $4 rep $5 (${SECS}s)"
    s=$(SERVER_PIDS="$3" "$PERF/bench-keepalive.sh" "https://$NAME:$2/" "$SECS" "$4" 2>&1 | tee -a "$RAW" | summary_of)
    printf '%s\t%s\t%s\t%s\n' "$4" "$1" "$5" "$s" >> "$DATA"
}
for rep in $(seq 1 "$REPS"); do
    for proto in h1 h2; do
        case $(( rep % 3 )) in
            1) order="off on haproxy" ;; 2) order="on haproxy off" ;; *) order="haproxy off on" ;;
        esac
        for srv in $order; do
            case $srv in
                off) ka off "$OFF_PORT" "$PID_off" "$proto" "$rep" ;;
                on) ka on "$ON_PORT" "$PID_on" "$proto" "$rep" ;;
                haproxy) ka haproxy "$HAPROXY_PORT" "$HAP_PID" "$proto" "$rep" ;;
            esac
        done
    done
done
LINES=$(wc -l < "$WORKDIR/obs-on/access.log" || echo 0)
SCRAPE=$(curl -s --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" | grep -c '^gatehouse_' || true)

python3 - "$DATA" "$OUTDIR/report.md" "$LINES" "$SCRAPE" "$REPS" "$SECS" "$(cat "$OUTDIR/meta.txt" | tr '\n' ';')" <<'PY'
import sys, statistics
data, out, lines, scrape, reps, secs, meta = sys.argv[1:8]
cells = {}
for row in open(data):
    proto, srv, rep, s = row.rstrip("\n").split("\t")
    kv = dict(x.split("=", 1) for x in s.split() if "=" in x)
    cells.setdefault((proto, srv), []).append(kv)
def med(vals):
    vals = [float(v) for v in vals if v not in ("", None)]
    return (statistics.median(vals), min(vals), max(vals)) if vals else (float("nan"),) * 3
def fmt(t, d=0):
    return f"{t[0]:,.{d}f} ({t[1]:,.{d}f}–{t[2]:,.{d}f})"
rows = ["| protocol | server | req/s per server core | req/s | p50 ms | p99 ms | failed |", "|---|---|---|---|---|---|---|"]
ratio = []
for proto in ("h1", "h2"):
    per = {}
    for srv in ("off", "on", "haproxy"):
        c = cells.get((proto, srv), [])
        pc = med([k.get("per_core_rate") for k in c]); per[srv] = pc[0]
        rows.append(f"| {proto} | {'Gatehouse, observability off' if srv == 'off' else 'Gatehouse, metrics + access log' if srv == 'on' else 'HAProxy'} | {fmt(pc)} | {fmt(med([k.get('rps') for k in c]))} | {fmt(med([k.get('p50_ms') for k in c]), 2)} | {fmt(med([k.get('p99_ms') for k in c]), 2)} | {','.join(k.get('failed_errored_timeout', '?') for k in c)} |")
    ratio.append(f"| {proto} | {per['on'] / per['off']:.3f} | {(1 - per['on'] / per['off']) * 100:+.1f}% | {per['on'] / per['haproxy']:.2f}× |")
rep = ["<!-- observability-overhead:begin -->", "## Observability overhead (metrics + access log), keep-alive HTTPS", "",
       f"`bench/observability-overhead.sh` (REPS={reps}, {secs} s per run; median (min–max) over the runs). "
       "Servers pinned to one core (one event loop each), h2load and the nginx backend on the other; h1: 64 connections, "
       "h2: 16 connections × 16 streams; the 'on' node also had /metrics scraped every second. Per-core rate = req/s ÷ the "
       "server's CPU share.", "", *rows, "",
       "| protocol | on / off (per core) | cost | on / HAProxy |", "|---|---|---|---|", *ratio, "",
       f"The 'on' node wrote {lines.strip()} access-log lines; its last scrape had {scrape.strip()} `gatehouse_` series.", "",
       "Machine: " + meta.replace(";", "; "), "<!-- observability-overhead:end -->"]
open(out, "w").write("\n".join(rep) + "\n")
print("\n".join(rep))
PY
if [ -n "${DOC:-}" ] && [ -f "$DOC" ]; then
    python3 - "$DOC" "$OUTDIR/report.md" <<'PY'
import sys, re
doc, rep = sys.argv[1], open(sys.argv[2]).read().strip()
s = open(doc).read()
pat = re.compile(r"<!-- observability-overhead:begin -->.*?<!-- observability-overhead:end -->", re.S)
s = pat.sub(lambda m: rep, s) if pat.search(s) else s.rstrip() + "\n\n" + rep + "\n"
open(doc, "w").write(s)
PY
    log "updated $DOC"
fi
log "results in $OUTDIR"
