#!/usr/bin/env bash
# cold-start-jfr.sh — where a node right after start spends its CPU on random-SNI handshakes, against the same
# node warm (issue #13): one node with N certificates on SERVER_CPU, a JFR profile (settings=profile) of one
# SECS run right after it accepts, then one handshake per name (priming) and one unrecorded run, then a profile
# of one more run. Prints handshakes/s and the JFR samples per 1,000 handshakes, Java (jdk.ExecutionSample) and
# native (jdk.NativeMethodSample), cold and warm, and the hottest Java methods of the cold run.
#
# Usage: bench/cold-start-jfr.sh        # N=20000, SECS=8, the node's start-up warm-up off (WARMUP_HANDSHAKES=0)
#        WARMUP_HANDSHAKES=10000 bench/cold-start-jfr.sh   # the product default: what is left cold after it
#
# Traffic to 127.0.0.1 only; every process started here is stopped by PID on exit; every run is bounded in time.
# The jar is built from this work tree (mvn package; nothing installed) and removed after.
# Knobs: N [20000], SECS [8] (max 30), WARMUP_HANDSHAKES [0], GH_JAVA_OPTS [-Xms512m -Xmx512m -XX:+UseParallelGC],
#        OUTDIR [bench/results/<ts>-cold-start-jfr], NODE_PORT [18453], WORKDIR [/tmp/bench-gh/work].
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"
CMDLINE="$0 $*"
SECS="${SECS:-8}"
bench_knobs
[ "$SECS" -le 30 ] || { echo "SECS: $SECS (expected: at most 30)" >&2; exit 2; }
N="${N:-20000}"
WARMUP_HANDSHAKES="${WARMUP_HANDSHAKES:-0}"
GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
NODE_PORT="${NODE_PORT:-18453}"
bench_outdir cold-start-jfr
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT

ensure_tools
bench_jar cold -pl appliance -am
bench_meta "N=$N SECS=$SECS WARMUP_HANDSHAKES=$WARMUP_HANDSHAKES $CMDLINE"
D=$(certs "$N" ecdsa)
backend_start
gh_serve node "$NODE_PORT" "-Dgatehouse.warmup.handshakes=$WARMUP_HANDSHAKES" -jar "$GH_JAR" serve \
    --https "127.0.0.1:$NODE_PORT" --http off --cert-dir "$D" --max-contexts $((N + 1000)) \
    --backend "127.0.0.1:$BACKEND_PORT"
JCMD="$(dirname "$(readlink -f "$(command -v java)")")/jcmd"
JFR_BIN="$(dirname "$(readlink -f "$(command -v java)")")/jfr"

# run LABEL: one random-SNI run of full handshakes, its RESULT line to $DATA as "LABEL RESULT..."
run() {
    taskset -c "$CLIENT_CPU" timeout $((SECS + 20)) "$BUILD_DIR/hsbench" -t "127.0.0.1:$NODE_PORT" -f "$D/domains.txt" \
        -d "$SECS" -c 32 -w 0 -q 2>&1 | tee -a "$RAW" | grep '^RESULT' | tail -1 | sed "s/^/$1 /" | tee -a "$DATA"
}
"$JCMD" "$PID_node" JFR.start name=cold settings=profile >> "$RAW"
run cold
"$JCMD" "$PID_node" JFR.stop name=cold filename="$OUTDIR/cold.jfr" >> "$RAW"
log "priming: one handshake per name"
taskset -c "$CLIENT_CPU" timeout 600 "$BUILD_DIR/hsbench" -t "127.0.0.1:$NODE_PORT" -f "$D/domains.txt" -P -c 32 -q \
    >> "$RAW" 2>&1
run settle
"$JCMD" "$PID_node" JFR.start name=warm settings=profile >> "$RAW"
run warm
"$JCMD" "$PID_node" JFR.stop name=warm filename="$OUTDIR/warm.jfr" >> "$RAW"
grep -h "event=warmup" "$OUTDIR/node.log" | tee -a "$RAW" || true
for phase in cold warm; do
    "$JFR_BIN" summary "$OUTDIR/$phase.jfr" | awk -v p="$phase" '$1 == "jdk.ExecutionSample" || $1 == "jdk.NativeMethodSample" {print p, $1, $2}'
done > "$OUTDIR/samples.txt"
"$JFR_BIN" print --events jdk.ExecutionSample --stack-depth 1 "$OUTDIR/cold.jfr" \
    | grep -A1 'stackTrace = \[' | grep -v -e 'stackTrace' -e '^--' | sed 's/line:.*//; s/^ *//' \
    | sort | uniq -c | sort -rn | awk 'NR <= 15' > "$OUTDIR/cold-top-methods.txt"
python3 - "$OUTDIR" <<'PY' | tee "$OUTDIR/summary.txt"
import re, sys
out = sys.argv[1]
done = {}
for line in open(out + "/data.tsv"):
    label = line.split()[0]
    m, r = re.search(r"\bcompleted=(\d+)", line), re.search(r"\brate=([\d.]+)", line)
    done[label] = (int(m.group(1)) if m else 0, float(r.group(1)) if r else 0.0)
samples = {}
for line in open(out + "/samples.txt"):
    phase, event, n = line.split()
    samples[(phase, event)] = int(n)
for phase in ("cold", "warm"):
    n, rate = done.get(phase, (0, 0.0))
    java, native = samples.get((phase, "jdk.ExecutionSample"), 0), samples.get((phase, "jdk.NativeMethodSample"), 0)
    per = (lambda s: f"{1000 * s / n:.1f}") if n else (lambda s: "?")
    print(f"{phase}: handshakes/s={rate:.0f} completed={n} java_samples={java} ({per(java)} per 1,000 handshakes)"
          f" native_samples={native} ({per(native)} per 1,000)")
print("hottest Java frames of the cold run (samples, method):")
print(open(out + "/cold-top-methods.txt").read().rstrip())
PY
[ "${KEEP_JFR:-0}" = 1 ] || rm -f "$OUTDIR/cold.jfr" "$OUTDIR/warm.jfr"
log "results in $OUTDIR"
