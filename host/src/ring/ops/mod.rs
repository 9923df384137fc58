//! Guest SQE -> io_uring entry, one module per family of operations: each holds, for its
//! operations, the validation at the trust boundary, the grant checks, the preparation of the
//! kernel entry and what their completions mean. Everything a malformed entry can get wrong
//! is an error code here, never a trap. Calls io_uring has no opcode for on every kernel
//! (bind, listen, setsockopt, termios) are done at submit; their place in a chain is held by
//! a no-op.

pub mod control;
pub mod devices;
pub mod files;
pub mod gpio;
pub mod sockets;
pub mod time;

use super::inflight::{Kind, Slot};
use crate::bindings::{ErrorCode, Op, SqeFlags};
use crate::caps::descriptors::Descriptors;
use crate::caps::net::NetPolicy;
use crate::errno::to_error_code;
use crate::kernel::opcode::{self, Entry};
use crate::kernel::sys;
pub use control::FixedBuffers;

/// The most one operation may move; larger requests complete with `invalid`.
pub const MAX_IO_LEN: u32 = 16 << 20;

/// A fixed-file index no ring registers, so an operation on it always fails with EBADF.
const NO_SUCH_SLOT: u32 = i32::MAX as u32;

/// What preparing an entry may consult or change besides its slot.
pub struct Env<'a> {
    pub descriptors: &'a mut Descriptors,
    pub policy: &'a NetPolicy,
    pub fixed: &'a mut FixedBuffers,
    /// The key of the entry before this one in the batch (what a link-timeout bounds).
    pub previous: Option<u64>,
}

/// Builds the kernel entry for `op`, keeping what the kernel will touch in `slot` and setting
/// `slot.kind`. An error rejects the operation with that code. `cancel` is the ring's own
/// (it knows what is in flight) and never reaches here.
pub fn prepare(op: Op, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    match op {
        Op::Nop => Ok(control::nop()),
        Op::Cancel(_) => Err(ErrorCode::Invalid),
        Op::Read(args) => files::read(args, slot, env),
        Op::Write(args) => files::write(args, slot, env),
        Op::ReadFixed(args) => files::read_fixed(args, slot, env),
        Op::WriteFixed(args) => files::write_fixed(args, slot, env),
        Op::Openat(args) => files::openat(args, slot, env),
        Op::Close(handle) => files::close(handle, slot, env),
        Op::Fsync((fd, datasync)) => files::fsync(fd, datasync, env),
        Op::Statx(args) => files::statx(args, slot, env),
        Op::Ftruncate((fd, len)) => files::ftruncate(fd, len, env),
        Op::Mkdirat(args) => files::mkdirat(args, slot, env),
        Op::Unlinkat(args) => files::unlinkat(args, slot, env),
        Op::Renameat(args) => files::renameat(args, slot, env),
        Op::Send(args) => sockets::send(args, slot, env),
        Op::Recv(args) => sockets::recv(args, slot, env),
        Op::RecvMultishot(args) => sockets::recv_multishot(args, slot, env),
        Op::Recvmsg(args) => sockets::recvmsg(args, slot, env),
        Op::Sendmsg(args) => sockets::sendmsg(args, slot, env),
        Op::Accept(fd) => sockets::accept(fd, slot, env),
        Op::AcceptMultishot(fd) => sockets::accept_multishot(fd, slot, env),
        Op::Connect((fd, to)) => sockets::connect(fd, to, slot, env),
        Op::Socket((family, ty)) => Ok(sockets::socket(family, ty, slot)),
        Op::Bind((fd, addr)) => sockets::bind(fd, addr, slot, env),
        Op::Listen((fd, backlog)) => sockets::listen(fd, backlog, slot, env),
        Op::SetOption((fd, option)) => sockets::set_option(fd, option, slot, env),
        Op::Shutdown((fd, how)) => sockets::shutdown(fd, how, env),
        Op::LocalAddress(fd) => sockets::local_address(fd, slot, env),
        Op::Poll(args) => sockets::poll(args, slot, env),
        Op::Timeout(args) => Ok(time::timeout(args, slot)),
        Op::LinkTimeout(duration_ns) => time::link_timeout(duration_ns, slot, env),
        Op::SpiTransfer(args) => devices::spi_transfer(args, slot, env),
        Op::I2cTransfer(args) => devices::i2c_transfer(args, slot, env),
        Op::TtyConfigure((fd, config)) => devices::tty_configure(fd, config, slot, env),
        Op::GpioRequest(args) => gpio::request(args, slot, env),
        Op::GpioGet(fd) => gpio::get(fd, slot, env),
        Op::GpioSet((fd, on)) => gpio::set(fd, on, slot, env),
        Op::GpioEdges(fd) => gpio::edges(fd, slot, env),
    }
}

