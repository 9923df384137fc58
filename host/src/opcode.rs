//! One typed builder per io_uring opcode the host issues. Required operands go in `new`,
//! optional ones are chained setters, and `build` destructures every field, so a field added
//! later cannot be silently ignored. Pointers in an entry must outlive its completion: that
//! contract is `Uring::push`'s. Reads and writes name a registered-file slot (the guest's
//! handle), never a host descriptor.

use crate::sys;
use std::ffi::{CStr, c_void};

/// io_uring's "use the current file position" offset.
pub const CURRENT_POSITION: u64 = u64::MAX;

#[derive(Debug)]
enum Prep {
    Nop,
    Read { slot: u32, buf: *mut u8, len: u32, offset: u64 },
    Write { slot: u32, buf: *const u8, len: u32, offset: u64 },
    Timeout { ts: *mut sys::KernelTimespec, count: u32 },
    OpenAt2 { dirfd: i32, path: *const std::ffi::c_char, how: *mut sys::OpenHow },
    CloseFixed { index: u32 },
    Cancel { user_data: u64, flags: i32 },
}

/// A prepared submission: operation, user-data and SQE flags.
#[derive(Debug)]
pub struct Entry {
    prep: Prep,
    user_data: u64,
    flags: u32,
}

impl Entry {
    fn new(prep: Prep) -> Self {
        Self { prep, user_data: 0, flags: 0 }
    }

    pub fn user_data(mut self, user_data: u64) -> Self {
        self.user_data = user_data;
        self
    }

    /// Adds IOSQE_* flags (link, hard-link, drain) to those the opcode set.
    pub fn flags(mut self, flags: u32) -> Self {
        self.flags |= flags;
        self
    }

    fn fixed_file(mut self) -> Self {
        self.flags |= sys::IOSQE_FIXED_FILE;
        self
    }

    /// Writes this entry into a fresh SQE.
    ///
    /// # Safety
    /// `sqe` must be a fresh SQE of a live ring, and the pointers this entry holds must stay
    /// valid until the completion is reaped.
    pub(crate) unsafe fn prepare(&self, sqe: *mut sys::IoUringSqe) {
        // SAFETY: forwarded from the caller; each wrapper is a single liburing prep call.
        unsafe {
            match self.prep {
                Prep::Nop => sys::ior_sys_prep_nop(sqe),
                Prep::Read { slot, buf, len, offset } => {
                    sys::ior_sys_prep_read(sqe, slot as i32, buf.cast::<c_void>(), len, offset)
                }
                Prep::Write { slot, buf, len, offset } => {
                    sys::ior_sys_prep_write(sqe, slot as i32, buf.cast::<c_void>(), len, offset)
                }
                Prep::Timeout { ts, count } => sys::ior_sys_prep_timeout(sqe, ts, count),
                Prep::OpenAt2 { dirfd, path, how } => sys::ior_sys_prep_openat2(sqe, dirfd, path, how),
                Prep::CloseFixed { index } => sys::ior_sys_prep_close_direct(sqe, index),
                Prep::Cancel { user_data, flags } => sys::ior_sys_prep_cancel64(sqe, user_data, flags),
            }
            sys::ior_sys_sqe_set_flags(sqe, self.flags);
            sys::ior_sys_sqe_set_data64(sqe, self.user_data);
        }
    }
}

/// IORING_OP_NOP.
pub struct Nop;

impl Nop {
    pub fn build(self) -> Entry {
        Entry::new(Prep::Nop)
    }
}

/// IORING_OP_READ from registered-file `slot` into `buf[..len]`.
pub struct Read {
    slot: u32,
    buf: *mut u8,
    len: u32,
    offset: u64,
}

impl Read {
    pub fn new(slot: u32, buf: *mut u8, len: u32) -> Self {
        Self { slot, buf, len, offset: CURRENT_POSITION }
    }

    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    pub fn build(self) -> Entry {
        let Self { slot, buf, len, offset } = self;
        Entry::new(Prep::Read { slot, buf, len, offset }).fixed_file()
    }
}

/// IORING_OP_WRITE to registered-file `slot` from `buf[..len]`.
pub struct Write {
    slot: u32,
    buf: *const u8,
    len: u32,
    offset: u64,
}

impl Write {
    pub fn new(slot: u32, buf: *const u8, len: u32) -> Self {
        Self { slot, buf, len, offset: CURRENT_POSITION }
    }

    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    pub fn build(self) -> Entry {
        let Self { slot, buf, len, offset } = self;
        Entry::new(Prep::Write { slot, buf, len, offset }).fixed_file()
    }
}

/// IORING_OP_TIMEOUT: completes after `*ts`, or after `count` other completions.
pub struct Timeout {
    ts: *mut sys::KernelTimespec,
    count: u32,
}

impl Timeout {
    pub fn new(ts: *mut sys::KernelTimespec) -> Self {
        Self { ts, count: 0 }
    }

    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    pub fn build(self) -> Entry {
        let Self { ts, count } = self;
        Entry::new(Prep::Timeout { ts, count })
    }
}

/// IORING_OP_OPENAT2 relative to a host directory descriptor.
pub struct OpenAt2<'a> {
    dirfd: i32,
    path: &'a CStr,
    how: *mut sys::OpenHow,
}

impl<'a> OpenAt2<'a> {
    pub fn new(dirfd: i32, path: &'a CStr, how: *mut sys::OpenHow) -> Self {
        Self { dirfd, path, how }
    }

    pub fn build(self) -> Entry {
        let Self { dirfd, path, how } = self;
        Entry::new(Prep::OpenAt2 { dirfd, path: path.as_ptr(), how })
    }
}

/// IORING_OP_CLOSE of a registered-file slot.
pub struct CloseFixed {
    index: u32,
}

impl CloseFixed {
    pub fn new(index: u32) -> Self {
        Self { index }
    }

    pub fn build(self) -> Entry {
        let Self { index } = self;
        Entry::new(Prep::CloseFixed { index })
    }
}

/// IORING_OP_ASYNC_CANCEL.
pub struct AsyncCancel {
    user_data: u64,
    flags: i32,
}

impl AsyncCancel {
    /// Cancels every request in the ring, whatever its user-data.
    pub fn any() -> Self {
        Self { user_data: 0, flags: sys::IORING_ASYNC_CANCEL_ANY | sys::IORING_ASYNC_CANCEL_ALL }
    }

    pub fn build(self) -> Entry {
        let Self { user_data, flags } = self;
        Entry::new(Prep::Cancel { user_data, flags })
    }
}
