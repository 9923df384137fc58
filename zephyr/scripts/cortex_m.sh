#!/usr/bin/env bash
# Cortex-M figures for the Zephyr host: builds samples/guest with the C SDK's timer example
# built for a microcontroller (one 64 KiB page of linear memory, 8 KiB of C stack, the compact
# allocator, at least 16 KiB of heap) with Debian's arm-none-eabi GCC, for
#
#   mps2_an385           Cortex-M3, 4 MiB RAM, QEMU: the module's defaults, 160 KiB pool
#   mps2_an385-small     the same board with boards/nrf52840dk_nrf52840.conf (the small-part
#                        settings), so that they are run in QEMU too
#   nrf52840dk_nrf52840  Cortex-M4F, 1 MiB flash, 256 KiB RAM (build only; needs hal_nordic)
#   qemu_cortex_m3       LM3S6965, 64 KiB RAM: expected NOT to link (the guest's page alone
#                        is 64 KiB); the script reports by how much RAM overflows
#
# prints each image's flash (text + rodata + data) and RAM (data + bss + noinit), the share
# of the ioring host (libioring.a), WAMR (libioring_wamr.a) and RTIO from the linker map, the
# guest's memory settings, and, when qemu-system-arm is installed, runs the mps2_an385 images
# (IORING_CORTEX_M_RUNS times each, default 3, with -icount as Zephyr runs the board) and
# checks the guest ran to completion every time. QEMU's timing is not a measure of performance.
#
# Needs: ZEPHYR_BASE (Zephyr 3.4.99), WAMR_ROOT (WAMR 2.4.x), CMSIS_ROOT (the `cmsis` Zephyr
# module at the revision the tree's west.yml names; default $ZEPHYR_BASE/../modules/hal/cmsis),
# optionally HAL_NORDIC_ROOT (hal_nordic; default $ZEPHYR_BASE/../modules/hal/nordic), and
# apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi [qemu-system-arm]
# (the script installs them when run as root and they are missing; CI does not run it).
# Builds go to $IORING_CORTEX_M_BUILD (default ${TMPDIR:-/tmp}/ioring-cortex-m).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -z "${ZEPHYR_BASE:-}" || -z "${WAMR_ROOT:-}" ]]; then
	echo "cortex-m: skipped (set ZEPHYR_BASE and WAMR_ROOT, see zephyr/README.md)"
	exit 0
fi
cmsis=${CMSIS_ROOT:-$ZEPHYR_BASE/../modules/hal/cmsis}
nordic=${HAL_NORDIC_ROOT:-$ZEPHYR_BASE/../modules/hal/nordic}
if [[ ! -f "$cmsis/CMSIS/Core/Include/core_cm3.h" ]]; then
	echo "cortex-m: no CMSIS at $cmsis (set CMSIS_ROOT to the cmsis Zephyr module; see zephyr/README.md)"
	exit 1
fi

