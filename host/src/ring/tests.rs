//! GuestRing against a real io_uring: each guest operation in, the guest's CQE out.

use super::*;
use crate::bindings::{Op, OpenFlags, SqeFlags};
use crate::ioring::ring::types::{OpenatArgs, ReadArgs, TimeoutArgs, WriteArgs};
use std::fs::File;
use std::io::Write as _;

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
        let dir = tempdir::Dir::new();
        let mut descriptors = Descriptors::new(16);
        let fd = File::open(&dir.0).unwrap();
        descriptors.install(Descriptor::new(fd.into(), read_only)).unwrap();
        let config = RingConfig {
            entries: 8,
            max_inflight: 32,
            max_bytes: 1 << 20,
            policy: Arc::new(NetPolicy::default()),
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
        let cqe = self.run(vec![Self::sqe(op, 1)]).remove(0);
        cqe.res.map(|_| match cqe.detail {
            CqeDetail::Handle(h) => h,
            _ => panic!("openat without a handle"),
        })
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
