//! A safe owner of one io_uring: setup with feature fallback, pushing prepared entries,
//! one-syscall submit-and-wait, and reaping completions. The only user of `sys`.

use crate::kernel::opcode::Entry;
use crate::kernel::sys;
use std::io;
use std::os::fd::RawFd;
use std::ptr::NonNull;
use std::time::Duration;

/// One completion, copied out of the CQ ring.
#[derive(Clone, Copy, Debug)]
pub struct Completion {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
}

impl Completion {
    /// Whether the kernel will post more completions for the same request (multishot).
    pub fn more(&self) -> bool {
        self.flags & sys::IORING_CQE_F_MORE != 0
    }
}

/// The submission queue has no free entry: submit, then try again.
#[derive(Debug)]
pub struct SqFull;

pub struct Uring {
    raw: NonNull<sys::IoUring>,
    /// Which opcodes the running kernel knows (IORING_REGISTER_PROBE), by opcode.
    supported: [bool; sys::PROBED_OPS],
    /// The provided-buffer ring for multishot receives, created on first use.
    buf_ring: Option<NonNull<sys::BufRing>>,
}

// SAFETY: the ring is owned, not shared; it moves with its guest's store, and only the one
// thread running that guest ever enters it (which SINGLE_ISSUER also enforces in the kernel).
unsafe impl Send for Uring {}

/// Setup flag sets tried in order: what the fastest servers use first, then what older
/// kernels accept. SINGLE_ISSUER + DEFER_TASKRUN require that only the creating thread enters
/// the ring, which holds because each guest runs on its own thread.
const SETUP_PREFERENCES: [(u32, &str); 3] = [
    (
        sys::IORING_SETUP_SUBMIT_ALL | sys::IORING_SETUP_SINGLE_ISSUER | sys::IORING_SETUP_DEFER_TASKRUN,
        "SUBMIT_ALL|SINGLE_ISSUER|DEFER_TASKRUN",
    ),
    (sys::IORING_SETUP_SUBMIT_ALL | sys::IORING_SETUP_COOP_TASKRUN, "SUBMIT_ALL|COOP_TASKRUN"),
    (0, "no setup flags"),
];

impl Uring {
    /// Creates a ring with `entries` SQEs, taking the best setup flags this kernel accepts.
    pub fn new(entries: u32) -> io::Result<Self> {
        Self::with_preferences(entries, &SETUP_PREFERENCES).map(|(ring, _)| ring)
    }

    /// Creates a ring with the first of `preferences` the kernel accepts, falling back only
    /// when it refuses the flags (EINVAL). Returns the ring and the index of the set taken.
    fn with_preferences(entries: u32, preferences: &[(u32, &str)]) -> io::Result<(Self, usize)> {
        let mut last = io::Error::from_raw_os_error(libc::EINVAL);
        for (i, (flags, name)) in preferences.iter().enumerate() {
            let mut err = 0;
            // SAFETY: the shim writes `err` and returns either null or an owned ring.
            let raw = unsafe { sys::ior_sys_ring_new(entries, *flags, &mut err) };
            match NonNull::new(raw) {
                Some(raw) => {
                    if i > 0 {
                        eprintln!("ioring: io_uring refused the preferred setup flags; using {name}");
                    }
                    let mut ring = Self { raw, supported: [false; sys::PROBED_OPS], buf_ring: None };
                    ring.probe();
                    return Ok((ring, i));
                }
                None => last = io::Error::from_raw_os_error(-err),
            }
            // Only a refusal of the flags themselves is worth a fallback.
            if last.raw_os_error() != Some(libc::EINVAL) {
                break;
            }
        }
        Err(last)
    }

    /// Asks the kernel which opcodes it knows. A kernel too old to say (before 5.6) knows
    /// none of the newer ones either: everything then counts as supported, and an unknown
    /// opcode fails in the kernel with EINVAL.
    fn probe(&mut self) {
        let mut known = [0u8; sys::PROBED_OPS];
        // SAFETY: `raw` is a live ring; the shim writes at most PROBED_OPS bytes.
        let ret = unsafe { sys::ior_sys_probe(self.raw.as_ptr(), known.as_mut_ptr(), sys::PROBED_OPS as u32) };
        for (supported, known) in self.supported.iter_mut().zip(known) {
            *supported = ret < 0 || known != 0;
        }
    }

    /// Whether the running kernel knows `opcode`.
    pub fn supports(&self, opcode: u8) -> bool {
        self.supported.get(opcode as usize).copied().unwrap_or(false)
    }

