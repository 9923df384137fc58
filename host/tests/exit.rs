//! What `ioring run` leaves once it has exited: nothing. The kernel tears an io_uring down in
//! deferred work, tens of milliseconds after its process is gone, and until then the ring's
//! registered files (the guest's stdio among them) stay open: a shell pipeline would wait that
//! long for end-of-file. The host closes its rings itself before it exits, so by the time the
//! process has been reaped, its stdout pipe is already at end-of-file.

use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn guest(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    assert!(path.exists(), "{} is not built: run `just build` (or `just test`)", path.display());
    path.to_string_lossy().into_owned()
}

/// Runs `ioring run ARGS`, waits for it to be reaped, and reads what is left in its stdout
/// without blocking: Ok(bytes) at end-of-file, Err if the pipe's writing end is still open.
fn stdout_after_exit(args: &[&str]) -> Result<Vec<u8>, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ioring"))
        .arg("run")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let status = child.wait().unwrap();
    // SAFETY: fcntl on a descriptor this process owns.
    assert_eq!(unsafe { libc::fcntl(out.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) }, 0);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match out.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Err(format!("stdout still open after the host exited ({status})")),
            Err(e) => panic!("reading stdout: {e}"),
        }
    }
}

#[test]
fn stdout_is_at_end_of_file_as_soon_as_the_host_has_exited_whether_the_guest_returned_or_trapped() {
    let timer = guest("guest/build/timer.core.wasm");
    let limits = guest("test/guests/build/host-limits.wasm");
    // Five times each: a ring's deferred teardown would lose this race every time.
    for _ in 0..5 {
        assert_eq!(stdout_after_exit(&[&timer, "1", "1"]).unwrap(), b"tick 1\nstopped after 1 ticks\nwatchdog canceled\n");
        stdout_after_exit(&["--listen", "l=tcp:127.0.0.1:0", &limits, "trap-inflight"]).unwrap();
        stdout_after_exit(&["--timeout", "0.2", &limits, "sleep"]).unwrap();
    }
}
