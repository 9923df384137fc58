//! Sockets and readiness: stream and datagram I/O, accept (single and multishot), connect,
//! socket setup (socket, bind, listen, options, shutdown, local address), and poll. Every
//! address a guest binds, listens on, connects to or hears from is checked against the
//! network policy here.

use super::{Env, checked_len, data_len, done, for_kernel, io_code};
use crate::bindings::ErrorCode;
use crate::caps::descriptors::{Descriptor, Role, Seen};
use crate::caps::net::{NetPolicy, RawAddr, Transport, as_inet, family_of, transport_of};
use crate::ioring::ring::types::{
    AddressFamily, IpAddress, PollArgs, PollEvents, RecvArgs, SendArgs, SendmsgArgs, ShutdownHow, SocketAddress, SocketOption,
    SocketType,
};
use crate::kernel::opcode::{self, Entry};
use crate::ring::inflight::{Kind, Slot};
use std::ffi::CString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsFd;

/// The provided-buffer group multishot receives draw from.
pub const RECV_GROUP: u16 = 0;

pub fn send(SendArgs { fd, data }: SendArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    env.descriptors.get(fd)?;
    let len = data_len(&data)?;
    slot.buf = data;
    Ok(opcode::Send::new(fd, slot.buf.as_ptr(), len).build())
}

pub fn recv(RecvArgs { fd, len }: RecvArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    unfiltered(may_receive(env.descriptors.get(fd)?, env.policy)?)?;
    slot.kind = Kind::Read;
    slot.buf = for_kernel(checked_len(len)?);
    Ok(opcode::Recv::new(fd, slot.buf.as_mut_ptr(), len).build())
}

pub fn recv_multishot(RecvArgs { fd, .. }: RecvArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    unfiltered(may_receive(env.descriptors.get(fd)?, env.policy)?)?;
    slot.serial = env.descriptors.serial(fd);
    slot.kind = Kind::RecvMultishot { handle: fd };
    Ok(opcode::RecvMultishot::new(fd, RECV_GROUP).build())
}

pub fn recvmsg(RecvArgs { fd, len }: RecvArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    slot.sender_filter = may_receive(d, env.policy)?;
    // The peers list of the socket this receive was issued on, not of whatever sits at the
    // handle's index when it completes.
    slot.peers = d.peers.clone();
    slot.serial = env.descriptors.serial(fd);
    slot.kind = Kind::RecvMsg { handle: fd };
    slot.buf = for_kernel(checked_len(len)?);
    slot.addr = RawAddr::default();
    point_msg(slot, len as usize, true);
    Ok(opcode::RecvMsg::new(fd, &mut slot.msg).build())
}

pub fn sendmsg(SendmsgArgs { fd, data, to }: SendmsgArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    data_len(&data)?;
    if let Some(to) = &to {
        let reply = d.peers.as_ref().zip(as_inet(to)).is_some_and(|(p, to)| p.lock().is_ok_and(|p| p.knows(&to)));
        if !reply {
            allowed(d, to, NetPolicy::may_connect, env.policy).map_err(|e| noted(slot, e, "--connect", to))?;
        }
        slot.addr = RawAddr::from_wit(to)?;
    }
    slot.buf = data;
    point_msg(slot, slot.buf.len(), to.is_some());
    Ok(opcode::SendMsg::new(fd, &slot.msg).build())
}

pub fn accept(fd: u32, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    env.descriptors.get(fd)?;
    slot.kind = Kind::Accept { multishot: None };
    slot.addr = RawAddr::default();
    Ok(opcode::Accept::new(fd, slot.addr.as_mut_ptr(), &mut slot.addr.len).build())
}

pub fn accept_multishot(fd: u32, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    env.descriptors.get(fd)?;
    slot.serial = env.descriptors.serial(fd);
    slot.kind = Kind::Accept { multishot: Some(fd) };
    Ok(opcode::Accept::multishot(fd).build())
}

