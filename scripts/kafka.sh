#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker/controller) on
# 127.0.0.1, for development, tests and CI. No Docker, no distribution
# tarball: the broker's jars are resolved with Maven into .cache/kafka/ and
# its Java main classes are run directly.
#
# Two client listeners: PLAINTEXT (the address the commands print) and
# SASL_SSL, as managed Kafka services have it: TLS with a certificate for
# 127.0.0.1 and localhost signed by a CA made at start (keytool; never
# kept beyond `stop`), and SASL/SCRAM-SHA-512 with one user whose password
# is drawn at start. `secure` prints how to reach it.
#
#   scripts/kafka.sh start    start (or reuse) the broker; prints its address
#   scripts/kafka.sh stop     stop it and delete its data
#   scripts/kafka.sh status   exit 0 and print the address if it is running
#   scripts/kafka.sh brokers  print the address (exit 1 if not running)
#   scripts/kafka.sh secure   print the SASL_SSL listener as JSON (exit 1 if
#                             not running): {"brokers":"127.0.0.1:PORT",
#                             "ca":"<CA certificate, PEM file>","mechanism":
#                             "scram-sha-512","username":..,"password":..};
#                             the same is in the file `secure-file` prints
#   scripts/kafka.sh halt     stop the broker process only: its data, ports and
#                             cluster id are kept for `resume` (an outage)
#   scripts/kafka.sh resume   start a halted broker again on the same ports and
#                             data; prints its address
#   scripts/kafka.sh fetch    only resolve the jars
#
# Environment: KAFKA_VERSION (default below), KAFKA_HEAP (default 512m),
# KAFKA_START_TIMEOUT in seconds (default 90), KAFKA_INSTANCE (default none:
# the project's shared broker) to run another broker beside it, with its own
# run dir, data and ports (the outage tests halt and resume one of their own).
# An instance's ports lie outside the kernel's ephemeral range, so that no
# client connection takes one of them while the broker is halted.
# Quiet on success; on failure it prints why and the tail of the broker log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${KAFKA_VERSION:-3.9.1}"
SCALA="2.13"
CACHE="$ROOT/.cache/kafka"
LIB="$CACHE/lib-$VERSION"
INSTANCE="${KAFKA_INSTANCE:-}"
if [[ -n "$INSTANCE" && ! "$INSTANCE" =~ ^[A-Za-z0-9._-]+$ ]]; then
  echo "kafka.sh: KAFKA_INSTANCE must be letters, digits, '.', '_' or '-'; got '$INSTANCE'" >&2
  exit 2
