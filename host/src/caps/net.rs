//! Socket addresses between WIT and the kernel, and the network policy a guest runs under:
//! which addresses it may bind and which it may connect to.

use crate::bindings::ErrorCode;
use crate::ioring::ring::types::{Ipv4SocketAddress, Ipv6SocketAddress, SocketAddress};
use anyhow::{Context, bail};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsRawFd, BorrowedFd};

/// A kernel socket address with its length.
#[derive(Clone, Copy)]
pub struct RawAddr {
    pub storage: libc::sockaddr_storage,
    pub len: libc::socklen_t,
}

impl Default for RawAddr {
    fn default() -> Self {
        // SAFETY: sockaddr_storage is plain data; all-zero is a valid (AF_UNSPEC) value.
        Self { storage: unsafe { std::mem::zeroed() }, len: size_of::<libc::sockaddr_storage>() as _ }
    }
}

impl RawAddr {
    pub fn as_ptr(&self) -> *const libc::sockaddr {
        (&raw const self.storage).cast()
    }

    pub fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (&raw mut self.storage).cast()
    }

    /// Encodes a WIT address; `invalid` for a unix path that does not fit sun_path.
    pub fn from_wit(addr: &SocketAddress) -> Result<Self, ErrorCode> {
        let mut raw = Self::default();
        let len = match addr {
            SocketAddress::Ipv4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as _,
                    sin_port: a.port.to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from(Ipv4Addr::from(<[u8; 4]>::from(a.address))).to_be(),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than, and aligned for, sockaddr_in.
                unsafe { raw.as_mut_ptr().cast::<libc::sockaddr_in>().write(sin) };
                size_of::<libc::sockaddr_in>()
            }
            SocketAddress::Ipv6(a) => {
                let (s0, s1, s2, s3, s4, s5, s6, s7) = a.address;
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as _,
                    sin6_port: a.port.to_be(),
                    sin6_flowinfo: a.flow_info.to_be(),
                    sin6_addr: libc::in6_addr { s6_addr: Ipv6Addr::new(s0, s1, s2, s3, s4, s5, s6, s7).octets() },
                    sin6_scope_id: a.scope_id,
                };
                // SAFETY: as above, for sockaddr_in6.
                unsafe { raw.as_mut_ptr().cast::<libc::sockaddr_in6>().write(sin6) };
                size_of::<libc::sockaddr_in6>()
            }
            SocketAddress::Unix(path) => {
                // SAFETY: sockaddr_storage is larger than, and aligned for, sockaddr_un.
                let sun = unsafe { &mut *raw.as_mut_ptr().cast::<libc::sockaddr_un>() };
                sun.sun_family = libc::AF_UNIX as _;
                let bytes = path.as_bytes();
                // A path needs its NUL terminator; an abstract name (leading NUL) does not.
                let room = sun.sun_path.len() - usize::from(!bytes.starts_with(&[0]));
                if bytes.is_empty() || bytes.len() > room {
                    return Err(ErrorCode::Invalid);
                }
                for (dst, &src) in sun.sun_path.iter_mut().zip(bytes) {
                    *dst = src as libc::c_char;
                }
                std::mem::offset_of!(libc::sockaddr_un, sun_path) + bytes.len() + usize::from(!bytes.starts_with(&[0]))
            }
        };
        raw.len = len as libc::socklen_t;
        Ok(raw)
    }

    /// Decodes a kernel address (a peer, a datagram's source).
    pub fn to_wit(&self) -> SocketAddress {
        match i32::from(self.storage.ss_family) {
            libc::AF_INET => {
                // SAFETY: the family says this is a sockaddr_in.
                let sin = unsafe { &*self.as_ptr().cast::<libc::sockaddr_in>() };
                SocketAddress::Ipv4(Ipv4SocketAddress {
                    port: u16::from_be(sin.sin_port),
                    address: Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)).octets().into(),
                })
            }
            libc::AF_INET6 => {
                // SAFETY: the family says this is a sockaddr_in6.
                let sin6 = unsafe { &*self.as_ptr().cast::<libc::sockaddr_in6>() };
                let s = Ipv6Addr::from(sin6.sin6_addr.s6_addr).segments();
                SocketAddress::Ipv6(Ipv6SocketAddress {
                    port: u16::from_be(sin6.sin6_port),
                    flow_info: u32::from_be(sin6.sin6_flowinfo),
                    address: (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
                    scope_id: sin6.sin6_scope_id,
                })
            }
            libc::AF_UNIX => {
                // SAFETY: the family says this is a sockaddr_un.
                let sun = unsafe { &*self.as_ptr().cast::<libc::sockaddr_un>() };
                let offset = std::mem::offset_of!(libc::sockaddr_un, sun_path);
                let n = (self.len as usize).saturating_sub(offset).min(sun.sun_path.len());
                let mut bytes: Vec<u8> = sun.sun_path[..n].iter().map(|&c| c as u8).collect();
                if bytes.first() != Some(&0) {
                    // A path: up to its terminator. An abstract name keeps every byte.
                    bytes.truncate(bytes.iter().position(|&b| b == 0).unwrap_or(n));
                }
                SocketAddress::Unix(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => SocketAddress::Unix(String::new()),
        }
    }

    /// The address a socket is bound to (getsockname); an unbound socket reports the
    /// wildcard address with port 0, or an empty unix name.
    pub fn local_of(fd: BorrowedFd<'_>) -> Option<Self> {
        let mut raw = Self::default();
        // SAFETY: `raw` has room for any address and `len` says how much.
        (unsafe { libc::getsockname(fd.as_raw_fd(), raw.as_mut_ptr(), &mut raw.len) } == 0).then_some(raw)
    }

    /// Whether this (local) address is a real binding: a port, or a unix name.
    pub fn is_bound(&self) -> bool {
        match i32::from(self.storage.ss_family) {
            // SAFETY: the family says which struct this is; both keep the port in the same place.
            libc::AF_INET | libc::AF_INET6 => unsafe { (*self.as_ptr().cast::<libc::sockaddr_in>()).sin_port != 0 },
            libc::AF_UNIX => self.len as usize > std::mem::offset_of!(libc::sockaddr_un, sun_path),
            _ => false,
        }
    }

    /// The peer of a connected socket (getpeername).
    pub fn peer_of(fd: BorrowedFd<'_>) -> Self {
        let mut raw = Self::default();
        // SAFETY: `raw` has room for any address and `len` says how much.
        if unsafe { libc::getpeername(fd.as_raw_fd(), raw.as_mut_ptr(), &mut raw.len) } != 0 {
            raw.len = 0;
        }
        raw
    }
}

