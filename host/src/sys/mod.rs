//! Raw bindings to the system's liburing, through `shim.c`. Nothing outside `uring` uses
//! this module; the lint exceptions for FFI stay here.

use std::ffi::{c_char, c_int, c_uint, c_ushort, c_void};

/// `struct io_uring`: opaque, owned by the shim (allocated in `ior_sys_ring_new`).
#[repr(C)]
pub struct IoUring {
    _opaque: [u8; 0],
}

/// `struct io_uring_sqe`: opaque, prepared only through the shim's `prep_*` wrappers.
#[repr(C)]
pub struct IoUringSqe {
    _opaque: [u8; 0],
}

/// `struct ior_sys_buf_ring` (shim.c): a provided-buffer ring and its buffers.
#[repr(C)]
pub struct BufRing {
    _opaque: [u8; 0],
}

/// `struct io_uring_cqe`, as in <linux/io_uring.h> (without the CQE32 tail we never enable).
#[repr(C)]
pub struct IoUringCqe {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
}

/// `struct __kernel_timespec`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct KernelTimespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// `struct open_how`, as in <linux/openat2.h>.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenHow {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}

pub const IOSQE_FIXED_FILE: u32 = 1 << 0;
pub const IOSQE_IO_DRAIN: u32 = 1 << 1;
pub const IOSQE_IO_LINK: u32 = 1 << 2;
pub const IOSQE_IO_HARDLINK: u32 = 1 << 3;
pub const IOSQE_BUFFER_SELECT: u32 = 1 << 5;

pub const IORING_SETUP_SUBMIT_ALL: u32 = 1 << 7;
pub const IORING_SETUP_COOP_TASKRUN: u32 = 1 << 8;
pub const IORING_SETUP_SINGLE_ISSUER: u32 = 1 << 12;
pub const IORING_SETUP_DEFER_TASKRUN: u32 = 1 << 13;

pub const IORING_CQE_F_BUFFER: u32 = 1 << 0;
pub const IORING_CQE_F_MORE: u32 = 1 << 1;
pub const IORING_CQE_BUFFER_SHIFT: u32 = 16;

pub const IORING_FSYNC_DATASYNC: u32 = 1 << 0;

pub const IORING_ASYNC_CANCEL_ALL: c_int = 1 << 0;
pub const IORING_ASYNC_CANCEL_ANY: c_int = 1 << 2;

pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_BENEATH: u64 = 0x08;

