//! A fuzzer for the host side of the ring: SQE decoding, validation and preparation, driven
//! into a real io_uring. Structure-aware random generation from a seeded PRNG (splitmix64,
//! no coverage feedback: cargo-fuzz needs a nightly toolchain), so it runs on stable and in
//! `cargo test`.
//!
//! A *world* is what one guest holds: a descriptor table (stdio-like pipes and /dev/null, a
//! read-write and a read-only directory grant, a TCP listener and a UDP socket grant, unix
//! stream and datagram sockets, a TCP connection, a pty and /dev/null as `--device` grants),
//! one or two rings on a small guest-wide budget, and a network policy that allows nothing
//! but loopback addresses of sockets the world owns and a unix path in its own directory.
//! An *execution* is one `submit` of a random batch of SQEs followed by one to three
//! `complete` calls with random `min`, `max` and timeout, sometimes preceded by a
//! `register-buffers`/`buffer-read`/`buffer-write` call or by traffic from the world's peers.
//!
//! Checked after every execution, not just "no panic":
//! - every CQE names a user-data that was taken and not yet finished; only multishot
//!   operations report `more`; data never exceeds what was asked and matches the count;
//!   handles in CQEs are open; operations that must fail (escapes from a directory grant,
//!   writes under a read-only grant, device operations on other handles, absurd lengths, a
//!   link-timeout with nothing before it) do fail;
//! - `complete` returns at most `max` CQEs and never overruns its timeout by seconds;
//! - the guest-wide budget counts exactly what the rings hold (ready completions and their
//!   bytes, in-flight bytes, fixed and provided buffers);
//! - no guest socket listens on anything but loopback or a unix path.
//!
//! And at the end of each world: every taken SQE produced exactly one final CQE (when the
//! world is drained through `cancel` and `complete`) or was ended by dropping the ring; the
//! budget is back to zero; every host descriptor the world created is closed; nothing outside
//! the granted directories changed.

use super::{Budget, GuestRing, MAX_IO_LEN, RingConfig, TableChanges};
use crate::bindings::{Cqe, CqeDetail, Op, OpenFlags, Sqe, SqeFlags};
use crate::caps::descriptors::{Descriptor, Descriptors, Role};
use crate::ioring::ring::types::{
    AddressFamily, CancelArgs, FixedArgs, I2cArgs, I2cMessage, IpAddress, MulticastGroup, GpioBias, GpioDirection, GpioEdgeFlags, GpioRequestArgs, Ipv4SocketAddress, Ipv6SocketAddress, MkdiratArgs, OpenatArgs, RenameatArgs, UnlinkatArgs,
    Parity, PollArgs, PollEvents, ReadArgs, RecvArgs, SendArgs, SendmsgArgs, ShutdownHow, SocketAddress, SocketOption,
    SocketType, SpiArgs, SpiSegment, StatxArgs, TimeoutArgs, TtyConfig, WriteArgs,
};
use crate::caps::net::{AddrPattern, NetPolicy, RawAddr};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    /// Executions in total, over as many worlds as that takes.
    pub executions: u64,
    /// Run only this world of the seed's sequence (to reproduce a finding).
    pub world: Option<u64>,
    /// Log every SQE and CQE (the rings' --trace).
    pub trace: bool,
}

/// What a run did and found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub executions: u64,
    pub worlds: u64,
    pub sqes: u64,
    pub taken: u64,
    pub cqes: u64,
    pub complete_calls: u64,
    /// Worlds ended by draining every operation through cancel + complete, and by dropping
    /// their rings with operations in flight.
    pub drained: u64,
    pub dropped: u64,
    /// Invariant violations and panics, each with the seed and world that reproduce it.
    pub findings: Vec<String>,
    pub elapsed: Duration,
}

/// Progress for a watchdog: executions so far, bumped after each one.
pub static HEARTBEAT: AtomicU64 = AtomicU64::new(0);

/// Runs worlds until `opts.executions` executions are done; `progress` is called after each
/// world.
pub fn run(opts: &Options, mut progress: impl FnMut(&Report)) -> Report {
    let start = Instant::now();
    let mut report = Report::default();
    let mut index = opts.world.unwrap_or(0);
    while report.executions < opts.executions {
        let mut rng = Rng::new(opts.seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let own = 50 + rng.below(1950);
        let budget = if opts.world.is_some() { own } else { (opts.executions - report.executions).min(own) };
        let tag = format!("seed {} world {index}", opts.seed);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut findings = Vec::new();
            let fds_before = open_fds();
            let mut world = World::new(rng, opts.trace);
            let mut stats = Report::default();
            for _ in 0..budget {
                world.execute(&mut stats);
                HEARTBEAT.fetch_add(1, Ordering::Relaxed);
                if !world.findings.is_empty() {
                    break;
                }
            }
            let drained = world.end(&mut stats);
            findings.append(&mut world.findings);
            let root = world.dir.root.clone();
            drop(world);
            if let Some(leak) = fd_leak(&fds_before) {
                findings.push(format!("descriptors leaked past the world's end: {leak}"));
            }
            if root.exists() {
                findings.push(format!("{} was not removed", root.display()));
            }
            (stats, findings, drained)
        }));
        match outcome {
            Ok((stats, findings, drained)) => {
                report.executions += stats.executions;
                report.sqes += stats.sqes;
                report.taken += stats.taken;
                report.cqes += stats.cqes;
                report.complete_calls += stats.complete_calls;
                if drained { report.drained += 1 } else { report.dropped += 1 }
                report.findings.extend(findings.into_iter().map(|f| format!("{tag}: {f}")));
            }
            Err(panic) => {
                let msg = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
                report.findings.push(format!("{tag}: panic: {}", msg.unwrap_or_default()));
                report.executions += budget;
            }
        }
        report.worlds += 1;
        report.elapsed = start.elapsed();
        progress(&report);
        if opts.world.is_some() {
            break;
        }
        index += 1;
    }
    report.elapsed = start.elapsed();
    report
}

/// splitmix64: small, fast, and the same sequence everywhere for a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True one time in `n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }

    pub fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

/// Lengths that sit on every edge the host checks.
fn absurd_len(rng: &mut Rng) -> u32 {
    rng.pick(&[0, 1, 2, 4095, 4096, 65536, MAX_IO_LEN - 1, MAX_IO_LEN, MAX_IO_LEN + 1, u32::MAX, u32::MAX - 1, i32::MAX as u32])
}

/// What the guest knows about one taken SQE, to check its CQEs against.
#[derive(Clone, Debug)]
struct Expect {
    op: &'static str,
    multishot: bool,
    /// Most data bytes a CQE may carry.
    max_data: usize,
    /// A successful CQE's data length equals its count.
    data_is_count: bool,
    /// Why this operation must not succeed, if it must not.
    must_fail: Option<&'static str>,
}

impl Expect {
    fn new(op: &'static str) -> Self {
        Self { op, multishot: false, max_data: 0, data_is_count: false, must_fail: None }
    }

