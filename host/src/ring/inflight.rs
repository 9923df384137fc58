//! In-flight operation state, in a slab allocated once per ring and keyed by io_uring
//! user_data. Whatever the kernel reads or writes while an operation runs (buffers, paths,
//! timespecs, open_how) lives in the operation's slot, which never moves until its final
//! completion is reaped.

use crate::bindings::ErrorCode;
use super::Budget;
use crate::caps::descriptors::{Descriptor, HostFdCharge, Peers};
use crate::devices::Job;
use crate::caps::net::{RawAddr, Transport};
use crate::kernel::sys::{KernelTimespec, OpenHow};
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the completion of a slot's operation means to the guest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A count and nothing else (nop, write, send, connect, timeout, ...).
    Count,
    /// A read or write through a registered buffer: a count, and one fewer fixed operation
    /// holding the buffers.
    Fixed,
    /// A count of bytes now in `buf` (read, recv).
    Read,
    /// A multishot receive on `handle`: bytes in a provided buffer named by the CQE.
    RecvMultishot { handle: u32 },
    /// A datagram in `buf` and its source in `addr`, received on `handle`; a granted
    /// socket's `peers` learn the source.
    RecvMsg { handle: u32 },
    /// A new host fd to install as a handle (openat).
    Open { read_only: bool },
    /// A new socket to install as a handle.
    Socket { datagram: bool },
    /// An accepted connection to install; its peer is in `addr`, or asked of the socket for
    /// a multishot accept on `handle`.
    Accept { multishot: Option<u32> },
    /// The close of a fixed slot; the handle is freed when it completes.
    Close { handle: u32 },
    /// File metadata in `statx`.
    Statx,
    /// A poll mask to translate to poll-events.
    Poll,
    /// Bounds the operation with key `guarded`.
    LinkTimeout { guarded: u64 },
    /// A socket's own address, read at submit into `addr`.
    LocalAddress,
    /// Done by the host at submit, with this result; the kernel saw a no-op so that the
    /// result takes its place in link order.
    Done(u32),
    /// A GPIO line requested at submit, in `line`: installed as a handle on completion.
    GpioLine,
    /// A GPIO line's edge stream on `handle`: one event in `buf` per read, re-armed.
    GpioEdges { handle: u32 },
    /// A device ioctl on the worker pool; `job` holds its result.
    Device,
    /// A cancel waiting for `pending` more kernel cancel requests (one per operation it
    /// targets), `found` of its targets found so far.
    Cancel { pending: u32, found: u32 },
    /// Refused before it reached the kernel; the kernel saw a placeholder that fails, so
    /// link chains behave as if the real operation had failed.
    Rejected(ErrorCode),
}

impl Kind {
    /// The handle an operation the host may issue again was issued on.
    pub fn handle(&self) -> Option<u32> {
        match *self {
            Kind::RecvMultishot { handle }
            | Kind::RecvMsg { handle }
            | Kind::Accept { multishot: Some(handle) }
            | Kind::GpioEdges { handle } => Some(handle),
            _ => None,
        }
    }
}

