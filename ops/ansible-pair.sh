#!/usr/bin/env bash
# ops/ansible-pair.sh IMAGE DEB: runs ansible/site.yml for real against two fresh Debian 12 containers
# that boot systemd as PID 1 (so the node is started by gatehouse.service itself), runs it again and
# requires zero changes, then checks that both nodes run, form one cluster, and that a certificate
# uploaded through edge-1's console API is served by SNI from edge-2.
# Called by ops/check.sh --ansible-pair (which starts Docker and builds IMAGE). The containers sit on a
# Docker network of their own, 198.18.0.0/24, internal (no route out); they are removed at the end.
set -euo pipefail
image="$1"
deb="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
cd "$(dirname "$0")/.."
root=$PWD
tag="gatehouse-ops-pair-$$"
net="$tag"
work="$(mktemp -d /tmp/gatehouse-pair.XXXXXX)"
declare -A ip=([edge-1]=198.18.0.11 [edge-2]=198.18.0.12)

cleanup() {
    for n in edge-1 edge-2; do docker rm -f "$tag-$n" >/dev/null 2>&1 || true; done
    docker network rm "$net" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

docker network create --internal --subnet 198.18.0.0/24 --gateway 198.18.0.1 "$net" >/dev/null
for n in edge-1 edge-2; do
    docker run -d --name "$tag-$n" --hostname "$n" --network "$net" --ip "${ip[$n]}" --cgroupns=private \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add NET_RAW --security-opt seccomp=unconfined \
        --security-opt apparmor=unconfined --tmpfs /run:exec --tmpfs /run/lock --tmpfs /tmp:exec "$image" >/dev/null
done
for n in edge-1 edge-2; do
    for _ in $(seq 1 30); do
        s=$(docker exec "$tag-$n" systemctl is-system-running 2>/dev/null || true)
        case "$s" in running|degraded) break ;; esac
        sleep 1
    done
done

cat > "$work/inventory.yml" <<INV
all:
  children:
    gatehouse:
      hosts:
        edge-1: {ansible_host: $tag-edge-1, gatehouse_cluster_address: ${ip[edge-1]}}
        edge-2: {ansible_host: $tag-edge-2, gatehouse_cluster_address: ${ip[edge-2]}}
      vars:
        ansible_connection: community.docker.docker
        ansible_become: false
        ansible_python_interpreter: /usr/bin/python3
        gatehouse_deb_file: "$deb"
        gatehouse_apt_update_cache: false
        gatehouse_cluster_key_b64: "$(head -c 32 /dev/urandom | base64)"
        gatehouse_jgroups_secret_b64: "$(head -c 32 /dev/urandom | base64)"
INV

run_play() {
    ANSIBLE_CONFIG="$root/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
        timeout 900 ansible-playbook -i "$work/inventory.yml" "$root/ansible/site.yml" > "$work/play-$1.log" 2>&1
    local rc=$?
    sed -n '/PLAY RECAP/,$p' "$work/play-$1.log"
    if [ "$rc" != 0 ]; then tail -40 "$work/play-$1.log"; return 1; fi
}

echo "-- first run"
t0=$(date +%s)
run_play 1
grep -o 'The admin token of the cluster is in [^ ]* on [a-z0-9-]*' "$work/play-1.log" | head -1
echo "first run: $(( $(date +%s) - t0 )) s"
echo "-- second run (must change nothing)"
run_play 2
if grep -E '^edge-[12] +:' "$work/play-2.log" | grep -vq 'changed=0 '; then
    echo "second run changed something:"; grep -B3 '^changed:' "$work/play-2.log" | grep -E '^(TASK|changed)'; exit 1
fi

echo "-- both nodes serve, one cluster"
for n in edge-1 edge-2; do
    test "$(docker exec "$tag-$n" systemctl is-active gatehouse)" = active
    test "$(docker exec "$tag-$n" systemctl is-enabled gatehouse)" = enabled
    docker exec "$tag-$n" systemctl show -p StatusText --value gatehouse
done
members=$(docker exec "$tag-edge-1" gatehouse status --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["cluster"]["members"]))')
echo "cluster members seen by edge-1: $members"
test "$members" = 2
view=$(docker exec "$tag-edge-1" gatehouse status --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["cluster"]["membership"]["members"]))')
echo "membership view seen by edge-1: $view members"
test "$view" = 2

echo "-- certificate uploaded through edge-1's console API, served by edge-2"
docker exec "$tag-edge-1" bash -euc '
    cd /root
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=Lab CA" \
        -keyout ca.key -out ca.crt -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=app.acme.test" \
        -keyout app.key -out app.csr 2>/dev/null
    printf "subjectAltName=DNS:app.acme.test\nextendedKeyUsage=serverAuth\n" > ext
    openssl x509 -req -in app.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 20 -extfile ext -out app.crt 2>/dev/null
    cat app.crt ca.crt > chain.pem
    gatehouse tenant create acme
    gatehouse tenant claim acme app.acme.test
    gatehouse cert upload --tenant acme --cert chain.pem --key app.key'
docker cp "$tag-edge-1:/root/ca.crt" "$work/ca.crt"
docker cp "$work/ca.crt" "$tag-edge-2:/root/lab-ca.crt"
for _ in $(seq 1 20); do
    subject=$(docker exec "$tag-edge-2" bash -c 'openssl s_client -connect 198.18.0.12:443 -servername app.acme.test \
        -CAfile /root/lab-ca.crt -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null' || true)
    [ -n "$subject" ] && break
    sleep 1
done
echo "edge-2 (198.18.0.12:443) presents for app.acme.test: ${subject:-nothing}"
case "$subject" in *app.acme.test*) ;; *) exit 1 ;; esac
echo "ansible pair: ok"
