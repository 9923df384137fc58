//! Time and cancellation: timeouts, link timeouts bounding the entry before them, and the
//! kernel side of a cancel (which operations it targets is the ring's to know).

use super::Env;
use crate::bindings::ErrorCode;
use crate::ioring::ring::types::TimeoutArgs;
use crate::kernel::opcode::{self, AsyncCancel, Entry};
use crate::kernel::sys;
use crate::ring::inflight::{Kind, Slot};

pub fn timeout(TimeoutArgs { duration_ns, count }: TimeoutArgs, slot: &mut Slot) -> Entry {
    slot.ts = timespec(duration_ns);
    opcode::Timeout::new(&mut slot.ts).count(count).build()
}

pub fn link_timeout(duration_ns: u64, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let guarded = env.previous.ok_or(ErrorCode::Invalid)?;
    slot.kind = Kind::LinkTimeout { guarded };
    slot.ts = timespec(duration_ns);
    Ok(opcode::LinkTimeout::new(&mut slot.ts).build())
}

/// Prepares a cancel of the operations with keys `sent` (in the kernel) after `found` held
/// ones were already taken out: its first kernel request takes its place (in a chain, if it
/// is in one); the others go into `after`, all answering to the cancel's key. With nothing in
/// the kernel to cancel, it is done at once: `found`, or `no-entry`.
pub fn cancel(slot: &mut Slot, key: u64, (found, sent): (u32, Vec<u64>), after: &mut Vec<Entry>) -> Result<Entry, ErrorCode> {
    let Some((&first, rest)) = sent.split_first() else {
        return if found > 0 { super::done(slot, found as i32) } else { Err(ErrorCode::NoEntry) };
    };
    slot.kind = Kind::Cancel { pending: sent.len() as u32, found };
    after.extend(rest.iter().map(|&target| AsyncCancel::new(target).build().user_data(key)));
    Ok(AsyncCancel::new(first).build())
}

fn timespec(ns: u64) -> sys::KernelTimespec {
    sys::KernelTimespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespec_splits_seconds_and_nanoseconds() {
        let ts = timespec(2_500_000_001);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (2, 500_000_001));
    }
}