    /// Queues one entry in the SQ ring.
    ///
    /// # Safety
    /// Every buffer, path and timespec that `entry` points to must stay valid and unmoved until
    /// its completion has been reaped (or the ring dropped, which waits for nothing: the caller
    /// must cancel and reap first).
    pub unsafe fn push(&mut self, entry: &Entry) -> Result<(), SqFull> {
        // SAFETY: `raw` is a live ring; a non-null SQE is ours until the next submit.
        let sqe = unsafe { sys::ior_sys_get_sqe(self.raw.as_ptr()) };
        if sqe.is_null() {
            return Err(SqFull);
        }
        // SAFETY: `sqe` is a fresh SQE of ours; the caller vouches for the pointers in `entry`.
        unsafe { sqe.write(*entry.sqe()) };
        Ok(())
    }

    pub fn sq_space_left(&self) -> u32 {
        // SAFETY: `raw` is a live ring.
        unsafe { sys::ior_sys_sq_space_left(self.raw.as_ptr()) }
    }

    /// Submits queued entries without waiting.
    pub fn submit(&mut self) -> io::Result<u32> {
        // SAFETY: `raw` is a live ring.
        let ret = unsafe { sys::ior_sys_submit(self.raw.as_ptr()) };
        cvt(ret).map(|n| n as u32)
    }

