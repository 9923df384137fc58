//! The kernel's io_uring ABI as the host uses it (the SQE layout, opcodes, flags), and raw
//! bindings to the system's liburing for ring setup, submission and completion, through
//! `shim.c`. SQEs are written by `opcode`; everything else here is used only by `uring`.

use std::ffi::{c_int, c_uint, c_ushort};

/// `struct io_uring`: opaque, owned by the shim (allocated in `ior_sys_ring_new`).
#[repr(C)]
pub struct IoUring {
    _opaque: [u8; 0],
}

/// `struct io_uring_sqe`, as in <linux/io_uring.h>, its unions named by the member the host
/// uses for each (the SQE128 tail is never enabled).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Sqe {
    pub opcode: u8,
    /// IOSQE_* flags.
    pub flags: u8,
    /// The per-opcode "ioprio" word (the multishot bits of recv and accept).
    pub ioprio: u16,
    pub fd: i32,
    /// `off` / `addr2`.
    pub off: u64,
    /// `addr` / `splice_off_in`.
    pub addr: u64,
    pub len: u32,
    /// The per-opcode flags word (`rw_flags`, `fsync_flags`, `poll32_events`, `msg_flags`,
    /// `cancel_flags`, `statx_flags`, `unlink_flags`, ...).
    pub op_flags: u32,
    pub user_data: u64,
    /// `buf_index` / `buf_group`.
    pub buf_index: u16,
    pub personality: u16,
    /// `file_index` / `splice_fd_in`.
    pub file_index: i32,
    pub addr3: u64,
    pub pad: u64,
}

const _: () = assert!(size_of::<Sqe>() == 64);

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

/// `enum io_uring_op`: the opcodes the host issues. Fixed by the kernel's ABI; the system's
/// headers may predate the newer ones (FTRUNCATE is Linux 6.9), so they are spelled here.
pub const IORING_OP_NOP: u8 = 0;
pub const IORING_OP_FSYNC: u8 = 3;
pub const IORING_OP_READ_FIXED: u8 = 4;
pub const IORING_OP_WRITE_FIXED: u8 = 5;
pub const IORING_OP_POLL_ADD: u8 = 6;
pub const IORING_OP_SENDMSG: u8 = 9;
pub const IORING_OP_RECVMSG: u8 = 10;
pub const IORING_OP_TIMEOUT: u8 = 11;
pub const IORING_OP_ACCEPT: u8 = 13;
pub const IORING_OP_ASYNC_CANCEL: u8 = 14;
pub const IORING_OP_LINK_TIMEOUT: u8 = 15;
pub const IORING_OP_CONNECT: u8 = 16;
pub const IORING_OP_CLOSE: u8 = 19;
pub const IORING_OP_STATX: u8 = 21;
pub const IORING_OP_READ: u8 = 22;
pub const IORING_OP_WRITE: u8 = 23;
pub const IORING_OP_SEND: u8 = 26;
pub const IORING_OP_RECV: u8 = 27;
pub const IORING_OP_OPENAT2: u8 = 28;
pub const IORING_OP_SHUTDOWN: u8 = 34;
pub const IORING_OP_RENAMEAT: u8 = 35;
pub const IORING_OP_UNLINKAT: u8 = 36;
pub const IORING_OP_MKDIRAT: u8 = 37;
pub const IORING_OP_SOCKET: u8 = 45;
pub const IORING_OP_FTRUNCATE: u8 = 55;

/// Opcodes a probe reports on: every one above is below this.
pub const PROBED_OPS: usize = 64;

pub const IOSQE_FIXED_FILE: u32 = 1 << 0;
pub const IOSQE_IO_LINK: u32 = 1 << 2;
pub const IOSQE_IO_HARDLINK: u32 = 1 << 3;
pub const IOSQE_ASYNC: u32 = 1 << 4;
pub const IOSQE_BUFFER_SELECT: u32 = 1 << 5;

pub const IORING_SETUP_SUBMIT_ALL: u32 = 1 << 7;
pub const IORING_SETUP_COOP_TASKRUN: u32 = 1 << 8;
pub const IORING_SETUP_SINGLE_ISSUER: u32 = 1 << 12;
pub const IORING_SETUP_DEFER_TASKRUN: u32 = 1 << 13;

pub const IORING_CQE_F_BUFFER: u32 = 1 << 0;
pub const IORING_CQE_F_MORE: u32 = 1 << 1;
pub const IORING_CQE_BUFFER_SHIFT: u32 = 16;

pub const IORING_FSYNC_DATASYNC: u32 = 1 << 0;

pub const IORING_ASYNC_CANCEL_ALL: u32 = 1 << 0;
pub const IORING_ASYNC_CANCEL_ANY: u32 = 1 << 2;

pub const IORING_POLL_ADD_MULTI: u32 = 1 << 0;
pub const IORING_RECV_MULTISHOT: u16 = 1 << 1;
pub const IORING_ACCEPT_MULTISHOT: u16 = 1 << 0;

pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_BENEATH: u64 = 0x08;

unsafe extern "C" {
    pub fn ior_sys_ring_new(entries: c_uint, flags: c_uint, err: *mut c_int) -> *mut IoUring;
    pub fn ior_sys_ring_free(ring: *mut IoUring);
    pub fn ior_sys_get_sqe(ring: *mut IoUring) -> *mut Sqe;
    pub fn ior_sys_probe(ring: *mut IoUring, supported: *mut u8, n: c_uint) -> c_int;
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

    pub fn ior_sys_register_buffers(ring: *mut IoUring, iov: *const libc::iovec, n: c_uint) -> c_int;
    pub fn ior_sys_unregister_buffers(ring: *mut IoUring) -> c_int;
    pub fn ior_sys_unregister_files(ring: *mut IoUring) -> c_int;
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
