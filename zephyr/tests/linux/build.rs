// Compiles the portable ABI code exactly as the Zephyr module does (no Zephyr, no WAMR
// headers), plus the Linux stand-in for the RTIO side.
fn main() {
    let abi = "../../lib/abi";
    for f in ["ior_abi.c", "ior_errno.c", "ior_abi.h"] {
        println!("cargo:rerun-if-changed={abi}/{f}");
    }
    println!("cargo:rerun-if-changed=src/linux_ring.c");
    cc::Build::new()
        .file(format!("{abi}/ior_abi.c"))
        .file(format!("{abi}/ior_errno.c"))
        .file("src/linux_ring.c")
        .include(abi)
        .warnings(true)
        .extra_warnings(true)
        .flag_if_supported("-Wno-unused-parameter")
        .compile("ior_abi_linux");
}
