#!/usr/bin/env bash
# Build the Kafka Streams peer of the cluster benchmark (see README.md here).
#
#   bash bench/kstreams/build.sh              build if needed; quiet on success
#   bash bench/kstreams/build.sh --classpath  the same, then print the classpath
#
# Resolves org.apache.kafka:kafka-streams (the broker's version: KAFKA_VERSION,
# or the default in scripts/kafka.sh) and slf4j-simple with Maven into a local
# repository under .cache/kafka/kstreams/ (beside the broker's .cache/kafka/m2),
# then compiles src/SluicePeer.java with javac into .cache/kafka/kstreams/.
# Nothing is written into the repository. Each step is skipped when its output
# is newer than its input; concurrent runs wait for each other (flock).
# Build messages go to stderr: stdout carries only the classpath, if asked.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# The broker's version: the same default as scripts/kafka.sh, read from it.
DEFAULT_VERSION="$(sed -n 's/^VERSION="\${KAFKA_VERSION:-\([^}]*\)}".*/\1/p' "$ROOT/scripts/kafka.sh")"
VERSION="${KAFKA_VERSION:-$DEFAULT_VERSION}"
CACHE="$ROOT/.cache/kafka"
KS="$CACHE/kstreams"
LIB="$KS/lib-$VERSION"
CLASSES="$KS/classes-$VERSION"
POM="$HERE/pom.xml"
SRC="$HERE/src/SluicePeer.java"

die() {
  echo "kstreams/build.sh: $*" >&2
  exit 1
}

[[ -n "$VERSION" ]] || die "cannot read the Kafka version from scripts/kafka.sh (set KAFKA_VERSION)"
# kafka-streams 4.x logs through slf4j 2, 3.x through slf4j 1.7.
case "$VERSION" in
  [0-3].*) SLF4J="1.7.36" ;;
  *) SLF4J="2.0.17" ;;
esac

up_to_date() {
  [[ -f "$LIB/.complete" && "$LIB/.complete" -nt "$POM" && -f "$CLASSES/.complete" &&
    "$CLASSES/.complete" -nt "$SRC" && "$CLASSES/.complete" -nt "$LIB/.complete" ]]
}

build() {
  if [[ ! -f "$LIB/.complete" || ! "$LIB/.complete" -nt "$POM" ]]; then
    command -v mvn >/dev/null || die "mvn is not installed (it resolves kafka-streams' jars)"
    echo "kstreams/build.sh: resolving kafka-streams $VERSION with Maven into $KS/m2" >&2
    rm -rf "$LIB.tmp"
    # --file on the repo's pom: with copy-dependencies' outputDirectory set, Maven writes nothing beside it.
    if ! mvn -B -q -f "$POM" -Dmaven.repo.local="$KS/m2" -Dkafka.version="$VERSION" -Dslf4j.version="$SLF4J" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIB.tmp" >"$KS/mvn.log" 2>&1; then
      tail -n 30 "$KS/mvn.log" >&2
      die "resolving kafka-streams $VERSION with Maven failed (full log: $KS/mvn.log)"
    fi
    touch "$LIB.tmp/.complete"
    rm -rf "$LIB"
    mv "$LIB.tmp" "$LIB"
  fi
  if [[ ! -f "$CLASSES/.complete" || ! "$CLASSES/.complete" -nt "$SRC" || ! "$CLASSES/.complete" -nt "$LIB/.complete" ]]; then
    command -v javac >/dev/null || die "javac is not installed (a JDK 17 compiles the peer)"
    echo "kstreams/build.sh: compiling $(basename "$SRC")" >&2
    rm -rf "$CLASSES.tmp"
    mkdir -p "$CLASSES.tmp"
    if ! javac -nowarn --release 17 -encoding UTF-8 -cp "$LIB/*" -d "$CLASSES.tmp" "$SRC" >"$KS/javac.log" 2>&1; then
      cat "$KS/javac.log" >&2
      die "compiling $SRC failed"
    fi
    touch "$CLASSES.tmp/.complete"
    rm -rf "$CLASSES"
    mv "$CLASSES.tmp" "$CLASSES"
  fi
}

# Fast path: nothing to do, no lock taken.
if ! up_to_date; then
  mkdir -p "$KS"
  exec 9>"$KS/.lock"
  flock 9
  up_to_date || build
  flock -u 9
  exec 9>&-
fi

if [[ "${1:-}" == "--classpath" ]]; then
  echo "$CLASSES:$LIB/*"
fi
