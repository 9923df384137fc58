//! One guest ring: an io_uring plus the state of the operations in flight on it. `submit`
//! queues entries without entering the kernel; `complete` enters it once, submitting and
//! waiting together, then turns kernel completions into guest CQEs.

mod budget;
#[doc(hidden)]
pub mod floor;
pub mod fuzz;
mod held;
mod inflight;
mod ops;

pub use budget::Budget;

use crate::bindings::{Cqe, CqeDetail, ErrorCode, Op, Sqe, SqeFlags};
use crate::caps::descriptors::{Descriptor, Descriptors};
use crate::errno::to_error_code;
use crate::ioring::ring::types::CancelArgs;
use crate::caps::net::{NetPolicy, RawAddr, as_inet};
use crate::kernel::opcode::{self, AsyncCancel, Entry};
use crate::kernel::sys;
use crate::kernel::uring::{Completion, Uring};
use held::Held;
use inflight::{INTERNAL, Inflight, Kind, Slot};
use ops::FixedBuffers;
use std::collections::VecDeque;
use std::os::fd::{AsFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use ops::MAX_IO_LEN;

/// One entry to submit: an SQE, or what is left of one the host could not decode (the
/// packed form's unknown cases and cut-short entries), which completes with its error.
pub struct Request {
    pub op: Result<Op, ErrorCode>,
    pub user_data: u32,
    pub flags: SqeFlags,
}

impl From<Sqe> for Request {
    fn from(Sqe { op, user_data, flags }: Sqe) -> Self {
        Request { op: Ok(op), user_data, flags }
    }
}

/// Changes a ring made to the guest's descriptor table that the guest's other rings must
/// mirror in their registered-file tables.
#[derive(Default)]
pub struct TableChanges {
    /// Handles installed, with the host descriptor now behind them.
    pub installed: Vec<(u32, RawFd)>,
    /// Handles this ring closed (its own fixed slot closes in the kernel).
    pub closed: Vec<u32>,
}

/// How a ring is set up: its size and the guest-wide bounds and policy it enforces.
#[derive(Clone)]
pub struct RingConfig {
    pub entries: u32,
    pub max_inflight: u32,
    /// The guest-wide bounds on bytes held and completions reaped, shared by its rings.
    pub budget: Arc<Budget>,
    pub policy: Arc<NetPolicy>,
    /// Log every SQE and CQE to stderr.
    pub trace: bool,
}

/// Provided buffers for multishot receives: count and size of each.
const RECV_BUFFERS: u32 = 64;
const RECV_BUFFER_SIZE: u32 = 16 * 1024;

pub struct GuestRing {
    uring: Uring,
    inflight: Inflight,
    /// Completions reaped but not yet returned (beyond a call's `max`).
    ready: VecDeque<Cqe>,
    /// Kernel completions of the current reap, kept to reuse the allocation.
    reaped: Vec<Completion>,
    fixed: FixedBuffers,
    config: RingConfig,
    /// Entries the kernel's SQ holds.
    sq_capacity: u32,
    /// Per submit call: the length of the link chain from each entry on, and whether any
    /// entry of it asks for drain (reused).
    chains: Vec<(u32, bool)>,
    /// Chains waiting for a drain.
    held: Held,
    /// Bytes of provided buffers for multishot receives, charged to the budget once set up.
    provided_bytes: usize,
}

/// In-flight slots kept for lone cancels, so that a guest whose ring is full of operations
/// that do not end can still cancel them.
const CANCEL_RESERVE: u32 = 8;

/// How long teardown waits for cancelled operations to report before giving up on them.
const TEARDOWN_WAIT: Duration = Duration::from_secs(5);

impl GuestRing {
    /// A ring with a registered-file table mirroring `descriptors`.
    pub fn new(config: RingConfig, descriptors: &Descriptors) -> std::io::Result<Self> {
        let mut uring = Uring::new(config.entries)?;
        uring.register_files_sparse(descriptors.capacity())?;
        for (handle, fd) in descriptors.open() {
            uring.update_file(handle, fd)?;
        }
        Ok(Self {
            sq_capacity: uring.sq_space_left(),
            chains: Vec::new(),
            held: Held::default(),
            uring,
            inflight: Inflight::new(config.max_inflight + CANCEL_RESERVE, Arc::clone(&config.budget)),
            provided_bytes: 0,
            ready: VecDeque::new(),
            reaped: Vec::new(),
            fixed: FixedBuffers::default(),
            config,
        })
    }

    /// Points this ring's fixed slot `handle` at `fd` (-1 empties it).
    pub fn mirror(&mut self, handle: u32, fd: RawFd) {
        if let Err(e) = self.uring.update_file(handle, fd) {
            eprintln!("ioring: cannot update registered file {handle}: {e}");
        }
    }

    /// Queues `sqes`; returns how many were taken: fewer only when the in-flight limit is
    /// reached or the kernel will not take submissions. A link chain is taken whole or not
    /// at all, and never split across two kernel submissions (the kernel would end the
    /// chain at the split). A lone cancel may use slots kept for it past the limit.
    /// A link flag on the last entry of a call is dropped: a chain ends with its `submit` call,
    /// never joining entries of the next call (the host counts chains per call).
    pub fn submit<R: Into<Request>>(&mut self, descriptors: &mut Descriptors, sqes: Vec<R>, changes: &mut TableChanges) -> u32 {
        // Request is Sqe with room for a refusal, the same size: collected in place.
        let sqes: Vec<Request> = sqes.into_iter().map(Into::into).collect();
        self.chain_lengths(&sqes);
        let last = sqes.len().saturating_sub(1);
        let mut taken = 0;
        let mut previous = None;
        let mut chain_left = 0;
        let mut refusing = false;
        let mut holding = false;
        // Further kernel cancel requests of a cancel in the current chain, sent after it.
        let mut after: Vec<Entry> = Vec::new();
        for (i, Request { op, user_data, mut flags }) in sqes.into_iter().enumerate() {
            if i == last {
                flags &= !(SqeFlags::LINK | SqeFlags::HARD_LINK);
            }
            let head = chain_left == 0;
            if head {
                let (len, drain) = self.chains[i];
                // A lone cancel may take the slots kept for it, and is never held back: it
                // must reach what a drain waits for.
                let lone_cancel = len == 1 && matches!(op, Ok(Op::Cancel(_)));
                let reserve = if lone_cancel { 0 } else { CANCEL_RESERVE };
                refusing = len > self.sq_capacity || len > self.config.max_inflight;
                if refusing {
                    // It can never fit: every entry of it fails, as a chain would. Bounded, so a
                    // guest that never reaps cannot grow the ready queue without end.
                    if self.config.budget.completions_room() < len as usize {
                        break;
                    }
                } else if self.inflight.free().saturating_sub(reserve) < len || !self.make_room(len) {
                    break;
                }
                chain_left = len;
                holding = !refusing && !lone_cancel && (drain || !self.held.is_empty());
                if holding {
                    self.held.start(drain);
                }
            }
            chain_left -= 1;
            if refusing {
                self.push_ready(plain_cqe(user_data, Err(ErrorCode::Invalid)));
                taken += 1;
                continue;
            }
            // Past the byte budget is `again`; an absurd length is left to prepare's `invalid`.
            let need = op.as_ref().map_or(0, ops::bytes_held);
            let held = if need <= MAX_IO_LEN as usize { need } else { 0 };
            let over_bytes = !self.config.budget.take_bytes(held);
            let targets = match &op {
                Ok(Op::Cancel(args)) => Some(self.cancel_targets(args, descriptors)),
                _ => None,
            };
            let name = if self.config.trace { op.as_ref().map_or("malformed", op_name) } else { "" };
            let Some((key, slot)) = self.inflight.insert(user_data, Kind::Count) else {
                self.config.budget.release_bytes(if over_bytes { 0 } else { held });
                break;
            };
            let mut env = ops::Env { descriptors, policy: &self.config.policy, fixed: &mut self.fixed, previous };
            let prepared = match (targets, op) {
                (Some(targets), _) => ops::time::cancel(slot, key, targets, &mut after),
                (None, Err(code)) => Err(code),
                (None, Ok(_)) if over_bytes => Err(ErrorCode::Again),
                (None, Ok(op)) => ops::prepare(op, slot, &mut env),
            };
            let prepared = match prepared {
                // Without its provided buffers a multishot receive could only fail and be
                // re-armed: they are set up (and charged) once one has passed its checks.
                Ok(_) if matches!(slot.kind, Kind::RecvMultishot { .. }) && !self.provide_recv_buffers() => {
                    Err(ErrorCode::NoBuffers)
                }
                Ok(entry) if !self.uring.supports(entry.opcode()) => Err(ErrorCode::NotSupported),
                other => other,
            };
            let slot = self.inflight.get_mut(key).expect("the slot just taken");
            let entry = prepared.unwrap_or_else(|code| {
                slot.kind = Kind::Rejected(code);
                ops::placeholder()
            });
            if let Kind::Close { handle } = slot.kind {
                changes.closed.push(handle);
            }
            if self.config.trace {
                eprintln!("ioring: sqe {user_data} {name}{}", describe_kind(slot));
                slot.trace = Some((name, Instant::now()));
            }
            self.inflight.hold(key, if over_bytes { 0 } else { held });
            let entry = entry.user_data(key).flags(ops::sqe_flags(flags));
            if holding {
                self.held.push(key, entry);
            } else {
                self.send(key, &entry);
            }
            if chain_left == 0 {
                if holding {
                    self.held.end();
                }
                for entry in after.drain(..) {
                    if holding {
                        self.held.push_after(entry);
                    } else {
                        self.send_unlinked(entry);
                    }
                }
            }
            previous = Some(key);
            taken += 1;
        }
        self.release_held();
        taken
    }

    /// Pushes an entry of a chain for which make_room reserved room.
    fn send(&mut self, key: u64, entry: &Entry) {
        // SAFETY: every pointer in `entry` points into its slot (or its heap buffers, or the
        // ring's fixed buffers), which stay in place until this operation's last completion
        // is reaped.
        if unsafe { self.uring.push(entry) }.is_err() {
            // make_room reserved room for the whole chain, so this does not happen; if it
            // did, the operation still completes rather than vanishing.
            self.fail_now(key, ErrorCode::Again);
        }
    }

    /// Pushes one of a cancel's further kernel requests, outside any chain.
    fn send_unlinked(&mut self, entry: Entry) {
        // SAFETY: a cancel carries no pointers.
        if self.make_room(1) && unsafe { self.uring.push(&entry) }.is_ok() {
            return;
        }
        // Never sent, so never answered: the cancel must not wait for it.
        if let Some(cqe) = self.answer_cancel(entry.sqe().user_data, -libc::ENOENT) {
            self.push_ready(cqe);
        }
    }

    /// Sends the held chains that may go now.
    fn release_held(&mut self) {
        loop {
            let issued = self.inflight.live() - self.held.ops();
            let Some(len) = self.held.ready(issued) else { return };
            if !self.make_room(len) {
                return;
            }
            let Some(chain) = self.held.pop() else { return };
            for (key, entry) in chain.entries {
                self.send(key, &entry);
            }
            for entry in chain.after {
                self.send_unlinked(entry);
            }
        }
    }

    /// What a cancel targets: the count of held operations it took out (their completions
    /// are ready now) and the keys of those in the kernel, to send a cancel request for each.
    /// Without `all`, only the first found: in the kernel if any is there, else held.
    fn cancel_targets(&mut self, &CancelArgs { target, all }: &CancelArgs, descriptors: &mut Descriptors) -> (u32, Vec<u64>) {
        let mut sent: Vec<u64> = self.inflight.keys_of(target).filter(|&k| !self.held.contains(k)).collect();
        if !all && !sent.is_empty() {
            sent.truncate(1);
            return (0, sent);
        }
        let inflight = &self.inflight;
        let targeted = |k: u64| inflight.user_data_of(k) == Some(target);
        let taken = self.held.take_where(all, targeted);
        let found = taken.iter().filter(|&&k| self.inflight.user_data_of(k) == Some(target)).count() as u32;
        for key in taken {
            self.finish_unsent(key, descriptors);
        }
        (if all { found } else { found.min(1) }, sent)
    }

    /// Completes an operation that was held and will never be sent: what the host already
    /// did at submit (a close, a bind) keeps its result; the rest is `canceled`.
    fn finish_unsent(&mut self, key: u64, descriptors: &mut Descriptors) {
        let Some(slot) = self.inflight.get_mut(key) else { return };
        let res = match slot.kind {
            Kind::Close { handle } => {
                descriptors.finish_close(handle);
                let _ = self.uring.update_file(handle, -1);
                Ok(0)
            }
            Kind::Done(n) => Ok(n),
            Kind::Rejected(code) => Err(code),
            Kind::Fixed => {
                self.fixed.inflight -= 1;
                Err(ErrorCode::Canceled)
            }
            _ => Err(ErrorCode::Canceled),
        };
        let Some(slot) = self.inflight.get_mut(key) else { return };
        let cqe = plain_cqe(slot.guest_user_data, res);
        self.inflight.remove(key);
        self.push_ready(cqe);
    }

    /// Fills `self.chains[i]` with the length of the link chain from entry `i` to its end,
    /// and whether any entry from `i` to that end asks for drain.
    fn chain_lengths(&mut self, sqes: &[Request]) {
        self.chains.clear();
        self.chains.extend(sqes.iter().map(|s| (1, s.flags.contains(SqeFlags::DRAIN))));
        for i in (0..sqes.len().saturating_sub(1)).rev() {
            if sqes[i].flags.intersects(SqeFlags::LINK | SqeFlags::HARD_LINK) {
                let (len, drain) = self.chains[i + 1];
                self.chains[i] = (len + 1, self.chains[i].1 || drain);
            }
        }
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
        let mut out = Vec::new();
        self.complete_each(descriptors, min, max, timeout, changes, |cqe| out.push(cqe));
        out
    }

    /// `complete`, handing the completions to `each` in order rather than collecting them (the
    /// packed form encodes them as they come, with no list of records between).
    pub fn complete_each(
        &mut self,
        descriptors: &mut Descriptors,
        min: u32,
        max: u32,
        timeout: Option<Duration>,
        changes: &mut TableChanges,
        mut each: impl FnMut(Cqe),
    ) {
        let min = min.min(self.inflight.live() + self.ready.len() as u32) as usize;
        // Never wait for more than the host may hold at once.
        let min = min.min(self.ready.len() + self.config.budget.completions_room().max(1));
        // Once it holds what the guest asked for, it only sends what is queued, leaving further
        // completions in the kernel's bounded CQ rather than in host memory that a guest
        // asking for little could grow.
        if self.ready.len() >= (max as usize).max(min).max(1) {
            let _ = self.uring.submit();
        } else {
            self.wait_and_reap(descriptors, min, timeout, changes);
        }
        let n = (max as usize).min(self.ready.len());
        let mut bytes = 0;
        for cqe in self.ready.drain(..n) {
            bytes += cqe.data.len();
            each(cqe);
        }
        self.config.budget.release_bytes(bytes);
        self.config.budget.release_completions(n);
    }

    /// Submits and reaps until `min` completions are held, `timeout` passes, or (with `min`
    /// 0) once, without blocking.
    fn wait_and_reap(&mut self, descriptors: &mut Descriptors, min: usize, timeout: Option<Duration>, changes: &mut TableChanges) {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            self.release_held();
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
            let all = self.reap(descriptors, changes);
            if want == 0 || !in_time || !all || self.ready.len() >= min {
                return;
            }
        }
    }

    /// Registers `count` zeroed fixed buffers of `size` bytes, replacing the current set.
    pub fn register_buffers(&mut self, count: u32, size: u32) -> Result<(), ErrorCode> {
        if self.fixed.inflight > 0 {
            return Err(ErrorCode::Busy);
        }
        let total = u64::from(count) * u64::from(size);
        if count > 1024 || size > MAX_IO_LEN {
            return Err(ErrorCode::NoMemory);
        }
        // The new set replaces the old one in the guest's byte budget.
        let old = self.fixed.bytes();
        self.config.budget.release_bytes(old);
        if !self.config.budget.take_bytes(total as usize) {
            self.config.budget.add_bytes(old);
            return Err(ErrorCode::NoMemory);
        }
        let bufs: Vec<Box<[u8]>> = (0..count).map(|_| vec![0u8; size as usize].into_boxed_slice()).collect();
        let iovecs: Vec<libc::iovec> =
            bufs.iter().map(|b| libc::iovec { iov_base: b.as_ptr() as *mut _, iov_len: b.len() }).collect();
        // SAFETY: the boxed buffers live in `self.fixed` until replaced, which happens only
        // with no fixed operation in flight (checked above), or until the ring is dropped.
        if let Err(e) = unsafe { self.uring.register_buffers(&iovecs) } {
            // The old set was unregistered first: the ring now has none, and must say so.
            self.fixed.bufs = Vec::new();
            self.config.budget.release_bytes(total as usize);
            return Err(to_error_code(e.raw_os_error().unwrap_or(libc::EIO)));
        }
        self.fixed.bufs = bufs;
        Ok(())
    }

    /// Copies bytes out of a fixed buffer.
    pub fn buffer_read(&self, buffer: u32, offset: u32, len: u32) -> Result<Vec<u8>, ErrorCode> {
        let buf = self.fixed.bufs.get(buffer as usize).ok_or(ErrorCode::Invalid)?;
        let end = offset.checked_add(len).ok_or(ErrorCode::Invalid)? as usize;
        buf.get(offset as usize..end).map(<[u8]>::to_vec).ok_or(ErrorCode::Invalid)
    }

    /// Copies bytes into a fixed buffer.
    pub fn buffer_write(&mut self, buffer: u32, offset: u32, data: &[u8]) -> Result<(), ErrorCode> {
        let buf = self.fixed.bufs.get_mut(buffer as usize).ok_or(ErrorCode::Invalid)?;
        let end = (offset as usize).checked_add(data.len()).ok_or(ErrorCode::Invalid)?;
        buf.get_mut(offset as usize..end).ok_or(ErrorCode::Invalid)?.copy_from_slice(data);
        Ok(())
    }

    /// Cancels everything in flight and reaps it, freeing handles this ring was closing and
    /// closing descriptors that opens produced meanwhile.
    pub fn shutdown(&mut self, descriptors: &mut Descriptors) {
        self.cancel_all(|slot, c| match slot.kind {
            Kind::Close { handle } => descriptors.finish_close(handle),
            _ => close_unseen(slot, c),
        });
    }

    /// Makes room for `n` SQEs, submitting what is queued if needed; false when there is
    /// none.
    fn make_room(&mut self, n: u32) -> bool {
        self.uring.sq_space_left() >= n || (self.uring.submit().is_ok() && self.uring.sq_space_left() >= n)
    }

    fn fail_now(&mut self, key: u64, code: ErrorCode) {
        if let Some(slot) = self.inflight.get_mut(key) {
            let cqe = plain_cqe(slot.guest_user_data, Err(code));
            self.push_ready(cqe);
        }
        self.inflight.remove(key);
    }

    /// Holds `cqe` for the guest, counted against the guest's budget until returned.
    fn push_ready(&mut self, cqe: Cqe) {
        self.config.budget.add_bytes(cqe.data.len());
        self.config.budget.add_completions(1);
        self.ready.push_back(cqe);
    }

    /// Sets up the provided buffers multishot receives draw from, once, if the guest's byte
    /// budget has room for them; false when they cannot be had.
    fn provide_recv_buffers(&mut self) -> bool {
        if self.provided_bytes > 0 {
            return true;
        }
        let bytes = (RECV_BUFFERS * RECV_BUFFER_SIZE) as usize;
        if !self.config.budget.take_bytes(bytes) {
            return false;
        }
        match self.uring.provide_buffers(ops::sockets::RECV_GROUP, RECV_BUFFERS, RECV_BUFFER_SIZE) {
            Ok(()) => {
                self.provided_bytes = bytes;
                true
            }
            Err(e) => {
                eprintln!("ioring: cannot set up provided buffers: {e}");
                self.config.budget.release_bytes(bytes);
                false
            }
        }
    }

    /// Reaps kernel completions into the ready queue, as many as the guest's budget lets the
    /// host hold (at least one when this ring holds none, so its guest can go on); the
    /// rest stay in the kernel's bounded CQ. Returns false when it stopped at that bound.
    fn reap(&mut self, descriptors: &mut Descriptors, changes: &mut TableChanges) -> bool {
        // Completions the host consumes itself (a cancel's answers, a re-armed stream's end)
        // take none of the guest's room: go on until one reaches the guest or none is left.
        loop {
            let before = self.ready.len();
            let (all, drained) = self.reap_batch(descriptors, changes);
            if all || drained == 0 || self.ready.len() > before {
                self.release_held();
                return all;
            }
        }
    }

    /// One drain of the CQ within the budget: whether it emptied it, and how many it took.
    fn reap_batch(&mut self, descriptors: &mut Descriptors, changes: &mut TableChanges) -> (bool, usize) {
        let budget = &self.config.budget;
        let limit = if self.ready.is_empty() {
            budget.completions_room().max(1)
        } else if budget.bytes_exhausted() {
            0
        } else {
            budget.completions_room()
        };
        let mut reaped = std::mem::take(&mut self.reaped);
        let all = self.uring.drain(limit, |c| reaped.push(c));
        let drained = reaped.len();
        // A fired link timeout cancels the operation it guards: mark that operation first so
        // that its ECANCELED, reaped in the same batch, reads as timed-out.
        for c in &reaped {
            if c.res != -libc::ETIME {
                continue;
            }
            if let Some(&mut Slot { kind: Kind::LinkTimeout { guarded }, .. }) = self.inflight.get_mut(c.user_data) {
                if let Some(slot) = self.inflight.get_mut(guarded) {
                    slot.timed_out = true;
                }
            }
        }
        for c in reaped.drain(..) {
            if c.user_data == INTERNAL {
                continue;
            }
            if let Some(cqe) = self.finish(c, descriptors, changes) {
                self.push_ready(cqe);
            }
        }
        self.reaped = reaped;
        (all, drained)
    }

    /// Turns one kernel completion into the guest's CQE (None when the host consumed it,
    /// re-arming a multishot operation), applying its side effects.
    fn finish(&mut self, c: Completion, descriptors: &mut Descriptors, changes: &mut TableChanges) -> Option<Cqe> {
        let key = c.user_data;
        let slot = self.inflight.get_mut(key)?;
        let kind = slot.kind;
        if let Kind::Cancel { .. } = kind {
            return self.answer_cancel(key, c.res);
        }
        let mut more = c.more();
        let mut data = Vec::new();
        let mut detail = CqeDetail::None;
        // Side effects that happen whatever the result.
        match kind {
            Kind::Close { handle } => descriptors.finish_close(handle),
            Kind::Fixed => self.fixed.inflight -= 1,
            // Out of provided buffers: they come back as soon as this reap copies them out,
            // so re-arm at once rather than end the guest's stream.
            Kind::RecvMultishot { handle } if c.res == -libc::ENOBUFS && !more && descriptors.serial(handle) == slot.serial => {
                if slot.trace.is_some() {
                    eprintln!("ioring: cqe {} recv-multishot res=ENOBUFS: re-armed by the host", slot.guest_user_data);
                }
                return self.rearm(key, opcode::RecvMultishot::new(handle, ops::sockets::RECV_GROUP).build());
            }
            // A datagram from a sender this socket may not hear from: dropped, and the
            // receive issued again (unless its handle was closed meanwhile).
            Kind::RecvMsg { handle } if c.res >= 0 => {
                slot.addr.len = slot.msg.msg_namelen;
                let refused = slot.sender_filter.is_some_and(|t| !self.config.policy.may_connect(t, &slot.addr.to_wit()));
                if refused {
                    if descriptors.serial(handle) != slot.serial {
                        let cqe = plain_cqe(slot.guest_user_data, Err(ErrorCode::Canceled));
                        self.inflight.remove(key);
                        return Some(cqe);
                    }
                    slot.addr = RawAddr::default();
                    let len = slot.iov.iov_len;
                    ops::sockets::point_msg(slot, len, true);
                    let entry = opcode::RecvMsg::new(handle, &mut slot.msg).build();
                    return self.rearm(key, entry);
                }
            }
            // Who the peer is must be asked while the connection lives, and a multishot accept
            // carries no address. One the peer reset before the host asked is dropped, as
            // accept(2) with an address drops it (ECONNABORTED): the guest never sees it.
            Kind::Accept { multishot: Some(handle) } if c.res >= 0 => {
                // SAFETY: the kernel just created this descriptor and nothing else holds it.
                let fd = unsafe { OwnedFd::from_raw_fd(c.res) };
                slot.addr = RawAddr::peer_of(fd.as_fd());
                if slot.addr.len == 0 {
                    drop(fd);
                    if more {
                        return None;
                    }
                    if descriptors.serial(handle) == slot.serial {
                        return self.rearm(key, opcode::Accept::multishot(handle).build());
                    }
                    let cqe = plain_cqe(slot.guest_user_data, Err(ErrorCode::Canceled));
                    self.inflight.remove(key);
                    return Some(cqe);
                }
                let _ = fd.into_raw_fd();
            }
            _ => {}
        }
        let slot = self.inflight.get_mut(key)?;
        let res = match kind {
            Kind::Rejected(code) => Err(code),
            Kind::Done(n) => Ok(n),
            Kind::Device => {
                let job = slot.job.as_ref().and_then(|j| j.result.lock().ok()?.take());
                match job {
                    Some((res, bytes)) if c.res >= 0 => {
                        data = bytes;
                        result(res)
                    }
                    _ => result(c.res.min(-1)),
                }
            }
            _ if c.res == -libc::ECANCELED && slot.timed_out => Err(ErrorCode::TimedOut),
            // openat2's RESOLVE_BENEATH reports an escape as EXDEV: to the guest it is a refusal.
            Kind::Open { .. } if c.res == -libc::EXDEV => Err(ErrorCode::Access),
            _ if c.res < 0 => result(c.res),
            Kind::Count | Kind::Fixed | Kind::Close { .. } | Kind::LinkTimeout { .. } | Kind::Cancel { .. } => result(c.res),
            Kind::Read => {
                data = ops::filled(std::mem::take(&mut slot.buf), c.res as usize);
                result(c.res)
            }
            Kind::RecvMultishot { .. } => {
                if c.flags & sys::IORING_CQE_F_BUFFER != 0 {
                    let bid = (c.flags >> sys::IORING_CQE_BUFFER_SHIFT) as u16;
                    data = self.uring.take_provided(bid, c.res as usize);
                }
                result(c.res)
            }
            Kind::RecvMsg { .. } => {
                data = ops::filled(std::mem::take(&mut slot.buf), c.res as usize);
                let peer = slot.addr.to_wit();
                // A granted datagram socket may answer whoever wrote to it.
                if let (Some(peers), Some(from)) = (&slot.peers, as_inet(&peer)) {
                    if let Ok(mut peers) = peers.lock() {
                        peers.heard_from(from);
                    }
                }
                detail = CqeDetail::Peer(peer);
                result(c.res)
            }
            Kind::Statx => {
                detail = CqeDetail::Stat(ops::files::file_stat(&slot.statx));
                result(c.res)
            }
            Kind::Poll => Ok(ops::sockets::poll_events(c.res as u32)),
            Kind::LocalAddress => {
                detail = CqeDetail::Address(slot.addr.to_wit());
                Ok(0)
            }
            Kind::GpioLine => match slot.line.take() {
                Some((line, _charge)) => {
                    let raw = line.raw();
                    descriptors.install(line).map(|h| {
                        changes.installed.push((h, raw));
                        detail = CqeDetail::Handle(h);
                        0
                    })
                }
                None => Err(ErrorCode::Io),
            },
            Kind::GpioEdges { .. } => match crate::gpio::edge_of(&slot.buf[..(c.res as usize).min(slot.buf.len())]) {
                Some(edge) => {
                    let rising = edge.rising;
                    detail = CqeDetail::GpioEdge(edge);
                    Ok(u32::from(rising))
                }
                None => Err(ErrorCode::Io),
            },
            Kind::Open { read_only } => install(descriptors, changes, c.res, |fd| Descriptor::new(fd, read_only)).map(|h| {
                detail = CqeDetail::Handle(h);
                0
            }),
            Kind::Socket { datagram } => install(descriptors, changes, c.res, |fd| Descriptor::guest_socket(fd, datagram)).map(|h| {
                detail = CqeDetail::Handle(h);
                0
            }),
            Kind::Accept { .. } => {
                let peer = slot.addr;
                install(descriptors, changes, c.res, |fd| Descriptor::accepted(fd)).map(|h| {
                    detail = CqeDetail::Accepted((h, peer.to_wit()));
                    0
                })
            }
        };
        let slot = self.inflight.get_mut(key)?;
        let user_data = slot.guest_user_data;
        let same_handle = kind.handle().is_some_and(|h| descriptors.serial(h) == slot.serial);
        if let Some((name, start)) = slot.trace {
            eprintln!("ioring: cqe {user_data} {name} res={res:?} more={more} {}us", start.elapsed().as_micros());
        }
        // The kernel ended a multishot request that did not fail: an accept under CQ
        // pressure, a receive that found no free provided buffer for its next arrival. The
        // buffers are back by now, so re-arm, and the guest's stream goes on.
        if !more && same_handle {
            let again = match kind {
                Kind::Accept { multishot: Some(handle) } if c.res >= 0 => Some(opcode::Accept::multishot(handle).build()),
                Kind::RecvMultishot { handle } if c.res > 0 => Some(opcode::RecvMultishot::new(handle, ops::sockets::RECV_GROUP).build()),
                // An edge stream is the host's: each edge is one read, issued again.
                Kind::GpioEdges { handle } if res.is_ok() => Some(ops::gpio::read_event(handle, slot)),
                _ => None,
            };
            if let Some(entry) = again {
                more = self.rearm(key, entry).is_none();
            }
        }
        if !more {
            self.inflight.remove(key);
        }
        Some(Cqe { user_data, res, more, data, detail })
    }

    /// Counts one kernel answer to a cancel (one per operation it targets; EALREADY: found,
    /// running, being stopped); the cancel's CQE once all have answered.
    fn answer_cancel(&mut self, key: u64, res: i32) -> Option<Cqe> {
        let slot = self.inflight.get_mut(key)?;
        let Kind::Cancel { pending, found } = slot.kind else { return None };
        let found = found + u32::from(res >= 0 || res == -libc::EALREADY);
        if pending > 1 {
            slot.kind = Kind::Cancel { pending: pending - 1, found };
            return None;
        }
        let res = if found > 0 { Ok(found) } else { Err(ErrorCode::NoEntry) };
        if let Some((name, start)) = slot.trace {
            eprintln!("ioring: cqe {} {name} res={res:?} {}us", slot.guest_user_data, start.elapsed().as_micros());
        }
        let cqe = plain_cqe(slot.guest_user_data, res);
        self.inflight.remove(key);
        Some(cqe)
    }

    /// Resubmits an operation under the same key (a multishot one the kernel ended, a
    /// datagram receive whose datagram was dropped). Returns None (the completion was
    /// consumed) or, when no SQE can be had, a final error CQE for the guest.
    fn rearm(&mut self, key: u64, entry: crate::kernel::opcode::Entry) -> Option<Cqe> {
        // SAFETY: a multishot receive or accept carries no pointers; a datagram receive's
        // point into its slot, which stays until its final completion is reaped.
        if self.make_room(1) && unsafe { self.uring.push(&entry.user_data(key)) }.is_ok() {
            return None;
        }
        let slot = self.inflight.get_mut(key)?;
        let cqe = plain_cqe(slot.guest_user_data, Err(ErrorCode::NoBuffers));
        self.inflight.remove(key);
        Some(cqe)
    }

    fn cancel_all(&mut self, mut on_reaped: impl FnMut(&Slot, Completion)) {
        for key in self.held.take_where(true, |_| true) {
            if let Some(slot) = self.inflight.get_mut(key) {
                on_reaped(slot, Completion { user_data: key, res: -libc::ECANCELED, flags: 0 });
                self.inflight.remove(key);
            }
        }
        if self.inflight.live() == 0 {
            return;
        }
        let cancel = AsyncCancel::any().build().user_data(INTERNAL);
        // SAFETY: a cancel carries no pointers.
        if self.make_room(1) && unsafe { self.uring.push(&cancel) }.is_err() {
            eprintln!("ioring: no SQE for teardown cancel");
        }
        let deadline = Instant::now() + TEARDOWN_WAIT;
        while self.inflight.live() > 0 && Instant::now() < deadline {
            // A cancel request can find an operation just as it starts running: cancel
            // synchronously too, each round, until all have reported.
            let _ = self.uring.submit();
            let _ = self.uring.cancel_sync_any(Duration::from_millis(50));
            let _ = self.uring.submit_and_wait(1, Some(Duration::from_millis(50)));
            let Self { uring, inflight, .. } = self;
            uring.drain(usize::MAX, |c| {
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
        self.cancel_all(close_unseen);
        let budget = &self.config.budget;
        budget.release_bytes(self.ready.iter().map(|c| c.data.len()).sum::<usize>() + self.provided_bytes + self.fixed.bytes());
        budget.release_completions(self.ready.len());
        if self.inflight.live() > 0 {
            // The kernel may still write into these buffers: leaking them is the safe choice.
            eprintln!("ioring: {} operations did not finish cancelling; leaking their buffers", self.inflight.live());
            std::mem::forget(std::mem::replace(&mut self.inflight, Inflight::new(0, Arc::clone(&self.config.budget))));
            std::mem::forget(std::mem::take(&mut self.fixed));
        }
    }
}

/// Installs a descriptor the kernel created as a new handle (closing it if the table is full).
fn install(
    descriptors: &mut Descriptors,
    changes: &mut TableChanges,
    fd: RawFd,
    describe: impl FnOnce(OwnedFd) -> Descriptor,
) -> Result<u32, ErrorCode> {
    // SAFETY: the kernel just created this descriptor for us and nothing else owns it.
    let owned = unsafe { OwnedFd::from_raw_fd(fd) };
    descriptors.install(describe(owned)).inspect(|&handle| changes.installed.push((handle, fd)))
}

fn result(res: i32) -> Result<u32, ErrorCode> {
    if res < 0 { Err(to_error_code(-res)) } else { Ok(res as u32) }
}

fn plain_cqe(user_data: u32, res: Result<u32, ErrorCode>) -> Cqe {
    Cqe { user_data, res, more: false, data: Vec::new(), detail: CqeDetail::None }
}

/// Closes the descriptor an open, socket or accept created, when its completion is reaped at
/// teardown and no guest will ever see it.
fn close_unseen(slot: &Slot, c: Completion) {
    if matches!(slot.kind, Kind::Open { .. } | Kind::Socket { .. } | Kind::Accept { .. }) && c.res >= 0 {
        // SAFETY: the kernel created this descriptor for us and nothing else owns it.
        drop(unsafe { OwnedFd::from_raw_fd(c.res) });
    }
}

/// The WIT name of an operation, for --trace.
fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Nop => "nop",
        Op::Read(_) => "read",
        Op::Write(_) => "write",
        Op::ReadFixed(_) => "read-fixed",
        Op::WriteFixed(_) => "write-fixed",
        Op::Send(_) => "send",
        Op::Recv(_) => "recv",
        Op::RecvMultishot(_) => "recv-multishot",
        Op::Recvmsg(_) => "recvmsg",
        Op::Sendmsg(_) => "sendmsg",
        Op::Accept(_) => "accept",
        Op::AcceptMultishot(_) => "accept-multishot",
        Op::Connect(_) => "connect",
        Op::Socket(_) => "socket",
        Op::Bind(_) => "bind",
        Op::Listen(_) => "listen",
        Op::SetOption(_) => "set-option",
        Op::Shutdown(_) => "shutdown",
        Op::Openat(_) => "openat",
        Op::Close(_) => "close",
        Op::Fsync(_) => "fsync",
        Op::Ftruncate(_) => "ftruncate",
        Op::Mkdirat(_) => "mkdirat",
        Op::Unlinkat(_) => "unlinkat",
        Op::Renameat(_) => "renameat",
        Op::Statx(_) => "statx",
        Op::Timeout(_) => "timeout",
        Op::LinkTimeout(_) => "link-timeout",
        Op::Cancel(_) => "cancel",
        Op::Poll(_) => "poll",
        Op::SpiTransfer(_) => "spi-transfer",
        Op::I2cTransfer(_) => "i2c-transfer",
        Op::TtyConfigure(_) => "tty-configure",
        Op::LocalAddress(_) => "local-address",
        Op::GpioRequest(_) => "gpio-request",
        Op::GpioGet(_) => "gpio-get",
        Op::GpioSet(_) => "gpio-set",
        Op::GpioEdges(_) => "gpio-edges",
    }
}

/// For --trace: a rejected entry says why at submit.
fn describe_kind(slot: &Slot) -> String {
    match slot.kind {
        Kind::Rejected(code) => match &slot.note {
            Some(why) => format!(" rejected: {} ({why})", code.name()),
            None => format!(" rejected: {}", code.name()),
        },
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
