//! Ring control: the no-op, and the ring's registered (fixed) buffers that fixed reads and
//! writes name. (Cancel is the ring's own: it knows what is in flight; see `time`.)

use crate::bindings::ErrorCode;
use crate::kernel::opcode::{self, Entry};

/// The ring's registered (fixed) buffers.
#[derive(Default)]
pub struct FixedBuffers {
    pub bufs: Vec<Box<[u8]>>,
    /// Fixed reads and writes in flight: the set cannot be replaced under them.
    pub inflight: u32,
}

impl FixedBuffers {
    /// Bytes the registered set holds.
    pub fn bytes(&self) -> usize {
        self.bufs.iter().map(|b| b.len()).sum()
    }
}

/// `nop`: completes with 0.
pub fn nop() -> Entry {
    opcode::Nop.build()
}

/// The address of `buffer[offset..offset + len]` and the buffer's index, if all of it lies
/// within a registered buffer.
pub fn fixed_span(fixed: &mut FixedBuffers, buffer: u32, offset: u32, len: u32) -> Result<(*mut u8, u16), ErrorCode> {
    let buf = fixed.bufs.get_mut(buffer as usize).ok_or(ErrorCode::Invalid)?;
    let end = offset.checked_add(len).ok_or(ErrorCode::Invalid)?;
    if end as usize > buf.len() {
        return Err(ErrorCode::Invalid);
    }
    // SAFETY: `offset` lies within the buffer, checked above.
    Ok((unsafe { buf.as_mut_ptr().add(offset as usize) }, buffer as u16))
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_spans_stay_within_their_buffer() {
        let mut fixed = FixedBuffers { bufs: vec![vec![0; 16].into_boxed_slice()], inflight: 0 };
        assert!(fixed_span(&mut fixed, 0, 8, 8).is_ok());
        assert_eq!(fixed_span(&mut fixed, 0, 8, 9).unwrap_err(), ErrorCode::Invalid);
        assert_eq!(fixed_span(&mut fixed, 1, 0, 1).unwrap_err(), ErrorCode::Invalid);
        assert_eq!(fixed_span(&mut fixed, 0, u32::MAX, 2).unwrap_err(), ErrorCode::Invalid);
    }
}
