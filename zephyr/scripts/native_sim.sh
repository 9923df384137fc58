#!/usr/bin/env bash
# Builds the guest-runner sample for each case below on native_sim_64, runs it, and checks
# its output. Needs ZEPHYR_BASE (a Zephyr 3.4.99+ tree) and WAMR_ROOT (WAMR 2.4.x), and the
# guests' core modules (make -C guest). Without ZEPHYR_BASE or WAMR_ROOT it prints one skip
# line and exits 0.
#
# Each case: name | guest core module | arguments (;-separated) | expected output line(s)
# (|-free, \n-separated, each must appear in order) | expected exit status. A conformance
# column adds rows of the same shape. IORING_ZEPHYR_CASES='a|b' runs only those cases.
set -euo pipefail

if [[ -z "${ZEPHYR_BASE:-}" || -z "${WAMR_ROOT:-}" ]]; then
	echo "zephyr: skipped (set ZEPHYR_BASE to a Zephyr tree and WAMR_ROOT to a WAMR checkout to build and run the native_sim samples)"
	exit 0
fi

root=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -z "${IORING_GUEST_BUILD:-}" ]]; then
	make -s -C "$root/guest"
fi
guests=${IORING_GUEST_BUILD:-$root/guest/build}
out=${IORING_ZEPHYR_BUILD:-${TMPDIR:-/tmp}/ioring-zephyr}
board=${BOARD:-native_sim_64}
mkdir -p "$out"

# The same examples built for a microcontroller: one 64 KiB page of linear memory (8 KiB of
# stack, the compact allocator, at least 16 KiB of heap), into the build directory, not
# guest/build. Cases naming 64k/<guest> run these with a 160 KiB WAMR pool.
guests64=$out/guests-64k
for g in timer cat tcp-echo; do
	make -s -f "$root/guest/ioring.mk" IORING_APP="$root/guest/examples/$g.c" \
		IORING_BUILD="$guests64" IORING_MEMORY=65536 IORING_STACK=8192 IORING_HEAP=16384 \
		IORING_MALLOC=compact "$guests64/$g.core.wasm"
done

cases=(
	"timer|timer|100;5|tick 1\ntick 5\nstopped after 5 ticks\nwatchdog canceled\nioring sample: timer exited with status 0|0"
	"cat|cat|data/hello.txt|hello from ext2 on a RAM disk\nioring sample: cat exited with status 0|0"
	"cat-escape|cat|data/../in/a|ioring sample: cat exited with status 1|1"
	"copy|copy|in/a;out/b|out/b has 100000 bytes, equal to in/a\nioring sample: copy exited with status 0|0"
	"copy-read-only|copy|in/a;data/b|ioring sample: copy exited with status 1|1"
	"tcp-echo|tcp-echo||ioring peer: tcp: connection 1: 100000 bytes echoed, equal to those sent\nioring peer: tcp: connection 2: 100000 bytes echoed, equal to those sent\nioring peer: tcp: connection 3: 100000 bytes echoed, equal to those sent\nioring peer: tcp passed|0"
	"udp-echo|udp-echo|serve;5|ioring peer: udp: 5 datagrams echoed, equal to those sent|0"
	"spi-transfer|spi-transfer||ef 40 18\nioring sample: spi-transfer exited with status 0|0"
	"i2c-eeprom|zephyr/i2c-eeprom||i2c-eeprom: read 0x10: ff ff ff ff\ni2c-eeprom: wrote 0x10: 69 6f 72 69 6e 67\ni2c-eeprom: read 0x10: 69 6f 72 69 6e 67\ni2c-eeprom: read 0x51: permission denied by grant\nioring sample: i2c-eeprom exited with status 0|0"
	"timer-64k|64k/timer|100;5|tick 1\ntick 5\nstopped after 5 ticks\nwatchdog canceled\nioring sample: timer exited with status 0|0"
	"cat-64k|64k/cat|data/hello.txt|hello from ext2 on a RAM disk\nioring sample: cat exited with status 0|0"
	"button-led|button-led|1;0;2065|ioring peer: gpio: 2000 edges at 10 kHz, the LED followed each\nioring peer: gpio: a burst of 64 edges at 10 kHz, the LED shows the last\nbutton-led: 2065 edges, seqno 1..2065, 0 lost, \nioring sample: button-led exited with status 0|0"
	"button-led-ts|ts/button-led|1;0;2065|ioring peer: gpio: 2000 edges at 10 kHz, the LED followed each\nioring peer: gpio: a burst of 64 edges at 10 kHz, the LED shows the last\nbutton-led: 2065 edges, seqno 1..2065, 0 lost, \nioring sample: button-led exited with status 0|0"
	"button-led-overflow|button-led|1;0;2065|ioring peer: gpio: 2000 edges at 10 kHz, the LED followed each\nioring peer: gpio: a burst of 64 edges at 10 kHz, the LED shows the last\nbutton-led: 2018 edges, seqno 1..2065, 47 lost, \nioring sample: button-led exited with status 1|1"
	"tcp-echo-64k|64k/tcp-echo||ioring peer: tcp: connection 1: 100000 bytes echoed, equal to those sent\nioring peer: tcp: connection 3: 100000 bytes echoed, equal to those sent\nioring peer: tcp passed|0"
)

