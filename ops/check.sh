#!/usr/bin/env bash
# Checks of the operations files (systemd/, packaging/, ansible/, packer/, vagrant/), runnable in CI:
#   ops/check.sh                  every check; the last line is "N passed, N failed"
#   ops/check.sh --no-containers  skip the container tests (dpkg install/remove, systemd boot, Ansible pair)
#   ops/check.sh --ansible-pair   also run the playbook against two containers (twice: the second run must change nothing)
# Needs root for apt-get (missing tools are installed from Debian) and for the Docker engine, which it
# starts itself when none runs (bridge 198.19.0.1/24, no iptables) and stops again at the end. The
# test image is a Debian 12 root made by mmdebstrap from Debian's packages (nothing is pulled), cached
# in $GATEHOUSE_OPS_CACHE (default /var/cache/gatehouse-ops). Containers run without a network, except
# the Ansible pair, on a network of its own in 198.18.0.0/24. Exit status 1 when a check failed.
# GATEHOUSE_APT_UPDATED=1 (set by .ci/run): the package lists are fresh, no apt-get update before installing.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
containers=1
pair=0
for a in "$@"; do
    case "$a" in
    --no-containers) containers=0 ;;
    --ansible-pair) pair=1 ;;
    *) echo "usage: ops/check.sh [--no-containers] [--ansible-pair]" >&2; exit 2 ;;
    esac
done
cache="${GATEHOUSE_OPS_CACHE:-/var/cache/gatehouse-ops}"
image="gatehouse-ops-test:bookworm"
work="$(mktemp -d /tmp/gatehouse-ops.XXXXXX)"
started_dockerd=""
containers_started=()
networks_created=()
passed=0
failed=0
failures=()
t_start=$(date +%s)

log() { printf '\n== %s\n' "$*"; }
pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); printf 'FAIL %s\n' "$1"; }
# check NAME COMMAND...: runs the command, output to the log, pass when it exits 0
check() {
    local name="$1"; shift
    log "$name"
    if "$@"; then pass "$name"; else fail "$name"; fi
}

