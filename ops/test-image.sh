#!/usr/bin/env bash
# Builds the Debian 12 test image shared by ops/check.sh and appliance's VipFailoverIT: a root made by
# mmdebstrap from Debian's packages (nothing is pulled from a registry), imported with docker import.
#   ops/test-image.sh [IMAGE]   default IMAGE gatehouse-ops-test:bookworm; exit 0 when it exists
# The root tarball is cached in $GATEHOUSE_OPS_CACHE (default /var/cache/gatehouse-ops), so the first
# caller pays the few minutes and every later one (this or the other test) only imports it.
# What the tests need from it: the JRE (nodes), systemd (the unit test), python3 (the Ansible target and
# the IT's backend), curl + openssl (clients), iproute2 (VIP checks), procps.
set -euo pipefail
image="${1:-gatehouse-ops-test:bookworm}"
cache="${GATEHOUSE_OPS_CACHE:-/var/cache/gatehouse-ops}"
docker image inspect "$image" >/dev/null 2>&1 && exit 0
mkdir -p "$cache"
if [ ! -s "$cache/bookworm.tar" ]; then
    echo "building the test image root with mmdebstrap (a few minutes, cached in $cache)" >&2
    log="$(mktemp /tmp/gatehouse-mmdebstrap.XXXXXX.log)"
    mmdebstrap --variant=minbase --format=tar \
        --include=openjdk-17-jre-headless,systemd,systemd-sysv,python3,python3-apt,curl,openssl,iproute2,procps,ca-certificates \
        bookworm "$cache/bookworm.tar.tmp" \
        "deb http://deb.debian.org/debian bookworm main" \
        "deb http://deb.debian.org/debian bookworm-updates main" \
        "deb http://deb.debian.org/debian-security bookworm-security main" > "$log" 2>&1 \
        || { tail -20 "$log" >&2; exit 1; }
    rm -f "$log"
    mv "$cache/bookworm.tar.tmp" "$cache/bookworm.tar"
fi
docker import -c 'CMD ["/sbin/init"]' "$cache/bookworm.tar" "$image" >/dev/null