# Guests of the Zephyr samples themselves (samples/guest/guests/*.c), named zephyr/<name>.
guestsz=$out/guests-zephyr
for src in "$root"/zephyr/samples/guest/guests/*.c; do
	g=$(basename "$src" .c)
	make -s -f "$root/guest/ioring.mk" IORING_APP="$src" IORING_BUILD="$guestsz" "$guestsz/$g.core.wasm"
done

# TypeScript examples (ts/examples/*.ts), named ts/<name>: built as core modules of the
# ioring-qjs engine (ts/engine: QuickJS-ng as a C guest; its first build compiles QuickJS, some
# minutes), which need ts/dist (npm run build -w @ioring/ring).
gueststs=$out/guests-ts
mkdir -p "$gueststs"
for g in button-led; do
	if [[ -z "${IORING_ZEPHYR_CASES:-}" || "$g-ts" =~ ^(${IORING_ZEPHYR_CASES})$ ]]; then
		node "$root/ts/bin/ioring-build.js" "$root/ts/examples/$g.ts" -o "$gueststs/$g.wasm" \
			--engine ioring-qjs --no-check >"$gueststs/$g.log" 2>&1 || rm -f "$gueststs/$g.core.wasm"
	fi
done

pass=0 fail=0
for c in "${cases[@]}"; do
	IFS='|' read -r name guest args expect status <<<"$c"
	[[ -z "${IORING_ZEPHYR_CASES:-}" || "$name" =~ ^(${IORING_ZEPHYR_CASES})$ ]] || continue
	b="$out/$board-$name"
	wasm="$guests/$guest.core.wasm"
	extra=()
	if [[ $guest == zephyr/* ]]; then
		wasm="$guestsz/${guest#zephyr/}.core.wasm"
	fi
	# QuickJS in WAMR: its heap and 1 MiB C stack in the pool, and deeper interpreter frames.
	if [[ $guest == ts/* ]]; then
		wasm="$gueststs/${guest#ts/}.core.wasm"
		extra=(-DCONFIG_IORING_WAMR_POOL_SIZE=33554432 -DCONFIG_IORING_GUEST_STACK_SIZE=262144)
	fi
	if [[ $guest == 64k/* ]]; then
		wasm="$guests64/${guest#64k/}.core.wasm"
		extra=(-DCONFIG_IORING_WAMR_POOL_SIZE=163840)
	fi
	# A buffer of 16 edges for a burst of 64: the oldest 47 go, and the guest sees the gap.
	if [[ $name == button-led-overflow ]]; then
		extra=(-DCONFIG_IORING_GPIO_EVENTS=16)
	fi
	if [[ ! -f "$wasm" ]]; then
		echo "FAIL $name: no $wasm (make -C guest; for ts/: $gueststs/*.log)"; fail=$((fail + 1)); continue
	fi
	if ! PATH=/usr/bin:$PATH ZEPHYR_TOOLCHAIN_VARIANT=${ZEPHYR_TOOLCHAIN_VARIANT:-host} \
		cmake -GNinja -B "$b" -DBOARD="$board" -DZEPHYR_MODULES="$root" -DWAMR_ROOT="$WAMR_ROOT" \
		-DPython3_EXECUTABLE=/usr/bin/python3 -DBUILD_VERSION=ioring -DIORING_GUEST="$wasm" \
		"-DIORING_ARGS=$args" "${extra[@]}" "$root/zephyr/samples/guest" >"$b.log" 2>&1 ||
		! ninja -C "$b" >>"$b.log" 2>&1; then
		echo "FAIL $name: build (see $b.log)"; fail=$((fail + 1)); continue
	fi
	set +e
	got=$(timeout 60 "$b/zephyr/zephyr.exe" -stop_at=50 2>&1)
	rc=$?
	set -e
	ok=1
	rest=$got
	while IFS= read -r line; do
		if [[ "$rest" != *"$line"* ]]; then ok=0; echo "  missing: $line"; break; fi
		rest=${rest#*"$line"}
	done < <(printf '%b\n' "$expect")
	[[ $rc == "$status" ]] || { ok=0; echo "  exit status $rc, want $status"; }
	if ((ok)); then
		echo "ok   $name"; pass=$((pass + 1))
	else
		echo "FAIL $name"; printf '%s\n' "$got" | sed 's/^/  | /' | tail -15; fail=$((fail + 1))
	fi
done
# tty-spy, driven from Linux: the unmodified example on native_sim's second UART, which the
# runner connects to a pseudo-terminal and names on stdout; two lines written there must come
# out of the guest's stdout byte for byte, and the guest must still be reading when the run
# stops (-stop_at, real time).
tty_case() {
	local b="$out/$board-tty-spy" log pts got
	log="$b.out"
	if ! PATH=/usr/bin:$PATH ZEPHYR_TOOLCHAIN_VARIANT=${ZEPHYR_TOOLCHAIN_VARIANT:-host} \
		cmake -GNinja -B "$b" -DBOARD="$board" -DZEPHYR_MODULES="$root" -DWAMR_ROOT="$WAMR_ROOT" \
		-DPython3_EXECUTABLE=/usr/bin/python3 -DBUILD_VERSION=ioring \
		-DIORING_GUEST="$guests/tty-spy.core.wasm" "$root/zephyr/samples/guest" >"$b.log" 2>&1 ||
		! ninja -C "$b" >>"$b.log" 2>&1; then
		echo "FAIL tty-spy: build (see $b.log)"; return 1
	fi
	timeout 30 "$b/zephyr/zephyr.exe" -stop_at=4 >"$log" 2>&1 &
	local pid=$!
	for _ in $(seq 50); do
		pts=$(grep -ao 'uart_1 connected to pseudotty: /dev/pts/[0-9]*' "$log" | awk '{print $NF}')
		[[ -n "$pts" ]] && break
		sleep 0.1
	done
	if [[ -z "$pts" ]]; then
		wait "$pid" || true; echo "FAIL tty-spy: no pseudo-terminal"; return 1
	fi
	sleep 0.5
	printf 'hello from linux\n' >"$pts"
	sleep 0.3
	printf 'second\tline\n' >"$pts"
	wait "$pid" || true
	got=$(grep -a -A1 '^hello from linux$' "$log" || true)
	if [[ "$got" == $'hello from linux\nsecond\tline' ]] && grep -aq '^Stopped at' "$log" &&
		! grep -aq 'tty-spy:' "$log"; then
		echo "ok   tty-spy"
	else
		echo "FAIL tty-spy"; sed 's/^/  | /' "$log" | tail -10; return 1
	fi
}
if [[ -z "${IORING_ZEPHYR_CASES:-}" || "tty-spy" =~ ^(${IORING_ZEPHYR_CASES})$ ]]; then
	if tty_case; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
fi

# The ztest suites, once per scenario of their testcase.yaml (name|extra Kconfig, ;-separated).
suites=(
	"tests/host/guests|ioring.host.guests|"
	"tests/host/guests|ioring.host.guests.classic_interp|CONFIG_IORING_WAMR_CLASSIC_INTERP=y"
	"tests/host/guests|ioring.host.guests.small_ring|CONFIG_IORING_RING_ENTRIES=8;CONFIG_IORING_CQ_ENTRIES=8"
)
for t in "${suites[@]}"; do
	IFS='|' read -r dir name confs <<<"$t"
	[[ -z "${IORING_ZEPHYR_CASES:-}" || "$name" =~ ^(${IORING_ZEPHYR_CASES})$ ]] || continue
	b="$out/$board-$name"
	defs=()
	IFS=';' read -ra kv <<<"$confs"
	for c in "${kv[@]}"; do defs+=("-D$c"); done
	if ! PATH=/usr/bin:$PATH ZEPHYR_TOOLCHAIN_VARIANT=${ZEPHYR_TOOLCHAIN_VARIANT:-host} \
		cmake -GNinja -B "$b" -DBOARD="$board" -DZEPHYR_MODULES="$root" -DWAMR_ROOT="$WAMR_ROOT" \
		-DPython3_EXECUTABLE=/usr/bin/python3 -DBUILD_VERSION=ioring \
		-DIORING_GUEST_BUILD="$guests" "${defs[@]}" "$root/zephyr/$dir" >"$b.log" 2>&1 ||
		! ninja -C "$b" >>"$b.log" 2>&1; then
		echo "FAIL $name: build (see $b.log)"; fail=$((fail + 1)); continue
	fi
	set +e
	got=$(timeout 120 "$b/zephyr/zephyr.exe" 2>&1)
	rc=$?
	set -e
	if [[ $rc == 0 && "$got" == *"PROJECT EXECUTION SUCCESSFUL"* ]]; then
		echo "ok   $name ($(grep -o 'pass = [0-9]*, fail = [0-9]*' <<<"$got" | head -1))"; pass=$((pass + 1))
	else
		echo "FAIL $name"; grep -E 'FAIL|Assertion|SUITE' <<<"$got" | sed 's/^/  | /' | head -20; fail=$((fail + 1))
	fi
done

echo "zephyr ($board): $pass passed, $fail failed"
((fail == 0))
