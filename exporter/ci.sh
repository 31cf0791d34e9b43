#!/usr/bin/env bash
# Python side of CI: (re)use a venv built from this machine's local wheel index, run the exporter tests.
# Trains nothing; the C++ training scan test is skipped unless QMC_TEST_EXT=1. onnxscript serves the
# dynamo exporter (probe_nets --exporter dynamo); its test is skipped where a venv lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-./.venv}"
PKGS="torch onnx onnxruntime numpy pillow pytest onnxscript"
if ! "$VENV/bin/python" -c "import torch, onnx, onnxruntime, numpy, PIL, pytest" 2>/dev/null; then
  echo "exporter/ci.sh: creating $VENV from the local wheel index"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple \
    --find-links /opt/wheels $PKGS
fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider exporter/tests "$@"