unsafe extern "C" {
    pub fn ior_sys_ring_new(entries: c_uint, flags: c_uint, err: *mut c_int) -> *mut IoUring;
    pub fn ior_sys_ring_free(ring: *mut IoUring);
    pub fn ior_sys_get_sqe(ring: *mut IoUring) -> *mut IoUringSqe;
    pub fn ior_sys_sq_space_left(ring: *mut IoUring) -> c_uint;
    pub fn ior_sys_submit(ring: *mut IoUring) -> c_int;
    pub fn ior_sys_submit_and_wait_timeout(
        ring: *mut IoUring,
        wait_nr: c_uint,
        ts: *mut KernelTimespec,
    ) -> c_int;
    pub fn ior_sys_peek_batch_cqe(
        ring: *mut IoUring,
        cqes: *mut *mut IoUringCqe,
        n: c_uint,
    ) -> c_uint;
    pub fn ior_sys_cq_advance(ring: *mut IoUring, n: c_uint);
    pub fn ior_sys_register_files_sparse(ring: *mut IoUring, n: c_uint) -> c_int;
    pub fn ior_sys_register_files_update(
        ring: *mut IoUring,
        off: c_uint,
        fds: *const c_int,
        n: c_uint,
    ) -> c_int;

    pub fn ior_sys_sqe_set_data64(sqe: *mut IoUringSqe, data: u64);
    pub fn ior_sys_sqe_set_flags(sqe: *mut IoUringSqe, flags: c_uint);
    pub fn ior_sys_prep_nop(sqe: *mut IoUringSqe);
    pub fn ior_sys_prep_read(sqe: *mut IoUringSqe, fd: c_int, buf: *mut c_void, len: c_uint, offset: u64);
    pub fn ior_sys_prep_write(sqe: *mut IoUringSqe, fd: c_int, buf: *const c_void, len: c_uint, offset: u64);
    pub fn ior_sys_prep_timeout(sqe: *mut IoUringSqe, ts: *mut KernelTimespec, count: c_uint);
    pub fn ior_sys_prep_openat2(sqe: *mut IoUringSqe, dfd: c_int, path: *const c_char, how: *mut OpenHow);
    pub fn ior_sys_prep_close_direct(sqe: *mut IoUringSqe, file_index: c_uint);
    pub fn ior_sys_prep_cancel64(sqe: *mut IoUringSqe, user_data: u64, flags: c_int);
    pub fn ior_sys_prep_read_fixed(sqe: *mut IoUringSqe, fd: c_int, buf: *mut c_void, len: c_uint, offset: u64, index: c_int);
    pub fn ior_sys_prep_write_fixed(sqe: *mut IoUringSqe, fd: c_int, buf: *const c_void, len: c_uint, offset: u64, index: c_int);
    pub fn ior_sys_prep_send(sqe: *mut IoUringSqe, fd: c_int, buf: *const c_void, len: c_uint, flags: c_int);
    pub fn ior_sys_prep_recv(sqe: *mut IoUringSqe, fd: c_int, buf: *mut c_void, len: c_uint, flags: c_int);
    pub fn ior_sys_prep_recv_multishot(sqe: *mut IoUringSqe, fd: c_int, bgid: c_ushort);
    pub fn ior_sys_prep_recvmsg(sqe: *mut IoUringSqe, fd: c_int, msg: *mut libc::msghdr);
    pub fn ior_sys_prep_sendmsg(sqe: *mut IoUringSqe, fd: c_int, msg: *const libc::msghdr, flags: c_uint);
    pub fn ior_sys_prep_accept(
        sqe: *mut IoUringSqe,
        fd: c_int,
        addr: *mut libc::sockaddr,
        len: *mut libc::socklen_t,
        multishot: c_int,
    );
    pub fn ior_sys_prep_connect(sqe: *mut IoUringSqe, fd: c_int, addr: *const libc::sockaddr, len: libc::socklen_t);
    pub fn ior_sys_prep_socket(sqe: *mut IoUringSqe, domain: c_int, ty: c_int, protocol: c_int);
    pub fn ior_sys_prep_shutdown(sqe: *mut IoUringSqe, fd: c_int, how: c_int);
    pub fn ior_sys_prep_fsync(sqe: *mut IoUringSqe, fd: c_int, flags: c_uint);
    pub fn ior_sys_prep_statx(
        sqe: *mut IoUringSqe,
        dfd: c_int,
        path: *const c_char,
        flags: c_int,
        mask: c_uint,
        buf: *mut libc::statx,
    );
    pub fn ior_sys_prep_link_timeout(sqe: *mut IoUringSqe, ts: *mut KernelTimespec);
    pub fn ior_sys_prep_poll(sqe: *mut IoUringSqe, fd: c_int, mask: c_uint, multishot: c_int);

    pub fn ior_sys_register_buffers(ring: *mut IoUring, iov: *const libc::iovec, n: c_uint) -> c_int;
    pub fn ior_sys_unregister_buffers(ring: *mut IoUring) -> c_int;
    pub fn ior_sys_unregister_files(ring: *mut IoUring) -> c_int;
    pub fn ior_sys_cancel_sync(ring: *mut IoUring, user_data: u64, all: c_int) -> c_int;
    pub fn ior_sys_cancel_sync_any(ring: *mut IoUring, timeout_ms: c_int) -> c_int;
    pub fn ior_sys_buf_ring_new(
        ring: *mut IoUring,
        bgid: c_ushort,
        entries: c_uint,
        size: c_uint,
        err: *mut c_int,
    ) -> *mut BufRing;
    pub fn ior_sys_buf_ring_buf(br: *const BufRing, bid: c_ushort) -> *const u8;
    pub fn ior_sys_buf_ring_recycle(br: *mut BufRing, bid: c_ushort);
    pub fn ior_sys_buf_ring_free(ring: *mut IoUring, br: *mut BufRing);
}
