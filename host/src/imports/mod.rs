//! Host implementations of the WIT interfaces, one module per interface. Only glue lives
//! here: the ring logic is in `ring`, the table in `descriptors`, grants in `grants`.

mod grants;
mod packed;
mod ring;

impl crate::bindings::ioring::ring::types::Host for crate::guest::Guest {}
