#!/usr/bin/env bash
# exceptions-jfr.sh — which throwables a node creates under keep-alive load, and where (issue #13): one node
# with a JFR recording of every Throwable created (jdk.JavaExceptionThrow, jdk.JavaErrorThrow, stack traces
# on), h1 then h2 keep-alive load through the shared harness, then a table of the throwable classes, their
# counts per request and the threads that made them.
#
# Usage (from anywhere; the shared harness is ../shared/bench/perf from the repo root):
#   bench/exceptions-jfr.sh                       # SECS=15 per protocol, this tree's jar, no leak-detection property
#   NODE_ARGS=-Dio.netty.leakDetection.level=simple bench/exceptions-jfr.sh   # Netty's default level
#
# Traffic to 127.0.0.1 only; every process started here is stopped by PID on exit; every wait and loop is
# bounded. The jar is built from this work tree (mvn package; nothing installed) and removed after.
# Knobs: SECS [15] (max 30), KEEP_JFR [0: the recording and its JSON are removed once summarized], N certificates [100], NODE_ARGS (extra JVM options of the node),
#        GH_JAVA_OPTS, OUTDIR [bench/results/<ts>-exceptions-jfr], PERF [../shared/bench/perf],
#        BACKEND_PORT [18080], NODE_PORT [18452], WORKDIR [/tmp/bench-gh/work].
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"
CMDLINE="$0 $*"
bench_knobs
[ "$SECS" -le 30 ] || { echo "SECS: $SECS (expected: at most 30)" >&2; exit 2; }
N="${N:-100}"
GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
NODE_PORT="${NODE_PORT:-18452}"
bench_outdir exceptions-jfr
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT

ensure_tools
bench_jar exc -pl appliance -am
bench_meta "SECS=$SECS N=$N NODE_ARGS=${NODE_ARGS:-} $CMDLINE"

JFC="$OUTDIR/exceptions.jfc"
cat > "$JFC" <<'J'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.JavaExceptionThrow"><setting name="enabled">true</setting><setting name="stackTrace">true</setting><setting name="threshold">0 ms</setting></event>
  <event name="jdk.JavaErrorThrow"><setting name="enabled">true</setting><setting name="stackTrace">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
J
D=$(certs "$N" ecdsa)
NAME=$(head -1 "$D/domains.txt")
backend_start
# shellcheck disable=SC2086
gh_serve node "$NODE_PORT" ${NODE_ARGS:-} -XX:StartFlightRecording=filename="$OUTDIR/rec.jfr",settings="$JFC",dumponexit=true \
    -jar "$GH_JAR" serve --https "127.0.0.1:$NODE_PORT" --http off --cert-dir "$D" \
    --backend "127.0.0.1:$BACKEND_PORT" --io-threads 1
sleep 2
JFR_BIN="$(dirname "$(readlink -f "$(command -v java)")")/jfr"
for proto in h1 h2; do
    SERVER_PIDS="$PID_node" "$PERF/bench-keepalive.sh" "https://$NAME:$NODE_PORT/" "$SECS" "$proto" 2>&1 \
        | tee -a "$RAW" | grep '^SUMMARY' | tail -1 | sed "s/^/$proto /" | tee -a "$DATA"
done
gh_stop "$PID_node" # SIGTERM: the recording is written as the JVM exits (dumponexit)
"$JFR_BIN" print --json --events jdk.JavaExceptionThrow,jdk.JavaErrorThrow --stack-depth 12 "$OUTDIR/rec.jfr" \
    > "$OUTDIR/throws.json"
python3 - "$OUTDIR" <<'PY' | tee "$OUTDIR/summary.txt"
import json, sys, collections, re
out = sys.argv[1]
events = json.load(open(out + "/throws.json"))["recording"]["events"]
reqs = 0
for line in open(out + "/data.tsv"):
    rps, secs = re.search(r"\brps=([\d.]+)", line), re.search(r"\bsecs=([\d.]+)", line)
    if rps and secs:  # the measured requests (the harness's warm-up, if any, is not counted: an upper bound)
        reqs += int(float(rps.group(1)) * float(secs.group(1)))
by = collections.Counter()
for e in events:
    v = e["values"]
    cls = (v.get("thrownClass") or {}).get("name", "?")
    thread = (v.get("eventThread") or {}).get("javaName", "?")
    frames = (v.get("stackTrace") or {}).get("frames", [])
    site = "?"
    for f in frames:
        m = f["method"]
        name = m["type"]["name"] + "." + m["name"]
        if not name.startswith(("java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException",
                                "java.lang.Error", "java.io.IOException")) and not name.endswith(".<init>"):
            site = name
            break
    by[(cls, re.sub(r"-\d+$", "-N", thread), site)] += 1
total = sum(by.values())
print(f"throwables={total} requests={reqs or '?'}" + (f" per_request={total / reqs:.4f}" if reqs else ""))
for (cls, thread, site), n in by.most_common(25):
    print(f"{n:8d} {100 * n / max(total, 1):5.1f}%  {cls}  thread={thread}  at={site}")
PY
[ "${KEEP_JFR:-0}" = 1 ] || rm -f "$OUTDIR/rec.jfr" "$OUTDIR/throws.json"
log "results in $OUTDIR"
