//! Drain, kept by the host. io_uring decides when a drained request may start by counting
//! completions, and multishot requests, which post many, upset that count: a drained request
//! could wait behind them for ever, deferred where no cancel reaches it. So the host never
//! passes IOSQE_IO_DRAIN on. It holds a chain that asks for drain, and every chain submitted
//! after it, until every operation sent before it has completed; the chains after it wait
//! until it has completed too. Held entries are the host's: a cancel always finds them.

use crate::kernel::opcode::Entry;
use std::collections::VecDeque;

/// A link chain waiting to be sent, and the unlinked entries that go right after it (the
/// further cancel requests of a cancel inside it).
pub struct Chain {
    pub drain: bool,
    pub entries: Vec<(u64, Entry)>,
    pub after: Vec<Entry>,
}

#[derive(Default)]
pub struct Held {
    chains: VecDeque<Chain>,
    /// Operations in the held chains.
    ops: u32,
    /// The last chain sent asked for drain: the next waits until it has completed.
    after_drain: bool,
    /// The last chain is still being added to (by the `submit` call holding it).
    open: bool,
}

impl Held {
    pub fn is_empty(&self) -> bool {
        self.chains.is_empty()
    }

    /// Operations held, not yet sent to the kernel.
    pub fn ops(&self) -> u32 {
        self.ops
    }

    /// Starts holding a new chain.
    pub fn start(&mut self, drain: bool) {
        self.chains.push_back(Chain { drain, entries: Vec::new(), after: Vec::new() });
        self.open = true;
    }

    /// The chain last started is whole.
    pub fn end(&mut self) {
        self.open = false;
    }

    /// Adds an entry to the chain last started.
    pub fn push(&mut self, key: u64, entry: Entry) {
        if let Some(chain) = self.chains.back_mut() {
            chain.entries.push((key, entry));
            self.ops += 1;
        }
    }

    /// Adds an unlinked entry to go right after the chain last started.
    pub fn push_after(&mut self, entry: Entry) {
        if let Some(chain) = self.chains.back_mut() {
            chain.after.push(entry);
        }
    }

    /// The length of the first chain, if it may be sent with `issued` operations in the
    /// kernel.
    pub fn ready(&self, issued: u32) -> Option<u32> {
        let front = self.chains.front()?;
        let waits = (front.drain || self.after_drain) && issued > 0;
        (!waits).then_some(front.entries.len() as u32)
    }

    /// Takes the first chain to send it (after `ready` said it may go).
    pub fn pop(&mut self) -> Option<Chain> {
        let chain = self.chains.pop_front()?;
        self.ops -= chain.entries.len() as u32;
        self.after_drain = chain.drain;
        Some(chain)
    }

    pub fn contains(&self, key: u64) -> bool {
        self.chains.iter().any(|c| c.entries.iter().any(|&(k, _)| k == key))
    }

    /// Takes out every whole chain holding an entry `hit` picks (only the first such chain
    /// unless `all`); returns the keys of all their entries, in order. A chain still being
    /// built stays: a cancel inside it does not reach the entries before it, as in the kernel.
    pub fn take_where(&mut self, all: bool, hit: impl Fn(u64) -> bool) -> Vec<u64> {
        let mut keys = Vec::new();
        let mut kept = VecDeque::with_capacity(self.chains.len());
        let mut taken_one = false;
        let whole = self.chains.len() - usize::from(self.open);
        for (i, chain) in self.chains.drain(..).enumerate() {
            if i < whole && (all || !taken_one) && chain.entries.iter().any(|&(k, _)| hit(k)) {
                taken_one = true;
                keys.extend(chain.entries.iter().map(|&(k, _)| k));
            } else {
                kept.push_back(chain);
            }
        }
        self.ops -= keys.len() as u32;
        self.chains = kept;
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::opcode::Nop;

    fn hold(held: &mut Held, drain: bool, keys: &[u64]) {
        held.start(drain);
        for &k in keys {
            held.push(k, Nop.build());
        }
        held.end();
    }

    #[test]
    fn a_drained_chain_waits_for_every_operation_sent_before_it() {
        let mut held = Held::default();
        hold(&mut held, true, &[1, 2]);
        assert_eq!(held.ready(3), None);
        assert_eq!(held.ready(0), Some(2));
        assert_eq!(held.pop().unwrap().entries.len(), 2);
        assert_eq!(held.ops(), 0);
    }

    #[test]
    fn what_follows_a_drained_chain_waits_until_it_completed() {
        let mut held = Held::default();
        hold(&mut held, true, &[1]);
        hold(&mut held, false, &[2]);
        hold(&mut held, false, &[3]);
        held.pop();
        assert_eq!(held.ready(1), None, "the drained chain is still running");
        assert_eq!(held.ready(0), Some(1));
        held.pop();
        assert_eq!(held.ready(1), Some(1), "an ordinary chain lets the next go at once");
    }

    #[test]
    fn a_cancel_takes_whole_chains_out() {
        let mut held = Held::default();
        hold(&mut held, true, &[1, 2]);
        hold(&mut held, false, &[3]);
        hold(&mut held, false, &[4, 2]);
        assert_eq!(held.take_where(false, |k| k == 2), vec![1, 2]);
        assert_eq!(held.take_where(true, |k| k == 2), vec![4, 2]);
        assert_eq!(held.ops(), 1);
        assert!(held.contains(3) && !held.contains(1));
    }

    #[test]
    fn a_cancel_never_takes_out_the_chain_it_is_part_of() {
        let mut held = Held::default();
        hold(&mut held, true, &[1]);
        held.start(false);
        held.push(1, Nop.build());
        assert_eq!(held.take_where(true, |k| k == 1), vec![1]);
        assert!(held.contains(1), "the open chain stays");
        held.push(2, Nop.build());
        held.end();
        assert_eq!(held.take_where(true, |k| k == 2), vec![1, 2]);
    }
}
