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
    ReadFixed { slot: u32, buf: *mut u8, len: u32, offset: u64, index: u16 },
    WriteFixed { slot: u32, buf: *const u8, len: u32, offset: u64, index: u16 },
    Send { slot: u32, buf: *const u8, len: u32 },
    Recv { slot: u32, buf: *mut u8, len: u32 },
    RecvMultishot { slot: u32, group: u16 },
    RecvMsg { slot: u32, msg: *mut libc::msghdr },
    SendMsg { slot: u32, msg: *const libc::msghdr },
    Accept { slot: u32, addr: *mut libc::sockaddr, len: *mut libc::socklen_t, multishot: bool },
    Connect { slot: u32, addr: *const libc::sockaddr, len: libc::socklen_t },
    Socket { domain: i32, ty: i32 },
    Shutdown { slot: u32, how: i32 },
    Fsync { slot: u32, datasync: bool },
    Statx { dirfd: i32, path: *const std::ffi::c_char, flags: i32, buf: *mut libc::statx },
    LinkTimeout { ts: *mut sys::KernelTimespec },
    Poll { slot: u32, mask: u32, multishot: bool },
    ReadHostFd { fd: i32, buf: *mut u8, len: u32 },
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

    /// Adds IOSQE_* flags (link, hard-link, drain) to those the opcode set. The SQE's flags
    /// are written once, after the opcode's prep (which clears them).
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
                Prep::ReadFixed { slot, buf, len, offset, index } => {
                    sys::ior_sys_prep_read_fixed(sqe, slot as i32, buf.cast(), len, offset, index.into())
                }
                Prep::WriteFixed { slot, buf, len, offset, index } => {
                    sys::ior_sys_prep_write_fixed(sqe, slot as i32, buf.cast(), len, offset, index.into())
                }
                // MSG_NOSIGNAL: a closed peer is EPIPE in the CQE, never SIGPIPE to the host.
                Prep::Send { slot, buf, len } => {
                    sys::ior_sys_prep_send(sqe, slot as i32, buf.cast(), len, libc::MSG_NOSIGNAL)
                }
                Prep::Recv { slot, buf, len } => sys::ior_sys_prep_recv(sqe, slot as i32, buf.cast(), len, 0),
                Prep::RecvMultishot { slot, group } => sys::ior_sys_prep_recv_multishot(sqe, slot as i32, group),
                Prep::RecvMsg { slot, msg } => sys::ior_sys_prep_recvmsg(sqe, slot as i32, msg),
                Prep::SendMsg { slot, msg } => {
                    sys::ior_sys_prep_sendmsg(sqe, slot as i32, msg, libc::MSG_NOSIGNAL as u32)
                }
                Prep::Accept { slot, addr, len, multishot } => {
                    sys::ior_sys_prep_accept(sqe, slot as i32, addr, len, multishot.into())
                }
                Prep::Connect { slot, addr, len } => sys::ior_sys_prep_connect(sqe, slot as i32, addr, len),
                Prep::Socket { domain, ty } => sys::ior_sys_prep_socket(sqe, domain, ty, 0),
                Prep::Shutdown { slot, how } => sys::ior_sys_prep_shutdown(sqe, slot as i32, how),
                Prep::Fsync { slot, datasync } => {
                    let flags = if datasync { sys::IORING_FSYNC_DATASYNC } else { 0 };
                    sys::ior_sys_prep_fsync(sqe, slot as i32, flags)
                }
                Prep::Statx { dirfd, path, flags, buf } => {
                    sys::ior_sys_prep_statx(sqe, dirfd, path, flags, libc::STATX_BASIC_STATS, buf)
                }
                Prep::LinkTimeout { ts } => sys::ior_sys_prep_link_timeout(sqe, ts),
                Prep::Poll { slot, mask, multishot } => sys::ior_sys_prep_poll(sqe, slot as i32, mask, multishot.into()),
                Prep::ReadHostFd { fd, buf, len } => sys::ior_sys_prep_read(sqe, fd, buf.cast(), len, 0),
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

/// IORING_OP_READ_FIXED: a read into registered buffer `index`, at `buf[..len]` within it.
pub struct ReadFixed {
    slot: u32,
    buf: *mut u8,
    len: u32,
    index: u16,
    offset: u64,
}

