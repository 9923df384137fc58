//! `ioring:ring/ring`.

use crate::bindings::ioring::ring::ring::{Host, HostRing};
use super::packed;
use crate::bindings::{Cqe, ErrorCode, Sqe};
use crate::guest::{Guest, RingId};
use crate::ring::{GuestRing, RingConfig};
use std::time::{Duration, Instant};
use wasmtime::component::Resource;

impl Host for Guest {}

impl HostRing for Guest {
    fn create(&mut self, entries: u32) -> wasmtime::Result<Result<Resource<RingId>, ErrorCode>> {
        let entries = match entries {
            0 => self.limits.ring_entries,
            n if n > self.limits.max_ring_entries => return Ok(Err(ErrorCode::Invalid)),
            n => n,
        };
        if self.rings.iter().flatten().count() >= self.limits.max_rings as usize {
            return Ok(Err(ErrorCode::TooManyHandles));
        }
        let config = RingConfig { entries, ..self.ring_config.clone() };
        let ring = match GuestRing::new(config, &self.descriptors) {
            Ok(ring) => ring,
            Err(e) => return Ok(Err(crate::errno::to_error_code(e.raw_os_error().unwrap_or(libc::EIO)))),
        };
        let id = match self.rings.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                self.rings.push(None);
                self.rings.len() - 1
            }
        };
        self.rings[id] = Some(ring);
        Ok(Ok(Resource::new_own(id as u32)))
    }

    fn submit(&mut self, ring: Resource<RingId>, sqes: Vec<Sqe>) -> wasmtime::Result<u32> {
        self.with_ring(ring.rep(), |r, d, c| r.submit(d, sqes, c)).ok_or_else(stale)
    }

    fn complete(
        &mut self,
        ring: Resource<RingId>,
        min: u32,
        max: u32,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Vec<Cqe>> {
        let mut cqes = Vec::new();
        self.complete_on(ring.rep(), min, max, timeout_ns, |cqe| cqes.push(cqe))?;
        Ok(cqes)
    }

    fn enter(
        &mut self,
        ring: Resource<RingId>,
        sqes: Vec<u8>,
        min: u32,
        max: u32,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Vec<u8>> {
        let requests = packed::decode_sqes(&sqes);
        let queued = match requests.is_empty() {
            true => 0,
            false => self.with_ring(ring.rep(), |r, d, c| r.submit(d, requests, c)).ok_or_else(stale)?,
        };
        let mut result = packed::Completions::new(queued);
        if max > 0 {
            self.complete_on(ring.rep(), min, max, timeout_ns, |cqe| result.push(&cqe))?;
        }
        Ok(result.finish())
    }

    fn register_buffers(&mut self, ring: Resource<RingId>, count: u32, size: u32) -> wasmtime::Result<Result<(), ErrorCode>> {
        self.with_ring(ring.rep(), |r, _, _| r.register_buffers(count, size)).ok_or_else(stale)
    }

    fn buffer_read(
        &mut self,
        ring: Resource<RingId>,
        buffer: u32,
        offset: u32,
        len: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, ErrorCode>> {
        self.with_ring(ring.rep(), |r, _, _| r.buffer_read(buffer, offset, len)).ok_or_else(stale)
    }

    fn buffer_write(
        &mut self,
        ring: Resource<RingId>,
        buffer: u32,
        offset: u32,
        data: Vec<u8>,
    ) -> wasmtime::Result<Result<(), ErrorCode>> {
        self.with_ring(ring.rep(), |r, _, _| r.buffer_write(buffer, offset, &data)).ok_or_else(stale)
    }

    fn drop(&mut self, ring: Resource<RingId>) -> wasmtime::Result<()> {
        let slot = self.rings.get_mut(ring.rep() as usize).ok_or_else(stale)?;
        if let Some(mut ring) = slot.take() {
            ring.shutdown(&mut self.descriptors);
        }
        Ok(())
    }
}

impl Guest {
    /// `complete` for both forms; the guest's run-time bound caps the wait.
    fn complete_on(&mut self, ring: u32, min: u32, max: u32, timeout_ns: Option<u64>, each: impl FnMut(Cqe)) -> wasmtime::Result<()> {
        let mut timeout = timeout_ns.map(Duration::from_nanos);
        if let Some(deadline) = self.deadline {
            let left = deadline_left(deadline)?;
            timeout = Some(timeout.map_or(left, |t| t.min(left)));
        }
        self.with_ring(ring, |r, d, c| r.complete_each(d, min, max, timeout, c, each)).ok_or_else(stale)?;
        // A wait cut short by the bound ends the guest rather than returning early.
        if let Some(deadline) = self.deadline {
            deadline_left(deadline)?;
        }
        Ok(())
    }
}

/// The time left before the guest's run-time bound, or the trap that ends it.
fn deadline_left(deadline: Instant) -> wasmtime::Result<Duration> {
    match deadline.saturating_duration_since(Instant::now()) {
        left if left.is_zero() => wasmtime::bail!("the guest's run-time bound (--timeout) expired"),
        left => Ok(left),
    }
}

/// wasmtime only hands us resources it issued, so a missing ring is a host bug: trap.
fn stale() -> wasmtime::Error {
    wasmtime::format_err!("ring resource does not name a live ring")
}
