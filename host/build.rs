//! Builds the C shim over liburing's inline helpers and links the system's liburing.

fn main() {
    println!("cargo::rerun-if-changed=src/kernel/sys/shim.c");
    cc::Build::new()
        .file("src/kernel/sys/shim.c")
        .warnings(true)
        .extra_warnings(true)
        .compile("ioring_sys_shim");
    println!("cargo::rustc-link-lib=uring");
}
