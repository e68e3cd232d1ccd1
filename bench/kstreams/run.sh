#!/usr/bin/env bash
# Run one instance of the Kafka Streams peer (see README.md here); builds it first.
#
#   bash bench/kstreams/run.sh <brokers> <applicationId> <inTopic> <outTopic> <commitIntervalMs> [<stateDir>]
#
# Prints "kstreams started" on stdout once the application is RUNNING, logs
# at WARN on stderr, and runs until SIGTERM/SIGINT: then it closes the
# application and exits 0. The JVM replaces this shell (exec), so the signal
# reaches it directly. Each instance running at once needs its own stateDir;
# without one it uses a fresh dir under java.io.tmpdir, deleted at exit.
#
# Environment: KSTREAMS_HEAP (default 512m), KSTREAMS_JAVA_OPTS (more JVM
# options, split on spaces), KAFKA_VERSION (as for scripts/kafka.sh).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 5 || $# -gt 6 ]]; then
  echo "usage: bash bench/kstreams/run.sh <brokers> <applicationId> <inTopic> <outTopic> <commitIntervalMs> [<stateDir>]" >&2
  exit 2
fi
CP="$(bash "$HERE/build.sh" --classpath)"
# shellcheck disable=SC2206 # KSTREAMS_JAVA_OPTS is a list of options
EXTRA=(${KSTREAMS_JAVA_OPTS:-})
exec java -Xms128m "-Xmx${KSTREAMS_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.logFile=System.err \
  -Dorg.slf4j.simpleLogger.showDateTime=true \
  "${EXTRA[@]}" -cp "$CP" SluicePeer "$@"
