//! GuestRing against a real io_uring: each guest operation in, the guest's CQE out.

use super::*;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use crate::bindings::{Op, OpenFlags, SqeFlags};
use crate::ioring::ring::types::{
    AddressFamily, CancelArgs, FixedArgs, MkdiratArgs, OpenatArgs, RenameatArgs, UnlinkatArgs, PollArgs, PollEvents, ReadArgs, RecvArgs, SendArgs,
    SendmsgArgs, ShutdownHow, SocketAddress, SocketOption, SocketType, SpiArgs, SpiSegment, StatxArgs, TimeoutArgs,
    TtyConfig, Parity, I2cArgs, I2cMessage, WriteArgs,
};
use crate::caps::net::{AddrPattern, std_to_wit};
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::{UnixDatagram, UnixStream};

struct Fixture {
    ring: GuestRing,
    descriptors: Descriptors,
    changes: TableChanges,
    dir: tempdir::Dir,
}

mod tempdir {
    /// A fresh directory under the system temp dir, removed on drop.
    pub struct Dir(pub std::path::PathBuf);

    impl Dir {
        pub fn new() -> Self {
            let n = std::sync::atomic::AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!(
                "ioring-ring-test-{}-{:?}-{}",
                std::process::id(),
                std::thread::current().id(),
                n.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Fixture {
    /// A ring whose guest holds handle 0: a directory, read-only if asked.
    fn new(read_only: bool) -> Self {
        Self::with_policy(read_only, NetPolicy::default())
    }

    /// As `new`, with a network policy.
    fn with_policy(read_only: bool, policy: NetPolicy) -> Self {
        Self::with_budget(read_only, policy, 1 << 20)
    }

    /// As `with_policy`, with a byte budget of `max_bytes`.
    fn with_budget(read_only: bool, policy: NetPolicy, max_bytes: usize) -> Self {
        let dir = tempdir::Dir::new();
        let mut descriptors = Descriptors::new(16);
        let fd = File::open(&dir.0).unwrap();
        descriptors.install(Descriptor::new(fd.into(), read_only)).unwrap();
        let config = RingConfig {
            entries: 8,
            max_inflight: 32,
            budget: Arc::new(Budget::new(max_bytes, 32)),
            policy: Arc::new(policy),
            trace: false,
        };
        let ring = GuestRing::new(config, &descriptors).unwrap();
        Self { ring, descriptors, changes: TableChanges::default(), dir }
    }

    fn sqe(op: Op, user_data: u32) -> Sqe {
        Sqe { op, user_data, flags: SqeFlags::empty() }
    }

    fn run(&mut self, sqes: Vec<Sqe>) -> Vec<Cqe> {
        let n = sqes.len() as u32;
        assert_eq!(self.ring.submit(&mut self.descriptors, sqes, &mut self.changes), n);
        let mut cqes = self.ring.complete(&mut self.descriptors, n, 64, Some(Duration::from_secs(5)), &mut self.changes);
        for (handle, fd) in self.changes.installed.drain(..) {
            self.ring.mirror(handle, fd);
        }
        cqes.sort_by_key(|c| c.user_data);
        cqes
    }

    fn open(&mut self, path: &str, flags: OpenFlags) -> Result<u32, ErrorCode> {
        let op = Op::Openat(OpenatArgs { dir: 0, path: path.into(), flags, mode: 0o600 });
        self.one(op).map(|c| handle_of(&c))
    }

    /// Runs one operation; its CQE, or its error.
    fn one(&mut self, op: Op) -> Result<Cqe, ErrorCode> {
        let cqe = self.run(vec![Self::sqe(op, 1)]).remove(0);
        cqe.res.map(|_| cqe)
    }

    /// Gives the guest a host descriptor directly (as a grant would).
    fn grant(&mut self, fd: impl Into<OwnedFd>) -> u32 {
        self.install(Descriptor::new(fd.into(), false))
    }

    /// Gives the guest a host descriptor as a `--device` grant.
    fn grant_device(&mut self, fd: impl Into<OwnedFd>) -> u32 {
        self.install(Descriptor::with_role(fd.into(), crate::caps::descriptors::Role::Device))
    }

    fn install(&mut self, d: Descriptor) -> u32 {
        let raw = d.raw();
        let h = self.descriptors.install(d).unwrap();
        self.ring.mirror(h, raw);
        h
    }

    /// Waits for one more completion of what is in flight.
    fn next(&mut self) -> Cqe {
        let mut c = self.ring.complete(&mut self.descriptors, 1, 1, Some(Duration::from_secs(5)), &mut self.changes);
        for (handle, fd) in self.changes.installed.drain(..) {
            self.ring.mirror(handle, fd);
        }
        c.pop().expect("a completion within 5 s")
    }
}

fn handle_of(cqe: &Cqe) -> u32 {
    match cqe.detail {
        CqeDetail::Handle(h) | CqeDetail::Accepted((h, _)) => h,
        _ => panic!("no handle in {cqe:?}"),
    }
}

fn read(fd: u32, len: u32, offset: Option<u64>) -> Op {
    Op::Read(ReadArgs { fd, len, offset })
}

#[test]
fn nop_completes_with_zero_and_its_user_data() {
    let mut f = Fixture::new(false);
    let cqes = f.run(vec![Fixture::sqe(Op::Nop, 7), Fixture::sqe(Op::Nop, 9)]);
    assert_eq!(cqes.iter().map(|c| (c.user_data, c.res)).collect::<Vec<_>>(), [(7, Ok(0)), (9, Ok(0))]);
}

#[test]
fn write_then_read_back_at_offsets() {
    let mut f = Fixture::new(false);
    let fd = f.open("data", OpenFlags::READ | OpenFlags::WRITE | OpenFlags::CREATE).unwrap();
    let write = Op::Write(WriteArgs { fd, data: b"hello, ring".to_vec(), offset: Some(0) });
    assert_eq!(f.run(vec![Fixture::sqe(write, 1)])[0].res, Ok(11));
    let cqe = f.run(vec![Fixture::sqe(read(fd, 4, Some(7)), 2)]).remove(0);
    assert_eq!((cqe.res, cqe.data.as_slice()), (Ok(4), &b"ring"[..]));
    assert_eq!(std::fs::read(f.dir.0.join("data")).unwrap(), b"hello, ring");
}

#[test]
fn read_at_current_position_advances() {
    let mut f = Fixture::new(false);
    File::create(f.dir.0.join("abc")).unwrap().write_all(b"abcdef").unwrap();
    let fd = f.open("abc", OpenFlags::READ).unwrap();
    assert_eq!(f.run(vec![Fixture::sqe(read(fd, 3, None), 1)])[0].data, b"abc");
    assert_eq!(f.run(vec![Fixture::sqe(read(fd, 3, None), 1)])[0].data, b"def");
    assert_eq!(f.run(vec![Fixture::sqe(read(fd, 3, None), 1)])[0].res, Ok(0));
}

#[test]
fn handles_never_granted_closed_or_out_of_range_are_bad_descriptors() {
    let mut f = Fixture::new(false);
    let cqes = f.run(vec![
        Fixture::sqe(read(5, 1, None), 1),
        Fixture::sqe(read(u32::MAX, 1, None), 2),
        Fixture::sqe(Op::Close(9), 3),
    ]);
    assert!(cqes.iter().all(|c| c.res == Err(ErrorCode::BadDescriptor)), "{cqes:?}");

    File::create(f.dir.0.join("x")).unwrap();
    let fd = f.open("x", OpenFlags::READ).unwrap();
    assert_eq!(f.run(vec![Fixture::sqe(Op::Close(fd), 1)])[0].res, Ok(0));
    assert_eq!(f.run(vec![Fixture::sqe(read(fd, 1, None), 1)])[0].res, Err(ErrorCode::BadDescriptor));
}

#[test]
fn openat_cannot_leave_the_granted_directory() {
    let mut f = Fixture::new(false);
    std::os::unix::fs::symlink("/etc", f.dir.0.join("out")).unwrap();
    std::fs::create_dir(f.dir.0.join("a")).unwrap();
    for path in ["../x", "/etc/passwd", "out/passwd", "a/../../x", "/proc/self/fd/0"] {
        assert_eq!(f.open(path, OpenFlags::READ), Err(ErrorCode::Access), "{path}");
    }
    assert_eq!(f.open("missing", OpenFlags::READ), Err(ErrorCode::NoEntry));
    assert_eq!(f.open("nul\0byte", OpenFlags::READ), Err(ErrorCode::Invalid));
}

#[test]
fn read_only_grant_refuses_write_flags() {
    let mut f = Fixture::new(true);
    for flags in [OpenFlags::WRITE, OpenFlags::CREATE, OpenFlags::TRUNCATE, OpenFlags::APPEND] {
        assert_eq!(f.open("y", OpenFlags::READ | flags), Err(ErrorCode::ReadOnly));
    }
    assert!(!f.dir.0.join("y").exists());
}

#[test]
fn absurd_lengths_are_invalid() {
    let mut f = Fixture::new(false);
    File::create(f.dir.0.join("z")).unwrap();
    let fd = f.open("z", OpenFlags::READ).unwrap();
    assert_eq!(f.run(vec![Fixture::sqe(read(fd, u32::MAX, None), 1)])[0].res, Err(ErrorCode::Invalid));
}

#[test]
fn timeout_expires_as_timed_out() {
    let mut f = Fixture::new(false);
    let start = Instant::now();
    let op = Op::Timeout(TimeoutArgs { duration_ns: 20_000_000, count: 0 });
    assert_eq!(f.run(vec![Fixture::sqe(op, 1)])[0].res, Err(ErrorCode::TimedOut));
    assert!(start.elapsed() >= Duration::from_millis(20));
}

#[test]
fn accept_on_a_directory_fails_in_its_cqe() {
    let mut f = Fixture::new(false);
    // Handle 0 is a directory: the kernel's ENOTSOCK is a handle of the wrong kind.
    let cqe = f.run(vec![Fixture::sqe(Op::Accept(0), 4)]).remove(0);
    assert_eq!((cqe.user_data, cqe.res), (4, Err(ErrorCode::BadDescriptor)));
}

#[test]
fn a_rejected_link_cancels_the_rest_of_its_chain() {
    let mut f = Fixture::new(false);
    let mut bad = Fixture::sqe(read(99, 1, None), 1);
    bad.flags = SqeFlags::LINK;
    let cqes = f.run(vec![bad, Fixture::sqe(Op::Nop, 2)]);
    assert_eq!(cqes[0].res, Err(ErrorCode::BadDescriptor));
    assert_eq!(cqes[1].res, Err(ErrorCode::Canceled));
}

#[test]
fn complete_never_waits_for_what_is_not_in_flight() {
    let mut f = Fixture::new(false);
    let start = Instant::now();
    let cqes = f.ring.complete(&mut f.descriptors, 5, 8, None, &mut f.changes);
    assert!(cqes.is_empty());
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn complete_returns_at_most_max_and_keeps_the_rest() {
    let mut f = Fixture::new(false);
    let sqes = (1..=3).map(|i| Fixture::sqe(Op::Nop, i)).collect();
    f.ring.submit(&mut f.descriptors, sqes, &mut f.changes);
    let first = f.ring.complete(&mut f.descriptors, 3, 2, None, &mut f.changes);
    let rest = f.ring.complete(&mut f.descriptors, 1, 8, None, &mut f.changes);
    assert_eq!((first.len(), rest.len()), (2, 1));
}

#[test]
fn the_in_flight_limit_bounds_submit() {
    let mut f = Fixture::new(false);
    let sleeps = (0..40)
        .map(|i| Fixture::sqe(Op::Timeout(TimeoutArgs { duration_ns: 10_000_000_000, count: 0 }), i))
        .collect();
    assert_eq!(f.ring.submit(&mut f.descriptors, sleeps, &mut f.changes), 32);
    // Dropping the ring cancels the 32 sleepers and reaps them, well before they expire.
    let start = Instant::now();
    f.ring.shutdown(&mut f.descriptors);
    assert!(start.elapsed() < Duration::from_secs(5));
}

fn wit_addr(s: &str) -> SocketAddress {
    std_to_wit(s.parse().unwrap())
}

fn policy(bind: &[&str], connect: &[&str]) -> NetPolicy {
    let parse = |v: &[&str]| v.iter().map(|p| p.parse::<AddrPattern>().unwrap()).collect();
    NetPolicy { bind: parse(bind), connect: parse(connect), ..Default::default() }
}

fn new_socket(f: &mut Fixture, family: AddressFamily, ty: SocketType) -> u32 {
    handle_of(&f.one(Op::Socket((family, ty))).unwrap())
}

#[test]
fn tcp_server_socket_bind_listen_accept_recv_send() {
    let mut f = Fixture::with_policy(false, policy(&["tcp:127.0.0.1:*"], &[]));
    let s = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Stream);
    f.one(Op::SetOption((s, SocketOption::ReuseAddress(true)))).unwrap();
    f.one(Op::Bind((s, wit_addr("127.0.0.1:0")))).unwrap();
    f.one(Op::Listen((s, 8))).unwrap();
    // The kernel chose the port: the guest asks for it.
    let port = match f.one(Op::LocalAddress(s)).unwrap().detail {
        CqeDetail::Address(SocketAddress::Ipv4(a)) if a.address == (127, 0, 0, 1) => a.port,
        other => panic!("{other:?}"),
    };
    assert_ne!(port, 0);
    assert_eq!(f.one(Op::LocalAddress(0)).unwrap_err(), ErrorCode::BadDescriptor, "a directory has no address");
    let mut peer = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let accepted = f.one(Op::Accept(s)).unwrap();
    let CqeDetail::Accepted((c, SocketAddress::Ipv4(from))) = accepted.detail else { panic!("{accepted:?}") };
    assert_eq!(from.address, (127, 0, 0, 1));
    assert_eq!(from.port, peer.local_addr().unwrap().port());
    peer.write_all(b"ping").unwrap();
    assert_eq!(f.one(Op::Recv(RecvArgs { fd: c, len: 64 })).unwrap().data, b"ping");
    f.one(Op::Send(SendArgs { fd: c, data: b"pong".to_vec() })).unwrap();
    let mut buf = [0; 4];
    peer.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"pong");
    f.one(Op::Shutdown((c, ShutdownHow::Write))).unwrap();
    assert_eq!(peer.read(&mut buf).unwrap(), 0, "the peer sees end of stream");
}

#[test]
fn bind_and_connect_outside_the_policy_are_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut f = Fixture::with_policy(false, policy(&["tcp:127.0.0.1:0"], &[&format!("tcp:127.0.0.1:{port}")]));
    let s = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Stream);
    assert_eq!(f.one(Op::Bind((s, wit_addr("0.0.0.0:0")))).unwrap_err(), ErrorCode::Access);
    assert_eq!(f.one(Op::Bind((s, wit_addr("127.0.0.1:8080")))).unwrap_err(), ErrorCode::Access);
    assert_eq!(f.one(Op::Connect((s, wit_addr("127.0.0.1:1")))).unwrap_err(), ErrorCode::Access);
    let u = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Datagram);
    assert_eq!(f.one(Op::Connect((u, wit_addr(&format!("127.0.0.1:{port}"))))).unwrap_err(), ErrorCode::Access, "tcp grant is not udp");
    let to = Some(wit_addr("127.0.0.1:9"));
    let send = Op::Sendmsg(SendmsgArgs { fd: u, data: b"x".to_vec(), to });
    assert_eq!(f.one(send).unwrap_err(), ErrorCode::Access);
    // The granted one works.
    f.one(Op::Connect((s, wit_addr(&format!("127.0.0.1:{port}"))))).unwrap();
    assert!(listener.accept().is_ok());
}