pub fn connect(fd: u32, to: SocketAddress, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    allowed(d, &to, NetPolicy::may_connect, env.policy).map_err(|e| noted(slot, e, "--connect", &to))?;
    slot.addr = RawAddr::from_wit(&to)?;
    d.mark(Seen::Connected);
    Ok(opcode::Connect::new(fd, slot.addr.as_ptr(), slot.addr.len).build())
}

pub fn socket(family: AddressFamily, ty: SocketType, slot: &mut Slot) -> Entry {
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
    opcode::Socket::new(domain, ty).build()
}

pub fn bind(fd: u32, addr: SocketAddress, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    // A grant's address is the host's to choose.
    if let Role::Listener = d.role {
        return Err(ErrorCode::Access);
    }
    allowed(d, &addr, NetPolicy::may_bind, env.policy).map_err(|e| noted(slot, e, "--bind", &addr))?;
    let raw = RawAddr::from_wit(&addr)?;
    // SAFETY: `raw` holds a valid address of `raw.len` bytes.
    done(slot, unsafe { libc::bind(d.raw(), raw.as_ptr(), raw.len) })
}

pub fn listen(fd: u32, backlog: u32, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    may_listen(d, env.policy)?;
    d.mark(Seen::Listened);
    // SAFETY: a plain syscall on a descriptor we hold.
    done(slot, unsafe { libc::listen(d.raw(), backlog.min(4096) as i32) })
}

pub fn set_option(fd: u32, option: SocketOption, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    if let Err(missing) = option_granted(&option, env.policy)? {
        // For --trace: which grant would have allowed it.
        slot.note = Some(missing);
        return Err(ErrorCode::Access);
    }
    setsockopt(d, option)?;
    done(slot, 0)
}

/// Whether the grants allow `option`: Ok(Err(the grant it needs)) when they do not, Err for
/// an option no grant could make valid (a group that is no multicast address).
fn option_granted(option: &SocketOption, policy: &NetPolicy) -> Result<Result<(), String>, ErrorCode> {
    Ok(match option {
        SocketOption::MulticastJoin(m) | SocketOption::MulticastLeave(m) => {
            let group = ip_of(&m.group);
            if !group.is_multicast() {
                return Err(ErrorCode::Invalid);
            }
            if policy.may_join(group) { Ok(()) } else { Err(format!("no --multicast grant covers {group}")) }
        }
        SocketOption::MulticastInterface(_) | SocketOption::MulticastLoop(_) | SocketOption::MulticastTtl(_) => {
            if policy.any_multicast() { Ok(()) } else { Err("multicast options need a --multicast grant".into()) }
        }
        SocketOption::BindToDevice(name) if !name.is_empty() && !policy.may_bind_device(name) => {
            Err(format!("no --bind-device grant names {name}"))
        }
        _ => Ok(()),
    })
}

fn ip_of(addr: &IpAddress) -> IpAddr {
    match *addr {
        IpAddress::Ipv4((a, b, c, d)) => IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
        IpAddress::Ipv6((a, b, c, d, e, f, g, h)) => IpAddr::V6(Ipv6Addr::new(a, b, c, d, e, f, g, h)),
    }
}

/// The index of network interface `name` (0 for an empty name: the system's choice), or
/// `no-device` when the system has none of that name.
fn interface_index(name: &str) -> Result<u32, ErrorCode> {
    if name.is_empty() {
        return Ok(0);
    }
    let c = CString::new(name).map_err(|_| ErrorCode::Invalid)?;
    // SAFETY: a NUL-terminated name.
    match unsafe { libc::if_nametoindex(c.as_ptr()) } {
        0 => Err(ErrorCode::NoDevice),
        index => Ok(index),
    }
}

pub fn shutdown(fd: u32, how: ShutdownHow, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    env.descriptors.get(fd)?;
    let how = match how {
        ShutdownHow::Read => libc::SHUT_RD,
        ShutdownHow::Write => libc::SHUT_WR,
        ShutdownHow::Both => libc::SHUT_RDWR,
    };
    Ok(opcode::Shutdown::new(fd, how).build())
}

pub fn local_address(fd: u32, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    let d = env.descriptors.get(fd)?;
    slot.addr = RawAddr::default();
    // SAFETY: `slot.addr` has room for any address and its length says how much.
    let r = unsafe { libc::getsockname(d.raw(), slot.addr.as_mut_ptr(), &mut slot.addr.len) };
    let entry = done(slot, r)?;
    slot.kind = Kind::LocalAddress;
    Ok(entry)
}

