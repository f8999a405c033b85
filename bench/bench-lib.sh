# bench-lib.sh — helpers shared by the bench scripts (edge-vs-haproxy.sh, jvm-flags.sh, h2-frame-proxy.sh,
# ...).
# Source it after setting WORKDIR (and optionally PERF): it sources the shared
# measurement harness's lib.sh (../shared/bench/perf/lib.sh from the repo root),
# which provides log, wait_port, cpu_ticks, rss_kb, hwm_kb, stop_pid, ensure_tools.
#
# Everything started through these helpers is recorded by PID and stopped by
# PID in bench_cleanup (installed as an EXIT trap by the scripts).

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
PERF="${PERF:-$(cd "$REPO_DIR/../shared/bench/perf" 2>/dev/null && pwd || true)}"
if [ -z "$PERF" ] || [ ! -f "$PERF/lib.sh" ]; then
    echo "shared harness not found; set PERF=/path/to/shared/bench/perf" >&2
    exit 2
fi
export WORKDIR="${WORKDIR:-/tmp/bench-gh/work}"
# shellcheck source=/dev/null
. "$PERF/lib.sh"

GH_JAR="${GH_JAR:-/tmp/bench-gh/gatehouse.jar}"
GH_SRC_JAR="${GH_SRC_JAR:-$REPO_DIR/appliance/target/gatehouse.jar}"
GH_PORT="${GH_PORT:-18445}"

GH_PIDS=()          # Gatehouse JVMs started by us
EXTRA_PIDS=()       # other long-lived helpers started by us
BACKEND_PID=""
BACKEND_WORKERS=""
BACKEND_OURS=0      # 1 if we started the backend nginx
HAP_OURS=0          # 1 while a HAProxy started by us is running

# Copy the built jar to a private place once, so rebuilds in the work tree do
# not change the binary under test in the middle of a run. Waits (bounded) for
# the jar if a build is in progress.
gh_jar_prepare() {
    local i
    if [ ! -f "$GH_JAR" ]; then
        for i in $(seq 1 10); do
            [ -f "$GH_SRC_JAR" ] && break
            log "waiting for $GH_SRC_JAR ($i/10)"; sleep 60
        done
        [ -f "$GH_SRC_JAR" ] || { echo "no gatehouse jar at $GH_SRC_JAR" >&2; return 1; }
        mkdir -p "$(dirname "$GH_JAR")"
        cp "$GH_SRC_JAR" "$GH_JAR.tmp" && mv "$GH_JAR.tmp" "$GH_JAR"
    fi
    echo "gatehouse jar: $GH_JAR sha256=$(sha256sum "$GH_JAR" | cut -c1-16) mtime=$(date -u -r "$GH_JAR" +%FT%TZ)"
}

# certs N TYPE -> prints the directory (generated once by gen-certs.sh, cached).
certs() {
    local d="$WORKDIR/certs-$2-$1"
    "$PERF/gen-certs.sh" "$1" "$d" "$2" >&2
    echo "$d"
}

