//! Guest SQE -> io_uring entry: validation at the trust boundary, then one opcode builder.
//! Everything a malformed entry can get wrong is an error code here, never a trap. Socket
//! setup calls io_uring has no opcode for on every kernel (bind, listen, setsockopt) and
//! termios settings are done here, at submit; their place in the chain is held by a no-op.

use super::inflight::{Kind, Slot};
use crate::bindings::{ErrorCode, Op, OpenFlags, SqeFlags};
use crate::descriptors::{Descriptor, Descriptors, HostFdCharge, Role, Seen};
use crate::devices;
use crate::errno::to_error_code;
use crate::ioring::ring::types::{
    FixedArgs, I2cArgs, MkdiratArgs, OpenatArgs, RenameatArgs, UnlinkatArgs, PollArgs, PollEvents, ReadArgs, RecvArgs, SendArgs, SendmsgArgs, ShutdownHow,
    SocketOption, SpiArgs, StatxArgs, TimeoutArgs, WriteArgs,
};
use crate::net::{NetPolicy, RawAddr, Transport, as_inet, transport_of};
use crate::opcode::{self, CURRENT_POSITION, Entry};
use crate::ioring::ring::types::{AddressFamily, SocketType};
use crate::sys;
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

/// The most one operation may move; larger requests complete with `invalid`.
pub const MAX_IO_LEN: u32 = 16 << 20;

/// Longest path openat accepts, as Linux's PATH_MAX.
const MAX_PATH_LEN: usize = 4096;

/// A fixed-file index no ring registers, so an operation on it always fails with EBADF.
const NO_SUCH_SLOT: u32 = i32::MAX as u32;

/// The provided-buffer group multishot receives draw from.
pub const RECV_GROUP: u16 = 0;

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

/// What preparing an entry may consult or change besides its slot.
pub struct Env<'a> {
    pub descriptors: &'a mut Descriptors,
    pub policy: &'a NetPolicy,
    pub fixed: &'a mut FixedBuffers,
    /// The key of the entry before this one in the batch (what a link-timeout bounds).
    pub previous: Option<u64>,
}

