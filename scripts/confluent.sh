#!/usr/bin/env bash
# Install Confluent's Kafka client (@confluentinc/kafka-javascript, on
# librdkafka) for the tests of Sluice's second Kafka client
# (test/connectors/kafka/confluent.test.ts), into a side directory:
#
#   .cache/confluent/<node version>/node_modules/@confluentinc/kafka-javascript
#
# not the project's node_modules: Sluice does not depend on it, and it is a
# native addon built once per Node ABI (about 2 min on 2 cores, ~300 MB).
# Prints the directory on its last line; the tests find it through
# SLUICE_CONFLUENT_DIR=<that directory>.
#
# Where its prebuilt binaries and librdkafka's bundled dependency sources
# cannot be downloaded, it builds librdkafka against the system's OpenSSL
# and zlib (CKJS_LINKING=dynamic) with the running Node's headers
# (npm_config_nodedir, /usr by default: the Node of the machine).
# Idempotent: an install already built for this Node at the pinned version
# is kept.
#
#   bash scripts/confluent.sh            # install (or keep) for `node` on PATH
#   bash scripts/confluent.sh --dir      # only print the directory
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned (bump here): the version the adapter (src/connectors/kafka/internal/confluentClient.ts) was written against.
VERSION=1.10.1
PKG=@confluentinc/kafka-javascript

dir="$PWD/.cache/confluent/$(node --version)"
if [[ "${1:-}" == "--dir" ]]; then
  echo "$dir"
  exit 0
fi
home="$dir/node_modules/$PKG"
installed="$(node -p "try { require('$home/package.json').version } catch { '' }" 2>/dev/null || true)"
if [[ "$installed" == "$VERSION" && -f "$home/build/Release/confluent-kafka-javascript.node" ]]; then
  echo "$PKG@$VERSION already built for node $(node --version)" >&2
else
  rm -rf "$dir"
  mkdir -p "$dir"
  echo '{ "name": "sluice-confluent-side-install", "private": true }' >"$dir/package.json"
  start=$SECONDS
  echo "building $PKG@$VERSION for node $(node --version) (CKJS_LINKING=dynamic; about 2 min)" >&2
  CKJS_LINKING=dynamic npm_config_nodedir="${npm_config_nodedir:-/usr}" \
    npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund "$PKG@$VERSION" >"$dir/install.log" 2>&1 || {
    tail -n 40 "$dir/install.log" >&2
    echo "installing $PKG failed; the whole log is in $dir/install.log" >&2
    exit 1
  }
  echo "built in $((SECONDS - start))s" >&2
fi
# Check it loads (the addon links against the system's libssl and zlib).
node -e "require('$home').KafkaJS.Kafka" >&2
echo "$dir"
