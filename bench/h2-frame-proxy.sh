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
bench_knobs
N="${N:-100}"
PROTOS="${PROTOS:-h2 h1}"
GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
bench_outdir h2-frame-proxy
FRAMES_PORT="${FRAMES_PORT:-18448}"; STREAMS_PORT="${STREAMS_PORT:-18449}"
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT

ensure_tools
bench_jar h2
bench_meta "QUICK=$QUICK REPS=$REPS SECS=$SECS $CMDLINE" "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"

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

gh_frames() { # gh_frames NAME PORT FRAME_PROXY: the benchmark entry point with the HTTP/2 path chosen
    gh_serve "$1" "$2" "-Dgatehouse.http2.frameProxy=$3" -jar "$GH_JAR" serve --https "127.0.0.1:$2" --http off \
        --cert-dir "$D" --backend "127.0.0.1:$BACKEND_PORT" --io-threads 1
}
gh_frames frames "$FRAMES_PORT" true
gh_frames streams "$STREAMS_PORT" false
PORT_haproxy="$HAPROXY_PORT"; PID_haproxy="$HAP_PID"

NAME=$(head -1 "$D/domains.txt")
ka_interleaved "$PROTOS" "frames streams haproxy"

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