backend_start() {
    local pf="$RUN_DIR/backend/backend-nginx.pid" conf
    if [ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null; then
        log "backend already running (pid $(cat "$pf")), reusing it"
    elif [ "$BACKEND_PORT" = 18080 ]; then
        "$PERF/start-backend.sh" >/dev/null
        BACKEND_OURS=1
    else
        # another port (e.g. 18080 taken on a shared machine): the harness's nginx config, on BACKEND_PORT
        mkdir -p "$RUN_DIR/backend/tmp"
        conf="$RUN_DIR/backend/backend-nginx-$BACKEND_PORT.conf"
        sed "s/127\.0\.0\.1:18080/127.0.0.1:$BACKEND_PORT/" "$PERF/conf/backend-nginx.conf" > "$conf"
        taskset -c "$BACKEND_CPU" "$NGINX_BIN" -p "$RUN_DIR/backend/" -e "$RUN_DIR/backend/backend-error.log" -c "$conf"
        wait_port "$BACKEND_PORT" 10 >/dev/null
        BACKEND_OURS=1
    fi
    BACKEND_PID=$(cat "$pf")
    BACKEND_WORKERS=$(pgrep -P "$BACKEND_PID" | tr '\n' ' ')
}
backend_accepts() { # nginx stub_status "accepts" counter (connections the backend accepted)
    curl -s --max-time 2 "http://127.0.0.1:$BACKEND_PORT/nginx_status" | awk 'NR==3 {print $1}'
}

# gh_start CERTDIR PORT LOGFILE [extra java/serve args via GH_JAVA_OPTS / GH_SERVE_ARGS]
# Sets GH_PID, GH_READY_MS (exec -> port accepting, measured here), GH_RSS_KB and
# GH_LINE (key=value summary). Call it directly, not in $(...), so the PID stays known.
gh_start() {
    local dir="$1" port="$2" logf="$3" t0 t1
    # warm the page cache so the time measures parsing/loading, not disk reads
    find "$dir/certs" "$dir/keys" "$dir/pem" -type f -print0 2>/dev/null | xargs -0 cat > /dev/null
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CPU" java $GH_JAVA_OPTS -jar "$GH_JAR" serve --https "127.0.0.1:$port" --http off \
        --cert-dir "$dir" --backend "127.0.0.1:$BACKEND_PORT" --io-threads 1 ${GH_SERVE_ARGS:-} >"$logf" 2>&1 &
    GH_PID=$!
    GH_PIDS+=("$GH_PID")
    if ! wait_port "$port" "${GH_READY_TIMEOUT:-600}" "$GH_PID" >/dev/null; then
        log "gatehouse did not come up on :$port; log tail:"; tail -20 "$logf" >&2
        return 1
    fi
    t1=$(date +%s%N)
    GH_READY_MS=$(( (t1 - t0) / 1000000 ))
    # CPU time (all threads) spent until ready: unlike the wall-clock time it
    # does not grow when other processes compete for the server's CPU
    GH_CPU_S=$(echo "scale=2; $(cpu_ticks "$GH_PID") / $(getconf CLK_TCK)" | bc)
    sleep 0.5
    GH_RSS_KB=$(rss_kb "$GH_PID")
    GH_LINE="pid=$GH_PID ready_ms=$GH_READY_MS cpu_s_at_ready=$GH_CPU_S rss_kb=$GH_RSS_KB self_reported_$(grep -o 'ready_ms=[0-9]*' "$logf" | tail -1) certs=$(grep -o 'event=ready certificates=[0-9]*' "$logf" | tail -1 | sed 's/.*=//')"
}
gh_stop() { # gh_stop PID : SIGTERM (graceful), KILL after 10 s (stop_pid)
    local pid="$1" i keep=()
    stop_pid "$pid" TERM
    wait "$pid" 2>/dev/null || true
    for i in "${GH_PIDS[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
    GH_PIDS=("${keep[@]}")
}

hap_start() { # hap_start CERTDIR -> sets HAP_LINE (start-haproxy.sh's line) and HAP_PID
    HAP_OURS=1
    HAP_LINE=$("$PERF/start-haproxy.sh" "$1" 1 pin) || return 1
    HAP_PID=$(cat "$RUN_DIR/haproxy/haproxy.pid")
    # start-haproxy.sh idles 0.5 s after the port opens, so this is ~ CPU time to ready
    HAP_LINE="$HAP_LINE cpu_s_at_ready=$(echo "scale=2; $(cpu_ticks "$HAP_PID") / $(getconf CLK_TCK)" | bc)"
}
hap_stop() { "$PERF/stop-haproxy.sh"; HAP_OURS=0; }

bench_cleanup() {
    local pid
    set +e
    for pid in "${GH_PIDS[@]}"; do stop_pid "$pid" TERM; done
    for pid in "${EXTRA_PIDS[@]:-}"; do [ -n "$pid" ] && stop_pid "$pid" TERM; done
    [ "$HAP_OURS" = 1 ] && "$PERF/stop-haproxy.sh"
    [ "$BACKEND_OURS" = 1 ] && "$PERF/stop-backend.sh"
}

# --- noise accounting -------------------------------------------------------
# Busy ticks of the whole machine, and of "our" processes: the given server
# pids, the backend, and every finished child of this shell (the clients).
# foreign = machine - ours, as % of both cores, over the window.
_sys_busy() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat; }
_self_ticks() { awk '{ s=$0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12]+f[13]+f[14]+f[15] }' "/proc/$$/stat"; }
noise_begin() { # noise_begin PIDS...
    read -r NB_BUSY NB_IDLE < <(_sys_busy)
    NB_OURS=$(( $(cpu_ticks "$@" $BACKEND_PID $BACKEND_WORKERS) + $(_self_ticks) ))
    NB_T=$(date +%s%N)
}
noise_end() { # noise_end PIDS... -> prints "foreign_cpu_pct=.. idle_pct=.."
    local busy idle ours t
    read -r busy idle < <(_sys_busy)
    ours=$(( $(cpu_ticks "$@" $BACKEND_PID $BACKEND_WORKERS) + $(_self_ticks) ))
    t=$(date +%s%N)
    awk -v b=$((busy - NB_BUSY)) -v i=$((idle - NB_IDLE)) -v o=$((ours - NB_OURS)) -v ns=$((t - NB_T)) \
        -v hz="$(getconf CLK_TCK)" -v nc="$(nproc)" 'BEGIN {
            tot = ns / 1e9 * hz * nc; f = b - o; if (f < 0) f = 0
            printf "foreign_cpu_pct=%.0f idle_pct=%.0f\n", 100 * f / tot, 100 * i / (b + i) }'
}

