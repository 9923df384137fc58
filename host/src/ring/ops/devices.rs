//! Devices: SPI and I2C transfers, run as ioctls on the worker pool (crate::devices) and
//! completed through an eventfd the ring reads, and serial-line settings. Only `--device`
//! grants carry them.

use super::{Env, MAX_IO_LEN, done, io_code};
use crate::bindings::ErrorCode;
use crate::caps::descriptors::{Descriptor, Descriptors, HostFdCharge};
use crate::devices::{self, Job};
use crate::errno::to_error_code;
use crate::ioring::ring::types::{I2cArgs, I2cMessage, SpiArgs, TtyConfig};
use crate::kernel::opcode::{self, Entry};
use crate::ring::inflight::{Kind, Slot};
use std::os::fd::AsRawFd;
use std::sync::Arc;

/// Most messages in one I2C transaction (the kernel's I2C_RDWR_IOCTL_MAX_MSGS).
const MAX_I2C_MESSAGES: usize = 42;

pub fn spi_transfer(SpiArgs { fd, segments }: SpiArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = device_handle(env.descriptors, fd)?;
    let total: usize = segments.iter().map(|s| s.tx.len().max(s.rx_len as usize)).sum();
    if segments.is_empty() || segments.len() > devices::MAX_SPI_SEGMENTS || total > MAX_IO_LEN as usize {
        return Err(ErrorCode::Invalid);
    }
    let charge = env.descriptors.charge_host_fd()?;
    let job = devices::spi_transfer(d.fd.clone(), segments).map_err(io_code)?;
    on_worker(slot, job, charge)
}

pub fn i2c_transfer(I2cArgs { fd, messages }: I2cArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = device_handle(env.descriptors, fd)?;
    let too_long = |m: &I2cMessage| {
        m.write.len() > u16::MAX as usize || m.read_len > u32::from(u16::MAX) || (m.read_len > 0 && !m.write.is_empty())
    };
    if messages.is_empty() || messages.len() > MAX_I2C_MESSAGES || messages.iter().any(too_long) {
        return Err(ErrorCode::Invalid);
    }
    let charge = env.descriptors.charge_host_fd()?;
    let job = devices::i2c_transfer(d.fd.clone(), messages).map_err(io_code)?;
    on_worker(slot, job, charge)
}

pub fn tty_configure(fd: u32, config: TtyConfig, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = device_handle(env.descriptors, fd)?;
    let res = devices::tty_configure(&d.fd, &config);
    if res < 0 { Err(to_error_code(-res)) } else { done(slot, 0) }
}

/// The descriptor behind `handle` if it is a `--device` grant: device operations reach past
/// the handle (a bus, a line's settings that outlive the guest), so no other handle, however
/// it was opened, may carry them.
fn device_handle(descriptors: &Descriptors, handle: u32) -> Result<&Descriptor, ErrorCode> {
    let d = descriptors.get(handle)?;
    if d.is_device() { Ok(d) } else { Err(ErrorCode::Access) }
}

/// Completes through the job's eventfd, read by the ring, once the worker is done.
fn on_worker(slot: &mut Slot, job: Arc<Job>, charge: HostFdCharge) -> Result<Entry, ErrorCode> {
    slot.kind = Kind::Device;
    slot.charge = Some(charge);
    let entry = opcode::EventfdRead::new(job.done.as_raw_fd(), &mut slot.counter).build();
    slot.job = Some(job);
    Ok(entry)
}