pub fn poll(PollArgs { fd, events, multishot }: PollArgs, slot: &mut Slot, env: &mut Env<'_>) -> Result<Entry, ErrorCode> {
    env.descriptors.get(fd)?;
    slot.kind = Kind::Poll;
    Ok(opcode::PollAdd::new(fd, poll_mask(events)).multishot(multishot).build())
}

/// `code`, noting for --trace, when it is `access`, the grant (`flag`) no pattern of which
/// matches `addr`.
fn noted(slot: &mut Slot, code: ErrorCode, flag: &str, addr: &SocketAddress) -> ErrorCode {
    if code == ErrorCode::Access {
        let addr = match as_inet(addr) {
            Some(a) => a.to_string(),
            None => format!("{addr:?}"),
        };
        slot.note = Some(format!("no {flag} grant matches {addr}"));
    }
    code
}

/// `access` unless `may` lets socket `d` use `addr`, as its transport (`not-supported` when
/// the handle is no socket) and the policy say.
fn allowed(
    d: &Descriptor,
    addr: &SocketAddress,
    may: fn(&NetPolicy, Transport, &SocketAddress) -> bool,
    policy: &NetPolicy,
) -> Result<(), ErrorCode> {
    let transport = transport_of(d.fd.as_fd()).ok_or(ErrorCode::NotSupported)?;
    if may(policy, transport, addr) { Ok(()) } else { Err(ErrorCode::Access) }
}