fi
RUN="$CACHE/run${INSTANCE:+-$INSTANCE}"
HELPER="$ROOT/scripts/kafka-helper.mjs"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
# The SCRAM-SHA-512 user of the SASL_SSL listener (its password is drawn at each start).
SCRAM_USER="sluice"
JAVA_OPTS=(-Xms128m "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true)

die() {
  echo "kafka.sh: $*" >&2
  exit 1
}

log_tail() {
  local dir="$1"
  if [[ -f "$dir/server.log" ]]; then
    echo "--- last lines of $dir/server.log ---" >&2
    tail -n 40 "$dir/server.log" >&2
  fi
}

# Resolve org.apache.kafka:kafka_$SCALA:$VERSION and its runtime dependencies
# (plus a logging backend) into $LIB, once.
fetch() {
  [[ -f "$LIB/.complete" ]] && return 0
  command -v java >/dev/null || die "java is not installed (Kafka $VERSION needs Java 17)"
  command -v mvn >/dev/null || die "mvn is not installed (it resolves the broker's jars)"
  local pom="$CACHE/pom-$VERSION"
  mkdir -p "$pom"
  cat >"$pom/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.sluice</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$SCALA</artifactId>
      <version>$VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
POM
  rm -rf "$LIB.tmp"
  if ! mvn -B -q -f "$pom/pom.xml" -Dmaven.repo.local="$CACHE/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB.tmp" >"$pom/mvn.log" 2>&1; then
    tail -n 30 "$pom/mvn.log" >&2
    die "resolving kafka_$SCALA:$VERSION with Maven failed (full log: $pom/mvn.log)"
  fi
  touch "$LIB.tmp/.complete"
  rm -rf "$LIB"
  mv "$LIB.tmp" "$LIB"
}

# The running broker's address, if its process is alive.
running_brokers() {
  [[ -f "$RUN/pid" && -f "$RUN/brokers" ]] || return 1
  kill -0 "$(cat "$RUN/pid")" 2>/dev/null || return 1
  cat "$RUN/brokers"
}

start() {
  local brokers
  if brokers="$(running_brokers)"; then
    # Reuse it if it answers; otherwise replace it.
    if node "$HELPER" wait "$brokers" 10 >/dev/null 2>&1; then
      echo "$brokers"
      return 0
    fi
  fi
  # Not running (never started, halted, or died): forget what is left of it.
  stop
  fetch
  local ports port cport sport data
  ports="$(node "$HELPER" ports 3 ${INSTANCE:+outside-ephemeral})" || die "cannot find free ports"
  read -r port cport sport <<<"$ports"
  data="$(mktemp -d "${TMPDIR:-/tmp}/sluice-kafka.XXXXXX")"
  # The certificates take a few JVM starts: made while the storage is formatted.
  local store_pass scram_pass
  store_pass="$(node "$HELPER" secret)"
  scram_pass="$(node "$HELPER" secret)"
  make_tls "$data/tls" "$store_pass" >"$data/tls.log" 2>&1 &
  local tls_pid=$!
  cat >"$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport,SASL_SSL://127.0.0.1:$sport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_SSL://127.0.0.1:$sport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$data/tls/broker.p12
ssl.keystore.password=$store_pass
ssl.key.password=$store_pass
ssl.client.auth=none
log.dirs=$data/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.segment.bytes=67108864
PROPS
  cat >"$data/log4j.properties" <<'LOG4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
LOG4J
  local cluster_id
  cluster_id="$(node "$HELPER" cluster-id)"
  # The SCRAM user is in the cluster's metadata from the start (KRaft: no ZooKeeper to add it to).
  if ! java "${JAVA_OPTS[@]}" "-Dlog4j.configuration=file:$data/log4j.properties" -cp "$LIB/*" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$data/server.properties" -S "SCRAM-SHA-512=[name=$SCRAM_USER,password=$scram_pass]" >"$data/format.log" 2>&1; then
    wait "$tls_pid" || true
    cat "$data/format.log" >&2
    die "formatting the KRaft storage in $data failed"
  fi
  if ! wait "$tls_pid"; then
    cat "$data/tls.log" >&2
    die "making the TLS certificates in $data/tls with keytool failed"
  fi
  mkdir -p "$RUN"
  echo "$data" >"$RUN/dir"
  echo "127.0.0.1:$port" >"$RUN/brokers"
  # Written before the broker runs, so `stop` after a failed start finds nothing stale (it deletes it).
  (
    umask 077
    node "$HELPER" secure-json "127.0.0.1:$sport" "$data/tls/ca.pem" "$SCRAM_USER" "$scram_pass" >"$data/secure.json"
  )
  launch "$data" "127.0.0.1:$port"
}

# A CA and a broker key pair whose certificate it signed, for 127.0.0.1 and
# localhost, into the directory $1: broker.p12 (the broker's keystore, with
# the CA; password $2) and ca.pem (the CA certificate, for clients).
make_tls() {
  local dir="$1" pass="$2" keytool
  # The JDK's keytool, beside the java that runs the broker (not always on PATH).
  keytool="$(dirname "$(readlink -f "$(command -v java)")")/keytool"
  [[ -x "$keytool" ]] || keytool="$(command -v keytool)" || die "keytool (of the JDK) is not installed: it makes the broker's TLS certificates"
  local kt=("$keytool" -J-XX:TieredStopAtLevel=1 -J-Xshare:auto -storetype PKCS12 -storepass "$pass")
  mkdir -p "$dir"
  "${kt[@]}" -genkeypair -keystore "$dir/ca.p12" -keypass "$pass" -alias ca -keyalg EC -groupname secp256r1 -dname "CN=Sluice test CA" -ext bc:c -validity 3650
  "${kt[@]}" -exportcert -rfc -keystore "$dir/ca.p12" -alias ca -file "$dir/ca.pem"
  "${kt[@]}" -genkeypair -keystore "$dir/broker.p12" -keypass "$pass" -alias broker -keyalg EC -groupname secp256r1 -dname "CN=localhost" -validity 3650
  "${kt[@]}" -certreq -keystore "$dir/broker.p12" -alias broker -file "$dir/broker.csr"
  "${kt[@]}" -gencert -keystore "$dir/ca.p12" -alias ca -infile "$dir/broker.csr" -outfile "$dir/broker.pem" -rfc -validity 3650 \
    -ext SAN=ip:127.0.0.1,dns:localhost -ext KU=digitalSignature,keyEncipherment -ext EKU=serverAuth
  "${kt[@]}" -importcert -noprompt -keystore "$dir/broker.p12" -alias ca -file "$dir/ca.pem"
  "${kt[@]}" -importcert -keystore "$dir/broker.p12" -alias broker -file "$dir/broker.pem"
  # The CA's private key is of no further use: a certificate signed by it can only come from this start.
  rm -f "$dir/ca.p12" "$dir/broker.csr"
}

# Run the broker of the formatted data dir $1 in the background, wait until it
# answers on $2, and print $2. The server log is appended to (a resumed broker
# keeps the lines of its first life).
launch() {
  local data="$1" brokers="$2"
  nohup java "${JAVA_OPTS[@]}" "-Dlog4j.configuration=file:$data/log4j.properties" -cp "$LIB/*" \
    kafka.Kafka "$data/server.properties" >>"$data/server.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$RUN/pid"
  if ! node "$HELPER" wait "$brokers" "$TIMEOUT" "$pid" 2>"$data/wait.log"; then
    cat "$data/wait.log" >&2
    log_tail "$data"
    stop
    die "the broker did not answer on $brokers within ${TIMEOUT}s"
  fi
  if ! node "$HELPER" wait-secure "$data/secure.json" "$TIMEOUT" "$pid" 2>"$data/wait.log"; then
    cat "$data/wait.log" >&2
    log_tail "$data"
    stop
    die "the broker did not answer on its SASL_SSL listener within ${TIMEOUT}s"
  fi
  echo "$brokers"
}

# The SASL_SSL listener's JSON file of the running broker (see `secure`).
secure_file() {
  running_brokers >/dev/null || return 1
  local data
  data="$(cat "$RUN/dir")"
  [[ -f "$data/secure.json" ]] || return 1
  echo "$data/secure.json"
}

# End the broker process, if it runs: TERM (a clean shutdown), KILL after 20 s.
end_process() {
  [[ -f "$RUN/pid" ]] || return 0
  local pid
  pid="$(cat "$RUN/pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/pid"
}

halt() {
  [[ -f "$RUN/dir" && -f "$RUN/brokers" ]] || die "no broker${INSTANCE:+ '$INSTANCE'} to halt (start one first)"
  end_process
}

resume() {
  local brokers data
  if brokers="$(running_brokers)"; then
    echo "$brokers"
    return 0
  fi
  [[ -f "$RUN/dir" && -f "$RUN/brokers" ]] || die "no halted broker${INSTANCE:+ '$INSTANCE'} to resume (start one first)"
  data="$(cat "$RUN/dir")"
  brokers="$(cat "$RUN/brokers")"
  [[ -f "$data/server.properties" ]] || die "the data of the halted broker ($data) is gone; stop it and start a new one"
  rm -f "$RUN/pid"
  launch "$data" "$brokers"
}

stop() {
  [[ -f "$RUN/pid" || -f "$RUN/dir" ]] || return 0
  local data
  data="$(cat "$RUN/dir" 2>/dev/null || true)"
  end_process
  rm -f "$RUN/brokers" "$RUN/dir"
  [[ -z "$INSTANCE" ]] || rmdir "$RUN" 2>/dev/null || true
  # Only ever delete a directory this script made.
  if [[ -n "$data" && "$(basename "$data")" == sluice-kafka.* && -f "$data/server.properties" ]]; then
    rm -rf "$data"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  fetch) fetch ;;
  status | brokers) running_brokers || exit 1 ;;
  secure)
    file="$(secure_file)" || exit 1
    cat "$file"
    ;;
  secure-file) secure_file || exit 1 ;;
  halt) halt ;;
  resume) resume ;;
  *)
    echo "usage: [KAFKA_INSTANCE=name] scripts/kafka.sh start|stop|status|brokers|secure|secure-file|halt|resume|fetch" >&2
    exit 2
    ;;
esac