# --- side-by-side keep-alive runs (h2-frame-proxy.sh; observability-overhead.sh can move onto them) ---
# bench_knobs: REPS, SECS and WARMUP from QUICK (1: one 5 s run per cell; else 3 x 15 s), unless set.
bench_knobs() {
    QUICK="${QUICK:-0}"
    if [ "$QUICK" = 1 ]; then REPS="${REPS:-1}"; SECS="${SECS:-5}"; WARMUP="${WARMUP:-1}"
    else REPS="${REPS:-3}"; SECS="${SECS:-15}"; WARMUP="${WARMUP:-2}"; fi
    export WARMUP
}

# bench_outdir NAME: TS, OUTDIR [bench/results/<ts>-NAME], and an empty RAW log and DATA table in it.
bench_outdir() {
    TS="$(date -u +%Y%m%dT%H%M%SZ)"
    OUTDIR="${OUTDIR:-$REPO_DIR/bench/results/$TS-$1}"
    mkdir -p "$OUTDIR" "$RUN_DIR"
    RAW="$OUTDIR/raw.log"; DATA="$OUTDIR/data.tsv"; : > "$RAW"; : > "$DATA"
}

# bench_jar TAG [MVN_ARGS...]: builds the appliance jar from this work tree (mvn -B -q MVN_ARGS package
# -DskipTests; no MVN_ARGS: the whole reactor) and copies it for this run only (GH_JAR, RUN_JAR; the
# EXIT trap removes RUN_JAR): a jar cached by an earlier run would measure old code.
bench_jar() {
    local tag="$1"
    shift
    log "building the appliance jar (mvn -B -q $* package -DskipTests)"
    (cd "$REPO_DIR" && mvn -B -q "$@" package -DskipTests </dev/null) >&2
    RUN_JAR="$WORKDIR/gatehouse-$tag-$TS.jar"
    GH_JAR="$RUN_JAR"
    gh_jar_prepare | tee -a "$RAW"
}

# bench_meta COMMAND [LINE...]: date, command, CPU, versions, commit and placement (+ LINEs) to
# $OUTDIR/meta.txt and $RAW.
bench_meta() {
    local cmd="$1"; shift
    {
        echo "date_utc: $(date -u +%FT%TZ)"; echo "command: $cmd"
        echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
        echo "haproxy: $($HAPROXY_BIN -v | head -1)"; echo "java: $(java -version 2>&1 | sed -n 2p)"
        echo "h2load: $(h2load --version)"
        echo "gatehouse commit: $(git -C "$REPO_DIR" log -1 --format='%h %cI' 2>/dev/null || echo '?')"
        echo "placement: servers cpu $SERVER_CPU, clients+backend cpu $CLIENT_CPU; reps=$REPS secs=$SECS warmup=$WARMUP N=$N"
        local l
        for l in "$@"; do echo "$l"; done
    } | tee "$OUTDIR/meta.txt" >> "$RAW"
}