/// The transport an address pattern applies to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Transport {
    Tcp,
    Udp,
    Unix,
}

/// `tcp:HOST:PORT`, `udp:HOST:PORT` or `unix:PATH`, where HOST and PORT may be `*`.
#[derive(Clone, Debug, PartialEq)]
pub struct AddrPattern {
    transport: Transport,
    host: Option<IpAddr>,
    port: Option<u16>,
    path: String,
}

impl std::str::FromStr for AddrPattern {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        let (transport, rest) = parse_transport(s)?;
        if transport == Transport::Unix {
            return Ok(Self { transport, host: None, port: None, path: rest.to_owned() });
        }
        let (host, port) = rest.rsplit_once(':').with_context(|| format!("`{s}`: expected HOST:PORT"))?;
        let host = match host.trim_start_matches('[').trim_end_matches(']') {
            "*" => None,
            h => Some(h.parse().with_context(|| format!("`{s}`: `{h}` is not an IP address or *"))?),
        };
        let port = match port {
            "*" => None,
            p => Some(p.parse().with_context(|| format!("`{s}`: `{p}` is not a port or *"))?),
        };
        Ok(Self { transport, host, port, path: String::new() })
    }
}

impl AddrPattern {
    fn matches(&self, transport: Transport, addr: &SocketAddress) -> bool {
        if transport != self.transport {
            return false;
        }
        match addr {
            SocketAddress::Unix(path) => transport == Transport::Unix && *path == self.path,
            inet => {
                let sa = inet_to_std(inet);
                self.host.is_none_or(|h| h == sa.ip()) && self.port.is_none_or(|p| p == sa.port())
            }
        }
    }
}

