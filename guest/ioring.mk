# ioring.mk - build C guests for ioring: app.c -> app.core.wasm (a core module, what the
# Zephyr host loads) and app.wasm (a component, what the Linux host and Node run).
#
# In your own Makefile:
#
#   all: build/app.wasm build/app.core.wasm
#   include path/to/ioring/guest/ioring.mk
#
# or with no Makefile at all:
#
#   make -f path/to/ioring/guest/ioring.mk IORING_APP=src/app.c [IORING_BUILD=out]
#
# Toolchain: $(WASI_SDK_PATH) when set, otherwise Debian's clang-19 + lld-19 + wasi-libc +
# libclang-rt-19-dev-wasm32 (the same pieces). Tools: wit-bindgen and wasm-tools on PATH.
#
#   IORING_APP      one C file to build (optional; `make -f ioring.mk` builds it by default)
#   IORING_BUILD    where outputs go (default: build); bindings go to $(IORING_BUILD)/bindings
#   IORING_CFLAGS   optimisation and extra flags (default: -Oz)
#   IORING_LDFLAGS  link flags (default: strip debug info and names, keep the component type)
#   IORING_CPU      wasm feature level (default: mvp, which WAMR's default build runs; a
#                   core module using later features than sign-extension gets a warning)
#   IORING_MALLOC   libc (default: wasi-libc's dlmalloc) or compact (src/opt/malloc-compact.c,
#                   about 12 KB smaller, first fit: for guests with few live allocations)
#   IORING_MEMORY   linear memory in bytes, fixed (initial = maximum; a multiple of 65536):
#                   65536 makes a one-page guest for microcontrollers (default: unset, the
#                   linker's choice, which grows)
#   IORING_STACK    the guest's C stack in bytes (default: unset, the linker's 64 KiB)
#   IORING_HEAP     with IORING_MEMORY: fail the build unless at least this many bytes are
#                   left for the heap after data and stack (exports __heap_base to check it)
#   IORING_ADAPTER  WASI preview1 adapter (default: the reactor adapter jco ships); a component
#                   embeds it only when the core module imports WASI preview1 (argv, stdio, exit)

, := ,
IORING_GUEST := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
IORING_WIT ?= $(IORING_GUEST)/../wit
IORING_BUILD ?= build
IORING_ADAPTER ?= $(IORING_GUEST)/../node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.reactor.wasm
IORING_CFLAGS ?= -Oz
IORING_LDFLAGS ?= -Wl,--strip-all
IORING_CPU ?= mvp
IORING_MALLOC ?= libc
IORING_MEMORY ?=
IORING_STACK ?=
IORING_HEAP ?=

ifdef WASI_SDK_PATH
IORING_CC := $(WASI_SDK_PATH)/bin/clang
IORING_TARGET := --target=wasm32-wasip1 --sysroot=$(WASI_SDK_PATH)/share/wasi-sysroot
else
IORING_CC := clang-19
# Debian's wasi-libc lives in /usr/lib/wasm32-wasi, which only this triple finds.
IORING_TARGET := --target=wasm32-wasi --sysroot=/usr
endif