# gh_serve NAME PORT JAVA_ARGS...: java $GH_JAVA_OPTS JAVA_ARGS on SERVER_CPU, log $OUTDIR/NAME.log;
# waits (120 s at most) for PORT and sets PID_<NAME> and PORT_<NAME>.
gh_serve() {
    local name="$1" port="$2" logf="$OUTDIR/$1.log" pid
    shift 2
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CPU" java $GH_JAVA_OPTS "$@" >"$logf" 2>&1 &
    pid=$!
    GH_PIDS+=("$pid")
    wait_port "$port" 120 "$pid" >/dev/null || { tail -20 "$logf" >&2; exit 1; }
    eval "PID_$name=$pid; PORT_$name=$port"
    log "gatehouse $name pid $pid on :$port"
}

# ka_run SERVER PROTO REP: one bench-keepalive.sh run against https://$NAME:$PORT_<SERVER>/, its
# SUMMARY line appended to $DATA as "PROTO SERVER REP SUMMARY" (tab-separated).
ka_run() {
    local srv="$1" port pid s
    eval "port=\$PORT_$srv; pid=\$PID_$srv"
    log "$srv $2 rep $3 (${SECS}s)"
    s=$(SERVER_PIDS="$pid" "$PERF/bench-keepalive.sh" "https://$NAME:$port/" "$SECS" "$2" 2>&1 | tee -a "$RAW" \
        | grep '^SUMMARY' | tail -1 | sed 's/^SUMMARY //')
    printf '%s\t%s\t%s\t%s\n' "$2" "$srv" "$3" "$s" >> "$DATA"
}

# ka_interleaved "PROTOS" "A B C": REPS repetitions of every server for every protocol, the server
# order rotated by one each repetition (A B C, B C A, C A B) so that drifts hit all of them.
ka_interleaved() {
    local rep proto srv order i
    read -r -a order <<< "$2"
    for rep in $(seq 1 "$REPS"); do
        for proto in $1; do
            for i in "${!order[@]}"; do
                srv="${order[$(( (i + rep - 1) % ${#order[@]} ))]}"
                ka_run "$srv" "$proto" "$rep"
            done
        done
    done
}

# obs_node_config NAME PORT ON CERTDIR METRICS_PORT -> path of a gatehouse.yaml (in $WORKDIR/obs-NAME)
# serving CERTDIR's certificates on 127.0.0.1:PORT (console on PORT + 1000, one I/O thread, the backend
# on BACKEND_PORT); ON=1: metrics listener on METRICS_PORT and a JSON access log to a file, else both off.
obs_node_config() {
    local name="$1" port="$2" on="$3" certs="$4" metrics="$5" dir="$WORKDIR/obs-$1"
    rm -rf "$dir"; mkdir -p "$dir"
    {
        echo "node: {name: $name, dataDir: '$dir/data'}"
        echo "listeners: {https: '127.0.0.1:$port', http: off, ioThreads: 1}"
        echo "console: {listen: '127.0.0.1:$((port + 1000))'}"
        echo "tls: {certificateDirs: ['$certs'], maxContexts: 20000}"
        echo "pools: [{name: app, servers: ['127.0.0.1:$BACKEND_PORT']}]"
        echo "defaultPool: app"
        if [ "$on" = 1 ]; then
            echo "metrics: {enabled: true, listen: '127.0.0.1:$metrics'}"
            echo "accessLog: {enabled: true, path: '$dir/access.log'}"
        else
            echo "metrics: {enabled: false}"
            echo "accessLog: {enabled: false}"
        fi
    } > "$dir/gatehouse.yaml"
    echo "$dir/gatehouse.yaml"
}

# bench_doc_block DOC REPORT NAME: puts REPORT (which starts with "<!-- NAME:begin -->" and ends with
# "<!-- NAME:end -->") into DOC in place of the block of that NAME, or appends it when DOC has none.
bench_doc_block() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys, re
doc, rep, name = sys.argv[1], open(sys.argv[2]).read().strip(), re.escape(sys.argv[3])
s = open(doc).read()
pat = re.compile(r"<!-- " + name + r":begin -->.*?<!-- " + name + r":end -->", re.S)
s = pat.sub(lambda m: rep, s) if pat.search(s) else s.rstrip() + "\n\n" + rep + "\n"
open(doc, "w").write(s)
PY
    log "updated $1"
}
