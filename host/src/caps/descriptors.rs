//! The guest's descriptor table: handle -> host descriptor. Every ring of the guest mirrors it
//! in its registered-file table at the same indices, so a handle is a fixed-file index and a
//! guest can never name a host descriptor it was not given.

use crate::bindings::ErrorCode;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// What a handle is, as far as the grant checks care: it decides which operations that
/// reach beyond the handle itself (device ioctls, terminal settings, listening, receiving
/// on a datagram socket) it may carry.
#[derive(Clone, Debug)]
pub enum Role {
    /// Stdio, files and directories, accepted connections: what the kernel allows on them.
    Plain,
    /// A `--device` grant: the only handles SPI, I2C and terminal operations are taken on.
    Device,
    /// A `--listen` grant, bound and (for streams) listening by the host: it may receive
    /// from anyone, and listen again only while still listening (a new backlog): never
    /// re-bound, and never after a shutdown, when the kernel may have freed its port.
    Listener,
    /// A GPIO line the guest requested from a `--device` chip: the only handles
    /// gpio-get, gpio-set and gpio-edges are taken on.
    GpioLine {
        output: bool,
        /// Requested with edge detection (gpio-edges needs it).
        edges: bool,
        /// A gpio-edges stream is in flight on it: one at a time, as two would split the
        /// line's events between them.
        streaming: Arc<std::sync::atomic::AtomicBool>,
    },
    /// A socket the guest created. Listening, and receiving on it while it is a datagram
    /// socket, need a grant for the address it is bound to (or a connected peer).
    Socket {
        datagram: bool,
        /// What has happened to it, as `Seen` bits: shared by the handle's copies in slots.
        seen: Arc<AtomicU8>,
    },
}

/// What the grant checks remember of a socket the guest created.
#[derive(Clone, Copy, Debug)]
pub enum Seen {
    /// A receive was found allowed; the socket cannot be unbound or disconnected through the
    /// ring afterwards, so the answer stands.
    ReceiveAllowed = 1,
    /// It listened: shut down afterwards, it may have lost its port while getsockname still
    /// reports it, so it never listens again.
    Listened = 2,
    /// A connect was issued on it. The kernel binds a connecting socket and, if the connect
    /// fails, unbinds it again, at times of its own: the address a listen check reads could
    /// change before the listen, so a client socket never listens.
    Connected = 4,
}

/// An open descriptor of the guest's.
#[derive(Clone, Debug)]
pub struct Descriptor {
    /// Shared so that an operation in flight (openat's directory) keeps it open even if the
    /// guest closes the handle meanwhile; the number can then not be reused under it.
    pub fd: Arc<OwnedFd>,
    /// Opened under a read-only grant: nothing beneath it may be opened for writing.
    pub read_only: bool,
    pub role: Role,
    /// A terminal: its reads and writes go to io_uring's workers (IOSQE_ASYNC), since
    /// n_tty ignores IOCB_NOWAIT and would wait for the line inside io_uring_enter, holding
    /// the guest's thread where no cancel reaches it.
    pub tty: bool,
    /// For a datagram socket the host granted (`--listen udp:`): the peers it has received
    /// from, to which it may reply without a --connect grant.
    pub peers: Option<Arc<Mutex<Peers>>>,
}

fn is_tty(fd: &OwnedFd) -> bool {
    // SAFETY: isatty on a descriptor we hold.
    unsafe { libc::isatty(std::os::fd::AsRawFd::as_raw_fd(fd)) == 1 }
}

/// The most recent datagram sources of a granted socket.
#[derive(Debug, Default)]
pub struct Peers(VecDeque<SocketAddr>);

impl Peers {
    /// How many recent peers a socket may reply to.
    const REMEMBERED: usize = 256;

    pub fn heard_from(&mut self, peer: SocketAddr) {
        if !self.0.contains(&peer) {
            if self.0.len() == Self::REMEMBERED {
                self.0.pop_front();
            }
            self.0.push_back(peer);
        }
    }

    pub fn knows(&self, peer: &SocketAddr) -> bool {
        self.0.contains(peer)
    }
}

impl Descriptor {
    pub fn new(fd: OwnedFd, read_only: bool) -> Self {
        Self { tty: is_tty(&fd), fd: Arc::new(fd), read_only, role: Role::Plain, peers: None }
    }

