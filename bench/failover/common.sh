# failover/common.sh — what bench/failover.sh and bench/failover-steady.sh share: the shared failover
# harness (SHARED, ../shared/bench/failover from the repo root), the Gatehouse lab (LAB), the network
# lab brought up when absent and taken down on exit if we brought it up, and the failure-detection
# settings of each config. Source it after setting HERE (the bench directory); needs root.
ROOT="$(cd "$HERE/.." && pwd)"
SHARED="${SHARED:-$(cd "$ROOT/../shared/bench/failover" 2>/dev/null && pwd || true)}"
[ -n "$SHARED" ] && [ -x "$SHARED/netlab.sh" ] || { echo "shared failover harness not found (SHARED=...)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }
LAB="$HERE/failover/gh-lab.sh"
TAG="${TAG:-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$HERE/results"

# failover_lab_up: the namespaces lb1/lb2/client (netlab.sh), and an EXIT trap that cleans the lab
failover_lab_up() {
    created_lab=0
    if ! ip netns list | grep -q '^client'; then "$SHARED/netlab.sh" up; created_lab=1; fi
    trap failover_lab_down EXIT
}
failover_lab_down() {
    "$LAB" clean >/dev/null 2>&1 || true
    if [ "$created_lab" = 1 ]; then "$SHARED/netlab.sh" down >/dev/null 2>&1 || true; fi
}

# failover_config NAME: exports GH_FD for gh-lab.sh (default = the product's failure detection;
# fast = heartbeat 40 ms, timeout 160 ms, verify 60 ms) and cleans the lab for a fresh start
failover_config() {
    case "$1" in
        default) export GH_FD='{}' ;;
        fast)    export GH_FD='{heartbeat: 40ms, timeout: 160ms, verify: 60ms}' ;;
        *) echo "unknown config $1" >&2; exit 2 ;;
    esac
    "$LAB" clean >/dev/null 2>&1 || true
}

# failover_build_jar: the jar under test built from this work tree, unless GH_JAR names one (a jar
# left by an earlier build would measure old code)
failover_build_jar() {
    [ -n "${GH_JAR:-}" ] || (cd "$ROOT" && mvn -B -q -DskipTests package </dev/null)
}
