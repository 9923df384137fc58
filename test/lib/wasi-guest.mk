# One C guest of a world of its own that imports WASI 0.2 directly (wasi:sockets), built as
# $(BUILD)/$(NAME).wasm. Its WASI WIT comes from the wasmtime-wasi crate the host builds against
# (found with cargo metadata), so both sides agree on it. The including Makefile sets NAME (the
# output), WORLD (the world in its wit/world.wit), SRC (the C file) and ROOT (the repository).
BUILD := build
WASMTIME_WASI_WIT := $(shell cargo metadata --manifest-path $(ROOT)/host/Cargo.toml --format-version 1 2>/dev/null | \
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s).packages.find(p=>p.name==="wasmtime-wasi");console.log(p.manifest_path.replace(/Cargo\.toml$$/,"src/p2/wit/deps"))})')
ADAPTER := $(ROOT)/node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.reactor.wasm
CC := $(if $(WASI_SDK_PATH),$(WASI_SDK_PATH)/bin/clang,clang-19)
TARGET := $(if $(WASI_SDK_PATH),--target=wasm32-wasip1 --sysroot=$(WASI_SDK_PATH)/share/wasi-sysroot,--target=wasm32-wasi --sysroot=/usr)

all: $(BUILD)/$(NAME).wasm

$(BUILD)/wit/world.wit: wit/world.wit
	@mkdir -p $(BUILD)/wit
	cp $< $@
	ln -sfn $(WASMTIME_WASI_WIT) $(BUILD)/wit/deps

$(BUILD)/bindings/$(WORLD).h: $(BUILD)/wit/world.wit
	wit-bindgen c $(BUILD)/wit --world $(WORLD) --out-dir $(BUILD)/bindings >/dev/null

$(BUILD)/$(NAME).core.wasm: $(SRC) $(BUILD)/bindings/$(WORLD).h
	$(CC) $(TARGET) -O2 -mexec-model=reactor -Wall -I$(BUILD)/bindings $(SRC) $(BUILD)/bindings/$(WORLD).c \
		$(BUILD)/bindings/$(WORLD)_component_type.o -o $@

$(BUILD)/$(NAME).wasm: $(BUILD)/$(NAME).core.wasm
	wasm-tools component new $< --adapt wasi_snapshot_preview1=$(ADAPTER) -o $@

clean:
	rm -rf $(BUILD)

.PHONY: all clean
