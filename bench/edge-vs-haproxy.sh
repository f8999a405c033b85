#!/usr/bin/env bash
# edge-vs-haproxy.sh — Gatehouse vs Debian's HAProxy, side by side, in one run.
#
# Usage (from anywhere; the shared harness is ../shared/bench/perf from the repo root):
#   bench/edge-vs-haproxy.sh                 # full run (~30 min), updates docs/benchmarks.md
#   QUICK=1 bench/edge-vs-haproxy.sh         # ~3 min smoke run, results in $WORKDIR/results only
#
# Both servers get the same certificates (gen-certs.sh), the same clients
# (hsbench, h2load via bench-handshakes.sh / bench-keepalive.sh) and the same
# pinning: server on CPU 0 (Gatehouse: `taskset -c 0 java ... --io-threads 1`,
# HAProxy: start-haproxy.sh `nbthread 1` + cpu-map), clients and the nginx
# backend on CPU 1. Both servers stay up together and their load runs are
# interleaved (A B, then B A, ...), so slow drifts in machine noise hit both.
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID
# on exit (trap); every wait and loop is bounded.
#
# What is measured (median (min–max) over REPS runs):
#   1. ECDSA P-256, N tenant certs (default 10,000), random SNI:
#      time-to-ready + RSS at ready (REPS starts of each server);
#      Gatehouse "cold" full handshakes (right after start: Gatehouse builds a
#      TLS context per certificate on first use; HAProxy has no such state);
#      priming: one full handshake per name so every Gatehouse context exists;
#      then warm full handshakes, resumed handshakes, keep-alive h1 and h2.
#   2. RSA-2048, N certs: ready/RSS, cold + warm full handshakes.
#   3. bigsni (N_BIG ECDSA certs, default 100,000; both servers loaded with all of
#      them): random-SNI full handshakes over all N_BIG names right after start,
#      no priming (REPS starts of Gatehouse, one cold run each; HAProxy right
#      after its start too), then one handshake per name (priming; RSS after it
#      is "RSS after one handshake per name"), then the same run again (warm).
#      Gatehouse's cold/warm ratio is reported under the table.
#   4. startup: ECDSA 10,000 (REPS starts) and 100,000 (1 start): time-to-ready,
#      CPU seconds spent until ready (robust to CPU contention) and RSS, no load.
# Every row: achieved rate, server CPU % (all threads of the server pid),
# rate per fully busy server core, p50/p99, errors, the CPU share of processes
# that are not part of the benchmark ("foreign", % of both cores), and the
# Gatehouse/HAProxy ratio of the per-core medians.
#
# Environment knobs (defaults in brackets; QUICK=1 changes the ones marked *):
#   QUICK=0|1        smoke run: SECS=5 REPS=1 WARMUP=1 N=1000, no 100k phase
#   SECS             measured seconds per load run [15]*          (max 30)
#   WARMUP           warm-up seconds per load run, not counted [2]*
#   REPS             runs per cell and starts per ready-time cell [3]*
#   N                tenant certificates for the load phases [10000]*
#   HS_CONC          hsbench concurrency [32]
#   PHASES           subset of "ecdsa rsa bigsni startup" [all; QUICK: "ecdsa rsa"]
#                    ("big" is an old name of "startup")
#   N_BIG            certificates of the bigsni phase [100000]
#   STARTUP_NS       certificate counts of the startup phase ["10000 100000"]
#                    (1,000,000 needs about 12 GB of disk in WORKDIR, ~7 min of
#                    gen-certs.sh on a quiet machine, ~1.5 GB of live heap, e.g.
#                    GH_JAVA_OPTS="-Xms512m -Xmx3g -Xmn256m -XX:+UseParallelGC"
#                    (without -Xmn ParallelGC grows the young generation to a third
#                    of -Xmx, which shows in RSS), and on a loaded machine a longer
#                    GH_READY_TIMEOUT)
#   STARTUP_HISTO=0|1 startup phase: after the RSS sample, a class histogram
#                    (jcmd GC.class_histogram: a full GC) and GC.heap_info of
#                    each Gatehouse start to OUTDIR/histo-ecdsa-N-R.txt [0]
#   GH_READY_TIMEOUT bound on one Gatehouse start, seconds [600]
#   HAP_100K=1|0     start HAProxy with 100k certs (~2 min, ~2 GB) [1]. With 0,
#                    its 100k startup row is copied from RESULTS.md and labelled
#                    so (counts above 10,000 other than 100,000 get no HAProxy
#                    row: it needs ~2.1 GB per 100,000), and the bigsni phase
#                    runs Gatehouse only.
#   GH_JAVA_OPTS     JVM flags [-Xms512m -Xmx512m -XX:+UseParallelGC] (bench/jvm-flags.sh)
#   GH_SERVE_ARGS    extra `gatehouse serve` options (e.g. --max-contexts 200000)
#   (the jar under test is built from this work tree on every run:
#    mvn -B -q -pl appliance -am package -DskipTests, nothing installed; it is
#    copied to $WORKDIR for the run and removed after, so a rebuild in the work
#    tree mid-run does not change it and no earlier run's jar is ever measured)
#   GH_PORT          Gatehouse HTTPS port [18445]; HAProxy uses HAPROXY_PORT [18443]
#   BACKEND_PORT     nginx backend port [18080]; another port runs the harness's
#                    backend config on it (when 18080 is taken on a shared machine)
#   PRIME_TIMEOUT    bound on one priming pass, seconds [900]
#   WORKDIR          certificates, pid files, tools [/tmp/bench-gh/work]
#   OUTDIR           raw.log, data.tsv, server logs, report.md
#                    [bench/results/<UTC ts> for full runs, $WORKDIR/results/<ts>-quick for QUICK]
#   DOC=path|""      markdown file whose generated section is replaced by
#                    the report [docs/benchmarks.md; QUICK: "" = don't touch]
#   DOC_SECTION      id of that section [edge-vs-haproxy]; use another id to keep
#                    the result of a partial run (e.g. PHASES=startup) beside it
#   PERF             shared harness dir [../shared/bench/perf]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/bench-lib.sh"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then
    SECS="${SECS:-5}"; WARMUP="${WARMUP:-1}"; REPS="${REPS:-1}"; N="${N:-1000}"
    PHASES="${PHASES:-ecdsa rsa}"; DOC="${DOC-}"
    OUTDIR="${OUTDIR:-$WORKDIR/results/$(date -u +%Y%m%dT%H%M%SZ)-quick}"
