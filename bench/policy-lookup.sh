#!/usr/bin/env bash
# policy-lookup.sh — speed and size of the per-hostname policy structures (issue #14):
# a 10,000-entry CidrSet (ipAllow/ipDeny) and the per-client ClientRateLimiter (rateLimit).
#
# Usage: bench/policy-lookup.sh [SECONDS_PER_MEASUREMENT] [ENTRIES]
#        QUICK=1 bench/policy-lookup.sh      # 1 s per measurement (shared machine)
#
# Works on a fresh clone: compiles tls-engine's main and test classes from this work tree
# (mvn test-compile, nothing installed, no jar from an earlier run), then runs the main class
# dev.gatehouse.tls.policy.PolicyLookupBench from tls-engine/target/{classes,test-classes}.
# The two classes measured use only the JDK, so no dependency is on the classpath.
# One JVM, one thread (plus a two-thread acquire run); nothing is left running.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
SECONDS_EACH="${1:-$([ "${QUICK:-0}" = 1 ] && echo 1 || echo 3)}"
ENTRIES="${2:-10000}"

echo "build: mvn -B -q -pl tls-engine -am test-compile" >&2
mvn -B -q -pl tls-engine -am test-compile

echo "java: $(java -version 2>&1 | head -1); cpus: $(nproc); $(date -u +%FT%TZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
exec java -Xms256m -Xmx256m -XX:+UseParallelGC \
    -cp tls-engine/target/classes:tls-engine/target/test-classes \
    dev.gatehouse.tls.policy.PolicyLookupBench "$SECONDS_EACH" "$ENTRIES"
