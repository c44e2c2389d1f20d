#!/usr/bin/env bash
# The book on every CPU: run pytest (by default the README's whole test suite but the
# browser tests) once per OpenBLAS kernel family this CPU can execute, with 1 and with 2
# BLAS threads, and print a table. numpy's OpenBLAS picks a kernel by CPU (SkylakeX on an
# AVX-512 Intel, Haswell on AMD Zen and most AVX2 machines); the kernels sum in different
# orders, so a result that hangs on the last bit prints differently. OPENBLAS_CORETYPE
# forces one; threadpoolctl reports which one was really loaded.
#
#   scripts/every_kernel.sh                      # tests, handin doctests, notebooks, solutions
#   scripts/every_kernel.sh notebooks solutions  # only nbval on the chapters and solutions
#
# Needs the test environment (.venv, from the README's test command). Exits 1 if any run
# failed. A full sweep takes about six times one test run.
set -uo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--ignore=tests/browser)

kernels="Prescott"
grep -qw avx /proc/cpuinfo && kernels="$kernels Sandybridge"
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && kernels="$kernels Haswell"
grep -qw avx512f /proc/cpuinfo && kernels="$kernels SkylakeX"

log=$(mktemp -d)
declare -a rows=()
status=0
for kernel in $kernels; do
  for threads in 1 2; do
    loaded=$(OPENBLAS_CORETYPE=$kernel "$py" -c \
      'import numpy, threadpoolctl; print(threadpoolctl.threadpool_info()[0]["architecture"])')
    echo "== OPENBLAS_CORETYPE=$kernel ($loaded), OPENBLAS_NUM_THREADS=$threads"
    OPENBLAS_CORETYPE=$kernel OPENBLAS_NUM_THREADS=$threads \
      "$py" -m pytest -q -p no:cacheprovider "${args[@]}" > "$log/$kernel-$threads.txt" 2>&1
    rc=$?
    summary=$(tail -n 1 "$log/$kernel-$threads.txt")
    grep -E "^(FAILED|ERROR) " "$log/$kernel-$threads.txt"
    rows+=("$(printf '%-12s %-12s %-8s %s' "$kernel" "$loaded" "$threads" "$summary")")
    [ $rc -ne 0 ] && status=1
  done
done
echo
printf '%-12s %-12s %-8s %s\n' CORETYPE loaded threads result
printf '%s\n' "${rows[@]}"
echo "(logs in $log)"
exit $status