/// Builds the kernel entry for `op`, keeping what the kernel will touch in `slot` and setting
/// `slot.kind`. An error rejects the operation with that code.
pub fn prepare(op: Op, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let descriptors = &mut *env.descriptors;
    match op {
        Op::Nop => Ok(opcode::Nop.build()),
        Op::Read(ReadArgs { fd, len, offset }) => {
            descriptors.get(fd)?;
            slot.kind = Kind::Read;
            slot.buf = vec![0; checked_len(len)?];
            let read = opcode::Read::new(fd, slot.buf.as_mut_ptr(), len);
            Ok(read.offset(offset.unwrap_or(CURRENT_POSITION)).build())
        }
        Op::Write(WriteArgs { fd, data, offset }) => {
            descriptors.get(fd)?;
            let len = data_len(&data)?;
            slot.buf = data;
            let write = opcode::Write::new(fd, slot.buf.as_ptr(), len);
            Ok(write.offset(offset.unwrap_or(CURRENT_POSITION)).build())
        }
        Op::ReadFixed(FixedArgs { fd, buffer, buffer_offset, len, offset }) => {
            descriptors.get(fd)?;
            let (ptr, index) = fixed_span(env.fixed, buffer, buffer_offset, len)?;
            slot.kind = Kind::Fixed;
            env.fixed.inflight += 1;
            Ok(opcode::ReadFixed::new(fd, ptr, len, index).offset(offset.unwrap_or(CURRENT_POSITION)).build())
        }
        Op::WriteFixed(FixedArgs { fd, buffer, buffer_offset, len, offset }) => {
            descriptors.get(fd)?;
            let (ptr, index) = fixed_span(env.fixed, buffer, buffer_offset, len)?;
            slot.kind = Kind::Fixed;
            env.fixed.inflight += 1;
            Ok(opcode::WriteFixed::new(fd, ptr, len, index).offset(offset.unwrap_or(CURRENT_POSITION)).build())
        }
        Op::Send(SendArgs { fd, data }) => {
            descriptors.get(fd)?;
            let len = data_len(&data)?;
            slot.buf = data;
            Ok(opcode::Send::new(fd, slot.buf.as_ptr(), len).build())
        }
        Op::Recv(RecvArgs { fd, len }) => {
            unfiltered(may_receive(descriptors.get(fd)?, env.policy)?)?;
            slot.kind = Kind::Read;
            slot.buf = vec![0; checked_len(len)?];
            Ok(opcode::Recv::new(fd, slot.buf.as_mut_ptr(), len).build())
        }
        Op::RecvMultishot(RecvArgs { fd, .. }) => {
            unfiltered(may_receive(descriptors.get(fd)?, env.policy)?)?;
            slot.serial = descriptors.serial(fd);
            slot.kind = Kind::RecvMultishot { handle: fd };
            Ok(opcode::RecvMultishot::new(fd, RECV_GROUP).build())
        }
        Op::Recvmsg(RecvArgs { fd, len }) => {
            let d = descriptors.get(fd)?;
            slot.sender_filter = may_receive(d, env.policy)?;
            slot.serial = descriptors.serial(fd);
            // The peers list of the socket this receive was issued on, not of whatever sits
            // at the handle's index when it completes.
            slot.peers = d.peers.clone();
            slot.kind = Kind::RecvMsg { handle: fd };
            slot.buf = vec![0; checked_len(len)?];
            slot.addr = RawAddr::default();
            point_msg(slot, true);
            Ok(opcode::RecvMsg::new(fd, &mut slot.msg).build())
        }
        Op::Sendmsg(SendmsgArgs { fd, data, to }) => {
            let d = descriptors.get(fd)?;
            data_len(&data)?;
            if let Some(to) = &to {
                let reply = d.peers.as_ref().zip(as_inet(to)).is_some_and(|(p, to)| p.lock().is_ok_and(|p| p.knows(&to)));
                if !reply {
                    allowed(d, to, NetPolicy::may_connect, env.policy)?;
                }
                slot.addr = RawAddr::from_wit(to)?;
            }
            slot.buf = data;
            point_msg(slot, to.is_some());
            Ok(opcode::SendMsg::new(fd, &slot.msg).build())
        }
        Op::Accept(fd) => {
            descriptors.get(fd)?;
            slot.kind = Kind::Accept { multishot: None };
            slot.addr = RawAddr::default();
            Ok(opcode::Accept::new(fd, slot.addr.as_mut_ptr(), &mut slot.addr.len).build())
        }
        Op::AcceptMultishot(fd) => {
            descriptors.get(fd)?;
            slot.serial = descriptors.serial(fd);
            slot.kind = Kind::Accept { multishot: Some(fd) };
            Ok(opcode::Accept::multishot(fd).build())
        }
        Op::Connect((fd, to)) => {
            let d = descriptors.get(fd)?;
            allowed(d, &to, NetPolicy::may_connect, env.policy)?;
            slot.addr = RawAddr::from_wit(&to)?;
            d.mark(Seen::Connected);
            Ok(opcode::Connect::new(fd, slot.addr.as_ptr(), slot.addr.len).build())
        }
        Op::Socket((family, ty)) => {
            let domain = match family {
                AddressFamily::Ipv4 => libc::AF_INET,
                AddressFamily::Ipv6 => libc::AF_INET6,
                AddressFamily::Unix => libc::AF_UNIX,
            };
            let ty = match ty {
                SocketType::Stream => libc::SOCK_STREAM,
                SocketType::Datagram => libc::SOCK_DGRAM,
                SocketType::Seqpacket => libc::SOCK_SEQPACKET,
            };
            slot.kind = Kind::Socket { datagram: ty == libc::SOCK_DGRAM };
            Ok(opcode::Socket::new(domain, ty).build())
        }
        Op::Bind((fd, addr)) => {
            let d = descriptors.get(fd)?;
            // A grant's address is the host's to choose.
            if let Role::Listener = d.role {
                return Err(ErrorCode::Access);
            }
            allowed(d, &addr, NetPolicy::may_bind, env.policy)?;
            let raw = RawAddr::from_wit(&addr)?;
            // SAFETY: `raw` holds a valid address of `raw.len` bytes.
            done(slot, unsafe { libc::bind(d.raw(), raw.as_ptr(), raw.len) })
        }
        Op::Listen((fd, backlog)) => {
            let d = descriptors.get(fd)?;
            may_listen(d, env.policy)?;
            d.mark(Seen::Listened);
            // SAFETY: a plain syscall on a descriptor we hold.
            done(slot, unsafe { libc::listen(d.raw(), backlog.min(4096) as i32) })
        }
        Op::SetOption((fd, option)) => {
            let d = descriptors.get(fd)?;
            set_option(d, option)?;
            done(slot, 0)
        }
        Op::Shutdown((fd, how)) => {
            descriptors.get(fd)?;
            let how = match how {
                ShutdownHow::Read => libc::SHUT_RD,
                ShutdownHow::Write => libc::SHUT_WR,
                ShutdownHow::Both => libc::SHUT_RDWR,
            };
            Ok(opcode::Shutdown::new(fd, how).build())
        }
        Op::Openat(args) => openat(args, slot, descriptors),
        Op::Close(handle) => {
            // The host's own copy closes now; the registered slot keeps the file alive for
            // operations still in flight until the kernel closes it in order.
            descriptors.begin_close(handle)?;
            slot.kind = Kind::Close { handle };
            Ok(opcode::CloseFixed::new(handle).build())
        }
        Op::Fsync((fd, datasync)) => {
            descriptors.get(fd)?;
            Ok(opcode::Fsync::new(fd).datasync(datasync).build())
        }
        Op::Statx(args) => statx(args, slot, descriptors),
        Op::Ftruncate((fd, len)) => {
            if descriptors.get(fd)?.read_only {
                return Err(ErrorCode::Access);
            }
            let len = i64::try_from(len).map_err(|_| ErrorCode::Invalid)?;
            Ok(opcode::Ftruncate::new(fd, len as u64).build())
        }
        Op::Mkdirat(MkdiratArgs { dir, path, mode }) => {
            let (parent, name) = in_parent(descriptors, dir, path, slot)?;
            let entry = opcode::MkdirAt::new(parent, &name, mode & 0o777).build();
            slot.path = Some(name);
            Ok(entry)
        }
        Op::Unlinkat(UnlinkatArgs { dir, path, remove_dir }) => {
            let (parent, name) = in_parent(descriptors, dir, path, slot)?;
            let entry = opcode::UnlinkAt::new(parent, &name).remove_dir(remove_dir).build();
            slot.path = Some(name);
            Ok(entry)
        }
        Op::Renameat(RenameatArgs { old_dir, old_path, new_dir, new_path }) => {
            let (old_parent, old_name) = in_parent(descriptors, old_dir, old_path, slot)?;
            let (new_parent, new_name) = in_parent(descriptors, new_dir, new_path, slot)?;
            let entry = opcode::RenameAt::new(old_parent, &old_name, new_parent, &new_name).build();
            slot.path = Some(old_name);
            slot.new_path = Some(new_name);
            Ok(entry)
        }
        Op::Timeout(TimeoutArgs { duration_ns, count }) => {
            slot.ts = timespec(duration_ns);
            Ok(opcode::Timeout::new(&mut slot.ts).count(count).build())
        }
        Op::LinkTimeout(duration_ns) => {
            let guarded = env.previous.ok_or(ErrorCode::Invalid)?;
            slot.kind = Kind::LinkTimeout { guarded };
            slot.ts = timespec(duration_ns);
            Ok(opcode::LinkTimeout::new(&mut slot.ts).build())
        }
        // Handled by the ring itself, which knows what is in flight.
        Op::Cancel(_) => Err(ErrorCode::Invalid),
        Op::Poll(PollArgs { fd, events, multishot }) => {
            descriptors.get(fd)?;
            slot.kind = Kind::Poll;
            Ok(opcode::PollAdd::new(fd, poll_mask(events)).multishot(multishot).build())
        }
        Op::SpiTransfer(SpiArgs { fd, segments }) => {
            let d = device_handle(descriptors, fd)?;
            let total: usize = segments.iter().map(|s| s.tx.len().max(s.rx_len as usize)).sum();
            if segments.is_empty() || segments.len() > devices::MAX_SPI_SEGMENTS || total > MAX_IO_LEN as usize {
                return Err(ErrorCode::Invalid);
            }
            let charge = descriptors.charge_host_fd()?;
            let job = devices::spi_transfer(d.fd.clone(), segments).map_err(io_code)?;
            device(slot, job, charge)
        }
        Op::I2cTransfer(I2cArgs { fd, messages }) => {
            let d = device_handle(descriptors, fd)?;
            let too_long = |m: &crate::ioring::ring::types::I2cMessage| {
                m.write.len() > u16::MAX as usize || m.read_len > u32::from(u16::MAX) || (m.read_len > 0 && !m.write.is_empty())
            };
            if messages.is_empty() || messages.len() > 42 || messages.iter().any(too_long) {
                return Err(ErrorCode::Invalid);
            }
            let charge = descriptors.charge_host_fd()?;
            let job = devices::i2c_transfer(d.fd.clone(), messages).map_err(io_code)?;
            device(slot, job, charge)
        }
        Op::LocalAddress(fd) => {
            let d = descriptors.get(fd)?;
            slot.addr = RawAddr::default();
            // SAFETY: `slot.addr` has room for any address and its length says how much.
            let r = unsafe { libc::getsockname(d.raw(), slot.addr.as_mut_ptr(), &mut slot.addr.len) };
            let entry = done(slot, r)?;
            slot.kind = Kind::LocalAddress;
            Ok(entry)
        }
        Op::TtyConfigure((fd, config)) => {
            let d = device_handle(descriptors, fd)?;
            let res = devices::tty_configure(&d.fd, &config);
            if res < 0 { Err(to_error_code(-res)) } else { done(slot, 0) }
        }
    }
}

