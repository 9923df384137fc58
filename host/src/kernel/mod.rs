//! The kernel layer: io_uring's ABI (`sys`, and the C shim over liburing it binds), one typed
//! builder per opcode (`opcode`), and the owner of one ring that pushes, submits and reaps
//! (`uring`). Nothing here knows about guests, grants or the WIT.

pub mod opcode;
pub mod sys;
pub mod uring;
