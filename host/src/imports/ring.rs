//! `ioring:ring/ring`.

use crate::bindings::ioring::ring::ring::{Host, HostRing};
use crate::bindings::{Cqe, ErrorCode, Sqe};
use crate::guest::{Guest, RingId};
use crate::ring::GuestRing;
use std::time::Duration;
use wasmtime::component::Resource;

impl Host for Guest {}

impl HostRing for Guest {
    fn create(&mut self, entries: u32) -> wasmtime::Result<Result<Resource<RingId>, ErrorCode>> {
        let entries = match entries {
            0 => self.limits.ring_entries,
            n if n > self.limits.max_ring_entries => return Ok(Err(ErrorCode::Invalid)),
            n => n,
        };
        let ring = match GuestRing::new(entries, self.limits.max_inflight, &self.descriptors) {
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
        let timeout = timeout_ns.map(Duration::from_nanos);
        self.with_ring(ring.rep(), |r, d, c| r.complete(d, min, max, timeout, c)).ok_or_else(stale)
    }

    fn register_buffers(&mut self, _: Resource<RingId>, _count: u32, _size: u32) -> wasmtime::Result<Result<(), ErrorCode>> {
        Ok(Err(ErrorCode::NotSupported))
    }

    fn buffer_read(
        &mut self,
        _: Resource<RingId>,
        _buffer: u32,
        _offset: u32,
        _len: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, ErrorCode>> {
        Ok(Err(ErrorCode::NotSupported))
    }

    fn buffer_write(
        &mut self,
        _: Resource<RingId>,
        _buffer: u32,
        _offset: u32,
        _data: Vec<u8>,
    ) -> wasmtime::Result<Result<(), ErrorCode>> {
        Ok(Err(ErrorCode::NotSupported))
    }

    fn drop(&mut self, ring: Resource<RingId>) -> wasmtime::Result<()> {
        let slot = self.rings.get_mut(ring.rep() as usize).ok_or_else(stale)?;
        if let Some(mut ring) = slot.take() {
            ring.shutdown(&mut self.descriptors);
        }
        Ok(())
    }
}

/// wasmtime only hands us resources it issued, so a missing ring is a host bug: trap.
fn stale() -> wasmtime::Error {
    wasmtime::format_err!("ring resource does not name a live ring")
}
