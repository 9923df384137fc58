#!/usr/bin/env bash
# The boundary-cost benchmark (samples/bench) on native_sim_64: builds it (its guest with
# guest/ioring.mk), runs zephyr.exe with -no-rt and prints its lines. Needs ZEPHYR_BASE and
# WAMR_ROOT; without them it prints one skip line and exits 0. IORING_BENCH_CLOCK=cpu times
# with the process's CPU time (steadier on a loaded machine); IORING_BENCH_PROFILE runs one
# case alone (samples/bench/src/main.c).
set -euo pipefail

if [[ -z "${ZEPHYR_BASE:-}" || -z "${WAMR_ROOT:-}" ]]; then
	echo "bench-zephyr: skipped (set ZEPHYR_BASE to a Zephyr tree and WAMR_ROOT to a WAMR checkout to run the native_sim benchmark)"
	exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${IORING_ZEPHYR_BUILD:-${TMPDIR:-/tmp}/ioring-zephyr}
board=${BOARD:-native_sim_64}
b="$out/$board-bench"
mkdir -p "$out"
if ! PATH=/usr/bin:$PATH ZEPHYR_TOOLCHAIN_VARIANT=${ZEPHYR_TOOLCHAIN_VARIANT:-host} \
	cmake -GNinja -B "$b" -DBOARD="$board" -DZEPHYR_MODULES="$root" -DWAMR_ROOT="$WAMR_ROOT" \
	-DPython3_EXECUTABLE=/usr/bin/python3 -DBUILD_VERSION=ioring \
	"$root/zephyr/samples/bench" >"$b.log" 2>&1 || ! ninja -C "$b" >>"$b.log" 2>&1; then
	echo "bench-zephyr: build failed (see $b.log)"
	exit 1
fi
timeout 600 "$b/zephyr/zephyr.exe" -no-rt | grep '^bench'