else
    SECS="${SECS:-15}"; WARMUP="${WARMUP:-2}"; REPS="${REPS:-3}"; N="${N:-10000}"
    PHASES="${PHASES:-ecdsa rsa bigsni startup}"; DOC="${DOC-$REPO_DIR/docs/benchmarks.md}"
    OUTDIR="${OUTDIR:-$REPO_DIR/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
fi
export WARMUP
HS_CONC="${HS_CONC:-32}"
HAP_100K="${HAP_100K:-1}"
N_BIG="${N_BIG:-100000}"
PRIME_TIMEOUT="${PRIME_TIMEOUT:-900}"
export GH_JAVA_OPTS="${GH_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
CMDLINE="$(for v in QUICK SECS WARMUP REPS N N_BIG PHASES STARTUP_NS HAP_100K GH_SERVE_ARGS DOC_SECTION; do
    [ -n "${!v:-}" ] && printf '%s=%q ' "$v" "${!v}"; done; printf 'GH_JAVA_OPTS=%q ' "$GH_JAVA_OPTS") bench/edge-vs-haproxy.sh"

mkdir -p "$OUTDIR"
RAW="$OUTDIR/raw.log"
TSV="$OUTDIR/data.tsv"
: > "$TSV"
HAP_SOCK="$RUN_DIR/haproxy/haproxy.sock"
T_START=$(date +%s)

RUN_JAR=""
trap 'bench_cleanup; rm -f "${RUN_JAR:-}"' EXIT
trap 'exit 130' INT TERM

say() { echo "### $*" | tee -a "$RAW" >&2; }
# rec SECTION LABEL RUN "key=value ..."
rec() {
    local kv
    for kv in $4; do
        case "$kv" in *=*) printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "${kv%%=*}" "$3" "${kv#*=}" >> "$TSV";; esac
    done
}
summary_of() { grep '^SUMMARY' | tail -1 | sed 's/^SUMMARY //'; }

