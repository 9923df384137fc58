//! The `bindgen!` output for wit/, in one place. The `ring` resource maps to the host's
//! `RingId`, an index into the guest's own ring table; WASI comes from wasmtime-wasi.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "ioring:ring/app",
    with: {
        "ioring:ring/ring.ring": crate::guest::RingId,
        // wasmtime-wasi implements the WASI imports; only ours are generated here.
        "wasi:cli/environment": wasmtime_wasi::p2::bindings::sync::cli::environment,
    },
    imports: { default: trappable },
});

pub use self::ioring::ring::types::{Cqe, CqeDetail, ErrorCode, Op, OpenFlags, Sqe, SqeFlags};

/// Adds the ioring interfaces (types, ring, grants) to `linker`; WASI is added separately.
pub fn add_ring_to_linker(linker: &mut wasmtime::component::Linker<crate::guest::Guest>) -> wasmtime::Result<()> {
    use wasmtime::component::HasSelf;
    self::ioring::ring::types::add_to_linker::<_, HasSelf<_>>(linker, |guest| guest)?;
    self::ioring::ring::ring::add_to_linker::<_, HasSelf<_>>(linker, |guest| guest)?;
    self::ioring::ring::grants::add_to_linker::<_, HasSelf<_>>(linker, |guest| guest)
}
