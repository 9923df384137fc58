//! Guest SQE -> io_uring entry: validation at the trust boundary, then one opcode builder.
//! Everything a malformed entry can get wrong is an error code here, never a trap.

use super::inflight::{Kind, Slot};
use crate::bindings::{ErrorCode, Op, OpenFlags, SqeFlags};
use crate::descriptors::Descriptors;
use crate::ioring::ring::types::{OpenatArgs, ReadArgs, TimeoutArgs, WriteArgs};
use crate::opcode::{self, CURRENT_POSITION, Entry};
use crate::sys;
use std::ffi::CString;

/// The most one read or write may move; larger requests complete with `invalid`.
pub const MAX_IO_LEN: u32 = 16 << 20;

/// Longest path openat accepts, as Linux's PATH_MAX.
const MAX_PATH_LEN: usize = 4096;

/// A fixed-file index no ring registers, so an operation on it always fails with EBADF.
const NO_SUCH_SLOT: u32 = i32::MAX as u32;

/// Builds the kernel entry for `op`, keeping what the kernel will touch in `slot` and setting
/// `slot.kind`. An error rejects the operation with that code.
pub fn prepare(op: Op, slot: &mut Slot, descriptors: &mut Descriptors) -> Result<Entry, ErrorCode> {
    match op {
        Op::Nop => Ok(opcode::Nop.build()),
        Op::Read(ReadArgs { fd, len, offset }) => {
            descriptors.get(fd)?;
            if len > MAX_IO_LEN {
                return Err(ErrorCode::Invalid);
            }
            slot.kind = Kind::Read;
            slot.buf = vec![0; len as usize];
            let read = opcode::Read::new(fd, slot.buf.as_mut_ptr(), len);
            Ok(read.offset(offset.unwrap_or(CURRENT_POSITION)).build())
        }
        Op::Write(WriteArgs { fd, data, offset }) => {
            descriptors.get(fd)?;
            let len = u32::try_from(data.len()).ok().filter(|&l| l <= MAX_IO_LEN).ok_or(ErrorCode::Invalid)?;
            slot.buf = data;
            let write = opcode::Write::new(fd, slot.buf.as_ptr(), len);
            Ok(write.offset(offset.unwrap_or(CURRENT_POSITION)).build())
        }
        Op::Timeout(TimeoutArgs { duration_ns, count }) => {
            slot.ts = timespec(duration_ns);
            Ok(opcode::Timeout::new(&mut slot.ts).count(count).build())
        }
        Op::Openat(args) => openat(args, slot, descriptors),
        Op::Close(handle) => {
            // The host's own copy closes now; the registered slot keeps the file alive for
            // operations still in flight until the kernel closes it in order.
            descriptors.begin_close(handle)?;
            slot.kind = Kind::Close { handle };
            Ok(opcode::CloseFixed::new(handle).build())
        }
        _ => Err(ErrorCode::NotSupported),
    }
}

/// The stand-in for a rejected operation: it fails in the kernel, so a link chain through it
/// breaks exactly as it would had the real operation failed.
pub fn placeholder() -> Entry {
    opcode::Read::new(NO_SUCH_SLOT, std::ptr::null_mut(), 0).build()
}

/// WIT SQE flags to IOSQE_* bits.
pub fn sqe_flags(flags: SqeFlags) -> u32 {
    let mut bits = 0;
    if flags.contains(SqeFlags::LINK) {
        bits |= sys::IOSQE_IO_LINK;
    }
    if flags.contains(SqeFlags::HARD_LINK) {
        bits |= sys::IOSQE_IO_HARDLINK;
    }
    if flags.contains(SqeFlags::DRAIN) {
        bits |= sys::IOSQE_IO_DRAIN;
    }
    bits
}

fn openat(args: OpenatArgs, slot: &mut Slot, descriptors: &mut Descriptors) -> Result<Entry, ErrorCode> {
    let OpenatArgs { dir, path, flags, mode } = args;
    let dir = descriptors.get(dir)?.clone();
    if path.len() > MAX_PATH_LEN {
        return Err(ErrorCode::NameTooLong);
    }
    let path = CString::new(path).map_err(|_| ErrorCode::Invalid)?;
    let writes = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::APPEND;
    if dir.read_only && flags.intersects(writes) {
        return Err(ErrorCode::ReadOnly);
    }
    slot.kind = Kind::Open { read_only: dir.read_only };
    slot.how = sys::OpenHow {
        flags: open_flags(flags),
        mode: if flags.contains(OpenFlags::CREATE) { u64::from(mode & 0o7777) } else { 0 },
        // BENEATH refuses absolute paths, `..` escapes and symlinks that leave `dir`;
        // NO_MAGICLINKS refuses /proc/self/fd-style jumps.
        resolve: sys::RESOLVE_BENEATH | sys::RESOLVE_NO_MAGICLINKS,
    };
    let entry = opcode::OpenAt2::new(dir.raw(), path.as_c_str(), &mut slot.how).build();
    // The CString's heap buffer does not move when the CString is moved into the slot.
    slot.path = Some(path);
    slot.dir = Some(dir);
    Ok(entry)
}

fn open_flags(flags: OpenFlags) -> u64 {
    let access = match (flags.contains(OpenFlags::READ), flags.contains(OpenFlags::WRITE)) {
        (true, true) => libc::O_RDWR,
        (false, true) => libc::O_WRONLY,
        _ => libc::O_RDONLY,
    };
    let mut bits = access | libc::O_CLOEXEC;
    for (flag, bit) in [
        (OpenFlags::CREATE, libc::O_CREAT),
        (OpenFlags::EXCLUSIVE, libc::O_EXCL),
        (OpenFlags::TRUNCATE, libc::O_TRUNC),
        (OpenFlags::APPEND, libc::O_APPEND),
        (OpenFlags::DIRECTORY, libc::O_DIRECTORY),
        (OpenFlags::NONBLOCK, libc::O_NONBLOCK),
        (OpenFlags::NO_CTTY, libc::O_NOCTTY),
    ] {
        if flags.contains(flag) {
            bits |= bit;
        }
    }
    bits as u64
}

fn timespec(ns: u64) -> sys::KernelTimespec {
    sys::KernelTimespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_default_to_read_only_and_close_on_exec() {
        assert_eq!(open_flags(OpenFlags::empty()), (libc::O_RDONLY | libc::O_CLOEXEC) as u64);
        let rw = open_flags(OpenFlags::READ | OpenFlags::WRITE | OpenFlags::CREATE);
        assert_eq!(rw, (libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC) as u64);
        let w = open_flags(OpenFlags::WRITE | OpenFlags::TRUNCATE);
        assert_eq!(w, (libc::O_WRONLY | libc::O_TRUNC | libc::O_CLOEXEC) as u64);
    }

    #[test]
    fn timespec_splits_seconds_and_nanoseconds() {
        let ts = timespec(2_500_000_001);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (2, 500_000_001));
    }

    #[test]
    fn sqe_flags_map_to_iosqe_bits() {
        assert_eq!(sqe_flags(SqeFlags::LINK | SqeFlags::DRAIN), sys::IOSQE_IO_LINK | sys::IOSQE_IO_DRAIN);
        assert_eq!(sqe_flags(SqeFlags::HARD_LINK), sys::IOSQE_IO_HARDLINK);
    }
}
