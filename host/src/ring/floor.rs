//! The host ring's own price per operation, with no WebAssembly in the way: NOPs queued as the
//! bindings would hand them over (`Vec<Sqe>`) and completed into `Vec<Cqe>`, on a ring set up
//! as `ioring run` sets one up. `just bench` runs it beside the C guest's NOP and native
//! liburing's (host/examples/ring_nop.rs), so that the difference between the three rows
//! splits a guest's cost into the kernel's, the host's and the crossing's (lifting, lowering
//! and the call). Not an API.

use super::{Budget, GuestRing, RingConfig, TableChanges};
use crate::bindings::{Op, Sqe, SqeFlags};
use crate::caps::descriptors::Descriptors;
use crate::caps::net::NetPolicy;
use std::sync::Arc;
use std::time::Instant;

/// Nanoseconds per NOP over `iterations` rounds of `batch` NOPs submitted together and
/// completed together, as test/bench/guests/nop.c does through the boundary.
pub fn nops(batch: u32, iterations: u64) -> std::io::Result<f64> {
    let mut descriptors = Descriptors::new(1024);
    // `ioring run`'s defaults: 1,024 in flight, 64 MiB of held bytes.
    let config = RingConfig {
        entries: batch,
        max_inflight: 1024,
        budget: Arc::new(Budget::new(64 << 20, 1024)),
        policy: Arc::new(NetPolicy::default()),
        trace: false,
    };
    let mut ring = GuestRing::new(config, &descriptors)?;
    let mut changes = TableChanges::default();
    let start = Instant::now();
    for _ in 0..iterations {
        let sqes = (0..batch).map(|i| Sqe { op: Op::Nop, user_data: i, flags: SqeFlags::empty() }).collect();
        ring.submit(&mut descriptors, sqes, &mut changes);
        let cqes = ring.complete(&mut descriptors, batch, batch, None, &mut changes);
        if cqes.len() != batch as usize {
            return Err(std::io::Error::other(format!("{} of {batch} NOPs completed", cqes.len())));
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / (iterations as f64 * f64::from(batch));
    ring.shutdown(&mut descriptors);
    Ok(ns)
}