#[test]
fn multishot_accept_and_recv_stream_until_the_peer_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut f = Fixture::new(false);
    let l = f.grant(listener);
    let accept = f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::AcceptMultishot(l), 7)], &mut f.changes);
    assert_eq!(accept, 1);
    let mut peers: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let conns: Vec<u32> = (0..3)
        .map(|_| {
            let c = f.next();
            assert_eq!((c.user_data, c.more), (7, true));
            handle_of(&c)
        })
        .collect();
    let recv = Fixture::sqe(Op::RecvMultishot(RecvArgs { fd: conns[1], len: 0 }), 8);
    f.ring.submit(&mut f.descriptors, vec![recv], &mut f.changes);
    let mut got = Vec::new();
    // More than the provided-buffer ring holds at once, so buffers must be recycled.
    let sent: Vec<u8> = (0..2_000_000u32).map(|i| i as u8).collect();
    let writer = {
        let mut p = peers.remove(1);
        let sent = sent.clone();
        std::thread::spawn(move || p.write_all(&sent))
    };
    loop {
        let c = f.next();
        assert_eq!(c.user_data, 8);
        if c.res == Ok(0) {
            assert!(!c.more, "end of stream ends the stream");
            break;
        }
        assert!(c.more, "res={:?} more={}", c.res, c.more);
        got.extend_from_slice(&c.data);
    }
    // The writer's stream closed when its thread ended, after every byte was written.
    writer.join().unwrap().unwrap();
    assert!(got == sent, "received {} bytes, not the {} sent", got.len(), sent.len());
    let cancel = Fixture::sqe(Op::Cancel(CancelArgs { target: 7, all: false }), 1);
    let cqes = f.run(vec![cancel]);
    let results: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res, c.more)).collect();
    assert_eq!(results, [(1, Ok(1), false), (7, Err(ErrorCode::Canceled), false)]);
}

#[test]
fn a_multishot_accept_drops_a_connection_reset_before_its_peer_was_asked_and_names_the_next() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut f = Fixture::new(false);
    let l = f.grant(listener);
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::AcceptMultishot(l), 7)], &mut f.changes), 1);
    // The kernel accepts this one at once, but the host only asks who it is when the guest
    // next reaps: by then the peer has reset it.
    let early = TcpStream::connect(addr).unwrap();
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a valid socket and a linger struct of the size given.
    let set = unsafe {
        libc::setsockopt(early.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, (&raw const linger).cast(), size_of_val(&linger) as u32)
    };
    assert_eq!(set, 0);
    std::thread::sleep(Duration::from_millis(50));
    drop(early);
    std::thread::sleep(Duration::from_millis(50));
    let handles_before = f.descriptors.open().count();
    let late = TcpStream::connect(addr).unwrap();
    let c = f.next();
    assert_eq!((c.user_data, c.res, c.more), (7, Ok(0), true));
    let CqeDetail::Accepted((_, peer)) = &c.detail else { panic!("{c:?}") };
    assert_eq!(format!("{peer:?}"), format!("{:?}", std_to_wit(late.local_addr().unwrap())));
    assert_eq!(f.descriptors.open().count(), handles_before + 1, "the reset connection holds no handle");
}