/// The stand-in for a rejected operation: it fails in the kernel, so a link chain through it
/// breaks exactly as it would had the real operation failed.
pub fn placeholder() -> Entry {
    opcode::Read::new(NO_SUCH_SLOT, std::ptr::null_mut(), 0).build()
}

/// Bytes of guest data `op` will make the host hold while it runs.
pub fn bytes_held(op: &Op) -> usize {
    match op {
        Op::Read(a) => a.len as usize,
        Op::Recv(a) | Op::Recvmsg(a) => a.len as usize,
        Op::Write(a) => a.data.len(),
        Op::Send(a) => a.data.len(),
        Op::Sendmsg(a) => a.data.len(),
        // What the worker copies out and in: transmit and receive buffers of every segment.
        Op::SpiTransfer(a) => a.segments.iter().map(|s| s.tx.len().saturating_add(s.rx_len as usize)).fold(0, usize::saturating_add),
        Op::I2cTransfer(a) => a.messages.iter().map(|m| m.write.len().saturating_add(m.read_len as usize)).fold(0, usize::saturating_add),
        _ => 0,
    }
}

/// WIT SQE flags to IOSQE_* bits. Drain is not among them: the host keeps it (see `held`).
pub fn sqe_flags(flags: SqeFlags) -> u32 {
    let mut bits = 0;
    if flags.contains(SqeFlags::LINK) {
        bits |= sys::IOSQE_IO_LINK;
    }
    if flags.contains(SqeFlags::HARD_LINK) {
        bits |= sys::IOSQE_IO_HARDLINK;
    }
    bits
}

pub fn checked_len(len: u32) -> Result<usize, ErrorCode> {
    if len > MAX_IO_LEN { Err(ErrorCode::Invalid) } else { Ok(len as usize) }
}

/// Room for the kernel to fill with up to `len` bytes, none of it initialised: zero-filling a
/// receive's buffer first cost more than the receive (a TypeScript guest asks for 64 KiB per
/// receive, and each fresh buffer's pages were faulted in and cleared). `filled` gives it
/// the length the kernel wrote.
pub fn for_kernel(len: usize) -> Vec<u8> {
    Vec::with_capacity(len)
}

/// `buf`, from `for_kernel`, holding the `n` bytes the kernel wrote at its start.
pub fn filled(mut buf: Vec<u8>, n: usize) -> Vec<u8> {
    assert!(n <= buf.capacity(), "the kernel wrote past the buffer it was given");
    // SAFETY: the kernel initialised the first n bytes (a completion's result never exceeds
    // the length it was given), and n is within the allocation.
    unsafe { buf.set_len(n) };
    buf
}

pub fn data_len(data: &[u8]) -> Result<u32, ErrorCode> {
    u32::try_from(data.len()).ok().filter(|&l| l <= MAX_IO_LEN).ok_or(ErrorCode::Invalid)
}

/// An operation the host did at submit: `ret` is the syscall's return (-1 with errno).
pub fn done(slot: &mut Slot, ret: i32) -> Result<Entry, ErrorCode> {
    if ret < 0 {
        return Err(io_code(std::io::Error::last_os_error()));
    }
    slot.kind = Kind::Done(ret as u32);
    Ok(opcode::Nop.build())
}

pub fn io_code(e: std::io::Error) -> ErrorCode {
    to_error_code(e.raw_os_error().unwrap_or(libc::EIO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqe_flags_map_to_iosqe_bits() {
        assert_eq!(sqe_flags(SqeFlags::LINK | SqeFlags::DRAIN), sys::IOSQE_IO_LINK, "drain is the host's");
        assert_eq!(sqe_flags(SqeFlags::HARD_LINK), sys::IOSQE_IO_HARDLINK);
    }
}