/// Listening exposes an address to anyone who can reach it: a guest socket may listen only
/// on an address it was granted. An unbound socket would be bound by the kernel to the
/// wildcard address, which is then what must be granted (getsockname reports it as such).
///
/// A socket that listened and was shut down may have lost its port while getsockname still
/// reports it (the kernel frees the port, not the name): it never listens again, and neither
/// does a grant, which may only be given a new backlog while it listens.
fn may_listen(d: &Descriptor, policy: &NetPolicy) -> Result<(), ErrorCode> {
    let listening = || crate::caps::net::is_listening(d.fd.as_fd());
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
pub(super) fn may_receive(d: &Descriptor, policy: &NetPolicy) -> Result<Option<Transport>, ErrorCode> {
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
pub(super) fn unfiltered(filter: Option<Transport>) -> Result<(), ErrorCode> {
    if filter.is_some() { Err(ErrorCode::Access) } else { Ok(()) }
}

/// Points the slot's msghdr at its buffer and, if `named`, its address.
/// Points the slot's msghdr at its buffer, `len` bytes of it (a receive's buffer has room
/// for that many, none written yet), and at its address when `named`.
pub fn point_msg(slot: &mut Slot, len: usize, named: bool) {
    debug_assert!(len <= slot.buf.capacity());
    slot.iov = libc::iovec { iov_base: slot.buf.as_mut_ptr().cast(), iov_len: len };
    // SAFETY: msghdr is plain data.
    slot.msg = unsafe { std::mem::zeroed() };
    slot.msg.msg_iov = &mut slot.iov;
    slot.msg.msg_iovlen = 1;
    if named {
        slot.msg.msg_name = slot.addr.as_mut_ptr().cast();
        slot.msg.msg_namelen = slot.addr.len;
    }
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

/// Sets an option that takes a struct (or bytes) rather than an int.
fn setsockopt_raw<T>(d: &Descriptor, level: i32, name: i32, value: &T, len: usize) -> Result<(), ErrorCode> {
    // SAFETY: `value` holds at least `len` bytes, as the option wants.
    let r = unsafe { libc::setsockopt(d.raw(), level, name, (value as *const T).cast(), len as libc::socklen_t) };
    if r != 0 { Err(io_code(std::io::Error::last_os_error())) } else { Ok(()) }
}

/// The multicast options: their IPv4 or IPv6 form, after the socket's family.
fn set_multicast(d: &Descriptor, option: SocketOption) -> Result<(), ErrorCode> {
    let v6 = match family_of(d.fd.as_fd()) {
        Some(libc::AF_INET) => false,
        Some(libc::AF_INET6) => true,
        Some(_) => return Err(ErrorCode::Invalid),
        None => return Err(ErrorCode::BadDescriptor),
    };
    let int = |level, name, value: i32| setsockopt_raw(d, level, name, &value, size_of::<i32>());
    let join = matches!(option, SocketOption::MulticastJoin(_));
    match option {
        SocketOption::MulticastJoin(m) | SocketOption::MulticastLeave(m) => {
            let ifindex = interface_index(&m.interface_name)?;
            match (v6, ip_of(&m.group)) {
                (false, IpAddr::V4(g)) => {
                    let mreq = libc::ip_mreqn {
                        imr_multiaddr: libc::in_addr { s_addr: u32::from(g).to_be() },
                        imr_address: libc::in_addr { s_addr: 0 },
                        imr_ifindex: ifindex as i32,
                    };
                    let name = if join { libc::IP_ADD_MEMBERSHIP } else { libc::IP_DROP_MEMBERSHIP };
                    setsockopt_raw(d, libc::IPPROTO_IP, name, &mreq, size_of::<libc::ip_mreqn>())
                }
                (true, IpAddr::V6(g)) => {
                    let mreq = libc::ipv6_mreq { ipv6mr_multiaddr: libc::in6_addr { s6_addr: g.octets() }, ipv6mr_interface: ifindex };
                    let name = if join { libc::IPV6_ADD_MEMBERSHIP } else { libc::IPV6_DROP_MEMBERSHIP };
                    setsockopt_raw(d, libc::IPPROTO_IPV6, name, &mreq, size_of::<libc::ipv6_mreq>())
                }
                // A group of the other family than the socket's.
                _ => Err(ErrorCode::Invalid),
            }
        }
        SocketOption::MulticastInterface(name) => {
            let ifindex = interface_index(&name)?;
            if v6 {
                int(libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_IF, ifindex as i32)
            } else {
                let mreq = libc::ip_mreqn { imr_multiaddr: libc::in_addr { s_addr: 0 }, imr_address: libc::in_addr { s_addr: 0 }, imr_ifindex: ifindex as i32 };
                setsockopt_raw(d, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreq, size_of::<libc::ip_mreqn>())
            }
        }
        SocketOption::MulticastLoop(on) if v6 => int(libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, i32::from(on)),
        SocketOption::MulticastLoop(on) => int(libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, i32::from(on)),
        SocketOption::MulticastTtl(ttl) if v6 => int(libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, i32::from(ttl)),
        SocketOption::MulticastTtl(ttl) => int(libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, i32::from(ttl)),
        _ => unreachable!("not a multicast option"),
    }
}

fn setsockopt(d: &Descriptor, option: SocketOption) -> Result<(), ErrorCode> {
    let (level, name, value) = match option {
        SocketOption::MulticastJoin(_)
        | SocketOption::MulticastLeave(_)
        | SocketOption::MulticastInterface(_)
        | SocketOption::MulticastLoop(_)
        | SocketOption::MulticastTtl(_) => return set_multicast(d, option),
        SocketOption::BindToDevice(name) => {
            if name.len() >= libc::IFNAMSIZ || name.contains('\0') {
                return Err(ErrorCode::Invalid);
            }
            // The name's bytes, without a NUL (the kernel takes the length); empty unbinds. An
            // interface the system does not know is ENODEV: `no-device`.
            let mut ifname = [0u8; libc::IFNAMSIZ];
            ifname[..name.len()].copy_from_slice(name.as_bytes());
            return setsockopt_raw(d, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, &ifname, name.len());
        }
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


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_masks_follow_the_wit_flag_order() {
        let mask = poll_mask(PollEvents::READABLE | PollEvents::WRITABLE);
        assert_eq!(mask, (libc::POLLIN | libc::POLLOUT) as u32);
        assert_eq!(poll_events(mask), 0b11);
        assert_eq!(poll_events((libc::POLLHUP | libc::POLLERR) as u32), 0b11000);
    }
}