#[test]
fn datagrams_carry_their_peer_addresses_on_ipv4_ipv6_and_unix() {
    let mut f = Fixture::with_policy(false, policy(&[], &["udp:*:*"]));
    for local in ["127.0.0.1:0", "[::1]:0"] {
        let server = UdpSocket::bind(local).unwrap();
        let client = UdpSocket::bind(local).unwrap();
        let s = f.grant(server.try_clone().unwrap());
        client.send_to(b"hello", server.local_addr().unwrap()).unwrap();
        let got = f.one(Op::Recvmsg(RecvArgs { fd: s, len: 100 })).unwrap();
        assert_eq!(got.data, b"hello");
        let CqeDetail::Peer(from) = got.detail else { panic!("{got:?}") };
        assert_eq!(format!("{from:?}"), format!("{:?}", std_to_wit(client.local_addr().unwrap())));
        let reply = Op::Sendmsg(SendmsgArgs { fd: s, data: b"world".to_vec(), to: Some(from) });
        assert_eq!(f.one(reply).unwrap().res, Ok(5));
        let mut buf = [0; 16];
        let (n, _) = client.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"world");
    }
    let (a, b) = UnixDatagram::pair().unwrap();
    let h = f.grant(a);
    b.send(b"unix").unwrap();
    let got = f.one(Op::Recvmsg(RecvArgs { fd: h, len: 100 })).unwrap();
    assert_eq!(got.data, b"unix");
    assert!(matches!(got.detail, CqeDetail::Peer(SocketAddress::Unix(ref p)) if p.is_empty()), "an unnamed peer");
}

#[test]
fn link_timeout_reports_the_guarded_operation_as_timed_out() {
    let mut f = Fixture::new(false);
    let (a, _b) = UnixStream::pair().unwrap();
    let h = f.grant(a);
    let mut recv = Fixture::sqe(Op::Recv(RecvArgs { fd: h, len: 8 }), 1);
    recv.flags = SqeFlags::LINK;
    let cqes = f.run(vec![recv, Fixture::sqe(Op::LinkTimeout(20_000_000), 2)]);
    assert_eq!(cqes[0].res, Err(ErrorCode::TimedOut));
    assert_eq!(cqes[1].res, Err(ErrorCode::TimedOut));
}

#[test]
fn link_timeout_without_a_linked_operation_is_invalid() {
    let mut f = Fixture::new(false);
    assert_eq!(f.one(Op::LinkTimeout(1_000)).unwrap_err(), ErrorCode::Invalid);
}

#[test]
fn cancel_of_an_unknown_user_data_is_no_entry() {
    let mut f = Fixture::new(false);
    assert_eq!(f.one(Op::Cancel(CancelArgs { target: 99, all: true })).unwrap_err(), ErrorCode::NoEntry);
}

#[test]
fn cancel_all_cancels_every_operation_with_that_user_data() {
    let mut f = Fixture::new(false);
    let sleep = || Op::Timeout(TimeoutArgs { duration_ns: 10_000_000_000, count: 0 });
    f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(sleep(), 5), Fixture::sqe(sleep(), 5)], &mut f.changes);
    let cqes = f.run(vec![Fixture::sqe(Op::Cancel(CancelArgs { target: 5, all: true }), 1)]);
    let results: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(results, [(1, Ok(2)), (5, Err(ErrorCode::Canceled)), (5, Err(ErrorCode::Canceled))]);
}

#[test]
fn poll_reports_readiness_as_poll_event_bits() {
    let mut f = Fixture::new(false);
    let (a, mut b) = UnixStream::pair().unwrap();
    let h = f.grant(a);
    b.write_all(b"x").unwrap();
    let c = f.one(Op::Poll(PollArgs { fd: h, events: PollEvents::READABLE, multishot: false })).unwrap();
    assert_eq!(c.res.unwrap() & 1, 1, "readable is bit 0");
}

#[test]
fn fsync_and_statx_describe_what_was_written() {
    let mut f = Fixture::new(false);
    let fd = f.open("s", OpenFlags::WRITE | OpenFlags::CREATE).unwrap();
    f.one(Op::Write(WriteArgs { fd, data: vec![7; 1234], offset: Some(0) })).unwrap();
    f.one(Op::Fsync((fd, false))).unwrap();
    f.one(Op::Fsync((fd, true))).unwrap();
    let st = f.one(Op::Statx(StatxArgs { dir: 0, path: "s".into(), no_follow: false })).unwrap();
    let CqeDetail::Stat(st) = st.detail else { panic!() };
    assert_eq!((st.size, st.mode, st.type_ as u8), (1234, 0o600, crate::ioring::ring::types::FileType::Regular as u8));
    let by_handle = f.one(Op::Statx(StatxArgs { dir: fd, path: String::new(), no_follow: false })).unwrap();
    assert!(matches!(by_handle.detail, CqeDetail::Stat(s) if s.size == 1234));
    // statx is confined like openat.
    for path in ["../x", "/etc/passwd"] {
        assert_eq!(f.one(Op::Statx(StatxArgs { dir: 0, path: path.into(), no_follow: false })).unwrap_err(), ErrorCode::Access);
    }
}

#[test]
fn linked_fixed_read_then_write_copies_a_file() {
    let mut f = Fixture::new(false);
    let content: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    std::fs::write(f.dir.0.join("src"), &content).unwrap();
    let src = f.open("src", OpenFlags::READ).unwrap();
    let dst = f.open("dst", OpenFlags::WRITE | OpenFlags::CREATE).unwrap();
    f.ring.register_buffers(2, 4096).unwrap();
    let mut offset = 0u64;
    loop {
        let mut read = Fixture::sqe(Op::ReadFixed(FixedArgs { fd: src, buffer: 1, buffer_offset: 0, len: 4096, offset: Some(offset) }), 1);
        read.flags = SqeFlags::LINK;
        let n = f.run(vec![read]).remove(0).res.unwrap();
        if n == 0 {
            break;
        }
        let write = Op::WriteFixed(FixedArgs { fd: dst, buffer: 1, buffer_offset: 0, len: n, offset: Some(offset) });
        assert_eq!(f.one(write).unwrap().res, Ok(n));
        offset += u64::from(n);
    }
    assert_eq!(std::fs::read(f.dir.0.join("dst")).unwrap(), content);
    assert_eq!(f.ring.buffer_read(1, 0, 4).unwrap(), content[8192..8196]);
    f.ring.buffer_write(0, 4090, b"123456").unwrap();
    assert_eq!(f.ring.buffer_write(0, 4091, b"123456").unwrap_err(), ErrorCode::Invalid);
    let beyond = Op::ReadFixed(FixedArgs { fd: src, buffer: 2, buffer_offset: 0, len: 1, offset: None });
    assert_eq!(f.one(beyond).unwrap_err(), ErrorCode::Invalid);
}

#[test]
fn tty_configure_sets_raw_mode_and_speed_on_a_pseudo_terminal() {
    let mut f = Fixture::new(false);
    let (master, slave) = super::fuzz::openpty();
    let raw_slave = std::os::fd::AsRawFd::as_raw_fd(&slave);
    let h = f.grant_device(slave);
    // A pty keeps raw mode, speed and stop bits; it forces CS8 and no parity, so those are
    // left at what it accepts.
    let config = TtyConfig { raw: true, baud: 115200, data_bits: 8, parity: Parity::None, stop_bits: 2, hardware_flow_control: false };
    f.one(Op::TtyConfigure((h, config))).unwrap();
    // SAFETY: termios is plain data, filled by tcgetattr.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(raw_slave, &mut t) }, 0);
    assert_eq!(t.c_lflag & (libc::ICANON | libc::ECHO), 0, "raw mode");
    assert_eq!(unsafe { libc::cfgetospeed(&t) }, libc::B115200);
    assert_eq!(t.c_cflag & (libc::PARENB | libc::CSTOPB | libc::CSIZE), libc::CSTOPB | libc::CS8);
    drop(master);
    let bad = TtyConfig { raw: true, baud: 12345, data_bits: 8, parity: Parity::None, stop_bits: 1, hardware_flow_control: false };
    assert_eq!(f.one(Op::TtyConfigure((h, bad))).unwrap_err(), ErrorCode::Invalid);
}

#[test]
fn tty_configure_on_a_file_is_not_a_tty() {
    let mut f = Fixture::new(false);
    let file = File::create(f.dir.0.join("plain")).unwrap();
    let fd = f.grant_device(file);
    let config = TtyConfig { raw: true, baud: 9600, data_bits: 8, parity: Parity::None, stop_bits: 1, hardware_flow_control: false };
    assert_eq!(f.one(Op::TtyConfigure((fd, config))).unwrap_err(), ErrorCode::NotATty);
}

#[test]
fn spi_and_i2c_transfers_on_a_non_device_fail_through_the_worker_pool_no_spi_subsystem() {
    let mut f = Fixture::new(false);
    let file = File::create(f.dir.0.join("not-a-device")).unwrap();
    let fd = f.grant_device(file);
    let segment = SpiSegment { tx: vec![0x9f, 0, 0], rx_len: 3, speed_hz: 1_000_000, bits_per_word: 8, cs_change: false, delay_us: 0 };
    let spi = Op::SpiTransfer(SpiArgs { fd, segments: vec![segment] });
    assert_eq!(f.one(spi).unwrap_err(), ErrorCode::NotATty);
    let msg = I2cMessage { address: 0x50, write: vec![0], read_len: 0, ten_bit: false };
    let i2c = Op::I2cTransfer(I2cArgs { fd, messages: vec![msg] });
    assert_eq!(f.one(i2c).unwrap_err(), ErrorCode::NotATty);
    // Malformed requests never reach the worker.
    assert_eq!(f.one(Op::SpiTransfer(SpiArgs { fd, segments: vec![] })).unwrap_err(), ErrorCode::Invalid);
    let both = I2cMessage { address: 0x50, write: vec![1], read_len: 1, ten_bit: false };
    assert_eq!(f.one(Op::I2cTransfer(I2cArgs { fd, messages: vec![both] })).unwrap_err(), ErrorCode::Invalid);
}

