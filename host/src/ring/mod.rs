//! One guest ring: an io_uring plus the state of the operations in flight on it. `submit`
//! queues entries without entering the kernel; `complete` enters it once, submitting and
//! waiting together, then turns kernel completions into guest CQEs.

mod inflight;
mod prep;

use crate::bindings::{Cqe, CqeDetail, ErrorCode, Sqe};
use crate::descriptors::{Descriptor, Descriptors};
use crate::errno::to_error_code;
use crate::opcode::AsyncCancel;
use crate::uring::{Completion, Uring};
use inflight::{INTERNAL, Inflight, Kind, Slot};
use std::collections::VecDeque;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// Changes a ring made to the guest's descriptor table that the guest's other rings must
/// mirror in their registered-file tables.
#[derive(Default)]
pub struct TableChanges {
    /// Handles installed, with the host descriptor now behind them.
    pub installed: Vec<(u32, RawFd)>,
    /// Handles this ring closed (its own fixed slot closes in the kernel).
    pub closed: Vec<u32>,
}

pub struct GuestRing {
    uring: Uring,
    inflight: Inflight,
    /// Completions reaped but not yet returned (beyond a call's `max`).
    ready: VecDeque<Cqe>,
}

/// How long teardown waits for cancelled operations to report before giving up on them.
const TEARDOWN_WAIT: Duration = Duration::from_secs(5);

impl GuestRing {
    /// A ring of `entries` SQEs, holding at most `max_inflight` operations, with a
    /// registered-file table mirroring `descriptors`.
    pub fn new(entries: u32, max_inflight: u32, descriptors: &Descriptors) -> std::io::Result<Self> {
        let mut uring = Uring::new(entries)?;
        uring.register_files_sparse(descriptors.capacity())?;
        for (handle, fd) in descriptors.open() {
            uring.update_file(handle, fd)?;
        }
        Ok(Self { uring, inflight: Inflight::new(max_inflight), ready: VecDeque::new() })
    }

    /// Points this ring's fixed slot `handle` at `fd` (-1 empties it).
    pub fn mirror(&mut self, handle: u32, fd: RawFd) {
        if let Err(e) = self.uring.update_file(handle, fd) {
            eprintln!("ioring: cannot update registered file {handle}: {e}");
        }
    }

    /// Queues `sqes`; returns how many were taken (fewer only when the in-flight limit is
    /// reached or the kernel will not take submissions).
    pub fn submit(&mut self, descriptors: &mut Descriptors, sqes: Vec<Sqe>, changes: &mut TableChanges) -> u32 {
        let mut taken = 0;
        for Sqe { op, user_data, flags } in sqes {
            if self.inflight.is_full() || !self.make_room() {
                break;
            }
            let Some((key, slot)) = self.inflight.insert(user_data, Kind::Count) else { break };
            let entry = prep::prepare(op, slot, descriptors).unwrap_or_else(|code| {
                slot.kind = Kind::Rejected(code);
                prep::placeholder()
            });
            if let Kind::Close { handle } = slot.kind {
                changes.closed.push(handle);
            }
            let entry = entry.user_data(key).flags(prep::sqe_flags(flags));
            // SAFETY: every pointer in `entry` points into `slot` (or its heap buffers), which
            // the slab keeps in place until this operation's last completion is reaped.
            if unsafe { self.uring.push(&entry) }.is_err() {
                // make_room just ensured a free SQE, so this does not happen; if it did, the
                // operation still completes rather than vanishing.
                self.fail_now(key, ErrorCode::Again);
            }
            taken += 1;
        }
        taken
    }

