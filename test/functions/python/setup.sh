#!/usr/bin/env bash
# Install the pinned Stateful Functions Python SDK and aiohttp used by the
# interoperability tests (server.py) into test/functions/python/.venv.
# Idempotent: does nothing when the venv already has the pinned versions.
# The base interpreter is $PYTHON (default python3). Prints the venv's
# python on its last line.
#
#     bash test/functions/python/setup.sh
set -euo pipefail

STATEFUN_VERSION="3.3.0"
AIOHTTP_VERSION="3.14.5"
# The SDK's generated code needs protobuf < 4; pinned so every machine runs the same one.
PROTOBUF_VERSION="3.20.3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"

# Test files running at once may each call this: one installs, the others
# wait for it and then find the venv ready.
if command -v flock >/dev/null; then
  exec 9<"${BASH_SOURCE[0]}"
  flock 9
fi

pinned() {
  "$VENV/bin/python" - <<PY 2>/dev/null
import importlib.metadata as m
import statefun, aiohttp, google.protobuf
assert m.version("apache-flink-statefun") == "$STATEFUN_VERSION"
assert m.version("aiohttp") == "$AIOHTTP_VERSION"
assert m.version("protobuf") == "$PROTOBUF_VERSION"
PY
}

if [ -x "$VENV/bin/python" ] && pinned; then
  echo "apache-flink-statefun $STATEFUN_VERSION, aiohttp $AIOHTTP_VERSION already installed in $VENV" >&2
else
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "apache-flink-statefun==$STATEFUN_VERSION" "aiohttp==$AIOHTTP_VERSION" "protobuf==$PROTOBUF_VERSION"
  pinned || { echo "setup.sh: $VENV lacks the pinned versions after installing" >&2; exit 1; }
  echo "apache-flink-statefun $STATEFUN_VERSION, aiohttp $AIOHTTP_VERSION installed in $VENV" >&2
fi
echo "$VENV/bin/python"