#[test]
fn the_byte_budget_refuses_with_again_and_recovers() {
    let mut f = Fixture::new(false);
    let (a, _b) = UnixStream::pair().unwrap();
    let h = f.grant(a);
    // The fixture's budget is 1 MiB: a pending 768 KiB receive leaves no room for another.
    let big = || Op::Recv(RecvArgs { fd: h, len: 768 << 10 });
    f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(big(), 1), Fixture::sqe(big(), 2)], &mut f.changes);
    assert_eq!((f.next().user_data, f.ring.inflight.live()), (2, 1));
    let cqes = f.run(vec![Fixture::sqe(Op::Cancel(CancelArgs { target: 1, all: false }), 9)]);
    let results: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(results, [(1, Err(ErrorCode::Canceled)), (9, Ok(1))]);
    // The budget is free again.
    f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(big(), 3)], &mut f.changes);
    let cqes = f.run(vec![Fixture::sqe(Op::Cancel(CancelArgs { target: 3, all: false }), 9)]);
    assert_eq!(cqes.iter().map(|c| c.res).collect::<Vec<_>>(), [Err(ErrorCode::Canceled), Ok(1)]);
}

#[test]
fn a_link_chain_is_never_split_at_the_end_of_the_kernel_sq() {
    let mut f = Fixture::new(false);
    // The fixture's SQ holds 8: fill 7, then a failing chain of two must still cancel its tail.
    let filler = (10..17).map(|i| Fixture::sqe(Op::Nop, i)).collect();
    assert_eq!(f.ring.submit(&mut f.descriptors, filler, &mut f.changes), 7);
    let mut bad = Fixture::sqe(read(99, 1, None), 1);
    bad.flags = SqeFlags::LINK;
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![bad, Fixture::sqe(Op::Nop, 2)], &mut f.changes), 2);
    let mut cqes = f.ring.complete(&mut f.descriptors, 9, 16, Some(Duration::from_secs(5)), &mut f.changes);
    cqes.sort_by_key(|c| c.user_data);
    let chain: Vec<_> = cqes.iter().filter(|c| c.user_data < 10).map(|c| (c.user_data, c.res)).collect();
    assert_eq!(chain, [(1, Err(ErrorCode::BadDescriptor)), (2, Err(ErrorCode::Canceled))]);
}

#[test]
fn a_chain_longer_than_the_sq_fails_whole_and_the_ring_goes_on() {
    let mut f = Fixture::new(false);
    let mut chain: Vec<Sqe> = (0..9).map(|i| Fixture::sqe(Op::Nop, i)).collect();
    for sqe in &mut chain[..8] {
        sqe.flags = SqeFlags::LINK;
    }
    let cqes = f.run(chain);
    assert_eq!(cqes.len(), 9);
    assert!(cqes.iter().all(|c| c.res == Err(ErrorCode::Invalid)));
    assert_eq!(f.one(Op::Nop).unwrap().res, Ok(0));
}

#[test]
fn a_chain_is_taken_whole_or_not_at_all_at_the_in_flight_limit() {
    let mut f = Fixture::new(false);
    let sleep = || Op::Timeout(TimeoutArgs { duration_ns: 10_000_000_000, count: 0 });
    let sleepers = (0..31).map(|i| Fixture::sqe(sleep(), i)).collect();
    assert_eq!(f.ring.submit(&mut f.descriptors, sleepers, &mut f.changes), 31);
    let mut first = Fixture::sqe(Op::Nop, 100);
    first.flags = SqeFlags::LINK;
    // One slot is free; the chain needs two, so none of it is taken.
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![first, Fixture::sqe(Op::Nop, 101)], &mut f.changes), 0);
    f.ring.shutdown(&mut f.descriptors);
}

#[test]
fn a_granted_datagram_socket_may_reply_to_its_peers_and_to_no_one_else() {
    let mut f = Fixture::new(false);
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let fd: OwnedFd = server.try_clone().unwrap().into();
    let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
    let s = f.descriptors.install(Descriptor::replying(fd)).unwrap();
    f.ring.mirror(s, raw);
    let reply = |to: &UdpSocket| Op::Sendmsg(SendmsgArgs { fd: s, data: b"r".to_vec(), to: Some(std_to_wit(to.local_addr().unwrap())) });
    // Before it hears from anyone, the policy (empty) refuses every destination.
    assert_eq!(f.one(reply(&client)).unwrap_err(), ErrorCode::Access);
    client.send_to(b"q", server.local_addr().unwrap()).unwrap();
    f.one(Op::Recvmsg(RecvArgs { fd: s, len: 8 })).unwrap();
    assert_eq!(f.one(reply(&client)).unwrap().res, Ok(1));
    assert_eq!(f.one(reply(&stranger)).unwrap_err(), ErrorCode::Access);
}

#[test]
fn reaped_but_unreturned_completions_stay_bounded_by_what_the_guest_asks_for() {
    let mut f = Fixture::new(false);
    let nops = (0..20).map(|i| Fixture::sqe(Op::Nop, i)).collect();
    f.ring.submit(&mut f.descriptors, nops, &mut f.changes);
    let first = f.ring.complete(&mut f.descriptors, 1, 1, None, &mut f.changes);
    assert_eq!(first.len(), 1);
    let held = f.ring.ready.len();
    // Asking for one at a time never reaps more than is already held.
    for _ in 0..5 {
        assert_eq!(f.ring.complete(&mut f.descriptors, 1, 1, None, &mut f.changes).len(), 1);
        assert!(f.ring.ready.len() < held);
    }
    let rest = f.ring.complete(&mut f.descriptors, 14, 64, None, &mut f.changes);
    assert_eq!(rest.len(), 14);
}

// Sandbox holes an outside attack suite found; each test tries the escape.

#[test]
fn listen_without_a_grant_is_refused_even_unbound() {
    let mut f = Fixture::with_policy(false, policy(&["tcp:127.0.0.1:*"], &[]));
    for family in [AddressFamily::Ipv4, AddressFamily::Ipv6] {
        // The kernel would bind an unbound socket to the wildcard address on listen.
        let s = new_socket(&mut f, family, SocketType::Stream);
        assert_eq!(f.one(Op::Listen((s, 8))).unwrap_err(), ErrorCode::Access, "{family:?}");
        let local = RawAddr::local_of(f.descriptors.get(s).unwrap().fd.as_fd()).unwrap();
        assert!(!local.is_bound(), "the refused listen bound nothing");
    }
    let s = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Stream);
    f.one(Op::Bind((s, wit_addr("127.0.0.1:0")))).unwrap();
    f.one(Op::Listen((s, 8))).unwrap();
    let u = new_socket(&mut f, AddressFamily::Unix, SocketType::Stream);
    assert_eq!(f.one(Op::Listen((u, 8))).unwrap_err(), ErrorCode::Access, "no autobound abstract name");
}

#[test]
fn a_guest_datagram_socket_hears_only_senders_it_may_send_to_unless_connected_or_granted() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = peer.local_addr().unwrap().port();
    let mut f = Fixture::with_policy(false, policy(&["udp:127.0.0.1:*"], &[&format!("udp:127.0.0.1:{port}")]));
    let recvmsg = |fd| Op::Recvmsg(RecvArgs { fd, len: 64 });
    let u = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Datagram);
    // Receives that cannot tell the sender are refused outright: a plain read or a fixed read
    // of the socket too (found by the Node backend's port of the policy).
    assert_eq!(f.one(Op::Recv(RecvArgs { fd: u, len: 64 })).unwrap_err(), ErrorCode::Access);
    assert_eq!(f.one(Op::RecvMultishot(RecvArgs { fd: u, len: 0 })).unwrap_err(), ErrorCode::Access);
    assert_eq!(f.one(read(u, 64, None)).unwrap_err(), ErrorCode::Access);
    f.ring.register_buffers(1, 64).unwrap();
    let fixed = Op::ReadFixed(FixedArgs { fd: u, buffer: 0, buffer_offset: 0, len: 64, offset: None });
    assert_eq!(f.one(fixed).unwrap_err(), ErrorCode::Access);
    // A send to an allowed peer binds it to the wildcard address, where anyone can reach it.
    let to = Some(wit_addr(&format!("127.0.0.1:{port}")));
    f.one(Op::Sendmsg(SendmsgArgs { fd: u, data: b"x".to_vec(), to })).unwrap();
    let CqeDetail::Address(SocketAddress::Ipv4(local)) = f.one(Op::LocalAddress(u)).unwrap().detail else { panic!() };
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(recvmsg(u), 5)], &mut f.changes), 1);
    stranger.send_to(b"evil", ("127.0.0.1", local.port)).unwrap();
    peer.send_to(b"good", ("127.0.0.1", local.port)).unwrap();
    let got = f.next();
    assert_eq!((got.user_data, got.data.as_slice()), (5, &b"good"[..]), "the stranger's datagram was dropped");
    // Connected: the kernel takes datagrams from that peer alone, and every receive works.
    f.one(Op::Connect((u, wit_addr(&format!("127.0.0.1:{port}"))))).unwrap();
    peer.send_to(b"reply", ("127.0.0.1", local.port)).unwrap();
    assert_eq!(f.one(Op::Recv(RecvArgs { fd: u, len: 64 })).unwrap().data, b"reply");
    // Bound to a granted address: it hears anyone.
    let b = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Datagram);
    f.one(Op::Bind((b, wit_addr("127.0.0.1:0")))).unwrap();
    let CqeDetail::Address(SocketAddress::Ipv4(bound)) = f.one(Op::LocalAddress(b)).unwrap().detail else { panic!() };
    stranger.send_to(b"hi", ("127.0.0.1", bound.port)).unwrap();
    assert_eq!(f.one(recvmsg(b)).unwrap().data, b"hi");
}