    /// Submits, waits for `min` completions (capped at what is in flight) or `timeout`, and
    /// returns up to `max` completions.
    pub fn complete(
        &mut self,
        descriptors: &mut Descriptors,
        min: u32,
        max: u32,
        timeout: Option<Duration>,
        changes: &mut TableChanges,
    ) -> Vec<Cqe> {
        let min = min.min(self.inflight.live() + self.ready.len() as u32) as usize;
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let want = min.saturating_sub(self.ready.len()) as u32;
            // With nothing to wait for, a zero timeout still enters the kernel, which submits
            // and runs deferred completion work (DEFER_TASKRUN) without blocking.
            let (wait_nr, wait) = match want {
                0 => (1, Some(Duration::ZERO)),
                n => (n, deadline.map(|d| d.saturating_duration_since(Instant::now()))),
            };
            let in_time = match self.uring.submit_and_wait(wait_nr, wait) {
                Ok(in_time) => in_time,
                Err(e) => {
                    eprintln!("ioring: io_uring_enter failed: {e}");
                    false
                }
            };
            self.reap(descriptors, changes);
            if want == 0 || !in_time || self.ready.len() >= min {
                break;
            }
        }
        let n = (max as usize).min(self.ready.len());
        self.ready.drain(..n).collect()
    }

    /// Cancels everything in flight and reaps it, freeing handles this ring was closing and
    /// closing descriptors that opens produced meanwhile.
    pub fn shutdown(&mut self, descriptors: &mut Descriptors) {
        self.cancel_all(|slot, c| match slot.kind {
            Kind::Close { handle } => descriptors.finish_close(handle),
            Kind::Open { .. } if c.res >= 0 => close_raw(c.res),
            _ => {}
        });
    }

    /// Submits the SQ if it is full; false when no SQE can be had.
    fn make_room(&mut self) -> bool {
        self.uring.sq_space_left() > 0 || (self.uring.submit().is_ok() && self.uring.sq_space_left() > 0)
    }

    fn fail_now(&mut self, key: u64, code: ErrorCode) {
        if let Some(slot) = self.inflight.get_mut(key) {
            self.ready.push_back(cqe(slot.guest_user_data, Err(code)));
        }
        self.inflight.remove(key);
    }

    fn reap(&mut self, descriptors: &mut Descriptors, changes: &mut TableChanges) {
        let Self { uring, inflight, ready } = self;
        uring.drain(|c| {
            if c.user_data == INTERNAL {
                return;
            }
            let Some(slot) = inflight.get_mut(c.user_data) else { return };
            ready.push_back(finish(slot, c, descriptors, changes));
            if !c.more() {
                inflight.remove(c.user_data);
            }
        });
    }

    fn cancel_all(&mut self, mut on_reaped: impl FnMut(&Slot, Completion)) {
        if self.inflight.live() == 0 {
            return;
        }
        let cancel = AsyncCancel::any().build().user_data(INTERNAL);
        // SAFETY: a cancel carries no pointers.
        if self.make_room() && unsafe { self.uring.push(&cancel) }.is_err() {
            eprintln!("ioring: no SQE for teardown cancel");
        }
        let deadline = Instant::now() + TEARDOWN_WAIT;
        while self.inflight.live() > 0 && Instant::now() < deadline {
            let _ = self.uring.submit_and_wait(1, Some(Duration::from_millis(50)));
            let Self { uring, inflight, .. } = self;
            uring.drain(|c| {
                if let Some(slot) = inflight.get_mut(c.user_data) {
                    on_reaped(slot, c);
                    if !c.more() {
                        inflight.remove(c.user_data);
                    }
                }
            });
        }
    }
}

impl Drop for GuestRing {
    fn drop(&mut self) {
        self.cancel_all(|slot, c| {
            if matches!(slot.kind, Kind::Open { .. }) && c.res >= 0 {
                close_raw(c.res);
            }
        });
        if self.inflight.live() > 0 {
            // The kernel may still write into these buffers: leaking them is the safe choice.
            eprintln!("ioring: {} operations did not finish cancelling; leaking their buffers", self.inflight.live());
            let leaked = std::mem::replace(&mut self.inflight, Inflight::new(0));
            std::mem::forget(leaked);
        }
    }
}

/// Turns one kernel completion into the guest's CQE, applying its side effects to the
/// descriptor table.
fn finish(slot: &mut Slot, c: Completion, descriptors: &mut Descriptors, changes: &mut TableChanges) -> Cqe {
    let mut data = Vec::new();
    let mut detail = CqeDetail::None;
    let res = match slot.kind {
        Kind::Rejected(code) => Err(code),
        Kind::Close { handle } => {
            descriptors.finish_close(handle);
            result(c.res)
        }
        // openat2's RESOLVE_BENEATH reports an escape as EXDEV: to the guest it is a refusal.
        Kind::Open { .. } if c.res == -libc::EXDEV => Err(ErrorCode::Access),
        _ if c.res < 0 => result(c.res),
        Kind::Count => result(c.res),
        Kind::Read => {
            data = std::mem::take(&mut slot.buf);
            data.truncate(c.res as usize);
            result(c.res)
        }
        Kind::Open { read_only } => {
            // SAFETY: the kernel just created this descriptor for us and nothing else owns it.
            let fd = unsafe { OwnedFd::from_raw_fd(c.res) };
            let raw = c.res;
            descriptors.install(Descriptor::new(fd, read_only)).map(|handle| {
                changes.installed.push((handle, raw));
                detail = CqeDetail::Handle(handle);
                0
            })
        }
    };
    Cqe { user_data: slot.guest_user_data, res, more: c.more(), data, detail }
}

fn result(res: i32) -> Result<u32, ErrorCode> {
    if res < 0 { Err(to_error_code(-res)) } else { Ok(res as u32) }
}

fn cqe(user_data: u32, res: Result<u32, ErrorCode>) -> Cqe {
    Cqe { user_data, res, more: false, data: Vec::new(), detail: CqeDetail::None }
}

fn close_raw(fd: RawFd) {
    // SAFETY: a descriptor the kernel created for an operation whose result nobody will see.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });
}

#[cfg(test)]
mod tests;
