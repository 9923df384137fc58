#!/usr/bin/env bash
# compose.sh APP.wasm OUT.wasm: APP (an ioring app component: C through guest/ioring.mk, or
# TS through ioring-build) with the WASI adapter plugged into its ioring:ring imports, as one
# component that needs only WASI 0.2: `wasmtime run`, jco in Node, or any WASI 0.2 runtime.
# What `just wasi-app` runs. Builds the adapter first (make -C adapter).
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: adapter/compose.sh APP.wasm OUT.wasm" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
make -s -C "$here"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! wasm-tools compose "$1" -d "$here/build/adapter.wasm" -o "$2" >"$log" 2>&1; then
    grep -v -e 'has been deprecated' -e 'Please use `wac`' -e '^$' "$log" >&2 || true
    exit 1
fi
if wasm-tools component wit "$2" | grep -q 'import ioring:ring/'; then
    echo "compose.sh: $2 still imports ioring:ring: is $1 an ioring app?" >&2
    rm -f "$2"
    exit 1
fi