#[test]
fn the_reply_list_learns_only_from_receives_on_the_granted_socket() {
    let mut f = Fixture::new(false);
    let own = UdpSocket::bind("127.0.0.1:0").unwrap();
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let h = f.grant(own.try_clone().unwrap());
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::Recvmsg(RecvArgs { fd: h, len: 8 }), 1)], &mut f.changes), 1);
    f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::Close(h), 2)], &mut f.changes);
    assert_eq!(f.next().user_data, 2);
    // The granted socket lands at the index the pending receive was issued on.
    let fd: OwnedFd = server.try_clone().unwrap().into();
    assert_eq!(f.install(Descriptor::replying(fd)), h);
    stranger.send_to(b"q", own.local_addr().unwrap()).unwrap();
    assert_eq!(f.next().user_data, 1);
    let reply = Op::Sendmsg(SendmsgArgs { fd: h, data: b"r".to_vec(), to: Some(std_to_wit(stranger.local_addr().unwrap())) });
    assert_eq!(f.one(reply).unwrap_err(), ErrorCode::Access);
}

#[test]
fn device_operations_are_refused_on_every_handle_but_a_device_grant() {
    let mut f = Fixture::new(false);
    let (_master, slave) = super::fuzz::openpty();
    let raw_slave = std::os::fd::AsRawFd::as_raw_fd(&slave);
    // A terminal the guest holds some other way (stdio, a file under a directory grant).
    let tty = f.grant(slave);
    let config = TtyConfig { raw: true, baud: 50, data_bits: 8, parity: Parity::None, stop_bits: 1, hardware_flow_control: false };
    assert_eq!(f.one(Op::TtyConfigure((tty, config))).unwrap_err(), ErrorCode::Access);
    // SAFETY: termios is plain data, filled by tcgetattr.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(raw_slave, &mut t) }, 0);
    assert_ne!(t.c_lflag & libc::ICANON, 0, "still in canonical mode");
    let segment = SpiSegment { tx: vec![1], rx_len: 1, speed_hz: 1, bits_per_word: 8, cs_change: false, delay_us: 0 };
    assert_eq!(f.one(Op::SpiTransfer(SpiArgs { fd: tty, segments: vec![segment] })).unwrap_err(), ErrorCode::Access);
    let msg = I2cMessage { address: 0x50, write: vec![0], read_len: 0, ten_bit: false };
    assert_eq!(f.one(Op::I2cTransfer(I2cArgs { fd: tty, messages: vec![msg] })).unwrap_err(), ErrorCode::Access);
    assert_eq!(f.one(Op::TtyConfigure((0, config))).unwrap_err(), ErrorCode::Access, "a directory grant");
}

#[test]
fn spi_transfers_past_the_ioctl_size_field_are_invalid() {
    let mut f = Fixture::new(false);
    let fd = f.grant_device(File::create(f.dir.0.join("spidev")).unwrap());
    let segment = || SpiSegment { tx: vec![0; 32], rx_len: 32, speed_hz: 1, bits_per_word: 8, cs_change: false, delay_us: 0 };
    let spi = |n| Op::SpiTransfer(SpiArgs { fd, segments: (0..n).map(|_| segment()).collect() });
    // 512 segments would encode as SPI_IOC_MESSAGE(0) and "succeed" with zeroed data.
    assert_eq!(f.one(spi(512)).unwrap_err(), ErrorCode::Invalid);
    assert_eq!(f.one(spi(511)).unwrap_err(), ErrorCode::NotATty, "the largest that fits reaches the ioctl");
}

#[test]
fn device_payloads_count_as_bytes_in_flight() {
    let mut f = Fixture::new(false);
    let fd = f.grant_device(File::create(f.dir.0.join("spidev")).unwrap());
    let big = || Op::SpiTransfer(SpiArgs { fd, segments: vec![SpiSegment { tx: vec![0; 300 << 10], rx_len: 300 << 10, speed_hz: 1, bits_per_word: 8, cs_change: false, delay_us: 0 }] });
    let cqes = f.run(vec![Fixture::sqe(big(), 1), Fixture::sqe(big(), 2)]);
    assert_eq!(cqes[1].res, Err(ErrorCode::Again), "600 KiB each, 1 MiB budget");
    assert_eq!(f.ring.config.budget.bytes(), 0, "all given back");
}

#[test]
fn openat_never_creates_set_id_or_sticky_files() {
    let mut f = Fixture::new(false);
    let op = Op::Openat(OpenatArgs { dir: 0, path: "suid".into(), flags: OpenFlags::WRITE | OpenFlags::CREATE, mode: 0o7777 });
    f.one(op).unwrap();
    let mode = std::fs::metadata(f.dir.0.join("suid")).unwrap().permissions();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o7000, 0);
}

#[test]
fn a_failed_buffer_registration_leaves_no_buffers_registered() {
    let mut f = Fixture::new(false);
    f.ring.register_buffers(2, 4096).unwrap();
    let fd = f.open("x", OpenFlags::READ | OpenFlags::WRITE | OpenFlags::CREATE).unwrap();
    // A zero-length buffer is one the kernel refuses, after the old set was unregistered.
    assert!(f.ring.register_buffers(1, 0).is_err());
    let fixed = Op::WriteFixed(FixedArgs { fd, buffer: 0, buffer_offset: 0, len: 16, offset: Some(0) });
    assert_eq!(f.one(fixed).unwrap_err(), ErrorCode::Invalid, "the host knows the old set is gone");
    assert_eq!(f.ring.buffer_read(0, 0, 1).unwrap_err(), ErrorCode::Invalid);
    assert_eq!(f.ring.config.budget.bytes(), 0);
}

#[test]
fn a_multishot_receive_without_its_provided_buffers_fails_once() {
    // Half a MiB of budget cannot hold the 1 MiB of provided buffers.
    let mut f = Fixture::with_budget(false, NetPolicy::default(), 512 << 10);
    let (a, _b) = UnixStream::pair().unwrap();
    let h = f.grant(a);
    assert_eq!(f.one(Op::RecvMultishot(RecvArgs { fd: h, len: 0 })).unwrap_err(), ErrorCode::NoBuffers);
    assert_eq!(f.ring.inflight.live(), 0, "nothing left spinning");
}

#[test]
fn a_link_flag_on_the_last_entry_of_a_call_does_not_join_the_next_call() {
    let mut f = Fixture::new(false);
    let mut bad = Fixture::sqe(read(99, 1, None), 1);
    bad.flags = SqeFlags::LINK;
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![bad], &mut f.changes), 1);
    let cqes = f.run(vec![Fixture::sqe(Op::Nop, 2)]);
    let results: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(results, [(1, Err(ErrorCode::BadDescriptor)), (2, Ok(0))]);
}

#[test]
fn a_guest_that_reaps_one_at_a_time_cannot_grow_the_host() {
    let mut f = Fixture::new(false);
    let (a, b) = UnixDatagram::pair().unwrap();
    let h = f.grant(a);
    f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::RecvMultishot(RecvArgs { fd: h, len: 0 }), 1)], &mut f.changes);
    b.set_nonblocking(true).unwrap();
    let datagram = [7u8; 1000];
    let mut sent = 0;
    for _ in 0..40 {
        while b.send(&datagram).is_ok() {
            sent += 1;
        }
        let got = f.ring.complete(&mut f.descriptors, 1, 1, Some(Duration::from_millis(100)), &mut f.changes);
        assert!(got.len() <= 1);
        assert!(f.ring.ready.len() <= 32, "held {} completions", f.ring.ready.len());
        assert!(f.ring.config.budget.bytes() <= 2 << 20);
    }
    assert!(sent > 100, "the peer kept sending ({sent})");
}

#[test]
fn statx_descriptors_count_against_the_handle_limit() {
    let mut f = Fixture::new(false);
    File::create(f.dir.0.join("s")).unwrap();
    // The table holds 16 and the directory is one: 15 statx with paths fit, the 16th does not.
    let stat = |i| Fixture::sqe(Op::Statx(StatxArgs { dir: 0, path: "s".into(), no_follow: false }), i);
    let cqes = f.run((0..16).map(stat).collect());
    assert_eq!(cqes.iter().filter(|c| c.res.is_ok()).count(), 15);
    assert_eq!(cqes[15].res, Err(ErrorCode::TooManyHandles));
    assert!(f.one(Op::Statx(StatxArgs { dir: 0, path: "s".into(), no_follow: false })).is_ok(), "given back");
}

#[test]
fn a_ring_with_a_drain_entry_behind_a_multishot_accept_is_torn_down_at_once() {
    let mut f = Fixture::new(false);
    let l = f.grant(TcpListener::bind("127.0.0.1:0").unwrap());
    let mut drain = Fixture::sqe(Op::Nop, 2);
    drain.flags = SqeFlags::DRAIN;
    // The kernel defers the drain entry until the accept ends, and with it every later SQE,
    // the teardown's own cancel among them.
    let sqes = vec![Fixture::sqe(Op::AcceptMultishot(l), 1), drain, Fixture::sqe(Op::Nop, 3)];
    assert_eq!(f.ring.submit(&mut f.descriptors, sqes, &mut f.changes), 3);
    assert!(f.ring.complete(&mut f.descriptors, 0, 8, Some(Duration::ZERO), &mut f.changes).is_empty());
    let start = Instant::now();
    f.ring.shutdown(&mut f.descriptors);
    assert_eq!(f.ring.inflight.live(), 0, "every operation ended");
    assert!(start.elapsed() < Duration::from_secs(1), "took {:?}", start.elapsed());
}

/// Found by the fuzzer: a connect that fails unbinds the socket at a time of the kernel's
/// choosing, so a listen checked against the connecting socket's loopback address could then
/// bind the wildcard address. A socket a connect was issued on never listens.
#[test]
fn a_socket_a_connect_was_issued_on_never_listens() {
    let mut f = Fixture::with_policy(false, policy(&["tcp:127.0.0.1:*"], &["tcp:127.0.0.1:1"]));
    let s = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Stream);
    assert_eq!(f.one(Op::Connect((s, wit_addr("127.0.0.1:1")))).unwrap_err(), ErrorCode::ConnectionRefused);
    assert_eq!(f.one(Op::Listen((s, 8))).unwrap_err(), ErrorCode::Invalid);
    let fd = std::os::fd::AsRawFd::as_raw_fd(&f.descriptors.get(s).unwrap().fd.as_fd());
    let mut listening: libc::c_int = 1;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: an int-sized out parameter, as SO_ACCEPTCONN wants.
    assert_eq!(unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_ACCEPTCONN, (&raw mut listening).cast(), &mut len) }, 0);
    assert_eq!(listening, 0, "not listening");
}