impl ReadFixed {
    pub fn new(slot: u32, buf: *mut u8, len: u32, index: u16) -> Self {
        Self { slot, buf, len, index, offset: CURRENT_POSITION }
    }

    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    pub fn build(self) -> Entry {
        let Self { slot, buf, len, index, offset } = self;
        Entry::new(Prep::ReadFixed { slot, buf, len, offset, index }).fixed_file()
    }
}

/// IORING_OP_WRITE_FIXED: a write from registered buffer `index`.
pub struct WriteFixed {
    slot: u32,
    buf: *const u8,
    len: u32,
    index: u16,
    offset: u64,
}

impl WriteFixed {
    pub fn new(slot: u32, buf: *const u8, len: u32, index: u16) -> Self {
        Self { slot, buf, len, index, offset: CURRENT_POSITION }
    }

    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    pub fn build(self) -> Entry {
        let Self { slot, buf, len, index, offset } = self;
        Entry::new(Prep::WriteFixed { slot, buf, len, offset, index }).fixed_file()
    }
}

/// IORING_OP_SEND on a connected socket.
pub struct Send {
    slot: u32,
    buf: *const u8,
    len: u32,
}

impl Send {
    pub fn new(slot: u32, buf: *const u8, len: u32) -> Self {
        Self { slot, buf, len }
    }

    pub fn build(self) -> Entry {
        let Self { slot, buf, len } = self;
        Entry::new(Prep::Send { slot, buf, len }).fixed_file()
    }
}

/// IORING_OP_RECV, single-shot, into `buf[..len]`.
pub struct Recv {
    slot: u32,
    buf: *mut u8,
    len: u32,
}

impl Recv {
    pub fn new(slot: u32, buf: *mut u8, len: u32) -> Self {
        Self { slot, buf, len }
    }

    pub fn build(self) -> Entry {
        let Self { slot, buf, len } = self;
        Entry::new(Prep::Recv { slot, buf, len }).fixed_file()
    }
}

/// IORING_OP_RECV with IORING_RECV_MULTISHOT, buffers from provided-buffer group `group`.
pub struct RecvMultishot {
    slot: u32,
    group: u16,
}

impl RecvMultishot {
    pub fn new(slot: u32, group: u16) -> Self {
        Self { slot, group }
    }

    pub fn build(self) -> Entry {
        let Self { slot, group } = self;
        Entry::new(Prep::RecvMultishot { slot, group }).fixed_file().flags(sys::IOSQE_BUFFER_SELECT)
    }
}

/// IORING_OP_RECVMSG into the buffers and name `*msg` describes.
pub struct RecvMsg {
    slot: u32,
    msg: *mut libc::msghdr,
}

impl RecvMsg {
    pub fn new(slot: u32, msg: *mut libc::msghdr) -> Self {
        Self { slot, msg }
    }

    pub fn build(self) -> Entry {
        let Self { slot, msg } = self;
        Entry::new(Prep::RecvMsg { slot, msg }).fixed_file()
    }
}

/// IORING_OP_SENDMSG of what `*msg` describes.
pub struct SendMsg {
    slot: u32,
    msg: *const libc::msghdr,
}

impl SendMsg {
    pub fn new(slot: u32, msg: *const libc::msghdr) -> Self {
        Self { slot, msg }
    }

    pub fn build(self) -> Entry {
        let Self { slot, msg } = self;
        Entry::new(Prep::SendMsg { slot, msg }).fixed_file()
    }
}

/// IORING_OP_ACCEPT, single-shot (peer address into `*addr`) or multishot (no address: it
/// would be overwritten by the next connection before the host reads it).
pub struct Accept {
    slot: u32,
    addr: *mut libc::sockaddr,
    len: *mut libc::socklen_t,
    multishot: bool,
}

impl Accept {
    pub fn new(slot: u32, addr: *mut libc::sockaddr, len: *mut libc::socklen_t) -> Self {
        Self { slot, addr, len, multishot: false }
    }

    pub fn multishot(slot: u32) -> Self {
        Self { slot, addr: std::ptr::null_mut(), len: std::ptr::null_mut(), multishot: true }
    }

    pub fn build(self) -> Entry {
        let Self { slot, addr, len, multishot } = self;
        Entry::new(Prep::Accept { slot, addr, len, multishot }).fixed_file()
    }
}