    /// Why `c` cannot be a CQE of this operation, if it cannot.
    fn refuses(&self, c: &Cqe) -> Option<String> {
        if c.more && !self.multishot {
            return Some(format!("{} reported more=true", self.op));
        }
        if c.data.len() > self.max_data {
            return Some(format!("{} returned {} data bytes, at most {} expected", self.op, c.data.len(), self.max_data));
        }
        match c.res {
            Ok(n) if self.data_is_count && n as usize != c.data.len() => {
                Some(format!("{} res=Ok({n}) with {} data bytes", self.op, c.data.len()))
            }
            Ok(_) if self.must_fail.is_some() => Some(format!("{} succeeded: {}", self.op, self.must_fail.unwrap_or_default())),
            Err(_) if !c.data.is_empty() => Some(format!("{} failed with {} data bytes", self.op, c.data.len())),
            _ => None,
        }
    }
}

/// The guest's view of one ring: operations taken and not yet finished, by user-data.
#[derive(Default)]
struct Tracker {
    outstanding: BTreeMap<u32, Group>,
    count: usize,
}

/// The operations in flight under one user-data. A guest may reuse a user-data while it is
/// in flight: which CQE is whose is then ambiguous, and only the counts are checked.
#[derive(Default)]
struct Group {
    ops: Vec<Expect>,
    shared: bool,
    had_multishot: bool,
}

impl Tracker {
    fn take(&mut self, user_data: u32, e: Expect) {
        let g = self.outstanding.entry(user_data).or_default();
        g.shared |= !g.ops.is_empty();
        g.had_multishot |= e.multishot;
        g.ops.push(e);
        self.count += 1;
    }

    /// Accounts for `c`; a finding when it fits no taken operation.
    fn complete(&mut self, c: &Cqe) -> Result<(), String> {
        let Some(g) = self.outstanding.get_mut(&c.user_data) else {
            return Err(format!("CQE for user-data {} that is not in flight: {c:?}", c.user_data));
        };
        if g.shared {
            if c.more && !g.had_multishot {
                return Err(format!("user-data {} (shared by {:?}) reported more=true", c.user_data, g.ops.iter().map(|e| e.op).collect::<Vec<_>>()));
            }
        } else if let Some(why) = g.ops[0].refuses(c) {
            return Err(format!("user-data {}: {why} ({:?})", c.user_data, c.res));
        }
        if !c.more {
            let i = g.ops.iter().position(|e| !e.multishot).filter(|_| !g.shared || c.res.is_ok()).unwrap_or(0);
            g.ops.remove(i);
            self.count -= 1;
            if g.ops.is_empty() {
                self.outstanding.remove(&c.user_data);
            }
        }
        Ok(())
    }

    fn any(&self, rng: &mut Rng) -> Option<u32> {
        if self.outstanding.is_empty() {
            return None;
        }
        let n = rng.below(self.outstanding.len() as u64) as usize;
        self.outstanding.keys().nth(n).copied()
    }

    /// What is outstanding, as user-data and operation.
    fn describe(&self) -> Vec<String> {
        self.outstanding.iter().flat_map(|(u, g)| g.ops.iter().map(move |e| format!("{u} {}", e.op))).collect()
    }
}

/// A fresh directory tree for one world, removed on drop: `grant/` (read-write grant),
/// `ro/` (read-only grant) and `outside/`, a decoy that escapes from the grants would reach
/// and that must never change.
struct Tree {
    root: PathBuf,
}

