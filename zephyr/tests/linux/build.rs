// Compiles the portable ABI code exactly as the Zephyr module does (no Zephyr, no WAMR
// headers), plus the Linux stand-in for the RTIO side and the packed form's probe (the tests'
// view of its decoder and encoder); and checks lib/abi's wasm32 offsets
// against the C SDK's wit-bindgen structs (layout_check.c, static asserts compiled for wasm32).
use std::path::Path;
use std::process::Command;

fn main() {
    let abi = "../../lib/abi";
    for f in ["ior_abi.c", "ior_abi_packed.c", "ior_errno.c", "ior_abi.h", "ior_abi_priv.h"] {
        println!("cargo:rerun-if-changed={abi}/{f}");
    }
    println!("cargo:rerun-if-changed=src/linux_ring.c");
    println!("cargo:rerun-if-changed=src/packed_probe.c");
    println!("cargo:rerun-if-changed=layout_check.c");
    cc::Build::new()
        .file(format!("{abi}/ior_abi.c"))
        .file(format!("{abi}/ior_abi_packed.c"))
        .file(format!("{abi}/ior_errno.c"))
        .file("src/linux_ring.c")
        .file("src/packed_probe.c")
        .include(abi)
        .warnings(true)
        .extra_warnings(true)
        .flag_if_supported("-Wno-unused-parameter")
        .compile("ior_abi_linux");

    // The bindings come from `make -C guest` (part of `just build`).
    let bindings = "../../../guest/build/bindings";
    println!("cargo:rerun-if-changed={bindings}/app.h");
    if !Path::new(bindings).join("app.h").exists() {
        println!("cargo:warning=layout check skipped: {bindings}/app.h missing (make -C guest)");
        return;
    }
    let clang = std::env::var("IORING_CC").unwrap_or_else(|_| "clang-19".into());
    let out = Command::new(&clang)
        .args(["--target=wasm32", "-ffreestanding", "-fsyntax-only", "-I", bindings, "-I", abi, "layout_check.c"])
        .output()
        .unwrap_or_else(|e| panic!("{clang}: {e}"));
    if !out.status.success() {
        panic!("layout_check.c: lib/abi disagrees with the guests' wasm32 layout:\n{}", String::from_utf8_lossy(&out.stderr));
    }
}