fn parse_transport(s: &str) -> anyhow::Result<(Transport, &str)> {
    let (t, rest) = s.split_once(':').with_context(|| format!("`{s}`: expected tcp:, udp: or unix:"))?;
    let t = match t {
        "tcp" => Transport::Tcp,
        "udp" => Transport::Udp,
        "unix" => Transport::Unix,
        _ => bail!("`{s}`: expected tcp:, udp: or unix:"),
    };
    if rest.is_empty() {
        bail!("`{s}`: the address is missing");
    }
    Ok((t, rest))
}

/// A `--listen NAME=tcp:ADDR|udp:ADDR|unix:PATH` grant.
#[derive(Clone, Debug)]
pub struct ListenSpec {
    pub name: String,
    pub transport: Transport,
    pub addr: SocketAddress,
}

impl std::str::FromStr for ListenSpec {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        let (name, addr) = s.split_once('=').with_context(|| format!("--listen wants NAME=ADDR, got `{s}`"))?;
        if name.is_empty() {
            bail!("--listen wants NAME=ADDR, got `{s}`");
        }
        let (transport, rest) = parse_transport(addr)?;
        let addr = match transport {
            Transport::Unix => SocketAddress::Unix(rest.to_owned()),
            _ => std_to_wit(rest.parse().with_context(|| format!("`{addr}`: expected IP:PORT"))?),
        };
        Ok(Self { name: name.to_owned(), transport, addr })
    }
}

/// A `--multicast GROUP[/PREFIX]` grant: the multicast groups a guest may join and leave (and
/// bind a datagram socket to), as one group or a prefix of them; `*` is every group.
#[derive(Clone, Debug, PartialEq)]
pub struct MulticastPattern {
    /// The group and how many leading bits of it a covered group shares; None: every group.
    net: Option<(IpAddr, u8)>,
}

impl std::str::FromStr for MulticastPattern {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        if s == "*" {
            return Ok(Self { net: None });
        }
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, prefix)) => (ip, Some(prefix)),
            None => (s, None),
        };
        let ip: IpAddr = ip
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .with_context(|| format!("--multicast wants GROUP, GROUP/PREFIX or *, got `{s}`: `{ip}` is not an IP address"))?;
        if !ip.is_multicast() {
            bail!("--multicast {s}: {ip} is not a multicast address (224.0.0.0/4, ff00::/8)");
        }
        let bits = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p.parse::<u8>().ok().filter(|&p| p <= bits).with_context(|| format!("--multicast {s}: `{p}` is not a prefix length of 0 to {bits}"))?,
        };
        Ok(Self { net: Some((ip, prefix)) })
    }
}

impl MulticastPattern {
    /// Whether `group` lies within this grant (a multicast address of the grant's family).
    pub fn covers(&self, group: IpAddr) -> bool {
        if !group.is_multicast() {
            return false;
        }
        let Some((net, prefix)) = self.net else { return true };
        // Both as 128 bits, an IPv4 address in the top 32, so one mask serves both families.
        let (a, b) = match (net, group) {
            (IpAddr::V4(n), IpAddr::V4(g)) => (u128::from(u32::from(n)) << 96, u128::from(u32::from(g)) << 96),
            (IpAddr::V6(n), IpAddr::V6(g)) => (u128::from(n), u128::from(g)),
            _ => return false,
        };
        let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
        a & mask == b & mask
    }
}

/// What a guest may do on the network beyond its listener grants.
#[derive(Clone, Debug, Default)]
pub struct NetPolicy {
    pub bind: Vec<AddrPattern>,
    pub connect: Vec<AddrPattern>,
    /// `--multicast`: groups to join, leave and bind datagram sockets to.
    pub multicast: Vec<MulticastPattern>,
    /// `--bind-device`: network interfaces a socket may be bound to (SO_BINDTODEVICE).
    pub bind_devices: Vec<String>,
}

impl NetPolicy {
    /// A bind to `addr`: a `--bind` grant for it, or, for a datagram socket, a `--multicast`
    /// grant covering it (a socket bound to a group's address hears only that group).
    pub fn may_bind(&self, transport: Transport, addr: &SocketAddress) -> bool {
        self.bind.iter().any(|p| p.matches(transport, addr))
            || (transport == Transport::Udp && as_inet(addr).is_some_and(|a| self.may_join(a.ip())))
    }

