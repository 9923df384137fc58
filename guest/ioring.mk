# ioring.mk - build C guests for ioring. Include it from your own Makefile:
#
#   include path/to/ioring/guest/ioring.mk
#   all: build/app.wasm          # component, for the Linux host and Node
#   all: build/app.core.wasm     # core module, for the Zephyr host
#
# Toolchain: $(WASI_SDK_PATH) when set, otherwise Debian's clang-19 + lld-19 + wasi-libc +
# libclang-rt-19-dev-wasm32 (the same pieces). Tools: wit-bindgen and wasm-tools on PATH.
#
#   IORING_BUILD    where outputs go (default: build)
#   IORING_ADAPTER  the WASI preview1 reactor adapter (default: the one jco ships)
#   IORING_CFLAGS   extra compiler flags (default: -Oz)

IORING_GUEST := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
IORING_WIT ?= $(IORING_GUEST)/../wit
IORING_BUILD ?= build
IORING_ADAPTER ?= $(IORING_GUEST)/../node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.reactor.wasm
IORING_CFLAGS ?= -Oz

ifdef WASI_SDK_PATH
IORING_CC := $(WASI_SDK_PATH)/bin/clang
IORING_TARGET := --target=wasm32-wasip1 --sysroot=$(WASI_SDK_PATH)/share/wasi-sysroot
else
IORING_CC := clang-19
# Debian's wasi-libc lives in /usr/lib/wasm32-wasi, which only this triple finds.
IORING_TARGET := --target=wasm32-wasi --sysroot=/usr
endif

IORING_BINDINGS := $(IORING_BUILD)/bindings
IORING_SDK_SRC := $(IORING_GUEST)/src/ioring.c $(IORING_BINDINGS)/app.c
IORING_SDK_OBJ := $(IORING_BINDINGS)/app_component_type.o
IORING_INCLUDES := -I$(IORING_GUEST)/include -I$(IORING_BINDINGS)

# wit-bindgen's C output for the app world, regenerated whenever wit/ changes.
$(IORING_BINDINGS)/app.h $(IORING_BINDINGS)/app.c $(IORING_SDK_OBJ) &: $(wildcard $(IORING_WIT)/*.wit $(IORING_WIT)/deps/*/*.wit)
	@mkdir -p $(IORING_BINDINGS)
	wit-bindgen c $(IORING_WIT) --world app --out-dir $(IORING_BINDINGS) >/dev/null

# A reactor: wasi:cli/run is exported by the SDK and calls main() through wasi-libc.
$(IORING_BUILD)/%.core.wasm: %.c $(IORING_BINDINGS)/app.h $(IORING_GUEST)/src/ioring.c $(IORING_GUEST)/include/ioring.h
	@mkdir -p $(dir $@)
	$(IORING_CC) $(IORING_TARGET) $(IORING_CFLAGS) -mexec-model=reactor -Wall -Wextra \
		$(IORING_INCLUDES) $< $(IORING_SDK_SRC) $(IORING_SDK_OBJ) -o $@

$(IORING_BUILD)/%.wasm: $(IORING_BUILD)/%.core.wasm
	wasm-tools component new $< --adapt wasi_snapshot_preview1=$(IORING_ADAPTER) -o $@
	wasm-tools validate --features component-model $@

.PRECIOUS: $(IORING_BUILD)/%.core.wasm
