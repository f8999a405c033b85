#!/usr/bin/env bash
# it-node-jvm.sh — CPU seconds of the short-lived processes the ITs start from the packaged jar, with the
# JVM's defaults and with appliance/pom.xml's it.node.jvm options, side by side (docs/benchmarks.md,
# "CI suite: JVM options of the processes the ITs start").
#
# Usage: bench/it-node-jvm.sh            (about 2 minutes with N=5)
#   (a) node: a fresh node (empty data directory, as in the ITs) from exec to "event=node_ready", then
#       SIGTERM and its orderly stop; user+sys of the whole process (/usr/bin/time), and at ready (/proc)
#   (b) cli:  one "gatehouse status" against a running node (started once, with the defaults, not measured)
# The two variants alternate within each repetition, so drifts of a shared machine hit both.
# Knobs: N [5] repetitions, BASE_OPTS [-Xmx256m: NodeProcess's heap, in both variants],
#        NODE_JVM [it.node.jvm from appliance/pom.xml], OUTDIR [bench/results/<ts>-it-node-jvm], WORKDIR, PERF.
# The jar is built when missing (mvn -B -q -pl appliance -am package -DskipTests -Dskip.fuzz=true) and
# copied for this run only. Every node listens on 127.0.0.1 only and is stopped by PID at the end.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"
N="${N:-5}"
BASE_OPTS="${BASE_OPTS:--Xmx256m}"
NODE_JVM="${NODE_JVM:-$(sed -n 's:.*<it.node.jvm>\(.*\)</it.node.jvm>.*:\1:p' "$REPO_DIR/appliance/pom.xml")}"
[ -n "$NODE_JVM" ] || { echo "no <it.node.jvm> in appliance/pom.xml; set NODE_JVM" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }

bench_outdir it-node-jvm
if [ ! -f "$GH_SRC_JAR" ]; then
    log "no $GH_SRC_JAR: building it"
    (cd "$REPO_DIR" && mvn -B -q -pl appliance -am package -DskipTests -Dskip.fuzz=true </dev/null) >&2
fi
GH_JAR="$WORKDIR/gatehouse-itjvm-$TS.jar"
SCRATCH="$WORKDIR/itjvm-$TS"
trap 'bench_cleanup; rm -rf "$GH_JAR" "$SCRATCH"' EXIT
trap 'exit 130' INT TERM
gh_jar_prepare | tee -a "$RAW"
mkdir -p "$SCRATCH"

VARIANT_NAMES=(defaults it.node.jvm)
VARIANT_OPTS=("$BASE_OPTS" "$BASE_OPTS $NODE_JVM")

# node_config DIR -> a gatehouse.yaml in DIR: ephemeral loopback ports, no metrics (as the ITs' single nodes)
node_config() {
    mkdir -p "$1"
    printf '%s\n' "node: {name: '$(basename "$1")', dataDir: '$1/data'}" \
        "listeners: {https: '127.0.0.1:0', http: 'off'}" "console: {listen: '127.0.0.1:0'}" \
        "metrics: {enabled: false}" > "$1/gatehouse.yaml"
    echo "$1/gatehouse.yaml"
}

# node_start DIR OPTS: starts java OPTS -jar ... serve under /usr/bin/time (DIR/time), waits (120 s at most)
# for node_ready; sets NODE_TIME_PID, NODE_PID (the JVM), NODE_CONSOLE and NODE_READY_CPU (CPU s at ready).
node_start() {
    local dir="$1" opts="$2" cfg i
    cfg=$(node_config "$dir")
    # shellcheck disable=SC2086 # OPTS is a list of options
    /usr/bin/time -f '%U %S %e' -o "$dir/time" java $opts -jar "$GH_JAR" serve --config "$cfg" >"$dir/node.log" 2>&1 &
    NODE_TIME_PID=$!
    NODE_PID=""
    for i in $(seq 1 1200); do
        if [ -z "$NODE_PID" ]; then
            NODE_PID=$(pgrep -P "$NODE_TIME_PID" || true)
            [ -z "$NODE_PID" ] || GH_PIDS+=("$NODE_PID") # stopped by bench_cleanup if we exit early
        fi
        grep -q 'event=node_ready' "$dir/node.log" && break
        kill -0 "$NODE_TIME_PID" 2>/dev/null || { tail -20 "$dir/node.log" >&2; exit 1; }
        sleep 0.1
    done
    grep -q 'event=node_ready' "$dir/node.log" || { log "node not ready after 120 s"; tail -20 "$dir/node.log" >&2; exit 1; }
    NODE_READY_CPU=$(echo "scale=2; $(cpu_ticks "$NODE_PID") / $(getconf CLK_TCK)" | bc)
    NODE_CONSOLE=$(sed -n 's/.*event=node_ready .* console=\([0-9]*\).*/\1/p' "$dir/node.log" | head -1)
}

