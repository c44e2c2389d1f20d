#!/usr/bin/env bash
# The epoch benchmark: handin.fit against scikit-learn (and PyTorch CPU) and the GEMM floor.
#
#   benchmarks/run.sh [--torch] [--quick] [any flag of bench_epoch.py, see --help]
#
# Creates .venv-bench (once) from this repository with `pip install -e ".[bench]"`,
# adds PyTorch 2.13.0 (the CPU build) when --torch is given or TORCH is set (non-empty,
# not 0), then runs benchmarks/bench_epoch.py. Never asks for a bare `torch`: that
# would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."

want_torch=0
case "${TORCH:-}" in ""|0) ;; *) want_torch=1 ;; esac
args=()
for a in "$@"; do
  if [ "$a" = "--torch" ]; then want_torch=1; else args+=("$a"); fi
done

VENV=.venv-bench
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
echo '*' > "$VENV/.gitignore"          # keep the venv out of git
"$VENV/bin/pip" install -q -e ".[bench]"
if [ "$want_torch" = 1 ]; then
  "$VENV/bin/pip" install -q "torch==2.13.0"
fi
exec "$VENV/bin/python" benchmarks/bench_epoch.py ${args[@]+"${args[@]}"}
