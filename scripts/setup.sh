#!/usr/bin/env bash
# Create .venv with the CPU build of PyTorch and sklearn-losses (editable, with test extras).
# Idempotent: re-running only installs what is missing.
#
# torch comes first, from PyTorch's CPU wheel index (https://download.pytorch.org/whl/cpu):
# on the public package index a bare `torch==2.13.0` resolves to the multi-GB CUDA build on
# Linux. When that index cannot be reached (an offline mirror, a firewall), the script falls
# back to the configured index and says so; there, `torch==2.13.0` must resolve to a CPU build
# (as on a mirror that serves `torch-2.13.0+cpu`). Set TORCH_SPEC to pin another version, or
# TORCH_INDEX_URL to use another wheel index (e.g. https://download.pytorch.org/whl/cu124 for
# a CUDA build on a GPU machine).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
TORCH_INDEX_URL=${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}
# Python 3.10+: the interpreter that makes .venv, or the one an existing .venv has
version_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; }
if [ -x .venv/bin/python ]; then
  if ! version_ok .venv/bin/python; then
    echo "setup: .venv has $(.venv/bin/python -V 2>&1); sklearn-losses needs Python 3.10+." \
         "Remove .venv and rerun (PYTHON=python3.11 ./scripts/setup.sh to choose one)." >&2
    exit 1
  fi
else
  if ! version_ok "$PY"; then
    echo "setup: $PY is $("$PY" -V 2>&1 || echo 'not found'); sklearn-losses needs Python" \
         "3.10+. Set PYTHON to one, e.g. PYTHON=python3.11 ./scripts/setup.sh" >&2
    exit 1
  fi
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  if .venv/bin/python - "$TORCH_INDEX_URL" <<'EOF' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1].rstrip("/") + "/torch/", timeout=10)
EOF
  then
    echo "setup: installing $TORCH_SPEC from $TORCH_INDEX_URL" >&2
    .venv/bin/pip install -q "$TORCH_SPEC" --index-url "$TORCH_INDEX_URL"
  else
    echo "setup: $TORCH_INDEX_URL is not reachable; installing $TORCH_SPEC from the configured" \
         "package index instead (a CPU build only where that index serves one)" >&2
    .venv/bin/pip install -q "$TORCH_SPEC"
  fi
fi
.venv/bin/pip install -q -e ".[dev]"