# node_stop: SIGTERM to the JVM (KILL after 10 s), then its user+sys from /usr/bin/time -> NODE_CPU, NODE_WALL
node_stop() {
    local u s e
    gh_stop "$NODE_PID"
    wait "$NODE_TIME_PID" 2>/dev/null || true
    read -r u s e < <(tail -1 "$1/time")
    NODE_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
    NODE_WALL=$e
}

log "N=$N defaults=[$BASE_OPTS] it.node.jvm=[$BASE_OPTS $NODE_JVM]"
{
    echo "date_utc: $(date -u +%FT%TZ) loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "command: bench/it-node-jvm.sh (N=$N)"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
    echo "java: $(java -version 2>&1 | sed -n 2p)"
    echo "gatehouse commit: $(git -C "$REPO_DIR" log -1 --format='%h %cI' 2>/dev/null || echo '?')"
    echo "variants: defaults=[$BASE_OPTS] it.node.jvm=[$BASE_OPTS $NODE_JVM]"
} | tee "$OUTDIR/meta.txt" >> "$RAW"

# (a) node start to ready and stop
for rep in $(seq 1 "$N"); do
    for v in 0 1; do
        d="$SCRATCH/node-${VARIANT_NAMES[$v]}-$rep"
        node_start "$d" "${VARIANT_OPTS[$v]}"
        node_stop "$d"
        printf 'node\t%s\t%s\t%s\t%s\t%s\n' "${VARIANT_NAMES[$v]}" "$rep" "$NODE_CPU" "$NODE_READY_CPU" "$NODE_WALL" >> "$DATA"
        log "node ${VARIANT_NAMES[$v]} rep $rep: cpu_s=$NODE_CPU cpu_s_at_ready=$NODE_READY_CPU wall_s=$NODE_WALL"
    done
done

# (b) one CLI run against a node
d="$SCRATCH/cli-node"
node_start "$d" "$BASE_OPTS"
for rep in $(seq 1 "$N"); do
    for v in 0 1; do
        t="$SCRATCH/cli-${VARIANT_NAMES[$v]}-$rep.time"
        # shellcheck disable=SC2086
        /usr/bin/time -f '%U %S %e' -o "$t" java ${VARIANT_OPTS[$v]} -jar "$GH_JAR" status \
            --console "https://127.0.0.1:$NODE_CONSOLE" --cacert "$d/data/console/console.crt" \
            --token-file "$d/data/admin.token" </dev/null >>"$RAW" 2>&1 || { log "cli run failed"; exit 1; }
        read -r u s e < <(tail -1 "$t")
        c=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
        printf 'cli\t%s\t%s\t%s\t\t%s\n' "${VARIANT_NAMES[$v]}" "$rep" "$c" "$e" >> "$DATA"
        log "cli ${VARIANT_NAMES[$v]} rep $rep: cpu_s=$c wall_s=$e"
    done
done
node_stop "$d"

# side by side: each repetition, then the median (KEY, COL: the rows of $DATA and the column to show)
row() { awk -F'\t' -v k="$KEY" -v v="$1" -v c="$COL" '$1==k && $2==v {printf "%s%s", s, $c; s=", "}' "$DATA"; }
med() {
    awk -F'\t' -v k="$KEY" -v v="$1" -v c="$COL" '$1==k && $2==v {print $c}' "$DATA" | sort -n \
        | awk '{a[NR]=$1} END {printf "%.2f", NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}
{
echo "| process | CPU s, defaults | CPU s, it.node.jvm | median defaults → it.node.jvm |"
echo "|---|---|---|---|"
for what in "node:node start → ready → stop" "node-ready:node start → ready" "cli:CLI run (status)"; do
    KEY="${what%%:*}"; COL=4
    if [ "$KEY" = node-ready ]; then KEY=node; COL=5; fi
    echo "| ${what#*:} | $(row defaults) | $(row it.node.jvm) | $(med defaults) → $(med it.node.jvm) |"
done
echo
echo "defaults: \`$BASE_OPTS\`; it.node.jvm: \`$BASE_OPTS $NODE_JVM\`; N=$N; loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUTDIR/report.md" | tee -a "$RAW"
log "results in $OUTDIR"