# --- the jar under test: this work tree, built now ------------------------------
ensure_tools
log "building the appliance jar from this work tree (mvn -B -q -pl appliance -am package -DskipTests)"
(cd "$REPO_DIR" && mvn -B -q -pl appliance -am package -DskipTests </dev/null) >&2
RUN_JAR="$WORKDIR/gatehouse-$(date -u +%Y%m%dT%H%M%SZ)-$$.jar"
GH_JAR="$RUN_JAR"

# --- metadata ---------------------------------------------------------------
{
    echo "date_utc: $(date -u +%FT%TZ)"
    echo "command: $CMDLINE"
    echo "kernel: $(uname -r)"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
    echo "mem: $(free -g | awk '/^Mem:/ {print $2}') GiB"
    echo "haproxy: $($HAPROXY_BIN -v | head -1)"
    echo "java: $(java -version 2>&1 | sed -n 2p)"
    echo "openssl: $(openssl version)"
    echo "h2load: $(h2load --version)"
    gh_jar_prepare
    echo "gatehouse commit of work tree: $(git -C "$REPO_DIR" log -1 --format='%h %cI' 2>/dev/null || echo '?')"
    echo "GH_JAVA_OPTS: $GH_JAVA_OPTS"
    echo "GH_SERVE_ARGS: ${GH_SERVE_ARGS:-}"
    echo "placement: server cpu $SERVER_CPU, client+backend cpu $CLIENT_CPU; reps=$REPS secs=$SECS warmup=$WARMUP hs_conc=$HS_CONC N=$N"
    echo "big_n: $N_BIG"
    echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUTDIR/meta.txt" | tee -a "$RAW"

backend_start
log "backend nginx pid $BACKEND_PID on cpu $BACKEND_CPU"

# --- one load run -------------------------------------------------------------
# hs_run TEST SERVER RUN TARGET DOMAINS MODE PIDS [HAPSOCK]
hs_run() {
    local test="$1" srv="$2" r="$3" tgt="$4" dom="$5" mode="$6" pids="$7" sock="${8:-}" s a0 a1 nz
    say "$test $srv run $r (hsbench $mode c$HS_CONC ${SECS}s)"
    a0=$(backend_accepts); noise_begin $pids
    s=$(SERVER_PIDS="$pids" HAPROXY_SOCK="$sock" "$PERF/bench-handshakes.sh" "$tgt" "$dom" "$SECS" "$HS_CONC" "$mode" 2>&1 | tee -a "$RAW" | summary_of)
    nz=$(noise_end $pids); a1=$(backend_accepts)
    echo "noise: $nz backend_accepts=$((a1 - a0))" | tee -a "$RAW" >&2
    rec hs "$test $srv" "$r" "$s $nz backend_accepts=$((a1 - a0))"
}
# ka_run TEST SERVER RUN URL PROTO PIDS
ka_run() {
    local test="$1" srv="$2" r="$3" url="$4" proto="$5" pids="$6" s a0 a1 nz
    say "$test $srv run $r (h2load $proto ${SECS}s)"
    a0=$(backend_accepts); noise_begin $pids
    s=$(SERVER_PIDS="$pids" "$PERF/bench-keepalive.sh" "$url" "$SECS" "$proto" 2>&1 | tee -a "$RAW" | summary_of)
    nz=$(noise_end $pids); a1=$(backend_accepts)
    echo "noise: $nz backend_accepts=$((a1 - a0))" | tee -a "$RAW" >&2
    rec ka "$test $srv" "$r" "$s $nz backend_accepts=$((a1 - a0))"
}
gh_alive() { # gh_alive CONTEXT: records a crash once and returns 1 if the JVM is gone
    if kill -0 "$GH_PID" 2>/dev/null; then return 0; fi
    say "ANOMALY gatehouse pid $GH_PID is gone ($1); log tail:"
    tail -30 "$GH_LOG" | tee -a "$RAW" >&2
    rec anomaly "gatehouse exited during $1" 1 "exited=1"
    return 1
}
# prime: one full handshake per name (hsbench -P), so every Gatehouse context is built
gh_prime() { # gh_prime TEST DOMAINS
    local out rc=0 secs n
    say "$1 gatehouse priming: one handshake per name in $(wc -l < "$2") names (timeout ${PRIME_TIMEOUT}s)"
    out=$(timeout "$PRIME_TIMEOUT" taskset -c "$CLIENT_CPU" "$BUILD_DIR/hsbench" -t "127.0.0.1:$GH_PORT" -f "$2" \
        -P -d 1 -w 0 -c "$HS_CONC" -S "$GH_PID" 2>&1) || rc=$?
    echo "$out" >> "$RAW"
    secs=$(sed -n 's/^hsbench: primed \([0-9]*\) domains in \([0-9.]*\)s.*/\2/p' <<<"$out")
    n=$(sed -n 's/^hsbench: primed \([0-9]*\) domains.*/\1/p' <<<"$out")
    if [ -z "$secs" ]; then
        say "ANOMALY priming did not finish (rc=$rc)"; rec anomaly "$1 priming did not finish rc=$rc" 1 "failed=1"; return 0
    fi
    rec prime "$1 gatehouse" 1 "prime_s=$secs names=$n names_per_s=$(echo "$n / $secs" | bc) rss_kb_after=$(rss_kb "$GH_PID") $(grep '^RESULT' <<<"$out" | sed 's/^RESULT //; s/\([a-z_0-9]*\)=/prime_tail_\1=/g')"
    log "primed $n names in ${secs}s; gatehouse rss now $(rss_kb "$GH_PID") kB"
}

# --- phases ---------------------------------------------------------------------
# phase_tls TYPE: start both servers with N certs of TYPE, ready/RSS, cold, prime, load
phase_tls() {
    local type="$1" D r order srv test GH_LOG
    D=$(certs "$N" "$type")
    local set="$type-$N"
    local target_gh="127.0.0.1:$GH_PORT" target_hap="127.0.0.1:$HAPROXY_PORT"

    # HAProxy: REPS starts for time-to-ready; the last one stays up
    for r in $(seq 1 "$REPS"); do
        say "start haproxy $set ($r/$REPS)"
        hap_start "$D"; echo "$HAP_LINE" | tee -a "$RAW"; rec start "$set haproxy" "$r" "$HAP_LINE"
        if [ "$r" -lt "$REPS" ]; then hap_stop; fi
    done
    # Gatehouse: REPS starts; each start gets one cold full-handshake run (ECDSA)
    # or the first start only (RSA); the last one stays up
    for r in $(seq 1 "$REPS"); do
        GH_LOG="$OUTDIR/gatehouse-$set-start$r.log"
        say "start gatehouse $set ($r/$REPS)"
        if ! gh_start "$D" "$GH_PORT" "$GH_LOG"; then
            rec anomaly "gatehouse $set failed to start" "$r" "failed=1"; return 0
        fi
        echo "$GH_LINE" | tee -a "$RAW"; rec start "$set gatehouse" "$r" "$GH_LINE"
        if [ "$type" = ecdsa ] || [ "$r" = 1 ]; then
            hs_run "full-$type-cold" gatehouse "$r" "$target_gh" "$D/domains.txt" full "$GH_PID"
        fi
        if [ "$r" -lt "$REPS" ]; then gh_stop "$GH_PID"; fi
    done
    gh_alive "cold runs $set" || return 0
    gh_prime "$set" "$D/domains.txt"
    gh_alive "priming $set" || return 0

    local tests="full"; if [ "$type" = ecdsa ]; then tests="full resume ka-h1 ka-h2"; fi
    for test in $tests; do
        for r in $(seq 1 "$REPS"); do
            order="gatehouse haproxy"; if [ $((r % 2)) = 0 ]; then order="haproxy gatehouse"; fi
            for srv in $order; do
                if [ "$srv" = gatehouse ]; then gh_alive "$test $set" || continue; fi
                case "$srv/$test" in
                gatehouse/full|gatehouse/resume)
                    hs_run "$test-$type" gatehouse "$r" "$target_gh" "$D/domains.txt" "$test" "$GH_PID" ;;
                haproxy/full|haproxy/resume)
                    hs_run "$test-$type" haproxy "$r" "$target_hap" "$D/domains.txt" "$test" "$HAP_PID" "$HAP_SOCK" ;;
                gatehouse/ka-*)
                    ka_run "$test" gatehouse "$r" "https://t000001.tenant.test:$GH_PORT/" "${test#ka-}" "$GH_PID" ;;
                haproxy/ka-*)
                    ka_run "$test" haproxy "$r" "https://t000001.tenant.test:$HAPROXY_PORT/" "${test#ka-}" "$HAP_PID" ;;
                esac
            done
        done
    done
    if gh_alive "end of $set"; then
        rec mem "$set gatehouse" 1 "rss_kb=$(rss_kb "$GH_PID") hwm_kb=$(hwm_kb "$GH_PID")"
        gh_stop "$GH_PID"
    fi
    rec mem "$set haproxy" 1 "rss_kb=$(rss_kb "$HAP_PID") hwm_kb=$(hwm_kb "$HAP_PID")"
    hap_stop
    {
        echo "gatehouse log lines by level ($set, last start):"
        grep -oE ' (TRACE|DEBUG|INFO|WARN|ERROR) ' "$GH_LOG" | sort | uniq -c || true
        grep -E ' (WARN|ERROR) |Exception' "$GH_LOG" | head -20 || true
    } | tee -a "$RAW" >&2
    rec logs "$set gatehouse" 1 "warn=$(grep -c ' WARN ' "$GH_LOG" || true) error=$(grep -c ' ERROR ' "$GH_LOG" || true) exceptions=$(grep -c 'Exception' "$GH_LOG" || true)"
}