IORING_BINDINGS := $(IORING_BUILD)/bindings
IORING_SDK_SRC := $(wildcard $(IORING_GUEST)/src/*.c) $(IORING_BINDINGS)/app.c \
	$(if $(filter compact,$(IORING_MALLOC)),$(IORING_GUEST)/src/opt/malloc-compact.c)
IORING_SDK_DEPS := $(wildcard $(IORING_GUEST)/src/*.[ch] $(IORING_GUEST)/src/opt/*.c $(IORING_GUEST)/include/*.h)
IORING_SDK_OBJ := $(IORING_BINDINGS)/app_component_type.o
IORING_INCLUDES := -I$(IORING_GUEST)/include -I$(IORING_BINDINGS)
IORING_WARNINGS := -Wall -Wextra -Wno-missing-field-initializers
ioring_mvp_features := mvp,mutable-global,sign-extension
# Memory layout flags, only when asked for: default builds link exactly as before.
IORING_MEMFLAGS := $(if $(IORING_STACK),-Wl$(,)-z$(,)stack-size=$(IORING_STACK)) \
	$(if $(IORING_MEMORY),-Wl$(,)--initial-memory=$(IORING_MEMORY)$(,)--max-memory=$(IORING_MEMORY)) \
	$(if $(and $(IORING_MEMORY),$(IORING_HEAP)),-Wl$(,)--export=__heap_base)

# Keep the includer's default goal: nothing here should become it.
ioring_saved_goal := $(.DEFAULT_GOAL)

ifdef IORING_APP
ioring_app_name := $(basename $(notdir $(IORING_APP)))
ioring-app: $(IORING_BUILD)/$(ioring_app_name).wasm $(IORING_BUILD)/$(ioring_app_name).core.wasm
vpath $(notdir $(IORING_APP)) $(dir $(IORING_APP))
.PHONY: ioring-app
ioring_saved_goal := $(if $(ioring_saved_goal),$(ioring_saved_goal),ioring-app)
endif

# wit-bindgen's C output for the app world, regenerated whenever wit/ changes.
$(IORING_BINDINGS)/app.h $(IORING_BINDINGS)/app.c $(IORING_SDK_OBJ) &: $(wildcard $(IORING_WIT)/*.wit $(IORING_WIT)/deps/*/*.wit)
	@mkdir -p $(IORING_BINDINGS)
	wit-bindgen c $(IORING_WIT) --world app --out-dir $(IORING_BINDINGS) >/dev/null

# The linked module: a reactor whose wasi:cli/run export (src/ioring.c) calls main(), with
# the component type (from wit-bindgen's object) that `component new` reads.
$(IORING_BUILD)/%.embed.wasm: %.c $(IORING_BINDINGS)/app.h $(IORING_SDK_DEPS)
	@mkdir -p $(dir $@)
	$(IORING_CC) $(IORING_TARGET) -mcpu=$(IORING_CPU) $(IORING_CFLAGS) -mexec-model=reactor \
		$(IORING_WARNINGS) $(IORING_INCLUDES) $< $(IORING_SDK_SRC) $(IORING_SDK_OBJ) \
		$(IORING_LDFLAGS) $(strip $(IORING_MEMFLAGS)) -o $@

# The core module: the same code without the component type, which only tools read.
# -flto is not the default: LTO code generation ignores -mcpu and emits reference-types
# encodings (call_indirect) that an MVP engine rejects; the check below warns of that, and of
# a libc built with later features (newer wasi-sdk releases use bulk-memory).
$(IORING_BUILD)/%.core.wasm: $(IORING_BUILD)/%.embed.wasm
	wasm-tools strip --delete '^component-type' $< -o $@
	$(if $(filter mvp,$(IORING_CPU)),@wasm-tools validate --features=$(ioring_mvp_features) $@ 2>/dev/null || \
		echo "ioring.mk: warning: $@ uses wasm features past MVP (from the libc or -flto?): a default WAMR build will refuse it" >&2)
	$(if $(and $(IORING_MEMORY),$(IORING_HEAP)),$(ioring_heap_check))

# IORING_HEAP: the bytes between __heap_base (exported for this) and the end of the fixed
# memory must be at least IORING_HEAP.
define ioring_heap_check
@base=$$(wasm-tools print $@ | awk '/^ *\(export "__heap_base" \(global / { g = $$4 + 0 } \
	/^ *\(global \(;[0-9]+;\) i32 i32.const / { v[substr($$2, 3) + 0] = $$5 + 0 } \
	END { print v[g] }'); \
	heap=$$(( $(IORING_MEMORY) - $${base:-$(IORING_MEMORY)} )); \
	if [ $$heap -lt $(IORING_HEAP) ]; then \
		echo "ioring.mk: $@: $$heap bytes left for the heap in $(IORING_MEMORY), less than IORING_HEAP=$(IORING_HEAP)" >&2; \
		rm -f $@; exit 1; \
	fi
endef

# The component: the module wrapped, with the preview1 adapter only if it is imported.
$(IORING_BUILD)/%.wasm: $(IORING_BUILD)/%.embed.wasm
	wasm-tools component new $< $(if $(wildcard $(IORING_ADAPTER)),--adapt wasi_snapshot_preview1=$(IORING_ADAPTER)) -o $@
	wasm-tools validate --features component-model $@

.PRECIOUS: $(IORING_BUILD)/%.embed.wasm

.DEFAULT_GOAL := $(ioring_saved_goal)