    /// A handle of `role` (not read-only, remembering no peers).
    pub fn with_role(fd: OwnedFd, role: Role) -> Self {
        Self { tty: is_tty(&fd), fd: Arc::new(fd), read_only: false, role, peers: None }
    }

    /// A socket the guest created with the `socket` operation.
    pub fn guest_socket(fd: OwnedFd, datagram: bool) -> Self {
        Self::socket(fd, Role::Socket { datagram, seen: Arc::default() })
    }

    /// A connection a guest's listener accepted.
    pub fn accepted(fd: OwnedFd) -> Self {
        Self::socket(fd, Role::Plain)
    }

    /// A socket, which is no terminal: no need to ask.
    fn socket(fd: OwnedFd, role: Role) -> Self {
        Self { fd: Arc::new(fd), read_only: false, role, tty: false, peers: None }
    }

    /// A `--listen` grant.
    pub fn listener(fd: OwnedFd) -> Self {
        Self::socket(fd, Role::Listener)
    }

    /// A granted datagram socket, which may answer whoever sends to it.
    pub fn replying(fd: OwnedFd) -> Self {
        Self { peers: Some(Arc::default()), ..Self::listener(fd) }
    }

    pub fn is_device(&self) -> bool {
        matches!(self.role, Role::Device)
    }

    /// Whether a receive on this handle was already found allowed (or needs no check).
    pub fn receive_checked(&self) -> bool {
        !matches!(self.role, Role::Socket { datagram: true, .. }) || self.has_seen(Seen::ReceiveAllowed)
    }

    /// Remembers `what` of a socket the guest created (nothing for other handles).
    pub fn mark(&self, what: Seen) {
        if let Role::Socket { seen, .. } = &self.role {
            seen.fetch_or(what as u8, Ordering::Relaxed);
        }
    }

    /// Whether `what` happened to this socket the guest created.
    pub fn has_seen(&self, what: Seen) -> bool {
        matches!(&self.role, Role::Socket { seen, .. } if seen.load(Ordering::Relaxed) & what as u8 != 0)
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[derive(Debug)]
enum Slot {
    Free,
    Open { descriptor: Descriptor, serial: u64 },
    /// Closed by the guest, with the ring's close of the fixed slot still in flight: the
    /// index must not be handed out again until that completes.
    Closing,
}

/// A host descriptor an operation holds outside the guest's table (statx's O_PATH file, a
/// device job's eventfd), counted against the table's capacity until dropped: the handle
/// limit bounds every descriptor a guest makes the host hold.
#[derive(Debug)]
pub struct HostFdCharge(Arc<AtomicU32>);

impl Drop for HostFdCharge {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug)]
pub struct Descriptors {
    slots: Vec<Slot>,
    next_serial: u64,
    /// Slots not free (open or closing).
    used: u32,
    /// Host descriptors operations hold besides the table's.
    charged: Arc<AtomicU32>,
}

impl Descriptors {
    /// A table of at most `capacity` handles.
    pub fn new(capacity: u32) -> Self {
        Self { slots: (0..capacity).map(|_| Slot::Free).collect(), next_serial: 1, used: 0, charged: Arc::default() }
    }

    /// Room for one more host descriptor, handle or not.
    fn has_room(&self) -> bool {
        self.used + self.charged.load(Ordering::Relaxed) < self.capacity()
    }

    /// Charges one host descriptor an operation will hold, or `too-many-handles`.
    pub fn charge_host_fd(&self) -> Result<HostFdCharge, ErrorCode> {
        if !self.has_room() {
            return Err(ErrorCode::TooManyHandles);
        }
        self.charged.fetch_add(1, Ordering::Relaxed);
        Ok(HostFdCharge(Arc::clone(&self.charged)))
    }

    pub fn capacity(&self) -> u32 {
        self.slots.len() as u32
    }

    /// The open descriptor behind `handle`, or `bad-descriptor`.
    pub fn get(&self, handle: u32) -> Result<&Descriptor, ErrorCode> {
        match self.slots.get(handle as usize) {
            Some(Slot::Open { descriptor, .. }) => Ok(descriptor),
            _ => Err(ErrorCode::BadDescriptor),
        }
    }

    /// A number that changes whenever `handle` is closed and reused (0 when not open), so a
    /// stale handle of a grant can be told from a live one.
    pub fn serial(&self, handle: u32) -> u64 {
        match self.slots.get(handle as usize) {
            Some(Slot::Open { serial, .. }) => *serial,
            _ => 0,
        }
    }

