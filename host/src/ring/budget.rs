//! The bounds all of a guest's rings share: bytes of guest data the host holds for it (in
//! flight, registered as fixed buffers, provided for multishot receives, or reaped and not
//! yet returned) and completions reaped but not yet returned. One budget per guest, so a
//! guest that creates sixteen rings gets no more than a guest with one.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

#[derive(Debug)]
pub struct Budget {
    max_bytes: usize,
    bytes: AtomicUsize,
    max_completions: usize,
    completions: AtomicUsize,
}

// Only the guest's own thread touches a budget; the atomics are there to make it Send + Sync
// for the store, not for contention, so a load followed by an add is not a race. The counts
// change by a plain load and store rather than a locked read-modify-write: a NOP at batch 32
// spent about 6% of the host's time in those locked instructions.
fn add(counter: &AtomicUsize, n: usize) {
    counter.store(counter.load(Relaxed) + n, Relaxed);
}

fn sub(counter: &AtomicUsize, n: usize) {
    counter.store(counter.load(Relaxed) - n, Relaxed);
}

impl Budget {
    pub fn new(max_bytes: usize, max_completions: usize) -> Self {
        Self { max_bytes, bytes: AtomicUsize::new(0), max_completions, completions: AtomicUsize::new(0) }
    }

    /// Takes `n` bytes if they fit under the bound.
    pub fn take_bytes(&self, n: usize) -> bool {
        let fits = self.bytes.load(Relaxed).checked_add(n).is_some_and(|total| total <= self.max_bytes);
        if fits {
            add(&self.bytes, n);
        }
        fits
    }

    /// Counts `n` bytes the host already holds (payloads reaped from the kernel), bound or not.
    pub fn add_bytes(&self, n: usize) {
        add(&self.bytes, n);
    }

    pub fn release_bytes(&self, n: usize) {
        sub(&self.bytes, n);
    }

    pub fn bytes_exhausted(&self) -> bool {
        self.bytes.load(Relaxed) >= self.max_bytes
    }

    /// How many more completions the host may hold for the guest.
    pub fn completions_room(&self) -> usize {
        self.max_completions.saturating_sub(self.completions.load(Relaxed))
    }

    pub fn add_completions(&self, n: usize) {
        add(&self.completions, n);
    }

    pub fn release_completions(&self, n: usize) {
        sub(&self.completions, n);
    }

    /// Bytes counted now (for tests and the fuzzer's accounting checks).
    pub fn bytes(&self) -> usize {
        self.bytes.load(Relaxed)
    }

    /// Completions counted now (likewise).
    pub fn completions(&self) -> usize {
        self.completions.load(Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_past_the_bound_are_refused_and_released_bytes_return() {
        let b = Budget::new(100, 4);
        assert!(b.take_bytes(60));
        assert!(!b.take_bytes(41));
        assert!(!b.take_bytes(usize::MAX));
        assert!(b.take_bytes(40));
        assert!(b.bytes_exhausted());
        b.release_bytes(60);
        assert!(b.take_bytes(60));
    }

    #[test]
    fn completions_room_shrinks_and_grows() {
        let b = Budget::new(0, 4);
        b.add_completions(3);
        assert_eq!(b.completions_room(), 1);
        b.add_completions(2);
        assert_eq!(b.completions_room(), 0);
        b.release_completions(5);
        assert_eq!(b.completions_room(), 4);
    }
}