cleanup() {
    local c n
    for c in "${containers_started[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
    for n in "${networks_created[@]}"; do docker network rm "$n" >/dev/null 2>&1 || true; done
    if [ -n "$started_dockerd" ]; then
        kill "$started_dockerd" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 1; done
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# ---- tools -------------------------------------------------------------------------------------------
need=()
for t in systemd-analyze:systemd ansible-playbook:ansible ansible-lint:ansible-lint packer:packer lintian:lintian zip:zip unzip:unzip \
         vagrant:vagrant; do
    command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
done
if [ "$containers" = 1 ]; then
    for t in dockerd:docker.io mmdebstrap:mmdebstrap; do
        command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
    done
fi
if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        log "installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        # .ci/run sets GATEHOUSE_APT_UPDATED=1 once it has updated the package lists itself
        [ "${GATEHOUSE_APT_UPDATED:-}" = 1 ] || apt-get update -qq </dev/null >/dev/null
        apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null >/dev/null \
            || echo "ops/check.sh: could not install some of: ${need[*]}" >&2
    else
        echo "ops/check.sh: missing ${need[*]} and not root" >&2
    fi
fi

# ---- the package -------------------------------------------------------------------------------------
deb="$(ls -t packaging/target/gatehouse_*_all.deb 2>/dev/null | head -1)"
if [ -z "$deb" ]; then
    log "building the package (mvn -DskipTests package)"
    mvn -B -q -DskipTests package </dev/null || true
    deb="$(ls -t packaging/target/gatehouse_*_all.deb 2>/dev/null | head -1)"
fi
if [ -n "$deb" ] && [ -f "$deb" ]; then pass "package built by Maven: $deb"; else fail "package built by Maven"; fi

# ---- systemd -----------------------------------------------------------------------------------------
security() {
    systemd-analyze security --offline=yes systemd/gatehouse.service > "$work/security.txt" 2>&1 || true
    grep -a 'Overall exposure level' "$work/security.txt" || { cat "$work/security.txt"; return 1; }
    # the README reports the score; a change that makes the unit weaker than "OK" fails here
    awk '/Overall exposure level/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) s = $i } END { exit !(s != "" && s + 0 <= 3.0) }' "$work/security.txt"
}
check "systemd-analyze security (exposure <= 3.0)" security

# ---- Ansible -----------------------------------------------------------------------------------------
check "ansible-lint" bash -c 'cd ansible && ansible-lint --nocolor . ../vagrant/lab.yml 2>&1'
check "ansible-playbook --syntax-check" bash -c 'cd ansible && ansible-playbook -i inventory/example.yml --syntax-check site.yml upgrade.yml'

# ---- Packer ------------------------------------------------------------------------------------------
check "packer fmt -check" bash -c 'cd packer && packer fmt -check -diff .'
# Packer 1.6.6 (Debian 12) knows neither the packer { required_plugins } block nor metadata_options /
# imds_support: validate the template without the lines fenced by "packer>=1.7 begin/end", next to
# links to ansible/ and cloud-init/ so that its relative paths resolve
packer_validate() {
    local d="$work/packer-validate"
    mkdir -p "$d/packer"
    ln -sfn "$root/ansible" "$d/ansible"
    ln -sfn "$root/packer/cloud-init" "$d/packer/cloud-init"
    sed '/# packer>=1.7 begin/,/# packer>=1.7 end/d' packer/gatehouse.pkr.hcl > "$d/packer/gatehouse.pkr.hcl"
    if packer version | grep -q '^Packer v1\.6\.'; then
        packer validate -var-file=packer/ci.pkrvars.hcl "$d/packer/gatehouse.pkr.hcl"
    else
        (cd packer && packer init . && packer validate -var-file=ci.pkrvars.hcl .)
    fi
}
check "packer validate" packer_validate

# ---- Vagrant -----------------------------------------------------------------------------------------
if command -v vagrant >/dev/null 2>&1; then
    check "vagrant validate" bash -c 'cd vagrant && VAGRANT_DISABLE_VBOXSYMLINKCREATE=1 vagrant validate --ignore-provider'
else
    log "vagrant validate: skipped (no vagrant package)"
fi

# ---- lintian -----------------------------------------------------------------------------------------
lintian_check() {
    [ -n "$deb" ] || return 1
    lintian --tag-display-limit 0 -I "$deb" > "$work/lintian.txt" 2>&1
    grep -v -e '^running with root privileges' "$work/lintian.txt" || true
    ! grep -q '^E:' "$work/lintian.txt"
}
check "lintian: no errors" lintian_check

# ---- containers --------------------------------------------------------------------------------------
docker_up() {
    docker info >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || return 1
    command -v dockerd >/dev/null 2>&1 || return 1
    dockerd --iptables=false --ip-masq=false --bip 198.19.0.1/24 --data-root "$cache/docker" \
        --exec-root /run/gatehouse-ops-docker --pidfile /run/gatehouse-ops-docker.pid \
        > "$work/dockerd.log" 2>&1 &
    started_dockerd=$!
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
    cat "$work/dockerd.log"
    return 1
}

test_image() {
    docker image inspect "$image" >/dev/null 2>&1 || log "test image $image (ops/test-image.sh)"
    GATEHOUSE_OPS_CACHE="$cache" ops/test-image.sh "$image"
}

# dpkg -i, -r, -i again, -P in a fresh container without network; prints what it checks
dpkg_cycle() {
    local c="gatehouse-ops-dpkg-$$"
    containers_started+=("$c")
    docker run --name "$c" --network none -v "$root/$deb:/pkg/gatehouse.deb:ro" "$image" bash -euc '
        echo "-- dpkg -i"; dpkg -i /pkg/gatehouse.deb
        id gatehouse
        test "$(stat -c "%U %a" /var/lib/gatehouse)" = "gatehouse 700"
        test -x /usr/bin/gatehouse && test -f /usr/share/gatehouse/gatehouse.jar
        grep -qx /etc/gatehouse/gatehouse.yaml /var/lib/dpkg/info/gatehouse.conffiles
        gatehouse check-config /etc/gatehouse/gatehouse.yaml
        echo "-- systemd-analyze verify"; systemd-analyze verify gatehouse.service
        echo "-- dpkg -r"; dpkg -r gatehouse
        test ! -e /usr/share/gatehouse/gatehouse.jar && test ! -e /lib/systemd/system/gatehouse.service
        test -f /etc/gatehouse/gatehouse.yaml && test -d /var/lib/gatehouse   # kept until purge
        echo "-- dpkg -i (reinstall)"; dpkg -i /pkg/gatehouse.deb
        test ! -L /etc/systemd/system/gatehouse.service                     # unmasked again
        echo "-- dpkg -P"; dpkg -P gatehouse
        test ! -e /etc/gatehouse && test ! -e /var/lib/gatehouse && test ! -e /usr/bin/gatehouse
        ! dpkg -s gatehouse >/dev/null 2>&1
        echo "installed, removed, reinstalled and purged cleanly"'
}

# systemd as PID 1 in a container: the real unit, its hardening, readiness, stop and restart
systemd_boot() {
    local c="gatehouse-ops-systemd-$$"
    containers_started+=("$c")
    docker run -d --name "$c" --network none --cgroupns=private --cap-add SYS_ADMIN --cap-add NET_ADMIN \
        --cap-add NET_RAW --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
        --tmpfs /run:exec --tmpfs /run/lock --tmpfs /tmp:exec "$image" >/dev/null || return 1
    docker cp "$deb" "$c:/root/gatehouse.deb" || return 1
    docker exec "$c" bash -euc '
        for _ in $(seq 1 30); do s=$(systemctl is-system-running 2>/dev/null || true)
            case "$s" in running|degraded) break ;; esac; sleep 1; done
        echo "systemd: $s"
        dpkg -i /root/gatehouse.deb >/dev/null
        test "$(systemctl is-enabled gatehouse || true)" = disabled
        echo "-- systemctl start (returns on READY=1)"
        t0=$(date +%s); timeout 120 systemctl start gatehouse; echo "started in $(( $(date +%s) - t0 )) s"
        test "$(systemctl is-active gatehouse)" = active
        test "$(systemctl show -p StatusText --value gatehouse)" = serving
        curl -sf --cacert /var/lib/gatehouse/console/console.crt https://127.0.0.1:9443/readyz; echo
        journalctl -u gatehouse --no-pager -o cat | grep -m1 "event=edge_started"
        journalctl -u gatehouse --no-pager -o cat | grep -q "event=edge_started.*transport=epoll" \
            || { echo "epoll did not load under the unit"; exit 1; }
        journalctl -u gatehouse --no-pager -o cat | grep -q "event=node_ready.*tls=BoringSSL" \
            || { echo "BoringSSL did not load under the unit"; exit 1; }
        pid=$(systemctl show -p MainPID --value gatehouse)
        caps=$(grep CapEff /proc/$pid/status | cut -f2)
        echo "main pid $pid: user $(stat -c %U /proc/$pid), CapEff $caps"
        test "$caps" = 0000000000003400   # CAP_NET_BIND_SERVICE | CAP_NET_ADMIN | CAP_NET_RAW
        echo "-- systemctl stop"
        systemctl stop gatehouse
        test "$(systemctl is-active gatehouse || true)" = inactive
        journalctl -u gatehouse --no-pager -o cat | grep -q "STOPPING=1"
        echo "-- kill -9 is restarted"
        systemctl start gatehouse
        kill -9 "$(systemctl show -p MainPID --value gatehouse)"
        for _ in $(seq 1 60); do
            [ "$(systemctl show -p NRestarts --value gatehouse)" -ge 1 ] && [ "$(systemctl is-active gatehouse)" = active ] && break
            sleep 1
        done
        test "$(systemctl is-active gatehouse)" = active
        echo "restarts: $(systemctl show -p NRestarts --value gatehouse)"
        systemctl stop gatehouse'
}

if [ "$containers" = 1 ]; then
    if ! docker_up; then
        fail "Docker engine (needed by the container tests)"
    elif ! test_image; then
        fail "test image (mmdebstrap bookworm root)"
    elif [ -z "$deb" ]; then
        fail "container tests (no package)"
    else
        check "dpkg -i / -r / -P in a fresh Debian 12 container; systemd-analyze verify" dpkg_cycle
        check "systemd unit under systemd 252: readiness, hardening, stop, restart" systemd_boot
        if [ "$pair" = 1 ]; then
            check "Ansible: active/active pair in two containers, idempotent, certificate served by the other node" \
                ops/ansible-pair.sh "$image" "$deb"
        fi
    fi
fi

log "summary ($(( $(date +%s) - t_start )) s)"
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
