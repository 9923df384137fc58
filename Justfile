# ioring: every build, test and bench recipe. `just --list` shows them.
set shell := ["bash", "-euo", "pipefail", "-c"]

# cargo-installed tools (wit-bindgen, wasm-tools) live here.
export PATH := env_var('HOME') / ".cargo/bin:" + env_var('PATH')

wit_bindgen_version := "0.63.0"
wasm_tools_version := "1.263.0"
ioring := "host/target/release/ioring"

default: test

# Install what the build needs: Debian packages, wit-bindgen and wasm-tools. Safe to rerun.
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    pkgs=(clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc liburing-dev pkg-config make fio python3 iproute2)
    missing=()
    for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        sudo=$([ "$(id -u)" = 0 ] || echo sudo)
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    have() { "$1" --version 2>/dev/null | grep -q "$2"; }
    have wit-bindgen {{wit_bindgen_version}} || cargo install --locked --quiet wit-bindgen-cli@{{wit_bindgen_version}}
    have wasm-tools {{wasm_tools_version}} || cargo install --locked --quiet wasm-tools@{{wasm_tools_version}}
    # Stock wasmtime, for the WASI adapter: only `wasmtime run` with components and Cranelift
    # (the default features take three times as long to build: WASI-NN, HTTP, TLS, Winch, ...).
    have wasmtime 48.0.8 || cargo install --locked --quiet wasmtime-cli@48.0.8 --no-default-features \
        --features run,cranelift,component-model,parallel-compilation,pooling-allocator,clap/default

# Build the host, the C SDK and examples, and the TypeScript library and examples.
build: setup build-host build-board build-guest build-ts

# The `ioring` binary.
build-host:
    cargo build --release --quiet --manifest-path host/Cargo.toml

# The board build: `ioring` without a compiler, running only .cwasm files
# (host/target/board/board/ioring; host/README.md, "A board build").
build-board:
    cargo build --profile board --no-default-features --quiet --manifest-path host/Cargo.toml --target-dir host/target/board

# C examples: guest/build/<name>.core.wasm (core module) and <name>.wasm (component).
build-guest:
    wasm-tools component wit wit >/dev/null
    make -s -C guest

# `just guest path/app.c [OUT]` makes OUT/app.core.wasm (core module, for the Zephyr host)
# and OUT/app.wasm (component, for `ioring run` and Node).
# Build a C guest of your own into OUT/app.core.wasm and OUT/app.wasm.
guest app out="build": setup
    make -s -f guest/ioring.mk IORING_APP={{app}} IORING_BUILD={{out}}

