//! Guests that trap with operations in flight must leave nothing behind: a thousand of them,
//! run in this process, and the process's open descriptors and resident memory are as before.
//! Its own test binary, so that no other test opens descriptors meanwhile.

use clap::Parser;
use ioring::cli::{Cli, Command};
use ioring::run::{Host, Outcome};
use std::path::PathBuf;

fn guest(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../test/guests/build").join(name);
    assert!(path.exists(), "{} is not built: run `make -C test/guests` (or `just test`)", path.display());
    path
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn host(args: &[&str]) -> Host {
    let argv = ["ioring", "run"].iter().copied().chain(args.iter().copied());
    match Cli::try_parse_from(argv).unwrap().command {
        Command::Run(args) => Host::new(args).unwrap(),
        Command::Compile(_) => unreachable!(),
    }
}

#[test]
fn a_thousand_guests_trapping_with_operations_in_flight_leak_no_descriptor_and_no_memory() {
    let wasm = guest("host-limits.wasm");
    let host = host(&["--listen", "l=tcp:127.0.0.1:0", wasm.to_str().unwrap(), "trap-inflight"]);
    let run = || match host.run().unwrap() {
        Outcome::Trap(e) => assert!(format!("{e:?}").contains("unreachable"), "{e:?}"),
        Outcome::Exit(status) => panic!("exited with {status} instead of trapping"),
        Outcome::TimedOut => panic!("timed out instead of trapping"),
    };
    // Warm up: wasmtime's and the allocator's one-time growth is not a leak.
    for _ in 0..50 {
        run();
    }
    let (fds, rss) = (open_fds(), resident_bytes());
    for _ in 0..1000 {
        run();
    }
    eprintln!("after 1000 guests: {} descriptors (before: {fds}), resident {} KiB (before: {} KiB)", open_fds(), resident_bytes() >> 10, rss >> 10);
    assert_eq!(open_fds(), fds, "descriptors leaked");
    let grown = resident_bytes().saturating_sub(rss);
    assert!(grown < 8 << 20, "resident memory grew by {} KiB over 1000 guests", grown >> 10);
}