/// Laid out in declaration order, what every operation touches first: a plain operation's
/// submit and reap then read a few adjacent cache lines of its slot, not lines spread over
/// all of it (the kernel structures at the end are large and used by few operations).
#[repr(C)]
pub struct Slot {
    generation: u32,
    pub guest_user_data: u32,
    busy: bool,
    /// Set when this operation's link timeout fired, so its cancellation reads timed-out.
    pub timed_out: bool,
    pub kind: Kind,
    /// Bytes of guest data this operation holds, counted against the in-flight byte limit.
    held: usize,
    /// The serial of the handle the operation was issued on, for operations the host issues
    /// again under the same key: never again on a handle that was closed and reused.
    pub serial: u64,
    /// For --trace: what, since when.
    pub trace: Option<(&'static str, Instant)>,
    /// For --trace: why a refused operation was refused, where a grant is missing.
    pub note: Option<String>,
    pub buf: Vec<u8>,
    pub path: Option<CString>,
    /// A second path (renameat's new name).
    pub new_path: Option<CString>,
    /// Keeps openat's directory open while the kernel resolves the path.
    pub dir: Option<Descriptor>,
    /// Descriptors the host opened for this operation (statx's O_PATH file, the parent
    /// directories mkdirat, unlinkat and renameat act in), each charged to the guest.
    pub pinned: Vec<(OwnedFd, HostFdCharge)>,
    /// The guest's count of host descriptors, charged for a device job's eventfd.
    pub charge: Option<HostFdCharge>,
    /// For a receive on a granted datagram socket: that socket's reply list.
    pub peers: Option<Arc<Mutex<Peers>>>,
    /// For a datagram receive on a socket with no receive grant of its own: deliver only
    /// datagrams from senders the policy lets it send to, over this transport.
    pub sender_filter: Option<Transport>,
    /// A device job on the worker pool, and the eventfd counter the ring reads.
    pub job: Option<Arc<Job>>,
    pub counter: u64,
    /// A GPIO line requested at submit and the host descriptor it is charged as, until its
    /// completion installs it as a handle (dropped, releasing the line, if it never does).
    pub line: Option<(Descriptor, HostFdCharge)>,
    /// A gpio-edges stream's flag on its line, cleared when the operation ends.
    pub stream: Option<Arc<std::sync::atomic::AtomicBool>>,
    pub ts: KernelTimespec,
    pub how: OpenHow,
    /// A socket address: connect's target, accept's peer, a datagram's source or
    /// destination.
    pub addr: RawAddr,
    /// recvmsg/sendmsg's header and its one iovec (over `buf`).
    pub msg: libc::msghdr,
    pub iov: libc::iovec,
    pub statx: libc::statx,
}

/// user_data values the host uses for its own requests; never a slot key, since slot keys
/// carry a generation below u32::MAX in their high half.
pub const INTERNAL: u64 = u64::MAX;

/// A slot's key: its generation in the high half, its index in the low one.
fn key_of(generation: u32, index: u32) -> u64 {
    (u64::from(generation) << 32) | u64::from(index)
}

/// A key's generation and index.
fn split(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

pub struct Inflight {
    slots: Box<[Slot]>,
    free: Vec<u32>,
    /// Where the bytes live operations hold are counted.
    budget: Arc<Budget>,
}

// SAFETY: the raw pointers in a slot (msghdr, iovec) point into the same slot, which moves
// with the slab as a whole (a boxed slice: the slots themselves never move), and only the
// guest's own thread touches the slab.
unsafe impl Send for Inflight {}

impl Inflight {
    pub fn new(capacity: u32, budget: Arc<Budget>) -> Self {
        let slots = (0..capacity)
            .map(|_| Slot {
                generation: 0,
                busy: false,
                guest_user_data: 0,
                kind: Kind::Count,
                buf: Vec::new(),
                ts: KernelTimespec::default(),
                how: OpenHow::default(),
                path: None,
                new_path: None,
                dir: None,
                pinned: Vec::new(),
                charge: None,
                addr: RawAddr::default(),
                // SAFETY: msghdr, iovec and statx are plain C data; zero is valid for each.
                msg: unsafe { std::mem::zeroed() },
                iov: unsafe { std::mem::zeroed() },
                statx: unsafe { std::mem::zeroed() },
                peers: None,
                sender_filter: None,
                serial: 0,
                job: None,
                counter: 0,
                timed_out: false,
                trace: None,
                note: None,
                line: None,
                stream: None,
                held: 0,
            })
            .collect();
        Self { slots, free: (0..capacity).rev().collect(), budget }
    }

    pub fn live(&self) -> u32 {
        (self.slots.len() - self.free.len()) as u32
    }

    /// Slots free for new operations.
    pub fn free(&self) -> u32 {
        self.free.len() as u32
    }

    /// Takes a free slot; returns its key (the io_uring user_data) and the slot.
    pub fn insert(&mut self, guest_user_data: u32, kind: Kind) -> Option<(u64, &mut Slot)> {
        let index = self.free.pop()?;
        let slot = &mut self.slots[index as usize];
        // The generation makes a reused slot's key differ from its last user's, so a late
        // cancel aimed at the old operation can never hit the new one.
        slot.generation = (slot.generation + 1) % (u32::MAX - 1);
        slot.busy = true;
        slot.timed_out = false;
        slot.note = None;
        slot.guest_user_data = guest_user_data;
        slot.kind = kind;
        let key = key_of(slot.generation, index);
        Some((key, slot))
    }

    /// The live slot for `key`, if the key is current.
    pub fn get_mut(&mut self, key: u64) -> Option<&mut Slot> {
        let (generation, index) = split(key);
        let slot = self.slots.get_mut(index as usize)?;
        (slot.busy && slot.generation == generation).then_some(slot)
    }

    /// Releases the slot for `key` after its final completion, dropping what it held.
    pub fn remove(&mut self, key: u64) {
        let (_, index) = split(key);
        if let Some(slot) = self.get_mut(key) {
            let held = std::mem::take(&mut slot.held);
            slot.busy = false;
            slot.path = None;
            slot.new_path = None;
            slot.dir = None;
            slot.pinned.clear();
            slot.charge = None;
            slot.peers = None;
            slot.line = None;
            if let Some(flag) = slot.stream.take() {
                crate::ring::ops::gpio::stream_ended(&flag);
            }
            if let Some(job) = slot.job.take() {
                job.cancel();
            }
            slot.buf = Vec::new();
            self.budget.release_bytes(held);
            self.free.push(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_a_reused_slot_differ() {
        let mut f = Inflight::new(1, Arc::new(Budget::new(0, 0)));
        let (a, _) = f.insert(7, Kind::Count).unwrap();
        assert!(f.insert(8, Kind::Count).is_none(), "capacity is fixed");
        f.remove(a);
        let (b, slot) = f.insert(9, Kind::Count).unwrap();
        assert_eq!(slot.guest_user_data, 9);
        assert_ne!(a, b);
        assert!(f.get_mut(a).is_none(), "a stale key finds nothing");
        assert!(f.get_mut(b).is_some());
        assert_ne!(b, INTERNAL);
    }

    #[test]
    fn live_counts_taken_slots() {
        let mut f = Inflight::new(3, Arc::new(Budget::new(0, 0)));
        let (a, _) = f.insert(1, Kind::Count).unwrap();
        f.insert(2, Kind::Read).unwrap();
        assert_eq!(f.live(), 2);
        f.remove(a);
        assert_eq!(f.live(), 1);
    }
}

impl Inflight {
    /// Records that `key`'s operation holds `bytes` of the budget (already taken), to be
    /// given back when it is removed.
    pub fn hold(&mut self, key: u64, bytes: usize) {
        if let Some(slot) = self.get_mut(key) {
            slot.held = bytes;
        }
    }

    /// Bytes of the budget the live operations hold.
    pub fn held(&self) -> usize {
        self.slots.iter().filter(|s| s.busy).map(|s| s.held).sum()
    }

    /// The live operations, as user-data and kind (for the fuzzer's findings).
    pub fn describe_live(&self) -> Vec<String> {
        self.slots.iter().filter(|s| s.busy).map(|s| format!("{} {:?}", s.guest_user_data, s.kind)).collect()
    }

    /// The guest's user-data of the live operation `key`.
    pub fn user_data_of(&self, key: u64) -> Option<u32> {
        let (generation, index) = split(key);
        let slot = self.slots.get(index as usize)?;
        (slot.busy && slot.generation == generation).then_some(slot.guest_user_data)
    }

    /// Keys of the live operations the guest tagged `guest_user_data`.
    pub fn keys_of(&self, guest_user_data: u32) -> impl Iterator<Item = u64> + '_ {
        self.slots.iter().enumerate().filter_map(move |(i, s)| {
            (s.busy && s.guest_user_data == guest_user_data && !matches!(s.kind, Kind::Done(_) | Kind::Rejected(_)))
                .then(|| key_of(s.generation, i as u32))
        })
    }
}