# @ioring/ring (ts/dist) and the TS examples as components (ts/build/<name>.wasm).
build-ts:
    #!/usr/bin/env bash
    set -euo pipefail
    npm run --silent build -w @ioring/ring
    npm run --silent build:examples -w @ioring/ring
    mkdir -p ts/build
    # Each example as a component with StarlingMonkey (<name>.wasm, about 4 s each) and with
    # QuickJS, ioring-build's default (<name>.qjs.wasm, about 0.5 s each): the e2e tests run both.
    for app in ts/examples/*.ts; do
        for engine in starlingmonkey quickjs; do
            name=$(basename "$app" .ts)
            if [ "$engine" = starlingmonkey ]; then out=ts/build/$name.wasm; flags=(--engine starlingmonkey); else out=ts/build/$name.qjs.wasm; flags=(--engine quickjs --no-check); fi
            # Componentizing takes seconds: rebuild only when the app or the library changed.
            if [ -z "$(find "$out" -newer "$app" 2>/dev/null)" ] || [ -n "$(find ts/dist ts/bin wit -newer "$out" -type f | head -1)" ]; then
                node ts/bin/ioring-build.js "$app" -o "$out" "${flags[@]}"
            fi
        done
    done

# Run the example app, in C and in TypeScript, on the Linux host.
demo: build
    #!/usr/bin/env bash
    set -euo pipefail
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    printf 'Hello from a file read through io_uring, %s\n' "$(date -u +%FT%TZ)" > "$dir/hello.txt"
    echo "== C guest: ioring run --dir $dir::data guest/build/cat.wasm data/hello.txt"
    {{ioring}} run --dir "$dir::data" guest/build/cat.wasm data/hello.txt
    echo "== TypeScript guest: ioring run --dir $dir::data ts/build/cat.wasm data/hello.txt"
    {{ioring}} run --dir "$dir::data" ts/build/cat.wasm data/hello.txt

# Every test: the host's cargo tests, then the end-to-end suite against the built examples.
test: build
    make -s -C test/guests
    make -s -C test/bench/wasi-sockets
    make -s -C test/attack/wasi
    cargo test --release --quiet --manifest-path host/Cargo.toml
    CARGO_TARGET_DIR=host/target cargo test --release --quiet --manifest-path zephyr/tests/linux/Cargo.toml
    npx uvu ts/test '\.test\.js$'
    npx uvu test/e2e '\.test\.js$'

# Some workloads only: `BENCH_ONLY=echo,nop,pingpong,files,startup,sizes just bench`, or
# BENCH_ONLY=adapter for the WASI adapter's rows alone (tcp-echo and file reads under stock
# wasmtime + adapter/ beside `ioring run`); such a run writes test/bench/build/results.partial.json
# and leaves results.json and the README and results.md tables alone. BENCH_RUNS, BENCH_SECONDS.
# Benchmarks against native io_uring, epoll, Node and fio: a table, and test/bench/results.json.
bench: build
    make -s -C test/bench/guests
    make -s -C test/bench/wasi-sockets
    node test/bench/run.mjs

# Every case a hostile guest under `ioring run`, checked from outside; prints
# `contained`/`ESCAPED` per case and `N cases, M escapes`.
# The sandbox attack suite (about 35 s).
attack: build
    make -s -C test/guests
    make -s -C test/attack/wasi
    node test/attack/run.mjs

# Every byte checked; throughput, bytes lost and host RSS at start and end.
# Soak: 1,000 connections x 60 s echoing through the C guest and the TS (QuickJS) guest.
soak: build
    node test/soak/run.mjs --conns 1000 --seconds 60 --json test/soak/results.json

# Resets, half-closes, ENOBUFS on provided buffers (fast senders, a slow guest), CQ overflow, a
# trap with 1,000 operations in flight, a full disk (a 64 KiB tmpfs; root), and the setup-flag
# fallback against the real kernel (a unit test in host/src/uring.rs).
# Faults the host must survive, each with the guest's documented error code.
faults: build
    make -s -C test/guests
    cargo test --release --quiet --manifest-path host/Cargo.toml --lib uring::tests
    npx uvu test/e2e 'faults\.test\.js$'

fuzz_executions := "10000000"
fuzz_seed := "1"

# The in-process fuzzer (host/src/ring/fuzz.rs) runs fuzz_executions executions from
# fuzz_seed (`just fuzz_executions=N fuzz_seed=S fuzz`), then the guest-level fuzzer.
# Fuzz the host's ring: SQE decoding, validation and preparation, in process and from a guest.
fuzz: build-host
    cargo run --release --quiet --manifest-path host/Cargo.toml --example fuzz_ring -- --executions {{fuzz_executions}} --seed {{fuzz_seed}}
    make -s -C guest
    make -s -C test/guests
    npx uvu test/e2e 'c-fuzz-ring\.test\.js$'

# Every operation and flag of wit/types.wit, one C guest per feature (test/conformance), on every
# available host: a matrix of case x host (ok/FAIL/skip) and test/conformance/results.json.
# The conformance suite: every case on every host; fails if any case FAILs.
conformance: setup build-host
    node test/conformance/run.mjs

# Remove build output.
clean:
    cargo clean --manifest-path host/Cargo.toml
    make -s -C guest clean
    make -s -C test/guests clean
    make -s -C test/bench/guests clean
    make -s -C test/bench/wasi-sockets clean
    make -s -C test/attack/wasi clean
    make -s -C test/conformance clean
    rm -rf test/attack/build
    rm -rf ts/dist ts/build ts/types/wit

# From guest/build's core modules; one skip line when ZEPHYR_BASE or WAMR_ROOT is unset.
# Zephyr: build and run the native_sim_64 samples and ztest suite.
zephyr:
    bash zephyr/scripts/native_sim.sh

# Boundary cost on native_sim_64: guest NOP/timer through the host vs native C on RTIO.
bench-zephyr:
    bash zephyr/scripts/bench.sh

# The WASI adapter (adapter/): ioring:ring's interfaces over WASI 0.2, adapter/build/adapter.wasm.
build-adapter:
    make -s -C adapter

# Runs under `wasmtime run -S inherit-network --dir HOST::GUEST --env IORING_LISTEN=... OUT.wasm`.
# Compose APP.wasm with the WASI adapter into OUT.wasm, a component any WASI 0.2 runtime runs.
wasi-app app out:
    adapter/compose.sh {{app}} {{out}}

# OUT must lie in this checkout (where @bytecodealliance/preview2-shim resolves); then
# `node adapter/node/run.mjs [--dir HOST::GUEST] [--env NAME=VALUE] OUT/NAME.js [ARGS]`.
# Compose APP.wasm with the WASI adapter and transpile it with jco into OUT/ for Node.
wasi-node app out:
    #!/usr/bin/env bash
    set -euo pipefail
    name=$(basename "{{app}}" .wasm)
    name=${name%.qjs}
    mkdir -p "{{out}}"
    adapter/compose.sh "{{app}}" "{{out}}/$name.wasm"
    npx jco transpile "{{out}}/$name.wasm" -o "{{out}}" --name "$name" -q >/dev/null

# The C and TS examples under stock wasmtime and under Node (jco), through the WASI adapter.
test-adapter: build
    npx uvu test/e2e 'adapter.*\.test\.js$'