impl Tree {
    fn new() -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        // tmpfs when there is one: fsync is free and nothing reaches a disk.
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() { base.to_path_buf() } else { std::env::temp_dir() };
        let root = base.join(format!("ioring-fuzz-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let grant = root.join("grant");
        std::fs::create_dir_all(grant.join("sub")).unwrap();
        std::fs::create_dir_all(root.join("ro")).unwrap();
        std::fs::create_dir_all(root.join("outside")).unwrap();
        std::fs::write(grant.join("a"), vec![b'a'; 4096]).unwrap();
        std::fs::write(grant.join("sub/c"), b"c").unwrap();
        std::fs::write(root.join("ro/r"), b"read only").unwrap();
        std::fs::write(root.join("outside/keep"), b"keep").unwrap();
        std::os::unix::fs::symlink("../outside", grant.join("out")).unwrap();
        std::os::unix::fs::symlink("loop", grant.join("loop")).unwrap();
        std::os::unix::fs::symlink("/etc", grant.join("etc")).unwrap();
        let fifo = std::ffi::CString::new(grant.join("fifo").into_os_string().into_encoded_bytes()).unwrap();
        // SAFETY: a valid path.
        unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) };
        Self { root }
    }

    /// What lies outside the grants, for comparing before and after.
    fn outside(&self) -> Vec<(String, Vec<u8>)> {
        let mut seen = Vec::new();
        let listings = ["", "outside", "ro"].map(|d| std::fs::read_dir(self.root.join(d)).unwrap());
        for entry in listings.into_iter().flatten() {
            let entry = entry.unwrap();
            let content = if entry.file_type().unwrap().is_file() { std::fs::read(entry.path()).unwrap() } else { Vec::new() };
            seen.push((entry.path().display().to_string(), content));
        }
        seen.sort();
        seen
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The other ends of what the guest holds, driven by the fuzzer.
struct Peers {
    stdin: File,
    stderr: File,
    stream: UnixStream,
    dgram: UnixDatagram,
    tcp: TcpStream,
    _tcp_listener: TcpListener,
    udp: UdpSocket,
    pty: OwnedFd,
    clients: Vec<TcpStream>,
}

/// Paths a write-capable openat may name: inside the grant, or escapes that could only reach
/// the world's own decoy directory (so a broken confinement could not touch anything else).
const PATHS: &[&str] = &[
    "a", "b", "new0", "new1", "new2", "sub", "sub/c", "sub/../a", ".", "", "a/", "..", "../outside/keep", "../x",
    "out", "out/keep", "out/y", "loop", "fifo", "s0", "nul\0byte",
];

/// Paths only read-only operations name: absolute and magic-link escapes to the real system.
const READ_ONLY_PATHS: &[&str] = &["/etc/passwd", "/proc/self/fd/0", "/", "etc/passwd", "etc", "/dev/null"];

struct World {
    rng: Rng,
    dir: Tree,
    outside: Vec<(String, Vec<u8>)>,
    descriptors: Descriptors,
    rings: Vec<GuestRing>,
    trackers: Vec<Tracker>,
    budget: Arc<Budget>,
    changes: TableChanges,
    peers: Peers,
    listen_port: u16,
    udp_port: u16,
    next_user_data: u32,
    /// The ring the batch being generated is for.
    current: usize,
    /// The directory grants' handles and serials, while they are still the grants.
    grant_serials: [(u32, u64); 2],
    /// Handles a taken `close` named while they were open.
    closed: std::collections::BTreeSet<u32>,
    /// Whether an unlinkat or renameat has named one of the grant's trap links (`out`, `etc`,
    /// `loop`): from then on a path through that name may lead to a file made inside the grant,
    /// so only the tree check (nothing outside changed) judges it.
    links_touched: bool,
    /// Per ring: executions in a row that could submit nothing.
    stalled: Vec<u32>,
    /// Each ring's configuration, to make it anew.
    configs: Vec<RingConfig>,
    findings: Vec<String>,
    executions: u64,
}

/// Whether `path` names one of the fixture's symbolic links in the grant itself (which an
/// unlinkat or renameat inside the grant may remove or replace).
fn names_trap_link(path: &str) -> bool {
    ["out", "etc", "loop"].contains(&path)
}

fn open_dir(path: &Path) -> OwnedFd {
    File::open(path).unwrap().into()
}

impl World {
    fn new(mut rng: Rng, trace: bool) -> Self {
        let dir = Tree::new();
        let outside = dir.outside();
        let capacity = 12 + rng.below(52) as u32;
        let mut descriptors = Descriptors::new(capacity);
        let mut put = |d: Descriptor| descriptors.install(d).unwrap();

        // 0, 1, 2: stdio-like. Reads of 0 wait for the fuzzer; writes to 2 fill a pipe.
        let (stdin_r, stdin_w) = pipe();
        let (stderr_r, stderr_w) = pipe();
        set_nonblocking(&stderr_r);
        put(Descriptor::new(stdin_r, false));
        put(Descriptor::new(File::options().write(true).open("/dev/null").unwrap().into(), false));
        put(Descriptor::new(stderr_w, false));
        // 3, 4: directory grants.
        put(Descriptor::new(open_dir(&dir.root.join("grant")), false));
        put(Descriptor::new(open_dir(&dir.root.join("ro")), true));
        // 5: a TCP listener grant; 6: a UDP grant that may reply to its peers.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let listen_port = listener.local_addr().unwrap().port();
        put(Descriptor::listener(listener.into()));
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let udp_port = udp.local_addr().unwrap().port();
        put(Descriptor::replying(udp.into()));
        // 7, 8: unix sockets; 9: a TCP connection.
        let (stream, stream_peer) = UnixStream::pair().unwrap();
        put(Descriptor::new(stream.into(), false));
        let (dgram, dgram_peer) = UnixDatagram::pair().unwrap();
        put(Descriptor::new(dgram.into(), false));
        let tcp_listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let tcp_peer = TcpStream::connect(tcp_listener.local_addr().unwrap()).unwrap();
        let (tcp, _) = tcp_listener.accept().unwrap();
        put(Descriptor::new(tcp.into(), false));
        // 10, 11: device grants: a pty and /dev/null.
        let (master, slave) = openpty();
        // As the host opens --device grants.
        set_nonblocking(&slave);
        put(Descriptor::with_role(slave, Role::Device));
        put(Descriptor::with_role(File::options().read(true).write(true).open("/dev/null").unwrap().into(), Role::Device));
        for s in [&stream_peer.as_fd(), &dgram_peer.as_fd(), &tcp_peer.as_fd(), &master.as_fd(), &stdin_w.as_fd()] {
            set_nonblocking(s);
        }
        let udp_peer = UdpSocket::bind("127.0.0.1:0").unwrap();
        udp_peer.set_nonblocking(true).unwrap();

        // Loopback only, and only ports and paths this world owns.
        let unix_path = dir.root.join("grant/s0").display().to_string();
        let pattern = |s: String| s.parse::<AddrPattern>().unwrap();
        let policy = NetPolicy {
            bind: vec![pattern("tcp:127.0.0.1:*".into()), pattern("udp:127.0.0.1:*".into()), pattern("tcp:[::1]:*".into()), pattern(format!("unix:{unix_path}"))],
            connect: vec![
                pattern(format!("tcp:127.0.0.1:{listen_port}")),
                pattern(format!("udp:127.0.0.1:{udp_port}")),
                pattern(format!("unix:{unix_path}")),
            ],
            multicast: vec!["239.255.77.0/24".parse().unwrap()],
            bind_devices: vec!["lo".into()],
        };
        let max_bytes = rng.pick(&[0, 4096, 64 << 10, 1 << 20, 2 << 20, 64 << 20]);
        let max_completions = rng.pick(&[1, 2, 8, 32, 256]);
        let budget = Arc::new(Budget::new(max_bytes, max_completions));
        let n_rings = if rng.one_in(4) { 2 } else { 1 };
        let mut rings = Vec::new();
        let mut configs = Vec::new();
        for _ in 0..n_rings {
            let config = RingConfig {
                entries: rng.pick(&[1, 2, 4, 8, 16, 64]),
                max_inflight: rng.pick(&[1, 2, 8, 32, 128]),
                budget: Arc::clone(&budget),
                policy: Arc::new(policy.clone()),
                trace,
            };
            rings.push(GuestRing::new(config.clone(), &descriptors).unwrap());
            configs.push(config);
        }
        let trackers = rings.iter().map(|_| Tracker::default()).collect();
        let peers = Peers {
            stdin: stdin_w.into(),
            stderr: stderr_r.into(),
            stream: stream_peer,
            dgram: dgram_peer,
            tcp: tcp_peer,
            _tcp_listener: tcp_listener,
            udp: udp_peer,
            pty: master,
            clients: Vec::new(),
        };
        let next_user_data = rng.next() as u32;
        let grant_serials = [(3, descriptors.serial(3)), (4, descriptors.serial(4))];
        Self {
            rng,
            dir,
            outside,
            descriptors,
            rings,
            trackers,
            budget,
            changes: TableChanges::default(),
            peers,
            listen_port,
            udp_port,
            next_user_data,
            current: 0,
            stalled: vec![0; n_rings],
            closed: Default::default(),
            links_touched: false,
            grant_serials,
            configs,
            findings: Vec::new(),
            executions: 0,
        }
    }

    fn find(&mut self, what: String) {
        self.findings.push(format!("execution {}: {what}", self.executions));
    }

    /// One execution: maybe a buffer call or peer traffic, one submit, one to three completes.
    fn execute(&mut self, stats: &mut Report) {
        let r = self.rng.below(self.rings.len() as u64) as usize;
        self.current = r;
        if self.rng.one_in(30) {
            self.buffer_call(r);
        }
        if self.rng.one_in(6) {
            self.peer_traffic();
        }
        let (sqes, expects) = self.batch(r);
        let n = sqes.len();
        let closing: Vec<u32> = sqes.iter().filter_map(|s| if let Op::Close(h) = s.op { Some(h) } else { None }).collect();
        self.closed.extend(closing.into_iter().filter(|&h| self.descriptors.get(h).is_ok()));
        let taken = self.rings[r].submit(&mut self.descriptors, sqes, &mut self.changes) as usize;
        if taken > n {
            self.find(format!("submit took {taken} of {n}"));
        }
        for (user_data, e) in expects.into_iter().take(taken) {
            self.trackers[r].take(user_data, e);
        }
        self.mirror(r);
        // A guest whose every slot waits on something that never ends, and that does not
        // cancel it, drops the ring and makes a new one.
        self.stalled[r] = if taken == 0 && n > 0 && self.rings[r].inflight.free() == 0 { self.stalled[r] + 1 } else { 0 };
        if self.stalled[r] > 20 {
            self.replace_ring(r);
        }
        stats.sqes += n as u64;
        stats.taken += taken as u64;
        for _ in 0..1 + self.rng.below(3) {
            let r = if self.rng.one_in(4) { self.rng.below(self.rings.len() as u64) as usize } else { r };
            stats.cqes += self.complete(r) as u64;
            stats.complete_calls += 1;
        }
        self.check_accounting();
        if self.executions % 64 == 0 {
            self.check_exposure();
        }
        self.executions += 1;
        stats.executions += 1;
    }

    /// Mirrors ring `r`'s table changes into the other rings, as `Guest::with_ring` does.
    fn mirror(&mut self, r: usize) {
        for (i, ring) in self.rings.iter_mut().enumerate() {
            for &(handle, fd) in &self.changes.installed {
                ring.mirror(handle, fd);
            }
            if i != r {
                for &handle in &self.changes.closed {
                    ring.mirror(handle, -1);
                }
            }
        }
        self.changes.installed.clear();
        self.changes.closed.clear();
    }

    /// Drops ring `r` with what it has in flight (which ends those operations) and puts a
    /// new one in its place.
    fn replace_ring(&mut self, r: usize) {
        let start = Instant::now();
        let mut ring = GuestRing::new(self.configs[r].clone(), &self.descriptors).unwrap();
        std::mem::swap(&mut ring, &mut self.rings[r]);
        ring.shutdown(&mut self.descriptors);
        let live = ring.inflight.describe_live();
        drop(ring);
        if !live.is_empty() || start.elapsed() > Duration::from_secs(2) {
            self.find(format!("dropping a ring took {:?} and left {live:?} in flight", start.elapsed()));
        }
        self.trackers[r] = Tracker::default();
        self.stalled[r] = 0;
    }

    /// One `complete` call on ring `r` with random bounds; returns the CQEs it got.
    fn complete(&mut self, r: usize) -> usize {
        let out = self.trackers[r].count as u32;
        let (small, smallish) = (self.rng.below(8) as u32, self.rng.below(16) as u32);
        let min = self.rng.pick(&[0, 0, 1, out, out, out.saturating_add(1), u32::MAX, small]);
        let max = self.rng.pick(&[0, 1, 4, out, out.max(1), u32::MAX, 64, smallish]);
        // No bound only when nothing can be waited for: min 0, or nothing in flight.
        let timeout = if (min == 0 || out == 0) && self.rng.one_in(3) {
            None
        } else {
            Some(Duration::from_nanos(if self.rng.one_in(16) { self.rng.pick(&[1_000, 20_000, 200_000, 1_000_000]) } else { 0 }))
        };
        let start = Instant::now();
        let cqes = self.rings[r].complete(&mut self.descriptors, min, max, timeout, &mut self.changes);
        let took = start.elapsed();
        self.mirror(r);
        if took > timeout.unwrap_or_default() + Duration::from_secs(2) {
            self.find(format!("complete(min {min}, max {max}, timeout {timeout:?}) took {took:?} with {out} outstanding"));
        }
        if cqes.len() > max as usize {
            self.find(format!("complete(max {max}) returned {}", cqes.len()));
        }
        for c in &cqes {
            if let Err(f) = self.trackers[r].complete(c) {
                self.find(f);
            }
            let handle = match c.detail {
                CqeDetail::Handle(h) | CqeDetail::Accepted((h, _)) => Some(h),
                _ => None,
            };
            // A handle the guest may already have closed, not knowing it yet, by naming an
            // open index at random before this CQE reached it.
            if let Some(h) = handle {
                if self.descriptors.get(h).is_err() && !self.closed.contains(&h) {
                    self.find(format!("CQE {} gave handle {h}, which is not open", c.user_data));
                }
            }
        }
        cqes.len()
    }

    /// The budget counts exactly what the rings hold.
    fn check_accounting(&mut self) {
        let ready: usize = self.rings.iter().map(|r| r.ready.len()).sum();
        let bytes: usize = self
            .rings
            .iter()
            .map(|r| r.ready.iter().map(|c| c.data.len()).sum::<usize>() + r.provided_bytes + r.fixed.bytes() + r.inflight.held())
            .sum();
        let (counted_ready, counted_bytes) = (self.budget.completions(), self.budget.bytes());
        if counted_ready != ready || counted_bytes != bytes {
            self.find(format!(
                "budget counts {counted_ready} completions and {counted_bytes} bytes; the rings hold {ready} and {bytes}"
            ));
        }
    }

    /// No guest socket listens anywhere but on loopback or a unix path.
    fn check_exposure(&mut self) {
        let open: Vec<u32> = self.descriptors.open().map(|(h, _)| h).collect();
        for h in open {
            let Ok(d) = self.descriptors.get(h) else { continue };
            let fd = d.fd.as_fd();
            if !crate::caps::net::is_listening(fd) {
                continue;
            }
            let Some(local) = RawAddr::local_of(fd) else { continue };
            let ok = match local.to_wit() {
                SocketAddress::Ipv4(a) => Ipv4Addr::from(<[u8; 4]>::from(a.address)).is_loopback(),
                SocketAddress::Ipv6(a) => a.address == (0, 0, 0, 0, 0, 0, 0, 1),
                SocketAddress::Unix(_) => true,
            };
            if !ok {
                self.find(format!("handle {h} listens on {:?}", local.to_wit()));
            }
        }
    }

    /// Traffic from the other ends, so that receives, accepts and polls complete.
    fn peer_traffic(&mut self) {
        let data = vec![self.rng.next() as u8; self.rng.pick(&[1, 7, 512, 20_000])];
        let p = &mut self.peers;
        match self.rng.below(8) {
            0 => drop(p.stream.write(&data)),
            1 => drop(p.dgram.send(&data[..data.len().min(4096)])),
            2 => drop(p.tcp.write(&data)),
            3 => drop(p.stdin.write(&data[..data.len().min(512)])),
            4 => drop(p.udp.send_to(&data[..data.len().min(1024)], ("127.0.0.1", self.udp_port))),
            5 => {
                // SAFETY: a write of our own buffer to our own (non-blocking) pty master.
                unsafe { libc::write(p.pty.as_raw_fd(), data.as_ptr().cast(), data.len().min(64)) };
            }
            6 if self.rng.one_in(4) => {
                if p.clients.len() >= 4 {
                    p.clients.remove(0);
                }
                if let Ok(c) = TcpStream::connect_timeout(&([127, 0, 0, 1], self.listen_port).into(), Duration::from_millis(20)) {
                    let _ = c.set_nonblocking(true);
                    p.clients.push(c);
                }
            }
            _ => {
                // Drain what the guest sent, so its sends do not wait forever.
                let mut buf = [0u8; 65536];
                while p.stream.read(&mut buf).is_ok_and(|n| n > 0) {}
                while p.dgram.recv(&mut buf).is_ok() {}
                while p.tcp.read(&mut buf).is_ok_and(|n| n > 0) {}
                while p.stderr.read(&mut buf).is_ok_and(|n| n > 0) {}
                while p.udp.recv(&mut buf).is_ok() {}
                for c in &mut p.clients {
                    while c.read(&mut buf).is_ok_and(|n| n > 0) {}
                }
            }
        }
    }

    /// A ring-level call with random arguments.
    fn buffer_call(&mut self, r: usize) {
        let ring = &mut self.rings[r];
        match self.rng.below(3) {
            0 => {
                let count = self.rng.pick(&[0, 1, 2, 4, 1024, 1025, u32::MAX]);
                let size = self.rng.pick(&[0, 1, 4096, 65536, MAX_IO_LEN, MAX_IO_LEN + 1, u32::MAX]);
                let fixed_inflight = ring.fixed.inflight;
                match ring.register_buffers(count, size) {
                    Ok(()) if fixed_inflight > 0 => self.find("register-buffers replaced buffers under fixed operations".into()),
                    Ok(()) if ring.fixed.bufs.len() != count as usize => self.find("register-buffers registered a different count".into()),
                    _ => {}
                }
            }
            1 => {
                let len = self.rng.pick(&[0, 1, 4096, u32::MAX]);
                let _ = ring.buffer_read(self.rng.pick(&[0, 1, 3, u32::MAX]), self.rng.pick(&[0, 1, 4095, u32::MAX]), len);
            }
            _ => {
                let data = vec![7u8; self.rng.pick(&[0, 1, 4096, 5000])];
                let _ = ring.buffer_write(self.rng.pick(&[0, 1, 3, u32::MAX]), self.rng.pick(&[0, 1, 4095, u32::MAX]), &data);
            }
        }
    }

    /// A handle: mostly open ones, sometimes closed, out of range or absurd.
    fn handle(&mut self) -> u32 {
        let cap = self.descriptors.capacity();
        match self.rng.below(10) {
            0..=6 => {
                let open: Vec<u32> = self.descriptors.open().map(|(h, _)| h).collect();
                if open.is_empty() { 0 } else { self.rng.pick(&open) }
            }
            7 => self.rng.below(u64::from(cap) + 2) as u32,
            _ => {
                let any = self.rng.next() as u32;
                self.rng.pick(&[cap, cap + 1, u32::MAX, i32::MAX as u32, 1 << 16, any])
            }
        }
    }

    /// An address: loopback ports this world owns, wildcards (for bind), unix paths in its own
    /// directory, malformed ones. Never anything traffic could leave the machine for.
    fn address(&mut self, for_bind: bool) -> SocketAddress {
        let port = self.rng.pick(&[self.listen_port, self.udp_port, 0]);
        match self.rng.below(10) {
            0..=3 => {
                let mut choices = vec![(127, 0, 0, 1), (127, 0, 0, 2)];
                if for_bind {
                    choices.push((0, 0, 0, 0));
                }
                SocketAddress::Ipv4(Ipv4SocketAddress { port, address: self.rng.pick(&choices) })
            }
            4..=5 => {
                let mut choices = vec![(0, 0, 0, 0, 0, 0, 0, 1), (0, 0, 0, 0, 0, 0xffff, 0x7f00, 1)];
                if for_bind {
                    choices.push((0, 0, 0, 0, 0, 0, 0, 0));
                }
                let address = self.rng.pick(&choices);
                let flow_info = self.rng.pick(&[0, 1, u32::MAX]);
                let scope_id = self.rng.pick(&[0, 1, u32::MAX]);
                SocketAddress::Ipv6(Ipv6SocketAddress { port, flow_info, address, scope_id })
            }
            _ => {
                let own = self.dir.root.join("grant/s0").display().to_string();
                let other = self.dir.root.join("grant/s1").display().to_string();
                let choices = [own.clone(), own, other, String::new(), "x".repeat(200), format!("\0ioring-fuzz-{}", std::process::id()), "\0".into()];
                SocketAddress::Unix(self.rng.pick(&choices))
            }
        }
    }

    fn bytes(&mut self) -> Vec<u8> {
        let len = match self.rng.below(200) {
            0 => (MAX_IO_LEN + 1) as usize,
            1 => MAX_IO_LEN as usize,
            2..=9 => 65536 + self.rng.below(300_000) as usize,
            10..=50 => 0,
            _ => self.rng.below(4096) as usize,
        };
        // Large payloads zero-filled: calloc maps them lazily, so they cost the fuzzer nothing
        // until the kernel reads them.
        if len > 4096 { vec![0; len] } else { vec![self.rng.next() as u8; len] }
    }

    fn offset(&mut self) -> Option<u64> {
        self.rng.pick(&[None, None, Some(0), Some(1), Some(4095), Some(1 << 20), Some(i64::MAX as u64), Some(u64::MAX), Some(1 << 40)])
    }

    fn duration(&mut self) -> u64 {
        if self.rng.one_in(4) {
            self.rng.pick(&[10_000_000_000, u64::MAX, 1 << 63, i64::MAX as u64])
        } else {
            self.rng.pick(&[0, 1, 1_000, 100_000, 1_000_000, 5_000_000])
        }
    }

    fn sqe_flags(&mut self) -> SqeFlags {
        let mut f = SqeFlags::empty();
        if self.rng.one_in(4) {
            f |= SqeFlags::LINK;
        }
        if self.rng.one_in(10) {
            f |= SqeFlags::HARD_LINK;
        }
        if self.rng.one_in(50) {
            f |= SqeFlags::DRAIN;
        }
        f
    }

    fn user_data(&mut self, r: usize) -> u32 {
        match self.rng.below(40) {
            0 => self.trackers[r].any(&mut self.rng).unwrap_or(0),
            1 => self.rng.pick(&[0, u32::MAX]),
            _ => {
                self.next_user_data = self.next_user_data.wrapping_add(1);
                self.next_user_data
            }
        }
    }

    /// A batch of SQEs for ring `r`, with what the guest expects of each.
    fn batch(&mut self, r: usize) -> (Vec<Sqe>, Vec<(u32, Expect)>) {
        let sq = self.rings[r].sq_capacity as u64;
        let n = match self.rng.below(20) {
            0 => 0,
            1 => sq + self.rng.below(4),
            2 => 2 * sq + 1 + self.rng.below(8),
            3..=10 => 1 + self.rng.below(3),
            _ => 1 + self.rng.below(12),
        } as usize;
        let mut sqes = Vec::with_capacity(n);
        let mut expects = Vec::with_capacity(n);
        // A long chain now and then: every entry linked, often past the SQ's size.
        let all_linked = self.rng.one_in(12);
        for i in 0..n {
            let (op, e) = self.op(i == 0);
            let user_data = self.user_data(r);
            let mut flags = self.sqe_flags();
            if all_linked {
                flags |= if self.rng.one_in(4) { SqeFlags::HARD_LINK } else { SqeFlags::LINK };
            }
            sqes.push(Sqe { op, user_data, flags });
            expects.push((user_data, e));
        }
        (sqes, expects)
    }

    /// One random operation, covering every variant of the WIT `op`.
    fn op(&mut self, first: bool) -> (Op, Expect) {
        let which = self.rng.below(34);
        match which {
            0 => (Op::Nop, Expect::new("nop")),
            1 | 2 => {
                let fd = self.handle();
                let len = if self.rng.one_in(3) { absurd_len(&mut self.rng) } else { self.rng.below(8192) as u32 };
                let mut e = Expect { max_data: len as usize, data_is_count: true, ..Expect::new("read") };
                if len > MAX_IO_LEN {
                    e.must_fail = Some("an absurd length");
                }
                (Op::Read(ReadArgs { fd, len, offset: self.offset() }), e)
            }
            3 => {
                let fd = self.handle();
                let data = self.bytes();
                let mut e = Expect::new("write");
                if data.len() > MAX_IO_LEN as usize {
                    e.must_fail = Some("an absurd length");
                }
                (Op::Write(WriteArgs { fd, data, offset: self.offset() }), e)
            }
            4 | 5 => {
                let args = FixedArgs {
                    fd: self.handle(),
                    buffer: self.rng.pick(&[0, 0, 1, 3, 1023, u32::MAX, 1 << 16]),
                    buffer_offset: self.rng.pick(&[0, 0, 1, 4095, 4096, u32::MAX]),
                    len: if self.rng.bool() { self.rng.below(5000) as u32 } else { absurd_len(&mut self.rng) },
                    offset: self.offset(),
                };
                if which == 4 { (Op::ReadFixed(args), Expect::new("read-fixed")) } else { (Op::WriteFixed(args), Expect::new("write-fixed")) }
            }
            6 => {
                let (fd, data) = (self.handle(), self.bytes());
                let mut e = Expect::new("send");
                if data.len() > MAX_IO_LEN as usize {
                    e.must_fail = Some("an absurd length");
                }
                (Op::Send(SendArgs { fd, data }), e)
            }
            7 | 8 | 9 => {
                let fd = self.handle();
                let len = if self.rng.one_in(3) { absurd_len(&mut self.rng) } else { self.rng.below(70_000) as u32 };
                let mut e = Expect { max_data: len as usize, data_is_count: true, ..Expect::new("recv") };
                if len > MAX_IO_LEN {
                    e.must_fail = Some("an absurd length");
                }
                match which {
                    7 => (Op::Recv(RecvArgs { fd, len }), e),
                    8 => {
                        // Each CQE holds at most one provided buffer, whatever `len`.
                        let e = Expect { op: "recv-multishot", multishot: true, max_data: 16 << 10, data_is_count: true, must_fail: None };
                        (Op::RecvMultishot(RecvArgs { fd, len }), e)
                    }
                    _ => (Op::Recvmsg(RecvArgs { fd, len }), Expect { op: "recvmsg", ..e }),
                }
            }
            10 => {
                let fd = self.handle();
                let data = self.bytes();
                let to = if self.rng.one_in(3) { None } else { Some(self.address(false)) };
                let mut e = Expect::new("sendmsg");
                if data.len() > MAX_IO_LEN as usize {
                    e.must_fail = Some("an absurd length");
                }
                (Op::Sendmsg(SendmsgArgs { fd, data, to }), e)
            }
            11 => (Op::Accept(self.handle()), Expect::new("accept")),
            12 => (Op::AcceptMultishot(self.handle()), Expect { multishot: true, ..Expect::new("accept-multishot") }),
            13 => (Op::Connect((self.handle(), self.address(false))), Expect::new("connect")),
            14 => {
                let family = self.rng.pick(&[AddressFamily::Ipv4, AddressFamily::Ipv6, AddressFamily::Unix]);
                let ty = self.rng.pick(&[SocketType::Stream, SocketType::Datagram, SocketType::Seqpacket]);
                (Op::Socket((family, ty)), Expect::new("socket"))
            }
            15 => (Op::Bind((self.handle(), self.address(true))), Expect::new("bind")),
            16 => (Op::Listen((self.handle(), self.rng.pick(&[0, 1, 128, u32::MAX]))), Expect::new("listen")),
            17 => {
                let n = self.rng.pick(&[0, 1, 4096, u32::MAX]);
                let on = self.rng.bool();
                let option = self.rng.pick(&[
                    SocketOption::ReuseAddress(on),
                    SocketOption::ReusePort(on),
                    SocketOption::TcpNoDelay(on),
                    SocketOption::Ipv6Only(on),
                    SocketOption::KeepAlive(on),
                    SocketOption::ReceiveBufferSize(n),
                    SocketOption::SendBufferSize(n),
                ]);
                let mut e = Expect::new("set-option");
                // Multicast and interface options: granted (239.255.77.0/24, lo) or not.
                let option = match self.rng.below(4) {
                    0 => {
                        let granted = self.rng.bool();
                        let group = IpAddress::Ipv4(if granted { (239, 255, 77, 5) } else { (239, 1, 2, 3) });
                        let interface_name = self.rng.pick(&["", "lo", "nosuchif0"]).to_owned();
                        if !granted {
                            e.must_fail = Some("a multicast group no --multicast grant covers");
                        }
                        let membership = MulticastGroup { group, interface_name };
                        if self.rng.bool() { SocketOption::MulticastJoin(membership) } else { SocketOption::MulticastLeave(membership) }
                    }
                    1 => {
                        let name = self.rng.pick(&["lo", "", "eth0", "nosuchif0"]);
                        if name == "eth0" || name == "nosuchif0" {
                            e.must_fail = Some("an interface no --bind-device grant names");
                        }
                        SocketOption::BindToDevice(name.to_owned())
                    }
                    2 => {
                        let name = self.rng.pick(&["", "lo", "nosuchif0"]).to_owned();
                        self.rng.pick(&[SocketOption::MulticastLoop(on), SocketOption::MulticastTtl(n as u8), SocketOption::MulticastInterface(name)])
                    }
                    _ => option,
                };
                (Op::SetOption((self.handle(), option)), e)
            }
            18 => {
                let how = self.rng.pick(&[ShutdownHow::Read, ShutdownHow::Write, ShutdownHow::Both]);
                (Op::Shutdown((self.handle(), how)), Expect::new("shutdown"))
            }
            19 | 20 => self.openat(),
            21 => {
                // Closing the grants themselves ends the world's interesting part early.
                let h = if self.rng.one_in(4) { self.handle() } else { 12 + self.rng.below(u64::from(self.descriptors.capacity()) - 11) as u32 };
                (Op::Close(h), Expect::new("close"))
            }
            22 => (Op::Fsync((self.handle(), self.rng.bool())), Expect::new("fsync")),
            23 => {
                let dir = self.handle();
                let path = if self.rng.bool() { String::new() } else { self.path(true) };
                (Op::Statx(StatxArgs { dir, path, no_follow: self.rng.bool() }), Expect::new("statx"))
            }
            24 => {
                let count = self.rng.pick(&[0, 1, 2, u32::MAX]);
                (Op::Timeout(TimeoutArgs { duration_ns: self.duration(), count }), Expect::new("timeout"))
            }
            25 => {
                let mut e = Expect::new("link-timeout");
                if first {
                    e.must_fail = Some("a link-timeout with nothing before it");
                }
                (Op::LinkTimeout(self.duration()), e)
            }
            26 => {
                let r = self.current;
                let target = if self.rng.bool() { self.trackers[r].any(&mut self.rng).unwrap_or(0) } else { self.rng.next() as u32 };
                (Op::Cancel(CancelArgs { target, all: self.rng.bool() }), Expect::new("cancel"))
            }
            27 => {
                let mut events = PollEvents::empty();
                for (bit, ev) in [PollEvents::READABLE, PollEvents::WRITABLE, PollEvents::PRIORITY, PollEvents::ERROR, PollEvents::HANG_UP, PollEvents::READ_HANG_UP].into_iter().enumerate() {
                    if self.rng.next() & (1 << bit) != 0 {
                        events |= ev;
                    }
                }
                let multishot = self.rng.bool();
                (Op::Poll(PollArgs { fd: self.handle(), events, multishot }), Expect { multishot, ..Expect::new("poll") })
            }
            28 => (Op::Ftruncate((self.handle(), self.rng.pick(&[0, 1, 4096, u64::MAX]))), Expect::new("ftruncate")),
            29 => {
                let path = self.path(true);
                (Op::Mkdirat(MkdiratArgs { dir: self.handle(), path, mode: self.rng.next() as u32 }), Expect::new("mkdirat"))
            }
            30 => {
                let path = self.path(true);
                self.links_touched |= names_trap_link(&path);
                (Op::Unlinkat(UnlinkatArgs { dir: self.handle(), path, remove_dir: self.rng.bool() }), Expect::new("unlinkat"))
            }
            31 => {
                let (old_path, new_path) = (self.path(true), self.path(true));
                self.links_touched |= names_trap_link(&old_path) || names_trap_link(&new_path);
                let (old_dir, new_dir) = (self.handle(), self.handle());
                (Op::Renameat(RenameatArgs { old_dir, old_path, new_dir, new_path }), Expect::new("renameat"))
            }
            _ => self.device_op(),
        }
    }

    fn path(&mut self, read_only: bool) -> String {
        match self.rng.below(20) {
            0 => "x".repeat(self.rng.pick(&[255, 256, 4096, 4097, 10_000])),
            1 => "sub/".repeat(1100),
            2 if read_only => self.rng.pick(READ_ONLY_PATHS).into(),
            _ => self.rng.pick(PATHS).into(),
        }
    }

    fn openat(&mut self) -> (Op, Expect) {
        let dir = self.handle();
        let mut flags = OpenFlags::empty();
        for f in [
            OpenFlags::WRITE,
            OpenFlags::READ,
            OpenFlags::CREATE,
            OpenFlags::EXCLUSIVE,
            OpenFlags::TRUNCATE,
            OpenFlags::APPEND,
            OpenFlags::DIRECTORY,
            OpenFlags::NONBLOCK,
            OpenFlags::NO_CTTY,
        ] {
            if self.rng.one_in(3) {
                flags |= f;
            }
        }
        let writes = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE | OpenFlags::APPEND;
        let writing = flags.intersects(writes);
        let path = self.path(!writing);
        let mut e = Expect::new("openat");
        if self.descriptors.get(dir).is_ok_and(|d| d.read_only) && writing {
            e.must_fail = Some("a write-capable open under a read-only grant");
        }
        let through_link = (path.starts_with("out") || path.starts_with("etc")) && !self.links_touched;
        let escapes = path.starts_with('/') || path.starts_with("..") || through_link || path.contains("/..") && path != "sub/../a";
        // Relative escapes are escapes only from a grant's own directory (from a directory
        // opened beneath it, `..` may stay inside).
        let from_grant = self.grant_serials.iter().any(|&(h, serial)| h == dir && self.descriptors.serial(dir) == serial);
        if escapes && (from_grant || path.starts_with('/')) {
            e.must_fail = Some("a path that leaves the directory");
        }
        let mode = self.rng.pick(&[0, 0o600, 0o777, 0o4755, 0o7777, u32::MAX]);
        (Op::Openat(OpenatArgs { dir, path, flags, mode }), e)
    }

    fn device_op(&mut self) -> (Op, Expect) {
        let fd = self.handle();
        let device = self.descriptors.get(fd).is_ok_and(Descriptor::is_device);
        let (op, mut e) = match self.rng.below(3) {
            0 => {
                let n = self.rng.pick(&[0, 1, 2, 511, 512, 1000]);
                let segments = (0..n)
                    .map(|_| SpiSegment {
                        tx: vec![0; self.rng.pick(&[0, 1, 32, 4096])],
                        rx_len: self.rng.pick(&[0, 1, 32, 4096, MAX_IO_LEN + 1, u32::MAX]),
                        speed_hz: self.rng.pick(&[0, 1, u32::MAX]),
                        bits_per_word: self.rng.pick(&[0, 8, 255]),
                        cs_change: self.rng.bool(),
                        delay_us: self.rng.pick(&[0, 1, u16::MAX]),
                    })
                    .collect();
                (Op::SpiTransfer(SpiArgs { fd, segments }), Expect { max_data: usize::MAX, ..Expect::new("spi-transfer") })
            }
            1 => {
                let n = self.rng.pick(&[0, 1, 2, 42, 43]);
                let messages = (0..n)
                    .map(|_| I2cMessage {
                        address: self.rng.pick(&[0, 0x50, 0x3ff, u16::MAX]),
                        write: vec![0; self.rng.pick(&[0, 1, 65535, 65536])],
                        read_len: self.rng.pick(&[0, 1, 65535, 65536, u32::MAX]),
                        ten_bit: self.rng.bool(),
                    })
                    .collect();
                (Op::I2cTransfer(I2cArgs { fd, messages }), Expect { max_data: usize::MAX, ..Expect::new("i2c-transfer") })
            }
            _ => {
                let config = TtyConfig {
                    raw: self.rng.bool(),
                    baud: self.rng.pick(&[0, 50, 9600, 115_200, 4_000_000, 12_345, u32::MAX]),
                    data_bits: self.rng.pick(&[0, 5, 6, 7, 8, 9, 255]),
                    parity: self.rng.pick(&[Parity::None, Parity::Odd, Parity::Even]),
                    stop_bits: self.rng.pick(&[0, 1, 2, 3, 255]),
                    hardware_flow_control: self.rng.bool(),
                };
                (Op::TtyConfigure((fd, config)), Expect::new("tty-configure"))
            }
        };
        if !device {
            e.must_fail = Some("a device operation on a handle that is no --device grant");
        }
        if self.rng.one_in(3) {
            let e = Expect::new("local-address");
            return (Op::LocalAddress(self.handle()), e);
        }
        if self.rng.one_in(3) {
            return self.gpio_op();
        }
        (op, e)
    }

    /// GPIO operations: the world's device grant is /dev/null and it holds no GPIO line, so a
    /// request (whatever handle it names) and every line operation must fail.
    fn gpio_op(&mut self) -> (Op, Expect) {
        let fd = self.handle();
        let (op, mut e) = match self.rng.below(4) {
            0 => {
                let args = GpioRequestArgs {
                    chip: fd,
                    line: self.rng.pick(&[0, 1, 63, 64, u32::MAX]),
                    direction: self.rng.pick(&[GpioDirection::Input, GpioDirection::Output]),
                    bias: self.rng.pick(&[GpioBias::AsIs, GpioBias::Disabled, GpioBias::PullUp, GpioBias::PullDown]),
                    active_low: self.rng.bool(),
                    edges: self.rng.pick(&[GpioEdgeFlags::empty(), GpioEdgeFlags::RISING, GpioEdgeFlags::RISING | GpioEdgeFlags::FALLING]),
                    initial: self.rng.bool(),
                };
                (Op::GpioRequest(args), Expect::new("gpio-request"))
            }
            1 => (Op::GpioGet(fd), Expect::new("gpio-get")),
            2 => (Op::GpioSet((fd, self.rng.bool())), Expect::new("gpio-set")),
            _ => (Op::GpioEdges(fd), Expect { multishot: true, ..Expect::new("gpio-edges") }),
        };
        e.must_fail = Some("a GPIO operation in a world with no GPIO chip or line");
        (op, e)
    }

    /// Ends the world: drains it (cancel what is outstanding, complete until every taken SQE
    /// has its final CQE) or drops its rings with operations in flight; then checks that the
    /// budget is back to zero and nothing outside the grants changed. True when drained.
    fn end(&mut self, _stats: &mut Report) -> bool {
        let drain = self.rng.bool();
        if drain {
            let deadline = Instant::now() + Duration::from_secs(3);
            let mut own_cancels = std::collections::HashSet::new();
            while self.trackers.iter().any(|t| t.count > 0) && Instant::now() < deadline {
                for r in 0..self.rings.len() {
                    // Not the cancels of this loop: cancelling those would only make more.
                    let targets: Vec<u32> =
                        self.trackers[r].outstanding.keys().copied().filter(|u| !own_cancels.contains(u)).collect();
                    let mut cancels = Vec::new();
                    for target in targets {
                        self.next_user_data = self.next_user_data.wrapping_add(1);
                        let op = Op::Cancel(CancelArgs { target, all: true });
                        cancels.push(Sqe { op, user_data: self.next_user_data, flags: SqeFlags::empty() });
                    }
                    let ids: Vec<u32> = cancels.iter().map(|s| s.user_data).collect();
                    own_cancels.extend(ids.iter().copied());
                    let taken = self.rings[r].submit(&mut self.descriptors, cancels, &mut self.changes) as usize;
                    for &id in &ids[..taken] {
                        self.trackers[r].take(id, Expect::new("cancel"));
                    }
                    self.mirror(r);
                    // Everything ready before cancelling again: a guest allowed to hold one
                    // completion at a time gets one per call.
                    loop {
                        let before = Instant::now();
                        let cqes = self.rings[r].complete(&mut self.descriptors, 1, u32::MAX, Some(Duration::from_millis(20)), &mut self.changes);
                        if before.elapsed() > Duration::from_secs(2) {
                            self.find("a draining complete overran its timeout".into());
                        }
                        self.mirror(r);
                        for c in &cqes {
                            if let Err(f) = self.trackers[r].complete(c) {
                                self.find(f);
                            }
                        }
                        if cqes.is_empty() || Instant::now() > deadline {
                            break;
                        }
                    }
                }
            }
            if self.trackers.iter().any(|t| t.count > 0) {
                let left: Vec<String> = self.trackers.iter().flat_map(Tracker::describe).collect();
                let live: Vec<Vec<String>> = self.rings.iter().map(|r| r.inflight.describe_live()).collect();
                let ready: Vec<usize> = self.rings.iter().map(|r| r.ready.len()).collect();
                let held: Vec<u32> = self.rings.iter().map(|r| r.held.ops()).collect();
                let (b, c) = (self.budget.bytes(), self.budget.completions());
                self.find(format!(
                    "operations still outstanding after cancel and 3 s of complete: {left:?}; in flight {live:?}; held {held:?}; ready {ready:?}; budget {b} bytes {c} completions of {:?}; the kernel's view: {}",
                    self.budget,
                    rings_in_kernel()
                ));
            }
            let queued: usize = self.rings.iter().map(|r| r.ready.len() + r.inflight.live() as usize).sum();
            if queued != 0 {
                self.find(format!("{queued} completions or operations left in the rings after the guest saw every final CQE"));
            }
        }
        let left: Vec<String> = self.trackers.iter().flat_map(Tracker::describe).collect();
        let left = format!("{left:?}");
        let rings: Vec<GuestRing> = self.rings.drain(..).collect();
        for mut ring in rings {
            let start = Instant::now();
            let before = ring.inflight.describe_live();
            ring.shutdown(&mut self.descriptors);
            let live = ring.inflight.live();
            if live > 0 {
                self.find(format!("in flight before the drop: {before:?}; after: {:?}", ring.inflight.describe_live()));
            }
            drop(ring);
            if live > 0 || start.elapsed() > Duration::from_secs(2) {
                self.find(format!("dropping a ring took {:?} and left {live} operations in flight; outstanding were {left}", start.elapsed()));
            }
        }
        if self.budget.bytes() != 0 || self.budget.completions() != 0 {
            let (b, c) = (self.budget.bytes(), self.budget.completions());
            self.find(format!("after the rings were dropped the budget still counts {b} bytes and {c} completions"));
        }
        let outside = self.dir.outside();
        if outside != self.outside {
            self.find(format!("outside the grants changed: {:?} became {outside:?}", self.outside));
        }
        drain
    }
}

/// What /proc says of this process's io_uring instances: their queues and the requests
/// the kernel holds in its poll table, for findings about operations that do not end.
pub fn rings_in_kernel() -> String {
    open_fds()
        .into_iter()
        .filter(|(_, target)| target.contains("io_uring"))
        .filter_map(|(fd, _)| std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).ok())
        .map(|info| info.lines().filter(|l| !l.trim_start().starts_with(|c: char| c.is_ascii_digit())).collect::<Vec<_>>().join(" | "))
        .collect::<Vec<_>>()
        .join(" || ")
}

