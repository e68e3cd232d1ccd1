#!/usr/bin/env bash
# Install the pinned Bytewax used by the comparison benchmarks into bench/.venv.
# Idempotent: does nothing when the venv already has the pinned version.
#
#     bash bench/bytewax/setup.sh
set -euo pipefail

BYTEWAX_VERSION="0.21.1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$(cd "$HERE/.." && pwd)/.venv"
PYTHON="${PYTHON:-python3}"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import bytewax, importlib.metadata as m; assert m.version('bytewax') == '$BYTEWAX_VERSION'" 2>/dev/null; then
  echo "bytewax $BYTEWAX_VERSION already installed in $VENV"
  exit 0
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "bytewax==$BYTEWAX_VERSION"
"$VENV/bin/python" -c "import bytewax, importlib.metadata as m; print('bytewax', m.version('bytewax'), 'installed in $VENV')"
