#!/usr/bin/env bash
# jvm-flags.sh — which JVM flags to give Gatehouse in bench/edge-vs-haproxy.sh.
#
# Usage: bench/jvm-flags.sh            (about 6 minutes)
# Starts one Gatehouse per flag set at the same time (ports 18446..), all pinned
# to CPU 0 with --io-threads 1 and N ECDSA certificates, primes every context
# (one handshake per name), runs one unmeasured JIT warm-up run each, then REPS
# interleaved rounds of: full handshakes (random SNI over the N names) and
# keep-alive h1. Reports per-core rates and RSS for each flag set.
# Knobs: N [1000], SECS [10], REPS [2], VARIANTS (';'-separated flag sets),
#        OUTDIR [$WORKDIR/results/<ts>-jvmflags], WORKDIR, PERF, GH_JAR.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"
N="${N:-1000}"; SECS="${SECS:-10}"; REPS="${REPS:-2}"; export WARMUP="${WARMUP:-2}"
VARIANTS="${VARIANTS:--Xms512m -Xmx512m -XX:+UseParallelGC;-Xms512m -Xmx512m -XX:+UseSerialGC;-Xms512m -Xmx512m -XX:+UseG1GC;(JVM defaults)}"
OUTDIR="${OUTDIR:-$WORKDIR/results/$(date -u +%Y%m%dT%H%M%SZ)-jvmflags}"
mkdir -p "$OUTDIR"
RAW="$OUTDIR/raw.log"
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
ensure_tools
gh_jar_prepare | tee -a "$RAW"
echo "date_utc: $(date -u +%FT%TZ) loadavg: $(cut -d' ' -f1-3 /proc/loadavg) N=$N SECS=$SECS REPS=$REPS" | tee -a "$RAW"
backend_start
D=$(certs "$N" ecdsa)

IFS=';' read -r -a VS <<<"$VARIANTS"
PIDS=(); PORTS=()
for i in "${!VS[@]}"; do
    port=$((18446 + i))
    opts="${VS[$i]}"; [ "$opts" = "(JVM defaults)" ] && opts=""
    GH_JAVA_OPTS="$opts" gh_start "$D" "$port" "$OUTDIR/gatehouse-$i.log"
    echo "variant $i [${VS[$i]}] $GH_LINE" | tee -a "$RAW"
    PIDS+=("$GH_PID"); PORTS+=("$port")
    timeout 600 taskset -c "$CLIENT_CPU" "$BUILD_DIR/hsbench" -t "127.0.0.1:$port" -f "$D/domains.txt" \
        -P -d 1 -w 0 -c 32 -q >> "$RAW" 2>&1 || echo "variant $i priming failed" | tee -a "$RAW"
    SERVER_PIDS="$GH_PID" "$PERF/bench-handshakes.sh" "127.0.0.1:$port" "$D/domains.txt" "$SECS" 32 full >> "$RAW" 2>&1
done
TSV="$OUTDIR/data.tsv"; : > "$TSV"
for r in $(seq 1 "$REPS"); do
    for i in "${!VS[@]}"; do
        s=$(SERVER_PIDS="${PIDS[$i]}" "$PERF/bench-handshakes.sh" "127.0.0.1:${PORTS[$i]}" "$D/domains.txt" "$SECS" 32 full 2>&1 | tee -a "$RAW" | grep '^SUMMARY')
        printf '%s\tfull\t%s\n' "$i" "$(sed -n 's/.* per_core_rate=\([0-9]*\).*/\1/p' <<<"$s")" >> "$TSV"
        s=$(SERVER_PIDS="${PIDS[$i]}" "$PERF/bench-keepalive.sh" "https://t000001.tenant.test:${PORTS[$i]}/" "$SECS" h1 2>&1 | tee -a "$RAW" | grep '^SUMMARY')
        printf '%s\tka-h1\t%s\n' "$i" "$(sed -n 's/.* per_core_rate=\([0-9]*\).*/\1/p' <<<"$s")" >> "$TSV"
    done
done
{
echo "| JVM flags | full hs/s per core | keep-alive h1 req/s per core | RSS at end MB |"
echo "|---|---|---|---|"
for i in "${!VS[@]}"; do
    f=$(awk -F'\t' -v i="$i" '$1==i && $2=="full" {printf "%s%s", s, $3; s=", "}' "$TSV")
    k=$(awk -F'\t' -v i="$i" '$1==i && $2=="ka-h1" {printf "%s%s", s, $3; s=", "}' "$TSV")
    echo "| \`${VS[$i]}\` | $f | $k | $(( $(rss_kb "${PIDS[$i]}") / 1024 )) |"
done
} | tee -a "$RAW"
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RAW"