/// `access` unless `may` lets socket `d` use `addr`, as its transport (`not-supported` when
/// the handle is no socket) and the policy say.
fn allowed(
    d: &Descriptor,
    addr: &crate::ioring::ring::types::SocketAddress,
    may: fn(&NetPolicy, crate::net::Transport, &crate::ioring::ring::types::SocketAddress) -> bool,
    policy: &NetPolicy,
) -> Result<(), ErrorCode> {
    let transport = transport_of(d.fd.as_fd()).ok_or(ErrorCode::NotSupported)?;
    if may(policy, transport, addr) { Ok(()) } else { Err(ErrorCode::Access) }
}

/// The descriptor behind `handle` if it is a `--device` grant: device operations reach past
/// the handle (a bus, a line's settings that outlive the guest), so no other handle, however
/// it was opened, may carry them.
fn device_handle(descriptors: &Descriptors, handle: u32) -> Result<&Descriptor, ErrorCode> {
    let d = descriptors.get(handle)?;
    if d.is_device() { Ok(d) } else { Err(ErrorCode::Access) }
}

/// Listening exposes an address to anyone who can reach it: a guest socket may listen only
/// on an address it was granted. An unbound socket would be bound by the kernel to the
/// wildcard address, which is then what must be granted (getsockname reports it as such).
///
/// A socket that listened and was shut down may have lost its port while getsockname still
/// reports it (the kernel frees the port, not the name): it never listens again, and neither
/// does a grant, which may only be given a new backlog while it listens.
fn may_listen(d: &Descriptor, policy: &NetPolicy) -> Result<(), ErrorCode> {
    let listening = || crate::net::is_listening(d.fd.as_fd());
    if let Role::Listener = d.role {
        return if listening() { Ok(()) } else { Err(ErrorCode::Access) };
    }
    let Role::Socket { .. } = d.role else { return Ok(()) };
    if d.has_seen(Seen::Connected) || (d.has_seen(Seen::Listened) && !listening()) {
        return Err(ErrorCode::Invalid);
    }
    let transport = transport_of(d.fd.as_fd()).ok_or(ErrorCode::NotSupported)?;
    let local = RawAddr::local_of(d.fd.as_fd()).ok_or(ErrorCode::BadDescriptor)?;
    if policy.may_bind(transport, &local.to_wit()) { Ok(()) } else { Err(ErrorCode::Access) }
}

