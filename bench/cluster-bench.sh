#!/usr/bin/env bash
# Cluster figures (issue 4), not a test gate:
#   propagation: N certificates preloaded on 3 nodes; U uploads on node 1; time from the acknowledged
#                upload to the first successful handshake for it on node 2 (p50/p90/p99/max)
#   join:        a fresh node joins a cluster holding M certificates; exec → ready, and its RSS
# Usage: bench/cluster-bench.sh [PRELOAD=10000] [UPLOADS=1000] [JOIN=100000] [JOIN_CERT_DIR]
#   JOIN_CERT_DIR: a ../shared/bench/perf/gen-certs.sh directory to join with (its size replaces JOIN);
#   without it JOIN certificates are generated (slower).
#   UPLOADS=0 skips the propagation figures (join only); JOIN=0 skips the join.
# Env: WORK (scratch dir, default /tmp/gatehouse-cluster-bench), NODE_HEAP (default 1g),
#   JOIN_JVM (extra JVM options for the joining node only),
#   JOIN_JFR (a path: the joiner runs a JFR recording, dumped there when it is ready),
#   JOIN_HISTOGRAM (a path: the joiner's live-heap class histogram, taken after every RSS and CPU reading),
#   JOIN_SETTLE (seconds the joiner is left idle after ready before its RSS is read again; default 10),
#   JOIN_NMT (a path: the joiner runs with native memory tracking; its summary at ready is written there,
#     and again after the settle to PATH.settled),
#   HTTPS_LOAD (threads of JDK TLS clients making full handshakes on nodes 1 and 2 for random preloaded
#   names while the uploads are measured; default 0: no load)
# The joiner's CPU seconds (from /proc) are reported beside its wall time: on a shared machine they are
# the steadier figure. The whole output (node logs, errors) is kept in $WORK/bench.log.
# Every node runs on 127.0.0.1 only; every process is stopped at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
PRELOAD="${1:-10000}"
UPLOADS="${2:-1000}"
JOIN="${3:-100000}"
JOIN_DIR="${4:-}"
WORK="${WORK:-/tmp/gatehouse-cluster-bench}"
rm -rf "$WORK"; mkdir -p "$WORK" "$here/bench/results"
cd "$here"
# built from this work tree on every run (a jar left by an earlier build would measure old code), the
# sibling modules from the reactor: nothing is installed, nothing is read offline (fresh clones work)
mvn -B -q -DskipTests package </dev/null
mvn -B -q -pl appliance -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$WORK/classpath.txt" </dev/null
cp="$(cat "$WORK/classpath.txt")"
out="$here/bench/results/cluster-$(date -u +%Y%m%dT%H%M%SZ).txt"
cmd=(java -Xmx2g -Dgatehouse.jar="$here/appliance/target/gatehouse.jar" -Dgatehouse.node.heap="${NODE_HEAP:-1g}"
     -Dgatehouse.join.jvm="${JOIN_JVM:-}" -Dgatehouse.join.jfr="${JOIN_JFR:-}" -Dgatehouse.join.histogram="${JOIN_HISTOGRAM:-}" -Dgatehouse.join.nmt="${JOIN_NMT:-}" -Dgatehouse.join.settle="${JOIN_SETTLE:-10}"
     -Dgatehouse.bench.load="${HTTPS_LOAD:-0}"
     -cp "appliance/target/test-classes:appliance/target/classes:$cp" dev.gatehouse.appliance.bench.ClusterBench
     "$WORK" "$PRELOAD" "$UPLOADS" "$JOIN" ${JOIN_DIR:+"$JOIN_DIR"})
{
  echo "# $(date -u +%FT%TZ) bench/cluster-bench.sh $PRELOAD $UPLOADS $JOIN $JOIN_DIR on $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
  rc=0
  "${cmd[@]}" >"$WORK/bench.log" 2>&1 || rc=$?
  grep -E "^(RESULT|INFO)" "$WORK/bench.log" || true
  if [ "$rc" -ne 0 ]; then
    echo "FAILED: exit $rc; the first error lines of $WORK/bench.log:"
    grep -m 5 -E "Exception|Error|not ready" "$WORK/bench.log" | cut -c1-400 || true
  fi
  echo "# done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
echo "results in $out"
