//! The guest's memory bound: every linear memory and every table of its instances counted
//! together against `--max-memory`. wasmtime's `StoreLimits` bounds each memory alone and
//! counts no table bytes, so a guest with several memories, or one growing a table, could
//! take many times the bound.

use wasmtime::ResourceLimiter;

/// What a guest may instantiate besides its bytes: enough for any toolchain's component
/// (a StarlingMonkey app has a handful of each), few enough that the reservations they
/// make stay small.
const MAX_INSTANCES: usize = 64;
const MAX_MEMORIES: usize = 16;
const MAX_TABLES: usize = 64;

/// Bytes wasmtime keeps per table element (a pointer, as its own docs say).
const TABLE_ELEMENT_BYTES: usize = size_of::<usize>();

#[derive(Debug)]
pub struct GuestMemory {
    max_bytes: usize,
    used: usize,
    /// The growth last allowed, taken back if the grow itself then fails.
    pending: usize,
}

impl GuestMemory {
    pub fn new(max_bytes: usize) -> Self {
        Self { max_bytes, used: 0, pending: 0 }
    }

    fn grow(&mut self, bytes: usize) -> bool {
        match self.used.checked_add(bytes) {
            Some(total) if total <= self.max_bytes => {
                self.used = total;
                self.pending = bytes;
                true
            }
            _ => false,
        }
    }

    fn undo(&mut self) {
        self.used -= std::mem::take(&mut self.pending);
    }
}

impl ResourceLimiter for GuestMemory {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(self.grow(desired.saturating_sub(current)))
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.undo();
        Ok(())
    }

    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(self.grow(desired.saturating_sub(current).saturating_mul(TABLE_ELEMENT_BYTES)))
    }

    fn table_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.undo();
        Ok(())
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memories_and_tables_share_one_bound() {
        let mut m = GuestMemory::new(1 << 20);
        assert!(m.memory_growing(0, 512 << 10, None).unwrap());
        assert!(m.memory_growing(0, 256 << 10, None).unwrap(), "a second memory counts too");
        assert!(!m.memory_growing(0, 512 << 10, None).unwrap());
        assert!(!m.table_growing(0, (256 << 10) / TABLE_ELEMENT_BYTES + 1, None).unwrap());
        assert!(m.table_growing(0, 1024, None).unwrap());
        assert!(!m.table_growing(0, usize::MAX, None).unwrap(), "no overflow");
    }

    #[test]
    fn a_failed_grow_gives_its_bytes_back() {
        let mut m = GuestMemory::new(100);
        assert!(m.memory_growing(0, 100, None).unwrap());
        m.memory_grow_failed(wasmtime::format_err!("no")).unwrap();
        assert!(m.memory_growing(0, 100, None).unwrap());
    }
}