/// A datagram socket receives from anyone who knows its address. A guest's own datagram
/// socket receives freely when connected (the kernel then takes datagrams from that peer
/// alone, and connect was checked against --connect) or bound to a granted address.
/// Otherwise (a client that sends with an address, and so is bound by the kernel to the
/// wildcard address) it hears only from senders it may send to: Ok(Some(transport)) asks
/// for that filter, which only a receive that learns the sender (recvmsg) can apply.
fn may_receive(d: &Descriptor, policy: &NetPolicy) -> Result<Option<Transport>, ErrorCode> {
    if d.receive_checked() {
        return Ok(None);
    }
    let connected = RawAddr::peer_of(d.fd.as_fd()).len > 0;
    let granted = || {
        let transport = transport_of(d.fd.as_fd());
        let local = RawAddr::local_of(d.fd.as_fd());
        transport.zip(local).is_some_and(|(t, local)| local.is_bound() && policy.may_bind(t, &local.to_wit()))
    };
    if connected || granted() {
        d.mark(Seen::ReceiveAllowed);
        Ok(None)
    } else {
        transport_of(d.fd.as_fd()).map(Some).ok_or(ErrorCode::NotSupported)
    }
}

/// `access` for a receive that cannot filter its senders where `may_receive` asks it to.
fn unfiltered(filter: Option<Transport>) -> Result<(), ErrorCode> {
    if filter.is_some() { Err(ErrorCode::Access) } else { Ok(()) }
}

