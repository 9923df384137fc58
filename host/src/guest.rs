//! The state of one running guest: its WASI context, its descriptor table, its rings and its
//! grants. This is the wasmtime store's data; each WIT interface's glue lives in `imports/`.

use crate::caps::descriptors::{Descriptor, Descriptors};
use crate::caps::grants::Grants;
use crate::ring::{GuestRing, RingConfig, TableChanges};
use std::os::fd::AsFd;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The host's representation of the WIT `ring` resource: an index into `Guest::rings`.
pub struct RingId;

/// Per-guest bounds a board owner sets on the command line.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// SQ entries of a ring created with `entries` 0, and the most any ring may ask for.
    pub ring_entries: u32,
    pub max_ring_entries: u32,
    /// Size of the guest's descriptor table.
    pub max_handles: u32,
    /// Rings per guest.
    pub max_rings: u32,
}

pub struct Guest {
    wasi: WasiCtx,
    table: ResourceTable,
    pub descriptors: Descriptors,
    pub rings: Vec<Option<GuestRing>>,
    pub grants: Grants,
    pub limits: Limits,
    /// The template every new ring is configured from (its entries set per ring).
    pub ring_config: RingConfig,
    /// Reused across calls so that steady-state submit/complete allocate nothing for it.
    changes: TableChanges,
    /// Bounds on the guest's memories and tables, for wasmtime's resource limiter.
    pub memory: crate::limits::GuestMemory,
    /// When the guest's run-time bound expires, if it has one.
    pub deadline: Option<std::time::Instant>,
}

impl Guest {
    /// A guest holding `grants`, with handles 0, 1 and 2 bound to the host's stdio.
    pub fn new(wasi: WasiCtx, grants: Grants, limits: Limits, ring_config: RingConfig) -> anyhow::Result<Self> {
        let mut descriptors = Descriptors::new(limits.max_handles);
        for (handle, fd) in [std::io::stdin().as_fd(), std::io::stdout().as_fd(), std::io::stderr().as_fd()]
            .into_iter()
            .enumerate()
        {
            let owned = fd.try_clone_to_owned()?;
            descriptors
                .install_at(handle as u32, Descriptor::new(owned, false))
                .map_err(|e| anyhow::anyhow!("cannot install stdio handle {handle}: {e:?}"))?;
        }
        Ok(Self {
            wasi,
            table: ResourceTable::new(),
            descriptors,
            rings: Vec::new(),
            grants,
            limits,
            ring_config,
            changes: TableChanges::default(),
            memory: crate::limits::GuestMemory::new(usize::MAX),
            deadline: None,
        })
    }

    /// Installs `descriptor` as a new handle, mirrored in every ring.
    pub fn install(&mut self, descriptor: Descriptor) -> Result<u32, crate::bindings::ErrorCode> {
        let fd = descriptor.raw();
        let handle = self.descriptors.install(descriptor)?;
        for ring in self.rings.iter_mut().flatten() {
            ring.mirror(handle, fd);
        }
        Ok(handle)
    }

    /// Runs `f` on ring `id` with the descriptor table, then mirrors the table changes it
    /// made into the guest's other rings.
    pub fn with_ring<R>(
        &mut self,
        id: u32,
        f: impl FnOnce(&mut GuestRing, &mut Descriptors, &mut TableChanges) -> R,
    ) -> Option<R> {
        let Self { rings, descriptors, changes, .. } = self;
        let ring = rings.get_mut(id as usize)?.as_mut()?;
        let out = f(ring, descriptors, changes);
        for (i, other) in rings.iter_mut().enumerate() {
            let Some(other) = other else { continue };
            for &(handle, fd) in &changes.installed {
                other.mirror(handle, fd);
            }
            if i != id as usize {
                for &handle in &changes.closed {
                    other.mirror(handle, -1);
                }
            }
        }
        changes.installed.clear();
        changes.closed.clear();
        Some(out)
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        // Rings first: their in-flight operations hold buffers and fixed-file references.
        for ring in self.rings.iter_mut().flatten() {
            ring.shutdown(&mut self.descriptors);
        }
        self.rings.clear();
    }
}

impl WasiView for Guest {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