/// IORING_OP_CONNECT to `*addr`.
pub struct Connect {
    slot: u32,
    addr: *const libc::sockaddr,
    len: libc::socklen_t,
}

impl Connect {
    pub fn new(slot: u32, addr: *const libc::sockaddr, len: libc::socklen_t) -> Self {
        Self { slot, addr, len }
    }

    pub fn build(self) -> Entry {
        let Self { slot, addr, len } = self;
        Entry::new(Prep::Connect { slot, addr, len }).fixed_file()
    }
}

/// IORING_OP_SOCKET, returning a plain descriptor (close-on-exec).
pub struct Socket {
    domain: i32,
    ty: i32,
}

impl Socket {
    pub fn new(domain: i32, ty: i32) -> Self {
        Self { domain, ty: ty | libc::SOCK_CLOEXEC }
    }

    pub fn build(self) -> Entry {
        let Self { domain, ty } = self;
        Entry::new(Prep::Socket { domain, ty })
    }
}

/// IORING_OP_SHUTDOWN.
pub struct Shutdown {
    slot: u32,
    how: i32,
}

impl Shutdown {
    pub fn new(slot: u32, how: i32) -> Self {
        Self { slot, how }
    }

    pub fn build(self) -> Entry {
        let Self { slot, how } = self;
        Entry::new(Prep::Shutdown { slot, how }).fixed_file()
    }
}

/// IORING_OP_FSYNC, or fdatasync with `datasync`.
pub struct Fsync {
    slot: u32,
    datasync: bool,
}

impl Fsync {
    pub fn new(slot: u32) -> Self {
        Self { slot, datasync: false }
    }

    pub fn datasync(mut self, datasync: bool) -> Self {
        self.datasync = datasync;
        self
    }

    pub fn build(self) -> Entry {
        let Self { slot, datasync } = self;
        Entry::new(Prep::Fsync { slot, datasync }).fixed_file()
    }
}

/// IORING_OP_STATX of `path` relative to a host descriptor (empty path: the descriptor).
pub struct Statx<'a> {
    dirfd: i32,
    path: &'a CStr,
    flags: i32,
    buf: *mut libc::statx,
}

impl<'a> Statx<'a> {
    pub fn new(dirfd: i32, path: &'a CStr, buf: *mut libc::statx) -> Self {
        Self { dirfd, path, flags: 0, buf }
    }

    pub fn flags(mut self, flags: i32) -> Self {
        self.flags = flags;
        self
    }

    pub fn build(self) -> Entry {
        let Self { dirfd, path, flags, buf } = self;
        Entry::new(Prep::Statx { dirfd, path: path.as_ptr(), flags, buf })
    }
}

/// IORING_OP_LINK_TIMEOUT: bounds the linked request before it.
pub struct LinkTimeout {
    ts: *mut sys::KernelTimespec,
}

impl LinkTimeout {
    pub fn new(ts: *mut sys::KernelTimespec) -> Self {
        Self { ts }
    }

    pub fn build(self) -> Entry {
        let Self { ts } = self;
        Entry::new(Prep::LinkTimeout { ts })
    }
}

/// IORING_OP_POLL_ADD, single-shot or multishot.
pub struct PollAdd {
    slot: u32,
    mask: u32,
    multishot: bool,
}

impl PollAdd {
    pub fn new(slot: u32, mask: u32) -> Self {
        Self { slot, mask, multishot: false }
    }

    pub fn multishot(mut self, multishot: bool) -> Self {
        self.multishot = multishot;
        self
    }

    pub fn build(self) -> Entry {
        let Self { slot, mask, multishot } = self;
        Entry::new(Prep::Poll { slot, mask, multishot }).fixed_file()
    }
}

/// IORING_OP_READ of an eventfd of the host's (not a guest handle): completes when a device
/// worker signals that its job is done.
pub struct EventfdRead {
    fd: i32,
    counter: *mut u64,
}

impl EventfdRead {
    pub fn new(fd: i32, counter: *mut u64) -> Self {
        Self { fd, counter }
    }

    pub fn build(self) -> Entry {
        let Self { fd, counter } = self;
        Entry::new(Prep::ReadHostFd { fd, buf: counter.cast(), len: 8 })
    }
}
