#!/usr/bin/env bash
# h2-frame-proxy.sh — HTTP/2 keep-alive through Gatehouse's frame-level proxy (Http2ProxyHandler, the
# default), through the child-channel-per-stream path it replaced (-Dgatehouse.http2.frameProxy=false)
# and through HAProxy, side by side in one run.
#
# Usage (from anywhere; the shared harness is ../shared/bench/perf from the repo root):
#   bench/h2-frame-proxy.sh                 # REPS=3 SECS=15
#   QUICK=1 bench/h2-frame-proxy.sh         # REPS=1 SECS=5 smoke run
#
# The three servers stay up together, all pinned to SERVER_CPU; h2load (bench-keepalive.sh: h2 16
# connections x 16 streams, h1 64 connections) and the nginx backend on CLIENT_CPU. Gatehouse runs as
# the benchmark entry point `gatehouse serve --https ADDR --http off --cert-dir DIR --backend HOST:PORT
# --io-threads 1`. Runs are interleaved per repetition (rotated order) so drifts hit all three.
# Reported per cell: median (min-max) requests/s per fully busy server core, p50/p99, errors.
# Traffic goes to 127.0.0.1 only; every process started here is stopped by PID on exit; every wait
# and loop is bounded. The jar is built from this work tree on every run (mvn package; nothing
# installed) and removed after.
# Knobs: QUICK, REPS [3], SECS [15] (max 30), WARMUP [2], N certificates [100], PROTOS ["h2 h1"],
#        GH_JAVA_OPTS, OUTDIR [bench/results/<ts>-h2-frame-proxy], PERF [../shared/bench/perf],
#        BACKEND_PORT [18080; another port starts a private copy of the shared nginx backend there],
#        HAPROXY_PORT [18443], FRAMES_PORT [18448], STREAMS_PORT [18449], WORKDIR [/tmp/bench-gh/work].
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"
CMDLINE="$0 $*"
QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then REPS="${REPS:-1}"; SECS="${SECS:-5}"; WARMUP="${WARMUP:-1}"
else REPS="${REPS:-3}"; SECS="${SECS:-15}"; WARMUP="${WARMUP:-2}"; fi
export WARMUP
N="${N:-100}"
PROTOS="${PROTOS:-h2 h1}"
GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
TS="$(date -u +%Y%m%dT%H%M%SZ)"
OUTDIR="${OUTDIR:-$REPO_DIR/bench/results/$TS-h2-frame-proxy}"
mkdir -p "$OUTDIR" "$RUN_DIR"
RAW="$OUTDIR/raw.log"; DATA="$OUTDIR/data.tsv"; : > "$RAW"; : > "$DATA"
FRAMES_PORT="${FRAMES_PORT:-18448}"; STREAMS_PORT="${STREAMS_PORT:-18449}"
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT

