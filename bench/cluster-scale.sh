#!/usr/bin/env bash
# cluster-scale.sh — Gatehouse with N certificates (1,000,000 in the documented run; issues 13 and 15), figures only:
#   1. one node, `gatehouse serve --cert-dir DIR` (the benchmark entry point): exec → port accepting, CPU seconds
#      and RSS at ready, RSS after SETTLE s;
#   2. a 3-node cluster (ClusterScaleBench): node 1 from a snapshot seeded with the same certificates, nodes 2 and 3
#      joining one after the other: ready time, CPU and RSS at ready, the certificates each status reports, RSS
#      after SETTLE s, CPU over an idle window of IDLE s (anti-entropy passes every 30 s included), then UPLOADS
#      uploads on node 1 and the time until node 2 serves each. The nodes' own logs are kept beside the results.
# Usage: bench/cluster-scale.sh [N=1000000] [UPLOADS=200]
#   Certificates: ../shared/bench/perf/gen-certs.sh N $WORKDIR/certs-ecdsa-N (made once, ~6 min and ~4 GB for 1M).
# Env: NODE_HEAP (each node's -Xmx; default 6g), BENCH_HEAP (the seeding JVM's; default 6g), SETTLE [30], IDLE [65],
#   READY_TIMEOUT [1800 s per node], WORKDIR [/tmp/bench-gh/work], WORK [/tmp/gatehouse-cluster-scale],
#   SINGLE=0 skips step 1, CLUSTER=0 skips step 2.
# Memory: at 1,000,000 three nodes with NODE_HEAP=6g and the seeding JVM need up to ~24 GB; the script refuses to
# start the cluster step with less than 3 x NODE_HEAP + 2 GB available.
# Everything runs on 127.0.0.1; every process started here is stopped by PID (the EXIT trap); every wait is bounded.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/bench-lib.sh"
N="${1:-1000000}"
UPLOADS="${2:-200}"
NODE_HEAP="${NODE_HEAP:-6g}"
BENCH_HEAP="${BENCH_HEAP:-6g}"
SETTLE="${SETTLE:-30}"
IDLE="${IDLE:-65}"
WORK="${WORK:-/tmp/gatehouse-cluster-scale}"
SERVER_CPU="${SERVER_CPU:-0-$(( $(nproc) - 1 ))}"   # unpinned: this is about time and memory, not per-core rates
trap 'bench_cleanup' EXIT
trap 'exit 130' INT TERM

out="$REPO_DIR/bench/results/cluster-scale-$(date -u +%Y%m%dT%H%M%SZ).txt"
mkdir -p "$REPO_DIR/bench/results"
exec > >(tee "$out") 2>&1
echo "# $(date -u +%FT%TZ) bench/cluster-scale.sh $N $UPLOADS on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB;" \
     "NODE_HEAP=$NODE_HEAP; commit $(git -C "$REPO_DIR" rev-parse --short HEAD); load: $(cut -d' ' -f1-3 /proc/loadavg)"

dir=$(certs "$N" ecdsa)
# built from this work tree (nothing installed, nothing read offline: fresh clones work)
(cd "$REPO_DIR" && mvn -B -q -DskipTests package </dev/null)
(cd "$REPO_DIR" && mvn -B -q -pl appliance -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$WORKDIR/scale-classpath.txt" </dev/null)
RUN_JAR="$WORKDIR/gatehouse-scale-$$.jar"
cp "$REPO_DIR/appliance/target/gatehouse.jar" "$RUN_JAR"
GH_JAR="$RUN_JAR"
trap 'bench_cleanup; rm -f "$RUN_JAR"' EXIT

if [ "${SINGLE:-1}" = 1 ]; then
    log "single node: serve --cert-dir $dir (-Xmx$NODE_HEAP)"
    GH_JAVA_OPTS="-Xmx$NODE_HEAP" GH_READY_TIMEOUT="${READY_TIMEOUT:-1800}" \
        gh_start "$dir" "$GH_PORT" "$WORKDIR/scale-single.log"
    echo "RESULT single certificates=$N $GH_LINE"
    sleep "$SETTLE"
    echo "RESULT single rss_kb_after_${SETTLE}s=$(rss_kb "$GH_PID")"
    gh_stop "$GH_PID"
fi

if [ "${CLUSTER:-1}" = 1 ]; then
    need_kb=$(( ( $(numfmt --from=iec "${NODE_HEAP^^}") * 3 + 2 * 1024 * 1024 * 1024 ) / 1024 ))
    avail_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
    if [ "$avail_kb" -lt "$need_kb" ]; then
        echo "FAILED: ${avail_kb} kB available, the cluster step needs ${need_kb} kB (3 x NODE_HEAP + 2 GB)"; exit 1
    fi
    cd "$REPO_DIR"
    rc=0
    timeout 7200 java "-Xmx$BENCH_HEAP" -Dgatehouse.jar="$RUN_JAR" -Dgatehouse.node.heap="$NODE_HEAP" \
        -Dgatehouse.scale.ready="${READY_TIMEOUT:-1800}" -Dgatehouse.scale.settle="$SETTLE" -Dgatehouse.scale.idle="$IDLE" \
        -cp "appliance/target/test-classes:appliance/target/classes:$(cat "$WORKDIR/scale-classpath.txt")" \
        dev.gatehouse.appliance.bench.ClusterScaleBench "$WORK" "$dir" "$UPLOADS" >"$WORKDIR/scale-cluster.log" 2>&1 || rc=$?
    grep -E "^(RESULT|INFO)" "$WORKDIR/scale-cluster.log" || true
    if [ "$rc" -ne 0 ]; then
        echo "FAILED: exit $rc; the first error lines of $WORKDIR/scale-cluster.log:"
        grep -m 8 -E "Exception|Error|not ready|OutOfMemory" "$WORKDIR/scale-cluster.log" | cut -c1-400 || true
    fi
    for f in "$WORK"/node*.log; do [ -f "$f" ] && cp "$f" "${out%.txt}-$(basename "$f")"; done
    rm -rf "$WORK"
fi
echo "# done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results in $out"