want=(gcc-arm-none-eabi libnewlib-arm-none-eabi)
[[ ${IORING_CORTEX_M_QEMU:-1} == 1 ]] && want+=(qemu-system-arm)
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
	if [[ $(id -u) == 0 ]]; then
		apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
			{ apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
	else
		echo "cortex-m: missing ${missing[*]} (apt-get install -y ${missing[*]})"
	fi
fi
command -v arm-none-eabi-gcc >/dev/null || { echo "cortex-m: no arm-none-eabi-gcc"; exit 1; }

out=${IORING_CORTEX_M_BUILD:-${TMPDIR:-/tmp}/ioring-cortex-m}
mkdir -p "$out"
guests64=$out/guests-64k
make -s -f "$root/guest/ioring.mk" IORING_APP="$root/guest/examples/timer.c" \
	IORING_BUILD="$guests64" IORING_MEMORY=65536 IORING_STACK=8192 IORING_HEAP=16384 \
	IORING_MALLOC=compact "$guests64/timer.core.wasm"
wasm=$guests64/timer.core.wasm

# Some Zephyr trees have an empty subsys/logging/backends/Kconfig.swo, so that SoC defconfigs
# (NXP i.MX RT, which every ARM build parses) set a symbol without a type and Kconfig aborts.
# Then a Kconfig root of our own gives it one and sources the sample's Kconfig.
kconfig=()
if [[ ! -s "$ZEPHYR_BASE/subsys/logging/backends/Kconfig.swo" ]]; then
	printf '%s\nconfig LOG_BACKEND_SWO_FREQ_HZ\n\tint\n\nsource "%s"\n' \
		"# This Zephyr tree's Kconfig.swo is empty: type the symbol SoC defconfigs set." \
		"$root/zephyr/samples/guest/Kconfig" >"$out/Kconfig.root"
	kconfig=(-DKCONFIG_ROOT="$out/Kconfig.root")
fi

small=$root/zephyr/samples/guest/boards/nrf52840dk_nrf52840.conf
# name | board | extra modules | extra CMake definitions (;-separated)
builds=(
	"mps2_an385|mps2_an385||-DCONFIG_IORING_WAMR_POOL_SIZE=163840"
	"mps2_an385-small|mps2_an385||-DOVERLAY_CONFIG=$small"
	"nrf52840dk_nrf52840|nrf52840dk_nrf52840|$nordic|"
	"qemu_cortex_m3|qemu_cortex_m3||-DOVERLAY_CONFIG=$small"
)

# Sizes of the input sections each of our libraries put in the image, from the linker map:
# "<lib> text rodata data bss noinit" (Zephyr's iterable RTIO/kernel objects count as data).
mapsum() {
	python3 - "$1" <<'EOF'
import collections, re, sys
lines = open(sys.argv[1]).read().split('\n')
start = next(i for i, l in enumerate(lines) if l.startswith('Linker script and memory map'))
libs = {'libioring.a(': 'ioring', 'libioring_wamr.a(': 'wamr', 'libsubsys__rtio.a(': 'rtio'}
sums = collections.defaultdict(collections.Counter)
pend = None
for l in lines[start:]:
    m = re.match(r'^ (\S+)\s*$', l)
    if m:
        pend = m.group(1)
        continue
    m = re.match(r'^ (\S+)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$', l)
    sec, pend = (m.group(1) or pend if m else None), None
    if not m or not sec or int(m.group(2), 16) == 0:
        continue
    lib = next((v for k, v in libs.items() if k in m.group(3)), None)
    if not lib or sec.startswith(('.debug', '.comment', '.ARM.', '.note')):
        continue
    kind = ('text' if sec.startswith('.text') else 'rodata' if sec.startswith('.rodata') else
            'noinit' if 'noinit' in sec else 'bss' if sec.startswith('.bss') or sec == 'COMMON'
            else 'data')
    sums[lib][kind] += int(m.group(2), 16)
for lib in ('ioring', 'wamr', 'rtio'):
    c = sums[lib]
    print(lib, c['text'], c['rodata'], c['data'], c['bss'], c['noinit'])
EOF
}

conf() { sed -n "s/^CONFIG_$2=//p" "$1/zephyr/.config"; }

pass=0 fail=0
ran=()
for spec in "${builds[@]}"; do
	IFS='|' read -r name board mods defs <<<"$spec"
	b=$out/$name
	modules="$root;$cmsis"
	if [[ $board == nrf* ]]; then
		if [[ ! -f "$nordic/zephyr/module.yml" ]]; then
			echo "skip $name: no hal_nordic at $nordic (set HAL_NORDIC_ROOT)"; continue
		fi
		modules+=";$mods"
	fi
	extra=()
	IFS=';' read -ra kv <<<"$defs"
	for d in "${kv[@]}"; do extra+=("$d"); done
	rm -rf "$b"
	if ! ZEPHYR_TOOLCHAIN_VARIANT=cross-compile CROSS_COMPILE=/usr/bin/arm-none-eabi- \
		cmake -GNinja -B "$b" -DBOARD="$board" -DSYSROOT_DIR=/usr/lib/arm-none-eabi \
		"${kconfig[@]}" "-DZEPHYR_MODULES=$modules" -DWAMR_ROOT="$WAMR_ROOT" \
		-DPython3_EXECUTABLE=/usr/bin/python3 -DBUILD_VERSION=ioring -DIORING_GUEST="$wasm" \
		"-DIORING_ARGS=100;5" "${extra[@]}" "$root/zephyr/samples/guest" >"$b.log" 2>&1; then
		echo "FAIL $name: configure (see $b.log)"; fail=$((fail + 1)); continue
	fi
	if ! ninja -C "$b" >>"$b.log" 2>&1; then
		over=$(grep -o "region \`RAM' overflowed by [0-9]* bytes" "$b.log" | head -1 || true)
		if [[ $board == qemu_cortex_m3 && -n "$over" ]]; then
			echo "ok   $name: does not fit, as expected: $over (the board has 64 KiB of RAM)"
			pass=$((pass + 1))
		else
			echo "FAIL $name: build (see $b.log)"; fail=$((fail + 1))
		fi
		continue
	fi
	[[ $board == qemu_cortex_m3 ]] && { echo "note $name: linked (not expected)"; }
	read -r text data bss _ < <(arm-none-eabi-size "$b/zephyr/zephyr.elf" | tail -1)
	echo "ok   $name ($board): flash $((text + data)) B, RAM $((data + bss)) B" \
		"(size: text+rodata $text, data $data, bss+noinit $bss)"
	grep -E '^ +(FLASH|RAM):' "$b.log" | sed 's/^ */       linker: /'
	while read -r lib t r d z n; do
		printf '       %-6s flash %6d (text %d, rodata %d, data %d)  RAM %6d (data %d, bss %d, noinit %d)\n' \
			"$lib" $((t + r + d)) "$t" "$r" "$d" $((d + z + n)) "$d" "$z" "$n"
	done < <(mapsum "$b/zephyr/zephyr.map")
	echo "       guest: $(stat -c %s "$wasm") B module, linear memory 65536 (one page, fixed)," \
		"C stack 8192, heap >= 16384 (compact malloc); WAMR pool $(conf "$b" IORING_WAMR_POOL_SIZE)," \
		"operand stack $(conf "$b" IORING_GUEST_STACK_SIZE), app heap $(conf "$b" IORING_GUEST_HEAP_SIZE)," \
		"in-flight heap $(conf "$b" IORING_INFLIGHT_BYTES), rings $(conf "$b" IORING_MAX_RINGS)x$(conf "$b" IORING_RING_ENTRIES)," \
		"main stack $(conf "$b" MAIN_STACK_SIZE)"
	pass=$((pass + 1))
	[[ $board == mps2_an385 ]] && ran+=("$name")
done

# QEMU: the mps2_an385 images, each IORING_CORTEX_M_RUNS times (default 3), until the sample's
# last line (or 30 s). The image does not power off: QEMU is stopped once the line is there.
# QEMU runs as Zephyr's own `west build -t run` does for the board: with -icount as the
# image's CONFIG_QEMU_ICOUNT* say (shift 7, sleep off for mps2_an385). Without it QEMU's
# SysTick reads 0 after a write of SYST_CVR until its main loop reloads the counter, and
# Zephyr's SysTick driver counts such a read as a whole reload period gone (up to 660 ms):
# the kernel clock leaps ahead and the timer guest's 1 s watchdog fired after three ticks in
# about half of the runs. IORING_CORTEX_M_ICOUNT=0 runs without it, to see that.
runs=${IORING_CORTEX_M_RUNS:-3}
if command -v qemu-system-arm >/dev/null; then
	for name in "${ran[@]}"; do
		qflags=()
		if [[ ${IORING_CORTEX_M_ICOUNT:-1} == 1 && $(conf "$out/$name" QEMU_ICOUNT) == y ]]; then
			slp=off
			[[ $(conf "$out/$name" QEMU_ICOUNT_SLEEP) == y ]] && slp=on
			qflags=(-icount "shift=$(conf "$out/$name" QEMU_ICOUNT_SHIFT),align=off,sleep=$slp"
				-rtc clock=vm)
		fi
		good=0
		for run in $(seq "$runs"); do
			f=$out/$name.qemu.$run
			: >"$f" # now, not in the background job: a previous run's lines must not count
			qemu-system-arm -cpu cortex-m3 -machine mps2-an385 -nographic -vga none -net none \
				"${qflags[@]}" -kernel "$out/$name/zephyr/zephyr.elf" >"$f" 2>&1 &
			pid=$!
			for _ in $(seq 60); do grep -aq 'exited with status' "$f" && break; sleep 0.5; done
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			if grep -aq 'stopped after 5 ticks' "$f" && grep -aq 'watchdog canceled' "$f" &&
				grep -aq 'timer exited with status 0' "$f"; then
				good=$((good + 1))
			else
				bad=$f
			fi
		done
		how=${qflags[*]:-no -icount}
		if ((good == runs)); then
			echo "ok   qemu $name: the guest ran to completion in $good of $runs runs ($how)"
			pass=$((pass + 1))
			f=$out/$name.qemu.1
		else
			echo "FAIL qemu $name: the guest ran to completion in $good of $runs runs ($how)"
			fail=$((fail + 1))
			f=$bad
		fi
		grep -av '^qemu-system-arm' "$f" | sed 's/^/  | /' || true # an empty log fails above
	done
else
	echo "skip qemu: no qemu-system-arm (apt-get install -y qemu-system-arm)"
fi

echo "cortex-m: $pass passed, $fail failed"
((fail == 0))