    /// Whether a `--multicast` grant covers `group`.
    pub fn may_join(&self, group: IpAddr) -> bool {
        self.multicast.iter().any(|p| p.covers(group))
    }

    /// Whether the guest holds any `--multicast` grant: what setting a socket's outgoing
    /// multicast interface, loopback and TTL needs.
    pub fn any_multicast(&self) -> bool {
        !self.multicast.is_empty()
    }

    /// Whether a `--bind-device` grant names network interface `name`.
    pub fn may_bind_device(&self, name: &str) -> bool {
        self.bind_devices.iter().any(|d| d == name)
    }

    pub fn may_connect(&self, transport: Transport, addr: &SocketAddress) -> bool {
        self.connect.iter().any(|p| p.matches(transport, addr))
    }
}

/// An int-valued SOL_SOCKET option of a socket; None when it is no socket.
fn socket_option(fd: BorrowedFd<'_>, opt: libc::c_int) -> Option<libc::c_int> {
    let mut v: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `v` is an int-sized out parameter, as the options asked for here want.
    let r = unsafe { libc::getsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, opt, (&raw mut v).cast(), &mut len) };
    (r == 0).then_some(v)
}

/// A socket's address family (SO_DOMAIN); None when it is no socket.
pub fn family_of(fd: BorrowedFd<'_>) -> Option<libc::c_int> {
    socket_option(fd, libc::SO_DOMAIN)
}

/// Whether a socket is listening (SO_ACCEPTCONN).
pub fn is_listening(fd: BorrowedFd<'_>) -> bool {
    socket_option(fd, libc::SO_ACCEPTCONN).is_some_and(|v| v != 0)
}

/// The transport of a socket, from its domain and type (getsockopt).
pub fn transport_of(fd: BorrowedFd<'_>) -> Option<Transport> {
    match (socket_option(fd, libc::SO_DOMAIN)?, socket_option(fd, libc::SO_TYPE)?) {
        (libc::AF_UNIX, _) => Some(Transport::Unix),
        (_, libc::SOCK_STREAM) => Some(Transport::Tcp),
        (_, libc::SOCK_DGRAM) => Some(Transport::Udp),
        _ => None,
    }
}