/// The stand-in for a rejected operation: it fails in the kernel, so a link chain through it
/// breaks exactly as it would had the real operation failed.
pub fn placeholder() -> Entry {
    opcode::Read::new(NO_SUCH_SLOT, std::ptr::null_mut(), 0).build()
}

/// Bytes of guest data `op` will make the host hold while it runs.
pub fn bytes_held(op: &Op) -> usize {
    match op {
        Op::Read(a) => a.len as usize,
        Op::Recv(a) | Op::Recvmsg(a) => a.len as usize,
        Op::Write(a) => a.data.len(),
        Op::Send(a) => a.data.len(),
        Op::Sendmsg(a) => a.data.len(),
        // What the worker copies out and in: transmit and receive buffers of every segment.
        Op::SpiTransfer(a) => a.segments.iter().map(|s| s.tx.len().saturating_add(s.rx_len as usize)).fold(0, usize::saturating_add),
        Op::I2cTransfer(a) => a.messages.iter().map(|m| m.write.len().saturating_add(m.read_len as usize)).fold(0, usize::saturating_add),
        _ => 0,
    }
}

/// WIT SQE flags to IOSQE_* bits. Drain is not among them: the host keeps it (see `held`).
pub fn sqe_flags(flags: SqeFlags) -> u32 {
    let mut bits = 0;
    if flags.contains(SqeFlags::LINK) {
        bits |= sys::IOSQE_IO_LINK;
    }
    if flags.contains(SqeFlags::HARD_LINK) {
        bits |= sys::IOSQE_IO_HARDLINK;
    }
    bits
}

/// A kernel poll mask as WIT poll-events bits (the n-th flag of the WIT type is bit n).
pub fn poll_events(mask: u32) -> u32 {
    [libc::POLLIN, libc::POLLOUT, libc::POLLPRI, libc::POLLERR, libc::POLLHUP, libc::POLLRDHUP]
        .iter()
        .enumerate()
        .filter(|&(_, &bit)| mask & bit as u32 != 0)
        .fold(0, |events, (n, _)| events | 1 << n)
}

fn poll_mask(events: PollEvents) -> u32 {
    let mut mask = 0;
    for (event, bit) in [
        (PollEvents::READABLE, libc::POLLIN),
        (PollEvents::WRITABLE, libc::POLLOUT),
        (PollEvents::PRIORITY, libc::POLLPRI),
        (PollEvents::READ_HANG_UP, libc::POLLRDHUP),
    ] {
        if events.contains(event) {
            mask |= bit as u32;
        }
    }
    mask
}

