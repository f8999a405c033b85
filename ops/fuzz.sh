#!/usr/bin/env bash
# ops/fuzz.sh: a bounded Jazzer fuzzing run of every input parser, for CI and by hand.
#
#   tls-engine  PemBundleParserFuzzTest   PEM chains and keys          -> bundle or CertificateParseException
#               ClientHelloFuzzTest       ClientHello bytes, SNI path  -> SslHandler, one alert, or close
#   appliance   Pkcs12UploadFuzzTest      PKCS#12 uploads              -> stored, or a 4xx naming the field
#               ConsoleApiFuzzTest        console POST/PUT bodies      -> documented status, refusals change nothing
#               ConfigLoaderFuzzTest      gatehouse.yaml text          -> config, or problems naming each field
#
# Each target fuzzes for its @FuzzTest(maxDuration) (30 s) in a JVM of its own (Jazzer fuzzes one
# test per JVM): the Maven profile "fuzz" runs one surefire execution per target with JAZZER_FUZZ=1
# and skips the ordinary tests. About 4 minutes on 2 cores from a fresh clone (it builds the modules
# it needs with -am; nothing is installed into ~/.m2). Needs no standard input and no network beyond
# Maven Central. A finding fails the run; its input is printed (base64) and left under
# src/test/resources/.../<Test>Inputs/<method>/crash-*, where 'mvn test' replays it: commit it with
# the fix and a plain JUnit test.
set -euo pipefail
cd "$(dirname "$0")/.."

log="$(mktemp /tmp/gatehouse-fuzz.XXXXXX.log)"
stamp="$(mktemp /tmp/gatehouse-fuzz.XXXXXX.stamp)"
trap 'rm -f "$stamp"' EXIT

status=0
# the bound of last resort: 5 targets x (30 s + start-up) plus the build, well under 15 minutes
# (a finding fails its target, not the build, so that every target still fuzzes; counted below)
timeout --kill-after=30s 15m mvn -B -P fuzz -pl appliance -am test -Dmaven.test.failure.ignore=true \
    </dev/null >"$log" 2>&1 || status=$?
grep -E '^\[(INFO|WARNING|ERROR)\] (Tests run|Running|BUILD|Failed)|^#[0-9]+ +DONE|^Done [0-9]+ runs|== Java Exception' "$log" || true

# executions per target: libFuzzer's closing "Done N runs in S second(s)" after surefire's "Running <class>"
echo "fuzz: executions per target"
awk '/^\[INFO\] Running dev\.gatehouse\./ { cls = $3; sub(/.*\./, "", cls) }
     /^Done [0-9]+ runs in/ { printf "  %-26s %12s executions in %s s\n", cls, $2, $5 }' "$log"

found=0
while IFS= read -r f; do
    found=$((found + 1))
    echo "fuzz: FINDING $f"
    echo "fuzz:   input (base64): $(base64 -w0 "$f")"
done < <(find tls-engine/src/test/resources appliance/src/test/resources -path '*Inputs/*' -name 'crash-*' \
    -newer "$stamp" 2>/dev/null)

targets=5
# a target passed when libFuzzer finished its time and surefire saw no failure in that class
failed="$(grep -cE '^\[ERROR\] Tests run: .* <<< FAILURE! -- in dev\.gatehouse\..*FuzzTest$' "$log" || true)"
ran="$(grep -cE '^Done [0-9]+ runs in' "$log" || true)"
passed=$((ran - failed < 0 ? 0 : ran - failed))
if [ "$status" -ne 0 ] || [ "$found" -gt 0 ] || [ "$failed" -gt 0 ] || [ "$passed" -lt "$targets" ]; then
    echo "fuzz: maven exit $status, $found finding(s) written, $failed target(s) failed, $ran of $targets finished;" \
        "full log: $log"
    echo "fuzz: $passed passed, $((targets - passed)) failed"
    exit 1
fi
rm -f "$log"
echo "fuzz: $targets passed, 0 failed"
