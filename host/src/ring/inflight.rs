//! In-flight operation state, in a slab allocated once per ring and keyed by io_uring
//! user_data. Whatever the kernel reads or writes while an operation runs (buffers, paths,
//! timespecs, open_how) lives in the operation's slot, which never moves until its final
//! completion is reaped.

use crate::bindings::ErrorCode;
use crate::descriptors::Descriptor;
use crate::sys::{KernelTimespec, OpenHow};
use std::ffi::CString;

/// What the completion of a slot's operation means to the guest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A count and nothing else (nop, write, timeout).
    Count,
    /// A count of bytes now in `buf`.
    Read,
    /// A new host fd to install as a handle.
    Open { read_only: bool },
    /// The close of a fixed slot; the handle is freed when it completes.
    Close { handle: u32 },
    /// Refused before it reached the kernel; the kernel saw a placeholder that fails, so
    /// link chains behave as if the real operation had failed.
    Rejected(ErrorCode),
}

#[derive(Debug)]
pub struct Slot {
    generation: u32,
    busy: bool,
    pub guest_user_data: u32,
    pub kind: Kind,
    pub buf: Vec<u8>,
    pub ts: KernelTimespec,
    pub how: OpenHow,
    pub path: Option<CString>,
    /// Keeps openat's directory open while the kernel resolves the path.
    pub dir: Option<Descriptor>,
}

/// user_data values the host uses for its own requests; never a slot key, since slot keys
/// carry a generation below u32::MAX in their high half.
pub const INTERNAL: u64 = u64::MAX;

pub struct Inflight {
    slots: Box<[Slot]>,
    free: Vec<u32>,
}

impl Inflight {
    pub fn new(capacity: u32) -> Self {
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
                dir: None,
            })
            .collect();
        Self { slots, free: (0..capacity).rev().collect() }
    }

    pub fn live(&self) -> u32 {
        (self.slots.len() - self.free.len()) as u32
    }

    pub fn is_full(&self) -> bool {
        self.free.is_empty()
    }

    /// Takes a free slot; returns its key (the io_uring user_data) and the slot.
    pub fn insert(&mut self, guest_user_data: u32, kind: Kind) -> Option<(u64, &mut Slot)> {
        let index = self.free.pop()?;
        let slot = &mut self.slots[index as usize];
        // The generation makes a reused slot's key differ from its last user's, so a late
        // cancel aimed at the old operation can never hit the new one.
        slot.generation = (slot.generation + 1) % (u32::MAX - 1);
        slot.busy = true;
        slot.guest_user_data = guest_user_data;
        slot.kind = kind;
        let key = (u64::from(slot.generation) << 32) | u64::from(index);
        Some((key, slot))
    }

    /// The live slot for `key`, if the key is current.
    pub fn get_mut(&mut self, key: u64) -> Option<&mut Slot> {
        let (generation, index) = ((key >> 32) as u32, key as u32);
        let slot = self.slots.get_mut(index as usize)?;
        (slot.busy && slot.generation == generation).then_some(slot)
    }

    /// Releases the slot for `key` after its final completion, dropping what it held.
    pub fn remove(&mut self, key: u64) {
        let index = key as u32;
        if let Some(slot) = self.get_mut(key) {
            slot.busy = false;
            slot.path = None;
            slot.dir = None;
            slot.buf = Vec::new();
            self.free.push(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_a_reused_slot_differ() {
        let mut f = Inflight::new(1);
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
        let mut f = Inflight::new(3);
        let (a, _) = f.insert(1, Kind::Count).unwrap();
        f.insert(2, Kind::Read).unwrap();
        assert_eq!(f.live(), 2);
        f.remove(a);
        assert_eq!(f.live(), 1);
    }
}
