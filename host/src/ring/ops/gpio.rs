//! GPIO lines: request a line of a `--device` GPIO chip (GPIO_V2_GET_LINE_IOCTL at submit),
//! get and set its value (ioctls at submit), and its edge events, read from the line's
//! descriptor through the ring one `struct gpio_v2_line_event` at a time and re-armed by the
//! host after each (crate::gpio has the uAPI).

use super::{Env, done};
use crate::bindings::ErrorCode;
use crate::caps::descriptors::{Descriptor, Role};
use crate::errno::to_error_code;
use crate::gpio;
use crate::ioring::ring::types::{GpioDirection, GpioEdgeFlags, GpioRequestArgs};
use crate::kernel::opcode::{self, Entry};
use crate::ring::inflight::{Kind, Slot};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn request(args: GpioRequestArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let chip = env.descriptors.get(args.chip)?;
    // The chip reaches hardware: only a --device grant may be one.
    if !chip.is_device() {
        return Err(ErrorCode::Access);
    }
    let charge = env.descriptors.charge_host_fd()?;
    let fd = gpio::request_line(chip.fd.as_fd(), &args)?;
    let role = Role::GpioLine {
        output: args.direction == GpioDirection::Output,
        edges: args.edges != GpioEdgeFlags::empty(),
        streaming: Arc::default(),
    };
    // Installed as the guest's handle when the completion is reaped, in link order.
    slot.line = Some((Descriptor::with_role(fd, role), charge));
    slot.kind = Kind::GpioLine;
    Ok(opcode::Nop.build())
}

/// The descriptor behind `handle` if it is a GPIO line, else `bad-descriptor`.
fn line(env: &Env<'_>, handle: u32) -> Result<Descriptor, ErrorCode> {
    let d = env.descriptors.get(handle)?;
    match d.role {
        Role::GpioLine { .. } => Ok(d.clone()),
        _ => Err(ErrorCode::BadDescriptor),
    }
}

pub fn get(handle: u32, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = line(env, handle)?;
    let value = gpio::get_value(d.fd.as_fd()).map_err(to_error_code)?;
    done(slot, i32::from(value))
}

pub fn set(handle: u32, on: bool, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = line(env, handle)?;
    if let Role::GpioLine { output: false, .. } = d.role {
        return Err(ErrorCode::NotPermitted);
    }
    gpio::set_value(d.fd.as_fd(), on).map_err(to_error_code)?;
    done(slot, 0)
}

pub fn edges(handle: u32, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = line(env, handle)?;
    let Role::GpioLine { edges, streaming, .. } = &d.role else { return Err(ErrorCode::BadDescriptor) };
    if !edges {
        return Err(ErrorCode::Invalid);
    }
    if streaming.swap(true, Ordering::AcqRel) {
        return Err(ErrorCode::Busy);
    }
    slot.stream = Some(Arc::clone(streaming));
    slot.serial = env.descriptors.serial(handle);
    slot.kind = Kind::GpioEdges { handle };
    slot.buf = vec![0; gpio::EVENT_SIZE];
    Ok(read_event(handle, slot))
}

/// The read of one edge event into the slot's buffer: on io_uring's workers, where waiting for
/// an edge holds only a worker (and a cancel interrupts it).
pub fn read_event(handle: u32, slot: &mut Slot) -> Entry {
    opcode::Read::new(handle, slot.buf.as_mut_ptr(), gpio::EVENT_SIZE as u32).build().flags(crate::kernel::sys::IOSQE_ASYNC)
}

/// A stream's flag, cleared when its operation ends, so the line may stream again.
pub fn stream_ended(flag: &AtomicBool) {
    flag.store(false, Ordering::Release);
}