# phase_bigsni: N_BIG ECDSA certs on both servers; random SNI over all names right
# after start (no priming), then one handshake per name, then the same run warm.
# Gatehouse gets REPS fresh starts (one cold run each); HAProxy one start (it has
# no per-name state to warm) with its cold run right after start and its warm
# runs interleaved with Gatehouse's.
phase_bigsni() {
    local D set r order srv GH_LOG hap=0
    D=$(certs "$N_BIG" ecdsa)
    set="ecdsa-$N_BIG"
    local target_gh="127.0.0.1:$GH_PORT" target_hap="127.0.0.1:$HAPROXY_PORT"
    if [ "$N_BIG" -le 10000 ] || [ "$HAP_100K" = 1 ]; then hap=1; fi
    if [ "$hap" = 1 ]; then
        say "start haproxy $set"
        hap_start "$D"; echo "$HAP_LINE" | tee -a "$RAW"; rec start "$set haproxy" 1 "$HAP_LINE"
        hs_run "full-bigsni-cold" haproxy 1 "$target_hap" "$D/domains.txt" full "$HAP_PID" "$HAP_SOCK"
    fi
    for r in $(seq 1 "$REPS"); do
        GH_LOG="$OUTDIR/gatehouse-$set-start$r.log"
        say "start gatehouse $set ($r/$REPS)"
        if ! gh_start "$D" "$GH_PORT" "$GH_LOG"; then
            rec anomaly "gatehouse $set failed to start" "$r" "failed=1"; big_hap_stop "$hap"; return 0
        fi
        echo "$GH_LINE" | tee -a "$RAW"; rec start "$set gatehouse" "$r" "$GH_LINE"
        hs_run "full-bigsni-cold" gatehouse "$r" "$target_gh" "$D/domains.txt" full "$GH_PID"
        if [ "$r" -lt "$REPS" ]; then gh_stop "$GH_PID"; fi
    done
    gh_alive "cold runs $set" || { big_hap_stop "$hap"; return 0; }
    gh_prime "$set" "$D/domains.txt"
    gh_alive "priming $set" || { big_hap_stop "$hap"; return 0; }
    for r in $(seq 1 "$REPS"); do
        order="gatehouse haproxy"; if [ $((r % 2)) = 0 ]; then order="haproxy gatehouse"; fi
        for srv in $order; do
            if [ "$srv" = gatehouse ] && gh_alive "warm $set"; then
                hs_run "full-bigsni" gatehouse "$r" "$target_gh" "$D/domains.txt" full "$GH_PID"
            elif [ "$srv" = haproxy ] && [ "$hap" = 1 ]; then
                hs_run "full-bigsni" haproxy "$r" "$target_hap" "$D/domains.txt" full "$HAP_PID" "$HAP_SOCK"
            fi
        done
    done
    if gh_alive "end of $set"; then
        rec mem "$set gatehouse" 1 "rss_kb=$(rss_kb "$GH_PID") hwm_kb=$(hwm_kb "$GH_PID")"
        rec logs "$set gatehouse" 1 "warn=$(grep -c ' WARN ' "$GH_LOG" || true) error=$(grep -c ' ERROR ' "$GH_LOG" || true) exceptions=$(grep -c 'Exception' "$GH_LOG" || true)"
        gh_stop "$GH_PID"
    fi
    if [ "$hap" = 1 ]; then
        rec mem "$set haproxy" 1 "rss_kb=$(rss_kb "$HAP_PID") hwm_kb=$(hwm_kb "$HAP_PID")"
    fi
    big_hap_stop "$hap"
    return 0
}
big_hap_stop() { if [ "$1" = 1 ]; then hap_stop; fi; }