pub fn std_to_wit(sa: SocketAddr) -> SocketAddress {
    match sa {
        SocketAddr::V4(a) => SocketAddress::Ipv4(Ipv4SocketAddress { port: a.port(), address: a.ip().octets().into() }),
        SocketAddr::V6(a) => {
            let s = a.ip().segments();
            SocketAddress::Ipv6(Ipv6SocketAddress {
                port: a.port(),
                flow_info: a.flowinfo(),
                address: (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
                scope_id: a.scope_id(),
            })
        }
    }
}

/// An IPv4 or IPv6 WIT address as std's; None for a unix address.
pub fn as_inet(addr: &SocketAddress) -> Option<SocketAddr> {
    (!matches!(addr, SocketAddress::Unix(_))).then(|| inet_to_std(addr))
}

/// An IPv4 or IPv6 WIT address as std's; unix addresses become 0.0.0.0:0 (never matched).
fn inet_to_std(addr: &SocketAddress) -> SocketAddr {
    match addr {
        SocketAddress::Ipv4(a) => SocketAddr::from((<[u8; 4]>::from(a.address), a.port)),
        SocketAddress::Ipv6(a) => {
            let (s0, s1, s2, s3, s4, s5, s6, s7) = a.address;
            SocketAddr::from((Ipv6Addr::new(s0, s1, s2, s3, s4, s5, s6, s7), a.port))
        }
        SocketAddress::Unix(_) => SocketAddr::from(([0, 0, 0, 0], 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wit(s: &str) -> SocketAddress {
        std_to_wit(s.parse().unwrap())
    }

    #[test]
    fn addresses_round_trip_through_the_kernel_form() {
        for a in [wit("127.0.0.1:8080"), wit("[::1]:9"), SocketAddress::Unix("/tmp/x.sock".into()), SocketAddress::Unix("\0abstract".into())] {
            assert_eq!(format!("{:?}", RawAddr::from_wit(&a).unwrap().to_wit()), format!("{a:?}"));
        }
    }

    #[test]
    fn unix_paths_that_do_not_fit_are_invalid() {
        assert!(RawAddr::from_wit(&SocketAddress::Unix("x".repeat(108))).is_err());
        assert!(RawAddr::from_wit(&SocketAddress::Unix(String::new())).is_err());
    }

    #[test]
    fn patterns_match_transport_host_and_port() {
        let p: AddrPattern = "tcp:127.0.0.1:*".parse().unwrap();
        assert!(p.matches(Transport::Tcp, &wit("127.0.0.1:1")));
        assert!(!p.matches(Transport::Udp, &wit("127.0.0.1:1")));
        assert!(!p.matches(Transport::Tcp, &wit("127.0.0.2:1")));
        let p: AddrPattern = "udp:*:53".parse().unwrap();
        assert!(p.matches(Transport::Udp, &wit("[::1]:53")));
        assert!(!p.matches(Transport::Udp, &wit("[::1]:54")));
        let p: AddrPattern = "unix:/run/a.sock".parse().unwrap();
        assert!(p.matches(Transport::Unix, &SocketAddress::Unix("/run/a.sock".into())));
        assert!(!p.matches(Transport::Unix, &SocketAddress::Unix("/run/b.sock".into())));
    }

    #[test]
    fn multicast_grants_cover_their_group_or_prefix_of_one_family() {
        let one: MulticastPattern = "239.255.77.1".parse().unwrap();
        assert!(one.covers("239.255.77.1".parse().unwrap()));
        assert!(!one.covers("239.255.77.2".parse().unwrap()));
        let net: MulticastPattern = "239.255.0.0/16".parse().unwrap();
        assert!(net.covers("239.255.200.9".parse().unwrap()));
        assert!(!net.covers("239.254.0.1".parse().unwrap()));
        assert!(!net.covers("ff02::1".parse().unwrap()), "another family");
        let v6: MulticastPattern = "ff02::77:0/112".parse().unwrap();
        assert!(v6.covers("ff02::77:9".parse().unwrap()));
        assert!(!v6.covers("ff02::78:9".parse().unwrap()));
        let any: MulticastPattern = "*".parse().unwrap();
        assert!(any.covers("224.0.0.251".parse().unwrap()) && any.covers("ff05::2".parse().unwrap()));
        assert!(!any.covers("127.0.0.1".parse().unwrap()), "a unicast address is no group");
        for bad in ["10.0.0.1", "239.0.0.1/33", "ff02::1/129", "group", "239.0.0.0/x", ""] {
            assert!(bad.parse::<MulticastPattern>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_multicast_grant_lets_a_datagram_socket_bind_its_group_only() {
        let policy = NetPolicy { multicast: vec!["239.255.77.0/24".parse().unwrap()], ..Default::default() };
        assert!(policy.may_bind(Transport::Udp, &wit("239.255.77.1:5000")));
        assert!(!policy.may_bind(Transport::Tcp, &wit("239.255.77.1:5000")));
        assert!(!policy.may_bind(Transport::Udp, &wit("239.255.78.1:5000")));
        assert!(!policy.may_bind(Transport::Udp, &wit("0.0.0.0:5000")), "the wildcard needs --bind");
        assert!(!policy.may_connect(Transport::Udp, &wit("239.255.77.1:5000")), "sending needs --connect");
    }

    #[test]
    fn bad_patterns_and_listen_specs_are_refused() {
        for s in ["tcp", "sctp:1.2.3.4:5", "tcp:1.2.3.4", "tcp:host:5", "tcp:*:port", "unix:"] {
            assert!(s.parse::<AddrPattern>().is_err(), "{s}");
        }
        for s in ["=tcp:127.0.0.1:1", "x", "x=tcp:localhost:1", "x=raw:1"] {
            assert!(s.parse::<ListenSpec>().is_err(), "{s}");
        }
        let l: ListenSpec = "echo=tcp:127.0.0.1:0".parse().unwrap();
        assert_eq!((l.name.as_str(), l.transport), ("echo", Transport::Tcp));
    }
}