/// Found by the fuzzer: a guest shut its listener grant down (the kernel frees its port but
/// getsockname still reports it), bound it to a port in use (a failed bind resets the address
/// to the wildcard) and listened again (the kernel picked a port): the grant then listened on
/// 0.0.0.0. A grant is never re-bound, and after a shutdown never listens again; a guest
/// socket that listened and was shut down likewise.
#[test]
fn a_listener_shut_down_never_listens_again() {
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port();
    let mut f = Fixture::with_policy(false, policy(&["tcp:127.0.0.1:*"], &[]));
    let grant = f.install(Descriptor::listener(TcpListener::bind("127.0.0.1:0").unwrap().into()));
    let own = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Stream);
    f.one(Op::Bind((own, wit_addr("127.0.0.1:0")))).unwrap();
    for (l, refusal) in [(grant, ErrorCode::Access), (own, ErrorCode::Invalid)] {
        assert_eq!(f.one(Op::Listen((l, 16))).unwrap().res, Ok(0), "a (new) backlog while listening");
        f.one(Op::Shutdown((l, ShutdownHow::Both))).ok();
        let rebind = f.one(Op::Bind((l, wit_addr(&format!("127.0.0.1:{busy_port}")))));
        assert!(rebind.is_err(), "{rebind:?}");
        assert_eq!(f.one(Op::Listen((l, 16))).unwrap_err(), refusal);
        assert!(!crate::caps::net::is_listening(f.descriptors.get(l).unwrap().fd.as_fd()), "not listening anywhere");
    }
    assert_eq!(f.one(Op::Bind((grant, wit_addr("127.0.0.1:0")))).unwrap_err(), ErrorCode::Access, "a grant is never re-bound");
}

fn drained(op: Op, user_data: u32) -> Sqe {
    Sqe { op, user_data, flags: SqeFlags::DRAIN }
}

fn sleep(ms: u64) -> Op {
    Op::Timeout(TimeoutArgs { duration_ns: ms * 1_000_000, count: 0 })
}

/// The fuzzer's finding: a drain entry behind a multishot stream was deferred by the kernel
/// where no cancel could reach it. The host holds it instead, and a cancel finds it.
#[test]
fn a_drain_entry_behind_a_multishot_stream_waits_and_is_cancelled_by_user_data() {
    let mut f = Fixture::new(false);
    let l = f.grant(TcpListener::bind("127.0.0.1:0").unwrap());
    let sqes = vec![Fixture::sqe(Op::AcceptMultishot(l), 1), drained(Op::Nop, 2), Fixture::sqe(Op::Nop, 3)];
    assert_eq!(f.ring.submit(&mut f.descriptors, sqes, &mut f.changes), 3);
    let early = f.ring.complete(&mut f.descriptors, 1, 8, Some(Duration::from_millis(50)), &mut f.changes);
    assert!(early.is_empty(), "neither the drain entry nor the one after it ran: {early:?}");
    let cqes = f.run(vec![Fixture::sqe(Op::Cancel(CancelArgs { target: 2, all: false }), 9)]);
    let results: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res)).collect();
    // With the drain entry ended, what waited for it runs.
    assert_eq!(results, [(2, Err(ErrorCode::Canceled)), (3, Ok(0)), (9, Ok(1))]);
    let cqes = f.run(vec![Fixture::sqe(Op::Cancel(CancelArgs { target: 1, all: false }), 8)]);
    assert_eq!(cqes.iter().map(|c| (c.user_data, c.res)).collect::<Vec<_>>(), [(1, Err(ErrorCode::Canceled)), (8, Ok(1))]);
    assert_eq!(f.ring.inflight.live(), 0);
}

#[test]
fn a_drain_entry_starts_after_every_earlier_operation_and_before_every_later_one() {
    let mut f = Fixture::new(false);
    let sqes = vec![Fixture::sqe(sleep(30), 1), Fixture::sqe(sleep(10), 2), drained(Op::Nop, 3), Fixture::sqe(Op::Nop, 4)];
    assert_eq!(f.ring.submit(&mut f.descriptors, sqes, &mut f.changes), 4);
    let mut order = Vec::new();
    while order.len() < 4 {
        order.push(f.next().user_data);
    }
    assert_eq!(order, [2, 1, 3, 4]);
}

#[test]
fn a_full_ring_can_still_cancel_what_fills_it() {
    let mut f = Fixture::new(false);
    let sleepers = (0..32).map(|i| Fixture::sqe(sleep(10_000), 100 + i)).collect();
    assert_eq!(f.ring.submit(&mut f.descriptors, sleepers, &mut f.changes), 32);
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::Nop, 1)], &mut f.changes), 0, "the ring is full");
    let cancel = Fixture::sqe(Op::Cancel(CancelArgs { target: 100, all: false }), 2);
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![cancel], &mut f.changes), 1, "a lone cancel is taken");
    let cqes = f.ring.complete(&mut f.descriptors, 2, 8, Some(Duration::from_secs(5)), &mut f.changes);
    let mut results: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res)).collect();
    results.sort_by_key(|r| r.0);
    assert_eq!(results, [(2, Ok(1)), (100, Err(ErrorCode::Canceled))]);
}

#[test]
fn a_cancel_never_blocks_submit_even_for_an_operation_that_ignores_it() {
    let mut f = Fixture::new(false);
    let (a, _b) = UnixStream::pair().unwrap();
    let h = f.grant(a);
    f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(read(h, 8, None), 1)], &mut f.changes);
    let start = Instant::now();
    let cancel = Fixture::sqe(Op::Cancel(CancelArgs { target: 1, all: true }), 2);
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![cancel], &mut f.changes), 1);
    assert!(start.elapsed() < Duration::from_millis(20), "submit took {:?}", start.elapsed());
    let cqes = f.ring.complete(&mut f.descriptors, 2, 8, Some(Duration::from_secs(5)), &mut f.changes);
    assert_eq!(cqes.len(), 2);
}

#[test]
fn mkdirat_unlinkat_renameat_and_ftruncate_act_beneath_the_directory() {
    let mut f = Fixture::new(false);
    let mk = |path: &str| Op::Mkdirat(MkdiratArgs { dir: 0, path: path.into(), mode: 0o755 });
    f.one(mk("a")).unwrap();
    f.one(mk("a/b/")).unwrap();
    assert!(f.dir.0.join("a/b").is_dir());
    assert_eq!(f.one(mk("a")).unwrap_err(), ErrorCode::Exists);
    let file = f.open("a/f", OpenFlags::WRITE | OpenFlags::CREATE).unwrap();
    f.one(Op::Write(WriteArgs { fd: file, data: b"0123456789".to_vec(), offset: Some(0) })).unwrap();
    f.one(Op::Ftruncate((file, 4))).unwrap();
    let reader = f.open("a/f", OpenFlags::READ).unwrap();
    assert_eq!(f.one(Op::Ftruncate((reader, 0))).unwrap_err(), ErrorCode::Access, "not open for writing");
    assert_eq!(std::fs::read(f.dir.0.join("a/f")).unwrap(), b"0123");
    let rename = Op::Renameat(RenameatArgs { old_dir: 0, old_path: "a/f".into(), new_dir: 0, new_path: "a/b/g".into() });
    f.one(rename).unwrap();
    assert_eq!(std::fs::read(f.dir.0.join("a/b/g")).unwrap(), b"0123");
    let unlink = |path: &str, remove_dir| Op::Unlinkat(UnlinkatArgs { dir: 0, path: path.into(), remove_dir });
    assert_eq!(f.one(unlink("a/b", true)).unwrap_err(), ErrorCode::NotEmpty);
    f.one(unlink("a/b/g", false)).unwrap();
    f.one(unlink("a/b", true)).unwrap();
    assert!(!f.dir.0.join("a/b").exists());
}

#[test]
fn the_file_tree_operations_never_leave_their_directory() {
    let mut f = Fixture::new(false);
    let outside = tempdir::Dir::new();
    std::fs::write(outside.0.join("victim"), b"keep").unwrap();
    std::os::unix::fs::symlink(&outside.0, f.dir.0.join("link")).unwrap();
    let mk = |path: &str| Op::Mkdirat(MkdiratArgs { dir: 0, path: path.into(), mode: 0o755 });
    let unlink = |path: &str| Op::Unlinkat(UnlinkatArgs { dir: 0, path: path.into(), remove_dir: false });
    let rename = |from: &str, to: &str| Op::Renameat(RenameatArgs { old_dir: 0, old_path: from.into(), new_dir: 0, new_path: to.into() });
    for op in [mk("link/new"), mk("../new"), mk("/tmp/new"), unlink("link/victim"), unlink("../victim")] {
        assert_eq!(f.one(op).unwrap_err(), ErrorCode::Access);
    }
    std::fs::write(f.dir.0.join("mine"), b"x").unwrap();
    assert_eq!(f.one(rename("mine", "link/mine")).unwrap_err(), ErrorCode::Access);
    assert_eq!(f.one(rename("link/victim", "stolen")).unwrap_err(), ErrorCode::Access);
    assert_eq!(f.one(mk("..")).unwrap_err(), ErrorCode::Invalid);
    // A symlink named last is removed itself, never followed.
    f.one(unlink("link")).unwrap();
    assert_eq!(std::fs::read(outside.0.join("victim")).unwrap(), b"keep");
    assert!(outside.0.is_dir());
}