    /// Submits queued entries and waits for `want` completions or `timeout`, in one
    /// io_uring_enter. Returns false when the timeout expired first.
    pub fn submit_and_wait(&mut self, want: u32, timeout: Option<Duration>) -> io::Result<bool> {
        let mut ts = timeout.map(|t| sys::KernelTimespec {
            tv_sec: t.as_secs() as i64,
            tv_nsec: t.subsec_nanos() as i64,
        });
        let ts_ptr = ts.as_mut().map_or(std::ptr::null_mut(), |t| t as *mut _);
        loop {
            // SAFETY: `raw` is a live ring; `ts_ptr` is null or points at `ts`, alive here.
            let ret = unsafe { sys::ior_sys_submit_and_wait_timeout(self.raw.as_ptr(), want, ts_ptr) };
            match cvt(ret) {
                Ok(_) => return Ok(true),
                Err(e) if e.raw_os_error() == Some(libc::ETIME) => return Ok(false),
                Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Calls `f` for every completion ready now, up to `limit`, then releases them to the
    /// kernel. Returns false when it stopped at `limit` (more may be waiting).
    pub fn drain(&mut self, limit: usize, mut f: impl FnMut(Completion)) -> bool {
        const BATCH: usize = 64;
        let mut cqes = [std::ptr::null_mut::<sys::IoUringCqe>(); BATCH];
        let mut left = limit;
        loop {
            if left == 0 {
                return false;
            }
            let want = BATCH.min(left);
            // SAFETY: `cqes` has room for BATCH pointers; the shim fills at most `want`.
            let n = unsafe {
                sys::ior_sys_peek_batch_cqe(self.raw.as_ptr(), cqes.as_mut_ptr(), want as u32)
            };
            left -= n as usize;
            for &cqe in &cqes[..n as usize] {
                // SAFETY: the kernel published these CQEs and they stay until cq_advance.
                let c = unsafe { &*cqe };
                f(Completion { user_data: c.user_data, res: c.res, flags: c.flags });
            }
            // SAFETY: we have copied the `n` entries just peeked.
            unsafe { sys::ior_sys_cq_advance(self.raw.as_ptr(), n) };
            if (n as usize) < want {
                return true;
            }
        }
    }

    /// Registers an empty (sparse) file table of `n` slots, for IOSQE_FIXED_FILE.
    pub fn register_files_sparse(&mut self, n: u32) -> io::Result<()> {
        // SAFETY: `raw` is a live ring.
        cvt(unsafe { sys::ior_sys_register_files_sparse(self.raw.as_ptr(), n) }).map(drop)
    }

    /// Points fixed-file slot `index` at `fd`, or empties it when `fd` is -1.
    pub fn update_file(&mut self, index: u32, fd: RawFd) -> io::Result<()> {
        // SAFETY: `raw` is a live ring and `fd` lives on the stack for the call.
        let ret = unsafe { sys::ior_sys_register_files_update(self.raw.as_ptr(), index, &fd, 1) };
        cvt(ret).map(drop)
    }
}

impl Drop for Uring {
    fn drop(&mut self) {
        // SAFETY: we own both; the caller reaped or cancelled everything in flight, so no
        // request still points into the provided buffers.
        unsafe {
            if let Some(br) = self.buf_ring.take() {
                sys::ior_sys_buf_ring_free(self.raw.as_ptr(), br.as_ptr());
            }
            // Release the registered files now: closing the ring leaves them to the kernel's
            // deferred ring teardown, which can hold them (a pipe's write end, a granted
            // listener's port) for tens of milliseconds after the process has exited.
            sys::ior_sys_unregister_files(self.raw.as_ptr());
            sys::ior_sys_ring_free(self.raw.as_ptr())
        }
    }
}

impl Uring {
    /// Registers `iovecs` as the ring's fixed buffers (IORING_REGISTER_BUFFERS), replacing
    /// any earlier set.
    ///
    /// # Safety
    /// The memory the iovecs describe must stay valid until the buffers are unregistered or
    /// replaced, or the ring dropped.
    pub unsafe fn register_buffers(&mut self, iovecs: &[libc::iovec]) -> io::Result<()> {
        // SAFETY: `raw` is a live ring; unregistering a ring without buffers is harmless.
        unsafe { sys::ior_sys_unregister_buffers(self.raw.as_ptr()) };
        if iovecs.is_empty() {
            return Ok(());
        }
        // SAFETY: the caller keeps the memory alive; the kernel pins it now.
        cvt(unsafe { sys::ior_sys_register_buffers(self.raw.as_ptr(), iovecs.as_ptr(), iovecs.len() as u32) }).map(drop)
    }

    /// Cancels every request of the ring, waiting up to `timeout` for them
    /// (IORING_REGISTER_SYNC_CANCEL with ANY): unlike a cancel SQE, it is not deferred behind
    /// a drain entry that waits for a request that never ends.
    pub fn cancel_sync_any(&mut self, timeout: Duration) -> io::Result<()> {
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: `raw` is a live ring.
        cvt(unsafe { sys::ior_sys_cancel_sync_any(self.raw.as_ptr(), ms) }).map(drop)
    }

    /// Sets up provided-buffer group `group` with `entries` buffers of `size` bytes, once.
    pub fn provide_buffers(&mut self, group: u16, entries: u32, size: u32) -> io::Result<()> {
        if self.buf_ring.is_some() {
            return Ok(());
        }
        let mut err = 0;
        // SAFETY: `raw` is a live ring; the shim returns null or an owned buffer ring.
        let br = unsafe { sys::ior_sys_buf_ring_new(self.raw.as_ptr(), group, entries, size, &mut err) };
        self.buf_ring = Some(NonNull::new(br).ok_or_else(|| io::Error::from_raw_os_error(-err))?);
        Ok(())
    }

    /// Copies `len` bytes out of provided buffer `bid` and gives the buffer back to the kernel.
    pub fn take_provided(&mut self, bid: u16, len: usize) -> Vec<u8> {
        let Some(br) = self.buf_ring else { return Vec::new() };
        // SAFETY: the kernel filled `len` bytes (at most the buffer size) of buffer `bid` and
        // handed it to us with the CQE; we copy before recycling it.
        unsafe {
            let data = std::slice::from_raw_parts(sys::ior_sys_buf_ring_buf(br.as_ptr(), bid), len).to_vec();
            sys::ior_sys_buf_ring_recycle(br.as_ptr(), bid);
            data
        }
    }
}

/// Turns liburing's negative-errno convention into `io::Result`.
fn cvt(ret: i32) -> io::Result<i32> {
    if ret < 0 { Err(io::Error::from_raw_os_error(-ret)) } else { Ok(ret) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A setup flag no kernel defines: the real kernel refuses it with EINVAL, exactly as an
    /// older kernel refuses DEFER_TASKRUN. (Making this kernel refuse the flags the host
    /// prefers would take the global io_uring_disabled sysctl; seccomp cannot see the flags,
    /// which io_uring_setup reads through a pointer.)
    const REFUSED: u32 = 1 << 31;

    #[test]
    fn a_setup_flag_the_kernel_refuses_falls_back_to_the_next_set() {
        let (mut ring, taken) = Uring::with_preferences(8, &[(REFUSED, "refused"), (0, "no setup flags")]).unwrap();
        assert_eq!(taken, 1);
        // The ring the fallback made works.
        // SAFETY: a NOP points at nothing.
        unsafe { ring.push(&crate::kernel::opcode::Nop.build().user_data(7)) }.unwrap();
        assert_eq!(ring.submit().unwrap(), 1);
    }

    #[test]
    fn the_preferred_flags_are_taken_when_the_kernel_accepts_them() {
        let (_ring, taken) = Uring::with_preferences(8, &SETUP_PREFERENCES).unwrap();
        assert_eq!(taken, 0, "Linux 6.1 and later accept SUBMIT_ALL|SINGLE_ISSUER|DEFER_TASKRUN");
    }

    #[test]
    fn the_probe_knows_the_opcodes_every_supported_kernel_has_and_none_past_the_last() {
        let ring = Uring::new(8).unwrap();
        assert!(ring.supports(sys::IORING_OP_NOP) && ring.supports(sys::IORING_OP_SOCKET));
        assert!(!ring.supports(sys::PROBED_OPS as u8 - 1), "no kernel has 63 opcodes yet");
    }

    #[test]
    fn when_every_set_is_refused_the_kernel_error_is_returned() {
        let err = Uring::with_preferences(8, &[(REFUSED, "refused")]).err().unwrap();
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    }
}
