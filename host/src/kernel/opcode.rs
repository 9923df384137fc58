//! One typed builder per io_uring opcode the host issues, each writing the kernel's SQE fields
//! itself: an operation has one shape between the guest's `op` and the SQE the kernel reads,
//! with no wrapper layer to keep in step (and no wait for a liburing release that knows a new
//! opcode). Required operands go in `new`, optional ones are chained setters. Pointers in an
//! entry must outlive its completion: that contract is `Uring::push`'s. Reads and writes name
//! a registered-file slot (the guest's handle), never a host descriptor.

use crate::kernel::sys::{self, Sqe};
use std::ffi::CStr;

/// io_uring's "use the current file position" offset.
pub const CURRENT_POSITION: u64 = u64::MAX;

/// A prepared submission: the SQE as the kernel will read it.
#[derive(Clone, Copy, Debug)]
pub struct Entry(Sqe);

impl Entry {
    pub fn user_data(mut self, user_data: u64) -> Self {
        self.0.user_data = user_data;
        self
    }

    /// Adds IOSQE_* flags (link, hard-link, drain) to those the opcode set.
    pub fn flags(mut self, flags: u32) -> Self {
        self.0.flags |= flags as u8;
        self
    }

    pub fn opcode(&self) -> u8 {
        self.0.opcode
    }

    pub(crate) fn sqe(&self) -> &Sqe {
        &self.0
    }
}

/// The fields every opcode sets, as liburing's io_uring_prep_rw does; the rest stay zero.
fn rw(opcode: u8, fd: i32, addr: u64, len: u32, off: u64) -> Sqe {
    Sqe { opcode, fd, addr, len, off, ..Sqe::default() }
}

/// The same on a registered-file slot.
fn fixed(opcode: u8, slot: u32, addr: u64, len: u32, off: u64) -> Sqe {
    Sqe { flags: sys::IOSQE_FIXED_FILE as u8, ..rw(opcode, slot as i32, addr, len, off) }
}

fn ptr<T>(p: *const T) -> u64 {
    p as usize as u64
}

/// IORING_OP_NOP.
pub struct Nop;

impl Nop {
    pub fn build(self) -> Entry {
        Entry(rw(sys::IORING_OP_NOP, -1, 0, 0, 0))
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
        Entry(fixed(sys::IORING_OP_READ, slot, ptr(buf), len, offset))
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
        Entry(fixed(sys::IORING_OP_WRITE, slot, ptr(buf), len, offset))
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
        Entry(Sqe { buf_index: index, ..fixed(sys::IORING_OP_READ_FIXED, slot, ptr(buf), len, offset) })
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
        Entry(Sqe { buf_index: index, ..fixed(sys::IORING_OP_WRITE_FIXED, slot, ptr(buf), len, offset) })
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
        let op_flags = if datasync { sys::IORING_FSYNC_DATASYNC } else { 0 };
        Entry(Sqe { op_flags, ..fixed(sys::IORING_OP_FSYNC, slot, 0, 0, 0) })
    }
}

/// IORING_OP_FTRUNCATE: sets the length of the file in registered-file `slot`.
pub struct Ftruncate {
    slot: u32,
    len: u64,
}

impl Ftruncate {
    pub fn new(slot: u32, len: u64) -> Self {
        Self { slot, len }
    }

    pub fn build(self) -> Entry {
        let Self { slot, len } = self;
        Entry(fixed(sys::IORING_OP_FTRUNCATE, slot, 0, 0, len))
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
        let size = size_of::<sys::OpenHow>() as u32;
        Entry(rw(sys::IORING_OP_OPENAT2, dirfd, ptr(path.as_ptr()), size, ptr(how)))
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
        let sqe = rw(sys::IORING_OP_STATX, dirfd, ptr(path.as_ptr()), libc::STATX_BASIC_STATS, ptr(buf));
        Entry(Sqe { op_flags: flags as u32, ..sqe })
    }
}

/// IORING_OP_MKDIRAT: creates `name` in a host directory descriptor.
pub struct MkdirAt<'a> {
    dirfd: i32,
    name: &'a CStr,
    mode: u32,
}

impl<'a> MkdirAt<'a> {
    pub fn new(dirfd: i32, name: &'a CStr, mode: u32) -> Self {
        Self { dirfd, name, mode }
    }

    pub fn build(self) -> Entry {
        let Self { dirfd, name, mode } = self;
        Entry(rw(sys::IORING_OP_MKDIRAT, dirfd, ptr(name.as_ptr()), mode, 0))
    }
}

/// IORING_OP_UNLINKAT: removes `name` from a host directory descriptor (a directory with
/// `remove_dir`).
pub struct UnlinkAt<'a> {
    dirfd: i32,
    name: &'a CStr,
    remove_dir: bool,
}

impl<'a> UnlinkAt<'a> {
    pub fn new(dirfd: i32, name: &'a CStr) -> Self {
        Self { dirfd, name, remove_dir: false }
    }

    pub fn remove_dir(mut self, remove_dir: bool) -> Self {
        self.remove_dir = remove_dir;
        self
    }

    pub fn build(self) -> Entry {
        let Self { dirfd, name, remove_dir } = self;
        let op_flags = if remove_dir { libc::AT_REMOVEDIR as u32 } else { 0 };
        Entry(Sqe { op_flags, ..rw(sys::IORING_OP_UNLINKAT, dirfd, ptr(name.as_ptr()), 0, 0) })
    }
}

/// IORING_OP_RENAMEAT between two host directory descriptors.
pub struct RenameAt<'a> {
    old_dirfd: i32,
    old_name: &'a CStr,
    new_dirfd: i32,
    new_name: &'a CStr,
}