ensure_tools
log "building the appliance jar (mvn -B -q -DskipTests package)"
(cd "$REPO_DIR" && mvn -B -q -DskipTests package </dev/null) >&2
RUN_JAR="$WORKDIR/gatehouse-h2-$TS.jar"
GH_JAR="$RUN_JAR"
gh_jar_prepare | tee -a "$RAW"
{
    echo "date_utc: $(date -u +%FT%TZ)"; echo "command: QUICK=$QUICK REPS=$REPS SECS=$SECS $CMDLINE"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
    echo "haproxy: $($HAPROXY_BIN -v | head -1)"; echo "java: $(java -version 2>&1 | sed -n 2p)"
    echo "h2load: $(h2load --version)"
    echo "gatehouse commit: $(git -C "$REPO_DIR" log -1 --format='%h %cI' 2>/dev/null || echo '?')"
    echo "placement: servers cpu $SERVER_CPU, clients+backend cpu $CLIENT_CPU; reps=$REPS secs=$SECS warmup=$WARMUP N=$N"
    echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUTDIR/meta.txt" >> "$RAW"

D=$(certs "$N" ecdsa)
if [ "$BACKEND_PORT" = 18080 ]; then
    backend_start
else
    # a private copy of the shared nginx backend on another port (another run may hold 18080)
    BK="$RUN_DIR/backend-$BACKEND_PORT"; mkdir -p "$BK/tmp"
    sed "s/127.0.0.1:18080/127.0.0.1:$BACKEND_PORT/" "$PERF/conf/backend-nginx.conf" > "$BK/nginx.conf"
    taskset -c "$BACKEND_CPU" "$NGINX_BIN" -p "$BK/" -e "$BK/backend-error.log" -c "$BK/nginx.conf"
    wait_port "$BACKEND_PORT" 10 >/dev/null
    BACKEND_PID=$(cat "$BK/backend-nginx.pid"); BACKEND_WORKERS=$(pgrep -P "$BACKEND_PID" | tr '\n' ' ')
    trap 'bench_cleanup; stop_pid "$BACKEND_PID" QUIT; rm -f "${RUN_JAR:-}"' EXIT
fi
hap_start "$D"
log "haproxy: $HAP_LINE"

start_node() { # start_node NAME PORT EXTRA_JAVA_OPTS -> sets PID_<NAME>
    local logf="$OUTDIR/$1.log"
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CPU" java $GH_JAVA_OPTS $3 -jar "$GH_JAR" serve --https "127.0.0.1:$2" --http off \
        --cert-dir "$D" --backend "127.0.0.1:$BACKEND_PORT" --io-threads 1 >"$logf" 2>&1 &
    local pid=$!
    GH_PIDS+=("$pid")
    wait_port "$2" 120 "$pid" >/dev/null || { tail -20 "$logf" >&2; exit 1; }
    eval "PID_$1=$pid"
    log "gatehouse $1 pid $pid on :$2"
}
start_node frames "$FRAMES_PORT" "-Dgatehouse.http2.frameProxy=true"
start_node streams "$STREAMS_PORT" "-Dgatehouse.http2.frameProxy=false"

NAME=$(head -1 "$D/domains.txt")
summary_of() { grep '^SUMMARY' | tail -1 | sed 's/^SUMMARY //'; }
ka() { # ka SERVER PORT PID PROTO REP
    local s
    log "$1 $4 rep $5 (${SECS}s)"
    s=$(SERVER_PIDS="$3" "$PERF/bench-keepalive.sh" "https://$NAME:$2/" "$SECS" "$4" 2>&1 | tee -a "$RAW" | summary_of)
    printf '%s\t%s\t%s\t%s\n' "$4" "$1" "$5" "$s" >> "$DATA"
}
for rep in $(seq 1 "$REPS"); do
    for proto in $PROTOS; do
        case $(( rep % 3 )) in
            1) order="frames streams haproxy" ;; 2) order="streams haproxy frames" ;; *) order="haproxy frames streams" ;;
        esac
        for srv in $order; do
            case $srv in
                frames) ka frames "$FRAMES_PORT" "$PID_frames" "$proto" "$rep" ;;
                streams) ka streams "$STREAMS_PORT" "$PID_streams" "$proto" "$rep" ;;
                haproxy) ka haproxy "$HAPROXY_PORT" "$HAP_PID" "$proto" "$rep" ;;
            esac
        done
    done
done

python3 - "$DATA" "$OUTDIR/report.md" "$(tr '\n' ';' < "$OUTDIR/meta.txt")" <<'PY'
import sys, statistics
data, out, meta = sys.argv[1:4]
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
names = {"frames": "Gatehouse, frame-level h2 (default)", "streams": "Gatehouse, child channel per stream (old)",
         "haproxy": "HAProxy"}
rows = ["| protocol | server | req/s per server core | req/s | p50 ms | p99 ms | failed | per core / HAProxy |",
        "|---|---|---|---|---|---|---|---|"]
for proto in sorted({p for p, _ in cells}, reverse=True):
    hap = med([k.get("per_core_rate") for k in cells.get((proto, "haproxy"), [])])[0]
    for srv in ("frames", "streams", "haproxy"):
        c = cells.get((proto, srv), [])
        pc = med([k.get("per_core_rate") for k in c])
        rows.append(f"| {proto} | {names[srv]} | {fmt(pc)} | {fmt(med([k.get('rps') for k in c]))} | "
                    f"{fmt(med([k.get('p50_ms') for k in c]), 2)} | {fmt(med([k.get('p99_ms') for k in c]), 2)} | "
                    f"{','.join(k.get('failed_errored_timeout', '?') for k in c)} | {pc[0] / hap:.2f}× |")
rep = ["## HTTP/2 keep-alive: frame-level proxy vs child channels vs HAProxy", "", *rows, "", "Machine: " + meta.replace(";", "; ")]
open(out, "w").write("\n".join(rep) + "\n")
print("\n".join(rep))
PY
log "results in $OUTDIR"