#[test]
fn a_read_only_grant_refuses_every_file_tree_change() {
    let mut f = Fixture::new(true);
    std::fs::write(f.dir.0.join("f"), b"data").unwrap();
    let file = f.open("f", OpenFlags::READ).unwrap();
    for op in [
        Op::Mkdirat(MkdiratArgs { dir: 0, path: "d".into(), mode: 0o755 }),
        Op::Unlinkat(UnlinkatArgs { dir: 0, path: "f".into(), remove_dir: false }),
        Op::Renameat(RenameatArgs { old_dir: 0, old_path: "f".into(), new_dir: 0, new_path: "g".into() }),
        Op::Ftruncate((file, 0)),
    ] {
        assert_eq!(f.one(op).unwrap_err(), ErrorCode::Access);
    }
    assert_eq!(std::fs::read(f.dir.0.join("f")).unwrap(), b"data");
}

#[test]
fn a_multishot_poll_on_a_ready_descriptor_ends_when_cancelled() {
    let mut f = Fixture::new(false);
    let (a, _b) = UnixStream::pair().unwrap();
    let h = f.grant(a);
    let poll = Op::Poll(PollArgs { fd: h, events: PollEvents::WRITABLE, multishot: true });
    f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(poll, 1)], &mut f.changes);
    let first = f.next();
    assert_eq!((first.user_data, first.more), (1, true));
    let cqes = f.run(vec![Fixture::sqe(Op::Cancel(CancelArgs { target: 1, all: true }), 2)]);
    let results: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res, c.more)).collect();
    assert_eq!(results, [(1, Err(ErrorCode::Canceled), false), (2, Ok(1), false)]);
    assert_eq!(f.ring.inflight.live(), 0);
}

/// Found by the fuzzer: a write to a tty whose reader has stopped held the guest's thread
/// inside io_uring_enter (n_tty_write ignores IOCB_NOWAIT). Terminal I/O now waits on
/// io_uring's workers: submit and complete return, and the waiting writes are cancelled.
#[test]
fn a_write_to_a_full_tty_device_waits_without_holding_the_thread() {
    // On a thread of its own (a ring is entered only by the thread that made it): were it
    // held in the kernel, the test fails rather than hangs.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut f = Fixture::new(false);
        let (_master, slave) = super::fuzz::openpty();
        let spec: crate::caps::grants::DeviceSpec = format!("tty=/proc/self/fd/{}", slave.as_raw_fd()).parse().unwrap();
        let fd = crate::caps::grants::Grants::open(&[], &[], &[spec]).unwrap().entries.remove(0).fd;
        let h = f.install(Descriptor::with_role(fd, crate::caps::descriptors::Role::Device));
        let write = || Op::Write(WriteArgs { fd: h, data: vec![b'x'; 16 << 10], offset: None });
        let writes = (0..8).map(|i| Fixture::sqe(write(), 100 + i)).collect();
        assert_eq!(f.ring.submit(&mut f.descriptors, writes, &mut f.changes), 8);
        let cqes = f.ring.complete(&mut f.descriptors, 8, 8, Some(Duration::from_millis(200)), &mut f.changes);
        let _ = done.send(cqes.len());
        f.ring.shutdown(&mut f.descriptors);
    });
    let reaped = finished.recv_timeout(Duration::from_secs(10)).expect("the guest's thread was held in the kernel");
    assert!(reaped < 8, "the line has room for some of it, and the rest waits: {reaped} writes completed");
}

/// Found by the fuzzer: with room for one completion, a reap that took only a cancel's answer
/// (which the host consumes) returned nothing, so a guest cancelling as fast as it reaped never
/// caught up. Each call now returns a completion while any is there.
#[test]
fn completions_the_host_consumes_take_none_of_the_guests_room() {
    let mut f = Fixture::new(false);
    f.ring.config.budget = Arc::new(Budget::new(1 << 20, 1));
    let sqes = vec![Fixture::sqe(sleep(10_000), 5), Fixture::sqe(sleep(10_000), 5), Fixture::sqe(Op::Cancel(CancelArgs { target: 5, all: true }), 6)];
    assert_eq!(f.ring.submit(&mut f.descriptors, sqes, &mut f.changes), 3);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let cqes = f.ring.complete(&mut f.descriptors, 1, 1, Some(Duration::from_secs(5)), &mut f.changes);
        assert_eq!(cqes.len(), 1, "each call returns one of the three completions; had {seen:?}");
        seen.push((cqes[0].user_data, cqes[0].res));
    }
    seen.sort_by_key(|s| s.0);
    assert_eq!(seen, [(5, Err(ErrorCode::Canceled)), (5, Err(ErrorCode::Canceled)), (6, Ok(2))]);
}

/// A multicast membership on the loopback interface (index of `lo`), for the tests below.
fn group_on_lo(a: u8, b: u8, c: u8, d: u8) -> crate::ioring::ring::types::MulticastGroup {
    crate::ioring::ring::types::MulticastGroup {
        group: crate::ioring::ring::types::IpAddress::Ipv4((a, b, c, d)),
        interface_name: "lo".into(),
    }
}

/// Whether the kernel lists `group` (as /proc/net/igmp writes it: hex, low octet first) as
/// joined on `lo`.
fn lo_has_group(group: [u8; 4]) -> bool {
    let hex = format!("{:02X}{:02X}{:02X}{:02X}", group[3], group[2], group[1], group[0]);
    let igmp = std::fs::read_to_string("/proc/net/igmp").unwrap();
    let mut on_lo = false;
    for line in igmp.lines() {
        if !line.starts_with('\t') {
            on_lo = line.split_whitespace().nth(1) == Some("lo");
        } else if on_lo && line.split_whitespace().next() == Some(hex.as_str()) {
            return true;
        }
    }
    false
}

#[test]
fn multicast_on_loopback_joins_receives_and_leaves_within_the_grant() {
    let mut p = policy(&[], &["udp:239.255.77.1:*"]);
    p.multicast = vec!["239.255.77.0/24".parse().unwrap()];
    let mut f = Fixture::with_policy(false, p);
    let rx = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Datagram);
    // Bound to the group's address: allowed by the --multicast grant, not by a --bind.
    f.one(Op::Bind((rx, wit_addr("239.255.77.1:0")))).unwrap();
    let port = match f.one(Op::LocalAddress(rx)).unwrap().detail {
        CqeDetail::Address(SocketAddress::Ipv4(a)) => a.port,
        other => panic!("{other:?}"),
    };
    f.one(Op::SetOption((rx, SocketOption::MulticastJoin(group_on_lo(239, 255, 77, 1))))).unwrap();
    assert!(lo_has_group([239, 255, 77, 1]), "the kernel has the membership on lo");
    let tx = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Datagram);
    f.one(Op::SetOption((tx, SocketOption::MulticastInterface("lo".into())))).unwrap();
    f.one(Op::SetOption((tx, SocketOption::MulticastLoop(true)))).unwrap();
    f.one(Op::SetOption((tx, SocketOption::MulticastTtl(0)))).unwrap();
    let to = Some(wit_addr(&format!("239.255.77.1:{port}")));
    f.one(Op::Sendmsg(SendmsgArgs { fd: tx, data: b"to the group".to_vec(), to })).unwrap();
    let got = f.one(Op::Recvmsg(RecvArgs { fd: rx, len: 64 })).unwrap();
    assert_eq!(got.data, b"to the group");
    // Outside the grant: refused, and the kernel never saw it.
    assert_eq!(
        f.one(Op::SetOption((rx, SocketOption::MulticastJoin(group_on_lo(239, 255, 76, 1))))).unwrap_err(),
        ErrorCode::Access
    );
    assert!(!lo_has_group([239, 255, 76, 1]));
    assert_eq!(f.one(Op::Bind((tx, wit_addr("239.255.76.1:0")))).unwrap_err(), ErrorCode::Access);
    // Not a group at all, a group of the other family, an interface that does not exist.
    assert_eq!(f.one(Op::SetOption((rx, SocketOption::MulticastJoin(group_on_lo(127, 0, 0, 1))))).unwrap_err(), ErrorCode::Invalid);
    let v6 = crate::ioring::ring::types::MulticastGroup {
        group: crate::ioring::ring::types::IpAddress::Ipv6((0xff02, 0, 0, 0, 0, 0, 0x77, 1)),
        interface_name: "lo".into(),
    };
    assert_eq!(f.one(Op::SetOption((rx, SocketOption::MulticastJoin(v6)))).unwrap_err(), ErrorCode::Access, "no v6 grant");
    let nowhere = crate::ioring::ring::types::MulticastGroup { interface_name: "nosuchif0".into(), ..group_on_lo(239, 255, 77, 2) };
    assert_eq!(f.one(Op::SetOption((rx, SocketOption::MulticastJoin(nowhere)))).unwrap_err(), ErrorCode::NoDevice);
    // On a file: no socket.
    assert_eq!(f.one(Op::SetOption((0, SocketOption::MulticastLoop(true)))).unwrap_err(), ErrorCode::BadDescriptor);
    f.one(Op::SetOption((rx, SocketOption::MulticastLeave(group_on_lo(239, 255, 77, 1))))).unwrap();
    assert!(!lo_has_group([239, 255, 77, 1]), "left");
    assert_eq!(
        f.one(Op::SetOption((rx, SocketOption::MulticastLeave(group_on_lo(239, 255, 77, 1))))).unwrap_err(),
        ErrorCode::AddressNotAvailable,
        "leaving a group not joined"
    );
}