fn checked_len(len: u32) -> Result<usize, ErrorCode> {
    if len > MAX_IO_LEN { Err(ErrorCode::Invalid) } else { Ok(len as usize) }
}

fn data_len(data: &[u8]) -> Result<u32, ErrorCode> {
    u32::try_from(data.len()).ok().filter(|&l| l <= MAX_IO_LEN).ok_or(ErrorCode::Invalid)
}

/// The address of `buffer[offset..offset + len]` and the buffer's index, if all of it lies
/// within a registered buffer.
fn fixed_span(fixed: &mut FixedBuffers, buffer: u32, offset: u32, len: u32) -> Result<(*mut u8, u16), ErrorCode> {
    let buf = fixed.bufs.get_mut(buffer as usize).ok_or(ErrorCode::Invalid)?;
    let end = offset.checked_add(len).ok_or(ErrorCode::Invalid)?;
    if end as usize > buf.len() {
        return Err(ErrorCode::Invalid);
    }
    // SAFETY: `offset` lies within the buffer, checked above.
    Ok((unsafe { buf.as_mut_ptr().add(offset as usize) }, buffer as u16))
}

/// Points the slot's msghdr at its buffer and, if `named`, its address.
pub fn point_msg(slot: &mut Slot, named: bool) {
    slot.iov = libc::iovec { iov_base: slot.buf.as_mut_ptr().cast(), iov_len: slot.buf.len() };
    // SAFETY: msghdr is plain data.
    slot.msg = unsafe { std::mem::zeroed() };
    slot.msg.msg_iov = &mut slot.iov;
    slot.msg.msg_iovlen = 1;
    if named {
        slot.msg.msg_name = slot.addr.as_mut_ptr().cast();
        slot.msg.msg_namelen = slot.addr.len;
    }
}

/// An operation the host did at submit: `ret` is the syscall's return (-1 with errno).
fn done(slot: &mut Slot, ret: i32) -> Result<Entry, ErrorCode> {
    if ret < 0 {
        return Err(io_code(std::io::Error::last_os_error()));
    }
    slot.kind = Kind::Done(ret as u32);
    Ok(opcode::Nop.build())
}

fn device(slot: &mut Slot, job: std::sync::Arc<devices::Job>, charge: HostFdCharge) -> Result<Entry, ErrorCode> {
    slot.kind = Kind::Device;
    slot.charge = Some(charge);
    let entry = opcode::EventfdRead::new(job.done.as_raw_fd(), &mut slot.counter).build();
    slot.job = Some(job);
    Ok(entry)
}

fn io_code(e: std::io::Error) -> ErrorCode {
    to_error_code(e.raw_os_error().unwrap_or(libc::EIO))
}

fn set_option(d: &Descriptor, option: SocketOption) -> Result<(), ErrorCode> {
    let (level, name, value) = match option {
        SocketOption::ReuseAddress(on) => (libc::SOL_SOCKET, libc::SO_REUSEADDR, i32::from(on)),
        SocketOption::ReusePort(on) => (libc::SOL_SOCKET, libc::SO_REUSEPORT, i32::from(on)),
        SocketOption::TcpNoDelay(on) => (libc::IPPROTO_TCP, libc::TCP_NODELAY, i32::from(on)),
        SocketOption::Ipv6Only(on) => (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, i32::from(on)),
        SocketOption::KeepAlive(on) => (libc::SOL_SOCKET, libc::SO_KEEPALIVE, i32::from(on)),
        SocketOption::ReceiveBufferSize(n) => (libc::SOL_SOCKET, libc::SO_RCVBUF, n.min(i32::MAX as u32) as i32),
        SocketOption::SendBufferSize(n) => (libc::SOL_SOCKET, libc::SO_SNDBUF, n.min(i32::MAX as u32) as i32),
    };
    // SAFETY: an int-sized option value, as all of these take.
    let r = unsafe { libc::setsockopt(d.raw(), level, name, (&raw const value).cast(), 4) };
    if r != 0 { Err(io_code(std::io::Error::last_os_error())) } else { Ok(()) }
}

/// openat2's confinement: BENEATH refuses absolute paths, `..` escapes and symlinks that
/// leave the directory; NO_MAGICLINKS refuses /proc/self/fd-style jumps.
const CONFINED: u64 = sys::RESOLVE_BENEATH | sys::RESOLVE_NO_MAGICLINKS;