impl<'a> RenameAt<'a> {
    pub fn new(old_dirfd: i32, old_name: &'a CStr, new_dirfd: i32, new_name: &'a CStr) -> Self {
        Self { old_dirfd, old_name, new_dirfd, new_name }
    }

    pub fn build(self) -> Entry {
        let Self { old_dirfd, old_name, new_dirfd, new_name } = self;
        let (old, new) = (ptr(old_name.as_ptr()), ptr(new_name.as_ptr()));
        Entry(rw(sys::IORING_OP_RENAMEAT, old_dirfd, old, new_dirfd as u32, new))
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
        // The kernel reads a fixed slot as index + 1 (0 means a plain descriptor in `fd`).
        Entry(Sqe { file_index: index as i32 + 1, ..rw(sys::IORING_OP_CLOSE, 0, 0, 0, 0) })
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
        // MSG_NOSIGNAL: a closed peer is EPIPE in the CQE, never SIGPIPE to the host.
        Entry(Sqe { op_flags: libc::MSG_NOSIGNAL as u32, ..fixed(sys::IORING_OP_SEND, slot, ptr(buf), len, 0) })
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
        Entry(fixed(sys::IORING_OP_RECV, slot, ptr(buf), len, 0))
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
        let sqe = fixed(sys::IORING_OP_RECV, slot, 0, 0, 0);
        let flags = sqe.flags | sys::IOSQE_BUFFER_SELECT as u8;
        Entry(Sqe { flags, ioprio: sys::IORING_RECV_MULTISHOT, buf_index: group, ..sqe })
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
        Entry(fixed(sys::IORING_OP_RECVMSG, slot, ptr(msg), 1, 0))
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
        Entry(Sqe { op_flags: libc::MSG_NOSIGNAL as u32, ..fixed(sys::IORING_OP_SENDMSG, slot, ptr(msg), 1, 0) })
    }
}

/// IORING_OP_ACCEPT, single-shot (peer address into `*addr`) or multishot (no address: it
/// would be overwritten by the next connection before the host reads it). Accepted
/// descriptors are close-on-exec.
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
        let ioprio = if multishot { sys::IORING_ACCEPT_MULTISHOT } else { 0 };
        let sqe = fixed(sys::IORING_OP_ACCEPT, slot, ptr(addr), 0, ptr(len));
        Entry(Sqe { ioprio, op_flags: libc::SOCK_CLOEXEC as u32, ..sqe })
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
        Entry(fixed(sys::IORING_OP_CONNECT, slot, ptr(addr), 0, u64::from(len)))
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
        // The kernel reads the domain from `fd`, the protocol (0) from `len`, the type from `off`.
        Entry(rw(sys::IORING_OP_SOCKET, domain, 0, 0, ty as u64))
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
        Entry(fixed(sys::IORING_OP_SHUTDOWN, slot, 0, how as u32, 0))
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
        let len = if multishot { sys::IORING_POLL_ADD_MULTI } else { 0 };
        Entry(Sqe { op_flags: mask, ..fixed(sys::IORING_OP_POLL_ADD, slot, 0, len, 0) })
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
        Entry(rw(sys::IORING_OP_TIMEOUT, -1, ptr(ts), 1, u64::from(count)))
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
        Entry(rw(sys::IORING_OP_LINK_TIMEOUT, -1, ptr(ts), 1, 0))
    }
}

/// IORING_OP_ASYNC_CANCEL.
pub struct AsyncCancel {
    user_data: u64,
    flags: u32,
}

impl AsyncCancel {
    /// Cancels the request carrying `user_data`.
    pub fn new(user_data: u64) -> Self {
        Self { user_data, flags: 0 }
    }

    /// Cancels every request in the ring, whatever its user-data.
    pub fn any() -> Self {
        Self { user_data: 0, flags: sys::IORING_ASYNC_CANCEL_ANY | sys::IORING_ASYNC_CANCEL_ALL }
    }

    pub fn build(self) -> Entry {
        let Self { user_data, flags } = self;
        Entry(Sqe { op_flags: flags, ..rw(sys::IORING_OP_ASYNC_CANCEL, -1, user_data, 0, 0) })
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
        Entry(rw(sys::IORING_OP_READ, fd, ptr(counter), 8, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_file_entries_name_the_slot_and_set_the_flag() {
        let e = Read::new(3, std::ptr::null_mut(), 16).offset(8).build().user_data(9).flags(sys::IOSQE_IO_LINK);
        let s = e.sqe();
        assert_eq!((s.opcode, s.fd, s.len, s.off, s.user_data), (sys::IORING_OP_READ, 3, 16, 8, 9));
        assert_eq!(u32::from(s.flags), sys::IOSQE_FIXED_FILE | sys::IOSQE_IO_LINK);
    }

    #[test]
    fn a_fixed_close_names_its_slot_plus_one() {
        let s = *CloseFixed::new(0).build().sqe();
        assert_eq!((s.opcode, s.fd, s.file_index), (sys::IORING_OP_CLOSE, 0, 1));
    }

    #[test]
    fn multishot_receives_select_buffers_from_their_group() {
        let s = *RecvMultishot::new(2, 5).build().sqe();
        assert_eq!((s.ioprio, s.buf_index), (sys::IORING_RECV_MULTISHOT, 5));
        assert_eq!(u32::from(s.flags), sys::IOSQE_FIXED_FILE | sys::IOSQE_BUFFER_SELECT);
    }

    #[test]
    fn a_rename_carries_both_directories_and_names() {
        let s = *RenameAt::new(4, c"a", 5, c"b").build().sqe();
        assert_eq!((s.opcode, s.fd, s.len), (sys::IORING_OP_RENAMEAT, 4, 5));
        assert!(s.addr != 0 && s.off != 0);
    }
}
