#!/bin/bash
# PID 1 of a node container in VipFailoverIT, standing in for systemd and gatehouse.service:
#   ExecStart    java -jar gatehouse.jar serve        (in the background, its pid in /run/gatehouse.pid)
#   ExecStopPost gatehouse release-vips               (after every exit of the JVM: stop, crash, kill -9)
# docker stop (SIGTERM to PID 1) is passed on to the JVM, as systemctl stop would, and the container
# exits once ExecStopPost has run. When the JVM dies on its own (kill -9 inside the container) the
# "host" stays up, as it does when a unit fails, so the test can look at the interface afterwards.
# Lines of its own start with "supervisor:" in the container log.
set -u
conf=/etc/gatehouse/gatehouse.yaml
jar=/opt/gatehouse/gatehouse.jar
stopping=0
pid=
trap 'stopping=1; [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null' TERM INT

addresses() { ip -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | tr '\n' ' '; }

# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -jar "$jar" serve --config "$conf" &
pid=$!
echo "$pid" > /run/gatehouse.pid
while :; do
    wait "$pid"
    status=$?
    kill -0 "$pid" 2>/dev/null || break   # still running: wait was interrupted by the trap
done
echo "supervisor: event=jvm_exited status=$status stopping=$stopping addresses=[$(addresses)]"
java -Xmx64m -jar "$jar" release-vips --config "$conf" 2>&1 | sed 's/^/supervisor: release-vips: /'
echo "supervisor: event=release_vips_done addresses=[$(addresses)]"
[ "$stopping" = 1 ] && exit 0
trap 'exit 0' TERM INT
sleep infinity &
wait $!
