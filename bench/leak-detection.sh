#!/usr/bin/env bash
# leak-detection.sh — keep-alive h1 and h2 through Gatehouse with Netty's leak detector at Netty's default
# level (SIMPLE: a stack trace per sampled buffer, at allocation and at release) and off (Gatehouse's
# default since LeakDetection), with HAProxy alongside, in one run (issue #13).
#
# Usage (from anywhere; the shared harness is ../shared/bench/perf from the repo root):
#   bench/leak-detection.sh                          # REPS=3 SECS=15
#   QUICK=1 bench/leak-detection.sh                  # REPS=1 SECS=5 smoke run
#   BASE_JAR=/tmp/main.jar bench/leak-detection.sh   # "before" = that jar as it is (e.g. one built from main)
#
# "before" runs this tree's jar with -Dio.netty.leakDetection.level=simple (what every node ran before),
# or BASE_JAR with no property; "after" runs this tree's jar with no property. The three servers stay up
# together, pinned to SERVER_CPU, as the benchmark entry point `gatehouse serve --https ADDR --http off
# --cert-dir DIR --backend HOST:PORT --io-threads 1`; h2load (bench-keepalive.sh: h1 64 connections, h2 16
# connections x 16 streams) and the nginx backend on CLIENT_CPU; one unmeasured run per node and protocol,
# then the runs interleaved, order rotated per repetition. Reported per cell: median (min-max) requests/s
# per fully busy server core, p50/p99, errors, and per run the CPU other processes took (% of both cores;
# bench-lib.sh noise_begin/noise_end).
# Traffic to 127.0.0.1 only; every process started here is stopped by PID on exit; every wait and loop is
# bounded. The jar is built from this work tree on every run (mvn package; nothing installed) and removed
# after.
# Knobs: QUICK, REPS [3], SECS [15] (max 30), WARMUP [2], N certificates [100], PROTOS ["h1 h2"], BASE_JAR,
#        GH_JAVA_OPTS, OUTDIR [bench/results/<ts>-leak-detection], PERF [../shared/bench/perf],
#        BACKEND_PORT [18080], BEFORE_PORT [18450], AFTER_PORT [18451], HAPROXY_PORT [18443],
#        WORKDIR [/tmp/bench-gh/work].
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"
CMDLINE="$0 $*"
bench_knobs
N="${N:-100}"
PROTOS="${PROTOS:-h1 h2}"
GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
BEFORE_PORT="${BEFORE_PORT:-18450}"; AFTER_PORT="${AFTER_PORT:-18451}"
bench_outdir leak-detection
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT

ensure_tools
bench_jar leak -pl appliance -am
BEFORE="this tree's jar, -Dio.netty.leakDetection.level=simple"
[ -n "${BASE_JAR:-}" ] && BEFORE="BASE_JAR $BASE_JAR sha256=$(sha256sum "$BASE_JAR" | cut -c1-16), no property"
bench_meta "QUICK=$QUICK REPS=$REPS SECS=$SECS BASE_JAR=${BASE_JAR:-} $CMDLINE" "before: $BEFORE" \
    "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"

D=$(certs "$N" ecdsa)
backend_start
hap_start "$D"
log "haproxy: $HAP_LINE"

gh_node() { # gh_node NAME PORT JAR [JAVA_ARGS...]: the benchmark entry point
    local name="$1" port="$2" jar="$3"
    shift 3
    gh_serve "$name" "$port" "$@" -jar "$jar" serve --https "127.0.0.1:$port" --http off \
        --cert-dir "$D" --backend "127.0.0.1:$BACKEND_PORT" --io-threads 1
}
if [ -n "${BASE_JAR:-}" ]; then
    gh_node before "$BEFORE_PORT" "$BASE_JAR"
else
    gh_node before "$BEFORE_PORT" "$GH_JAR" -Dio.netty.leakDetection.level=simple
fi
gh_node after "$AFTER_PORT" "$GH_JAR"
PORT_haproxy="$HAPROXY_PORT"; PID_haproxy="$HAP_PID"

NAME=$(head -1 "$D/domains.txt")
# ka_interleaved's runs, each with the CPU other processes took meanwhile appended to its DATA row
ka_run_noise() {
    local pid n
    eval "pid=\$PID_$1"
    noise_begin "$pid"
    ka_run "$@"
    n=$(noise_end "$pid")
    sed -i '$ s/$/ '"$n"'/' "$DATA"
}
for proto in $PROTOS; do # one unmeasured run per node and protocol first: both JITs warm before rep 1
    for srv in before after; do
        eval "port=\$PORT_$srv"
        "$PERF/bench-keepalive.sh" "https://$NAME:$port/" "$SECS" "$proto" >> "$RAW" 2>&1 || true
    done
done
for rep in $(seq 1 "$REPS"); do
    for proto in $PROTOS; do
        order=(before after haproxy)
        for i in 0 1 2; do ka_run_noise "${order[$(( (i + rep - 1) % 3 ))]}" "$proto" "$rep"; done
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
names = {"before": "Gatehouse, leak detector SIMPLE (before)", "after": "Gatehouse, leak detector off (after)",
         "haproxy": "HAProxy"}
rows = ["| protocol | server | req/s per server core | req/s | p50 ms | p99 ms | failed | per core / HAProxy "
        "| foreign CPU % per run |", "|---|---|---|---|---|---|---|---|---|"]
for proto in sorted({p for p, _ in cells}):
    hap = med([k.get("per_core_rate") for k in cells.get((proto, "haproxy"), [])])[0]
    for srv in ("before", "after", "haproxy"):
        c = cells.get((proto, srv), [])
        pc = med([k.get("per_core_rate") for k in c])
        rows.append(f"| {proto} | {names[srv]} | {fmt(pc)} | {fmt(med([k.get('rps') for k in c]))} | "
                    f"{fmt(med([k.get('p50_ms') for k in c]), 2)} | {fmt(med([k.get('p99_ms') for k in c]), 2)} | "
                    f"{','.join(k.get('failed_errored_timeout', '?') for k in c)} | {pc[0] / hap:.2f}× | "
                    f"{','.join(k.get('foreign_cpu_pct', '?') for k in c)} |")
rep = ["## Keep-alive with Netty's leak detector at SIMPLE (before) and off (after)", "", *rows, "",
       "Machine: " + meta.replace(";", "; ")]
open(out, "w").write("\n".join(rep) + "\n")
print("\n".join(rep))
PY
log "results in $OUTDIR"