fn guest_path(path: String) -> Result<CString, ErrorCode> {
    if path.len() > MAX_PATH_LEN {
        return Err(ErrorCode::NameTooLong);
    }
    CString::new(path).map_err(|_| ErrorCode::Invalid)
}

fn openat(args: OpenatArgs, slot: &mut Slot, descriptors: &mut Descriptors) -> Result<Entry, ErrorCode> {
    let OpenatArgs { dir, path, flags, mode } = args;
    let dir = descriptors.get(dir)?.clone();
    let path = guest_path(path)?;
    let writes = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::APPEND;
    if dir.read_only && flags.intersects(writes) {
        return Err(ErrorCode::ReadOnly);
    }
    slot.kind = Kind::Open { read_only: dir.read_only };
    slot.how = sys::OpenHow {
        flags: open_flags(flags),
        // Permission bits only: a guest never creates set-user-ID, set-group-ID or sticky
        // files, which would carry the host user's rights to whoever runs them.
        mode: if flags.contains(OpenFlags::CREATE) { u64::from(mode & 0o777) } else { 0 },
        resolve: CONFINED,
    };
    let entry = opcode::OpenAt2::new(dir.raw(), path.as_c_str(), &mut slot.how).build();
    // The CString's heap buffer does not move when the CString is moved into the slot.
    slot.path = Some(path);
    slot.dir = Some(dir);
    Ok(entry)
}

/// statx has no RESOLVE_BENEATH: a path is first opened O_PATH with openat2's confinement
/// (at submit), then described through that descriptor.
fn statx(args: StatxArgs, slot: &mut Slot, descriptors: &mut Descriptors) -> Result<Entry, ErrorCode> {
    let StatxArgs { dir, path, no_follow } = args;
    let dir = descriptors.get(dir)?;
    let mut at_flags = libc::AT_EMPTY_PATH;
    let fd = if path.is_empty() {
        if no_follow {
            at_flags |= libc::AT_SYMLINK_NOFOLLOW;
        }
        dir.raw()
    } else {
        let path = guest_path(path)?;
        let nofollow = if no_follow { libc::O_NOFOLLOW } else { 0 };
        pin_beneath(descriptors, dir.raw(), &path, libc::O_PATH | nofollow, slot)?
    };
    slot.kind = Kind::Statx;
    Ok(opcode::Statx::new(fd, c"", &mut slot.statx).flags(at_flags).build())
}

/// Opens `path` beneath host directory `dirfd` with openat2's confinement, for the duration
/// of the operation in `slot` (charged to the guest); returns the new descriptor.
fn pin_beneath(descriptors: &Descriptors, dirfd: i32, path: &CStr, flags: i32, slot: &mut Slot) -> Result<i32, ErrorCode> {
    let charge = descriptors.charge_host_fd()?;
    let how = sys::OpenHow { flags: (flags | libc::O_CLOEXEC) as u64, mode: 0, resolve: CONFINED };
    // SAFETY: openat2 with a valid path and open_how of the size given.
    let fd = unsafe { libc::syscall(libc::SYS_openat2, dirfd, path.as_ptr(), &raw const how, size_of::<sys::OpenHow>()) } as i32;
    if fd < 0 {
        let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO);
        return Err(if e == libc::EXDEV { ErrorCode::Access } else { to_error_code(e) });
    }
    // SAFETY: openat2 returned a new descriptor that nothing else owns.
    slot.pinned.push((unsafe { OwnedFd::from_raw_fd(fd) }, charge));
    Ok(fd)
}

