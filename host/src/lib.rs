//! The ioring Linux host: runs WebAssembly components against the ioring ring API
//! (wit/, `ioring:ring`) on io_uring. The `ioring` binary is a thin command line over `run`.

mod bindings;
mod caps;
pub mod cli;
#[cfg(feature = "compiler")]
mod core_module;
mod devices;
mod errno;
mod gpio;
mod guest;
mod imports;
mod kernel;
mod limits;
mod ring;
pub mod run;

/// The ring fuzzer (host/examples/fuzz_ring.rs, host/tests/fuzz_ring.rs); not an API.
#[doc(hidden)]
pub use ring::fuzz;
/// The host ring's own cost per NOP, without WebAssembly (host/examples/ring_nop.rs); not an API.
#[doc(hidden)]
pub use ring::floor;

use bindings::ioring;
