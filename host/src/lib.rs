//! The ioring Linux host: runs WebAssembly components against the ioring ring API
//! (wit/, `ioring:ring`) on io_uring. The `ioring` binary is a thin command line over `run`.

mod bindings;
pub mod cli;
mod core_module;
mod descriptors;
mod devices;
mod errno;
mod grants;
mod guest;
mod imports;
mod limits;
mod net;
mod opcode;
mod ring;
pub mod run;
mod sys;
mod uring;

/// The ring fuzzer (host/examples/fuzz_ring.rs, host/tests/fuzz_ring.rs); not an API.
#[doc(hidden)]
pub use ring::fuzz;

use bindings::ioring;