#[test]
fn multicast_options_need_a_multicast_grant() {
    let mut f = Fixture::with_policy(false, policy(&["udp:127.0.0.1:*"], &[]));
    let s = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Datagram);
    for option in [
        SocketOption::MulticastJoin(group_on_lo(239, 255, 77, 1)),
        SocketOption::MulticastLeave(group_on_lo(239, 255, 77, 1)),
        SocketOption::MulticastInterface("lo".into()),
        SocketOption::MulticastLoop(false),
        SocketOption::MulticastTtl(4),
    ] {
        assert_eq!(f.one(Op::SetOption((s, option.clone()))).unwrap_err(), ErrorCode::Access, "{option:?}");
    }
    assert!(!lo_has_group([239, 255, 77, 1]));
    // The TTL the kernel keeps is still its default.
    let mut ttl: libc::c_int = 0;
    let mut len = 4;
    let raw = f.descriptors.get(s).unwrap().raw();
    // SAFETY: an int-sized out parameter.
    unsafe { libc::getsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, (&raw mut ttl).cast(), &mut len) };
    assert_eq!(ttl, 1);
}

/// The interface a socket is bound to (SO_BINDTODEVICE), empty when none.
fn bound_device(f: &Fixture, s: u32) -> String {
    let mut name = [0u8; libc::IFNAMSIZ];
    let mut len = name.len() as libc::socklen_t;
    let raw = f.descriptors.get(s).unwrap().raw();
    // SAFETY: room for an interface name.
    unsafe { libc::getsockopt(raw, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, name.as_mut_ptr().cast(), &mut len) };
    String::from_utf8_lossy(&name[..name.iter().position(|&b| b == 0).unwrap_or(0)]).into_owned()
}

#[test]
fn bind_to_device_only_to_a_granted_interface() {
    let mut p = policy(&[], &[]);
    p.bind_devices = vec!["lo".into(), "nosuchif0".into()];
    let mut f = Fixture::with_policy(false, p);
    let s = new_socket(&mut f, AddressFamily::Ipv4, SocketType::Datagram);
    assert_eq!(f.one(Op::SetOption((s, SocketOption::BindToDevice("eth0".into())))).unwrap_err(), ErrorCode::Access);
    assert_eq!(bound_device(&f, s), "", "refused before the kernel saw it");
    f.one(Op::SetOption((s, SocketOption::BindToDevice("lo".into())))).unwrap();
    assert_eq!(bound_device(&f, s), "lo");
    // Granted, but no such interface on this system.
    assert_eq!(f.one(Op::SetOption((s, SocketOption::BindToDevice("nosuchif0".into())))).unwrap_err(), ErrorCode::NoDevice);
    f.one(Op::SetOption((s, SocketOption::BindToDevice(String::new())))).unwrap();
    assert_eq!(bound_device(&f, s), "");
    assert_eq!(f.one(Op::SetOption((s, SocketOption::BindToDevice("x".repeat(16))))).unwrap_err(), ErrorCode::Access, "not granted, whatever its length");
}

fn gpio_request(chip: u32, line: u32, direction: crate::ioring::ring::types::GpioDirection) -> Op {
    use crate::ioring::ring::types::{GpioBias, GpioEdgeFlags, GpioRequestArgs};
    Op::GpioRequest(GpioRequestArgs {
        chip,
        line,
        direction,
        bias: GpioBias::AsIs,
        active_low: false,
        edges: GpioEdgeFlags::RISING | GpioEdgeFlags::FALLING,
        initial: false,
    })
}

#[test]
fn gpio_error_paths_on_a_kernel_without_gpio_chips() {
    use crate::ioring::ring::types::GpioDirection;
    let mut f = Fixture::new(false);
    // Handle 0 is a directory, no --device grant: the chip reaches hardware, so `access`.
    assert_eq!(f.one(gpio_request(0, 0, GpioDirection::Input)).unwrap_err(), ErrorCode::Access);
    assert_eq!(f.one(gpio_request(99, 0, GpioDirection::Input)).unwrap_err(), ErrorCode::BadDescriptor);
    // A --device grant that is no GPIO chip: the kernel's ENOTTY for the request ioctl.
    let null = f.grant_device(File::options().read(true).write(true).open("/dev/null").unwrap());
    assert_eq!(f.one(gpio_request(null, 0, GpioDirection::Input)).unwrap_err(), ErrorCode::NotATty);
    // Edges on an output line are refused before the kernel is asked.
    assert_eq!(f.one(gpio_request(null, 0, GpioDirection::Output)).unwrap_err(), ErrorCode::Invalid);
    // Line operations on what is no line: bad-descriptor, whatever the handle is.
    let (a, _b) = UnixStream::pair().unwrap();
    let sock = f.grant(a);
    for h in [0, null, sock, 99] {
        assert_eq!(f.one(Op::GpioGet(h)).unwrap_err(), ErrorCode::BadDescriptor, "gpio-get on {h}");
        assert_eq!(f.one(Op::GpioSet((h, true))).unwrap_err(), ErrorCode::BadDescriptor, "gpio-set on {h}");
        assert_eq!(f.one(Op::GpioEdges(h)).unwrap_err(), ErrorCode::BadDescriptor, "gpio-edges on {h}");
    }
    assert_eq!(f.descriptors.open().count(), 3, "nothing was installed");
}

/// The kernel's bytes of one edge event (struct gpio_v2_line_event; the layout is checked in
/// crate::gpio's tests against <linux/gpio.h>).
fn line_event(rising: bool, timestamp_ns: u64, line_seqno: u32) -> Vec<u8> {
    let mut e = vec![0u8; crate::gpio::EVENT_SIZE];
    e[0..8].copy_from_slice(&timestamp_ns.to_ne_bytes());
    e[8..12].copy_from_slice(&(if rising { crate::gpio::EVENT_RISING_EDGE } else { crate::gpio::EVENT_FALLING_EDGE }).to_ne_bytes());
    e[16..20].copy_from_slice(&line_seqno.to_ne_bytes());
    e[20..24].copy_from_slice(&line_seqno.to_ne_bytes());
    e
}

#[test]
fn gpio_edges_stream_from_a_mock_line_fd_since_this_kernel_has_no_gpio_chip() {
    use crate::caps::descriptors::Role;
    let mut f = Fixture::new(false);
    // A pipe stands in for a line's descriptor (this kernel has none): the host reads edge
    // events from it through the ring exactly as from a real line, one per read.
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors, which we own from here on.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: just created.
    let (rx, mut tx) = unsafe { (OwnedFd::from_raw_fd(fds[0]), File::from(OwnedFd::from_raw_fd(fds[1]))) };
    let streaming = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let role = Role::GpioLine { output: false, edges: true, streaming: Arc::clone(&streaming) };
    let line = f.install(Descriptor::with_role(rx, role));
    // 1000 edges at once, alternating, before the stream starts: all come, in order.
    let mut burst = Vec::new();
    for n in 1..=1000u32 {
        burst.extend(line_event(n % 2 == 1, 1_000_000 + u64::from(n) * 100_000, n));
    }
    tx.write_all(&burst).unwrap();
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::GpioEdges(line), 5)], &mut f.changes), 1);
    // A second stream on the same line is refused while the first runs.
    assert_eq!(f.one(Op::GpioEdges(line)).unwrap_err(), ErrorCode::Busy);
    for n in 1..=1000u32 {
        let c = f.next();
        assert_eq!((c.user_data, c.res, c.more), (5, Ok(n % 2), true), "edge {n}");
        match c.detail {
            CqeDetail::GpioEdge(e) => assert_eq!((e.rising, e.timestamp_ns, e.seqno), (n % 2 == 1, 1_000_000 + u64::from(n) * 100_000, n)),
            other => panic!("edge {n}: {other:?}"),
        }
    }
    // The stream waits for the next edge; a cancel ends it, and the line may stream again.
    assert!(f.ring.complete(&mut f.descriptors, 1, 1, Some(Duration::from_millis(50)), &mut f.changes).is_empty());
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::Cancel(CancelArgs { target: 5, all: false }), 6)], &mut f.changes), 1);
    let mut ends = vec![f.next(), f.next()];
    ends.sort_by_key(|c| c.user_data);
    assert_eq!((ends[0].user_data, ends[0].res, ends[0].more), (5, Err(ErrorCode::Canceled), false));
    assert_eq!((ends[1].user_data, ends[1].res), (6, Ok(1)));
    assert!(!streaming.load(std::sync::atomic::Ordering::Acquire), "the stream's flag is cleared");
    // Bytes that are no event (a short read) end a stream with `io`.
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![Fixture::sqe(Op::GpioEdges(line), 7)], &mut f.changes), 1);
    tx.write_all(&[1, 2, 3]).unwrap();
    let bad = f.next();
    assert_eq!((bad.user_data, bad.res, bad.more), (7, Err(ErrorCode::Io), false));
    // gpio-get and gpio-set reach the kernel's ioctls, which a pipe does not take; an input
    // line refuses gpio-set before that.
    assert_eq!(f.one(Op::GpioGet(line)).unwrap_err(), ErrorCode::NotATty);
    assert_eq!(f.one(Op::GpioSet((line, true))).unwrap_err(), ErrorCode::NotPermitted);
}

#[test]
fn an_entry_the_host_could_not_decode_completes_with_its_error_and_fails_its_chain() {
    let mut f = Fixture::new(false);
    let undecodable = Request { op: Err(ErrorCode::Invalid), user_data: 5, flags: SqeFlags::LINK };
    let after = Request::from(Fixture::sqe(Op::Nop, 6));
    assert_eq!(f.ring.submit(&mut f.descriptors, vec![undecodable, after], &mut f.changes), 2);
    let cqes = f.ring.complete(&mut f.descriptors, 2, 8, Some(Duration::from_secs(5)), &mut f.changes);
    let got: Vec<_> = cqes.iter().map(|c| (c.user_data, c.res)).collect();
    // The chain fails from the entry that failed, as a kernel link chain does.
    assert_eq!(got, vec![(5, Err(ErrorCode::Invalid)), (6, Err(ErrorCode::Canceled))]);
}