/// Where each thread of this process is in the kernel (syscall and stack), for a hang.
pub fn threads_in_kernel() -> String {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return String::new() };
    tasks
        .flatten()
        .map(|t| {
            let read = |f: &str| std::fs::read_to_string(t.path().join(f)).unwrap_or_default();
            format!("task {}: {} | syscall {} | {}", t.file_name().to_string_lossy(), read("comm").trim(), read("syscall").trim(), read("stack").replace('\n', " | "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two new descriptors into `fds`.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both are new descriptors that we now own.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// A pseudo-terminal pair (master, slave).
pub(crate) fn openpty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two new descriptors into the out parameters.
    let r = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both are new descriptors that we now own.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

fn set_nonblocking(fd: &impl AsFd) {
    let raw = fd.as_fd().as_raw_fd();
    // SAFETY: fcntl on a descriptor we hold.
    unsafe { libc::fcntl(raw, libc::F_SETFL, libc::fcntl(raw, libc::F_GETFL) | libc::O_NONBLOCK) };
}

/// The process's open descriptors, number -> target.
pub fn open_fds() -> BTreeMap<i32, String> {
    let mut fds = BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        if let Ok(n) = entry.file_name().to_string_lossy().parse() {
            let target = std::fs::read_link(entry.path()).map(|p| p.display().to_string()).unwrap_or_default();
            fds.insert(n, target);
        }
    }
    fds
}

/// Descriptors open now that were not in `before` (the read_dir's own aside), if any after
/// a short grace for device workers to let go of their jobs.
fn fd_leak(before: &BTreeMap<i32, String>) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let now = open_fds();
        let extra: Vec<String> = now
            .iter()
            .filter(|(n, t)| before.get(n) != Some(t) && !t.starts_with("/proc/") && !t.is_empty())
            .map(|(n, t)| format!("{n} -> {t}"))
            .collect();
        if extra.is_empty() {
            return None;
        }
        if Instant::now() > deadline {
            return Some(extra.join(", "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