    /// Installs at the lowest free index, as POSIX open does.
    pub fn install(&mut self, descriptor: Descriptor) -> Result<u32, ErrorCode> {
        if !self.has_room() {
            return Err(ErrorCode::TooManyHandles);
        }
        let index = self
            .slots
            .iter()
            .position(|s| matches!(s, Slot::Free))
            .ok_or(ErrorCode::TooManyHandles)?;
        self.install_at(index as u32, descriptor)?;
        Ok(index as u32)
    }

    /// Installs at `handle`, which must be free.
    pub fn install_at(&mut self, handle: u32, descriptor: Descriptor) -> Result<(), ErrorCode> {
        let slot = self.slots.get_mut(handle as usize).ok_or(ErrorCode::TooManyHandles)?;
        if !matches!(slot, Slot::Free) {
            return Err(ErrorCode::Busy);
        }
        *slot = Slot::Open { descriptor, serial: self.next_serial };
        self.next_serial += 1;
        self.used += 1;
        Ok(())
    }

    /// Starts closing `handle`: returns its descriptor and keeps the index reserved until
    /// `finish_close`.
    pub fn begin_close(&mut self, handle: u32) -> Result<Descriptor, ErrorCode> {
        let slot = self.slots.get_mut(handle as usize).ok_or(ErrorCode::BadDescriptor)?;
        match std::mem::replace(slot, Slot::Closing) {
            Slot::Open { descriptor, .. } => Ok(descriptor),
            other => {
                *slot = other;
                Err(ErrorCode::BadDescriptor)
            }
        }
    }

    pub fn finish_close(&mut self, handle: u32) {
        if let Some(slot @ Slot::Closing) = self.slots.get_mut(handle as usize) {
            *slot = Slot::Free;
            self.used -= 1;
        }
    }

    /// Every open handle with its host descriptor, for mirroring into a new ring.
    pub fn open(&self) -> impl Iterator<Item = (u32, RawFd)> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, s)| match s {
            Slot::Open { descriptor, .. } => Some((i as u32, descriptor.raw())),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    fn devnull() -> Descriptor {
        Descriptor::new(File::open("/dev/null").unwrap().into(), false)
    }

    #[test]
    fn install_takes_lowest_free_index() {
        let mut t = Descriptors::new(4);
        assert_eq!(t.install(devnull()), Ok(0));
        assert_eq!(t.install(devnull()), Ok(1));
        t.begin_close(0).unwrap();
        // Still reserved while the close is in flight.
        assert_eq!(t.install(devnull()), Ok(2));
        t.finish_close(0);
        assert_eq!(t.install(devnull()), Ok(0));
    }

    #[test]
    fn unknown_out_of_range_and_closed_handles_are_bad_descriptors() {
        let mut t = Descriptors::new(2);
        assert_eq!(t.get(0).unwrap_err(), ErrorCode::BadDescriptor);
        assert_eq!(t.get(u32::MAX).unwrap_err(), ErrorCode::BadDescriptor);
        let h = t.install(devnull()).unwrap();
        t.begin_close(h).unwrap();
        assert_eq!(t.get(h).unwrap_err(), ErrorCode::BadDescriptor);
        assert_eq!(t.begin_close(h).unwrap_err(), ErrorCode::BadDescriptor);
    }

    #[test]
    fn full_table_reports_too_many_handles() {
        let mut t = Descriptors::new(1);
        t.install(devnull()).unwrap();
        assert_eq!(t.install(devnull()), Err(ErrorCode::TooManyHandles));
    }

    #[test]
    fn host_descriptors_held_by_operations_count_against_the_table() {
        let mut t = Descriptors::new(3);
        t.install(devnull()).unwrap();
        let a = t.charge_host_fd().unwrap();
        let _b = t.charge_host_fd().unwrap();
        assert_eq!(t.charge_host_fd().unwrap_err(), ErrorCode::TooManyHandles);
        assert_eq!(t.install(devnull()), Err(ErrorCode::TooManyHandles));
        drop(a);
        assert_eq!(t.install(devnull()), Ok(1));
    }

    #[test]
    fn serial_changes_on_reuse() {
        let mut t = Descriptors::new(1);
        let h = t.install(devnull()).unwrap();
        let first = t.serial(h);
        t.begin_close(h).unwrap();
        t.finish_close(h);
        t.install(devnull()).unwrap();
        assert_ne!(t.serial(h), first);
        assert_ne!(first, 0);
    }
}