/// mkdirat, unlinkat and renameat have no RESOLVE_BENEATH, but act on a path's last
/// component without following it: so the parent directory is opened beneath the guest's
/// directory handle (at submit, held by `slot`) and the operation names only the last
/// component in it. Returns that parent's descriptor and the name.
fn in_parent(descriptors: &Descriptors, dir: u32, path: String, slot: &mut Slot) -> Result<(i32, CString), ErrorCode> {
    let dir = descriptors.get(dir)?;
    if dir.read_only {
        return Err(ErrorCode::Access);
    }
    if path.starts_with('/') {
        return Err(ErrorCode::Access);
    }
    let path = path.trim_end_matches('/');
    let (parent, name) = path.rsplit_once('/').unwrap_or((".", path));
    if matches!(name, "" | "." | "..") {
        return Err(ErrorCode::Invalid);
    }
    let parent = guest_path(if parent.is_empty() { ".".into() } else { parent.into() })?;
    let name = guest_path(name.into())?;
    let fd = pin_beneath(descriptors, dir.raw(), &parent, libc::O_PATH | libc::O_DIRECTORY, slot)?;
    Ok((fd, name))
}

fn open_flags(flags: OpenFlags) -> u64 {
    let access = match (flags.contains(OpenFlags::READ), flags.contains(OpenFlags::WRITE)) {
        (true, true) => libc::O_RDWR,
        (false, true) => libc::O_WRONLY,
        _ => libc::O_RDONLY,
    };
    let mut bits = access | libc::O_CLOEXEC;
    for (flag, bit) in [
        (OpenFlags::CREATE, libc::O_CREAT),
        (OpenFlags::EXCLUSIVE, libc::O_EXCL),
        (OpenFlags::TRUNCATE, libc::O_TRUNC),
        (OpenFlags::APPEND, libc::O_APPEND),
        (OpenFlags::DIRECTORY, libc::O_DIRECTORY),
        (OpenFlags::NONBLOCK, libc::O_NONBLOCK),
        (OpenFlags::NO_CTTY, libc::O_NOCTTY),
    ] {
        if flags.contains(flag) {
            bits |= bit;
        }
    }
    bits as u64
}

fn timespec(ns: u64) -> sys::KernelTimespec {
    sys::KernelTimespec { tv_sec: (ns / 1_000_000_000) as i64, tv_nsec: (ns % 1_000_000_000) as i64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_default_to_read_only_and_close_on_exec() {
        assert_eq!(open_flags(OpenFlags::empty()), (libc::O_RDONLY | libc::O_CLOEXEC) as u64);
        let rw = open_flags(OpenFlags::READ | OpenFlags::WRITE | OpenFlags::CREATE);
        assert_eq!(rw, (libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC) as u64);
        let w = open_flags(OpenFlags::WRITE | OpenFlags::TRUNCATE);
        assert_eq!(w, (libc::O_WRONLY | libc::O_TRUNC | libc::O_CLOEXEC) as u64);
    }

    #[test]
    fn timespec_splits_seconds_and_nanoseconds() {
        let ts = timespec(2_500_000_001);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (2, 500_000_001));
    }

    #[test]
    fn sqe_flags_map_to_iosqe_bits() {
        assert_eq!(sqe_flags(SqeFlags::LINK | SqeFlags::DRAIN), sys::IOSQE_IO_LINK, "drain is the host's");
        assert_eq!(sqe_flags(SqeFlags::HARD_LINK), sys::IOSQE_IO_HARDLINK);
    }

    #[test]
    fn poll_masks_follow_the_wit_flag_order() {
        let mask = poll_mask(PollEvents::READABLE | PollEvents::WRITABLE);
        assert_eq!(mask, (libc::POLLIN | libc::POLLOUT) as u32);
        assert_eq!(poll_events(mask), 0b11);
        assert_eq!(poll_events((libc::POLLHUP | libc::POLLERR) as u32), 0b11000);
    }

    #[test]
    fn fixed_spans_stay_within_their_buffer() {
        let mut fixed = FixedBuffers { bufs: vec![vec![0; 16].into_boxed_slice()], inflight: 0 };
        assert!(fixed_span(&mut fixed, 0, 8, 8).is_ok());
        assert_eq!(fixed_span(&mut fixed, 0, 8, 9).unwrap_err(), ErrorCode::Invalid);
        assert_eq!(fixed_span(&mut fixed, 1, 0, 1).unwrap_err(), ErrorCode::Invalid);
        assert_eq!(fixed_span(&mut fixed, 0, u32::MAX, 2).unwrap_err(), ErrorCode::Invalid);
    }
}