# phase_startup: time-to-ready, CPU time to ready and RSS at ready, no load.
# STARTUP_NS [10000 100000]: REPS starts per server for N <= 10000, 1 for more.
phase_startup() {
    local D GH_LOG n r starts
    for n in ${STARTUP_NS:-10000 100000}; do
        D=$(certs "$n" ecdsa)
        starts="$REPS"; if [ "$n" -gt 10000 ]; then starts=1; fi
        for r in $(seq 1 "$starts"); do
            GH_LOG="$OUTDIR/gatehouse-startup-ecdsa-$n-$r.log"
            say "startup: gatehouse ecdsa-$n ($r/$starts)"
            if gh_start "$D" "$GH_PORT" "$GH_LOG"; then
                GH_LINE="$GH_LINE loadavg_1m=$(cut -d' ' -f1 /proc/loadavg)"
                echo "$GH_LINE" | tee -a "$RAW"; rec start "startup-ecdsa-$n gatehouse" "$r" "$GH_LINE"
                sleep 2
                rec mem "startup-ecdsa-$n gatehouse" "$r" "rss_kb=$(rss_kb "$GH_PID") hwm_kb=$(hwm_kb "$GH_PID")"
                if [ "${STARTUP_HISTO:-0}" = 1 ]; then
                    { jcmd "$GH_PID" GC.class_histogram | head -40; jcmd "$GH_PID" GC.heap_info; } \
                        > "$OUTDIR/histo-ecdsa-$n-$r.txt" 2>&1 || true
                fi
                gh_stop "$GH_PID"
            else
                rec anomaly "gatehouse ecdsa-$n failed to start" "$r" "failed=1"
            fi
            if [ "$n" -le 10000 ] || [ "$HAP_100K" = 1 ]; then
                say "startup: haproxy ecdsa-$n ($r/$starts)"
                hap_start "$D"; echo "$HAP_LINE" | tee -a "$RAW"; rec start "startup-ecdsa-$n haproxy" "$r" "$HAP_LINE"
                rec mem "startup-ecdsa-$n haproxy" "$r" "rss_kb=$(rss_kb "$HAP_PID") hwm_kb=$(hwm_kb "$HAP_PID")"
                hap_stop
            elif [ "$n" = 100000 ]; then
                # RESULTS.md: "N=100,000 ECDSA (1 run) | 122.8 s | 2.14 GB | 2.14 GB"
                rec start "startup-ecdsa-$n haproxy" 1 "ready_ms=122800 rss_kb=2140000 source=RESULTS.md"
            else
                say "startup: haproxy ecdsa-$n not run (HAP_100K=0; ~2.1 GB per 100,000 certificates)"
            fi
        done
    done
}

for ph in $PHASES; do
    case "$ph" in
    ecdsa|rsa) phase_tls "$ph" ;;
    bigsni) phase_bigsni ;;
    startup|big) phase_startup ;;
    *) echo "unknown phase $ph" >&2 ;;
    esac
done

T_END=$(date +%s)
{
    echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "duration_s: $((T_END - T_START))"
    echo "finished_utc: $(date -u +%FT%TZ)"
} | tee -a "$OUTDIR/meta.txt" | tee -a "$RAW"

python3 "$HERE/edge-report.py" "$OUTDIR" > "$OUTDIR/report.md"
cat "$OUTDIR/report.md"
if [ -n "$DOC" ]; then
    python3 "$HERE/edge-report.py" --into "$DOC" --id "${DOC_SECTION:-edge-vs-haproxy}" "$OUTDIR"
    log "updated $DOC"
fi
log "results in $OUTDIR"
