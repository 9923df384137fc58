//! Real C-SDK guests through the portable ABI code: exact output, exact error codes.

use std::path::PathBuf;

use ioring_zephyr_abi::{core_module, ior_abi_sqe_decode, run, SQE_OUT_BYTES};

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ioring-zephyr-abi-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + 13) % 251) as u8).collect()
}

#[test]
fn timer_ticks_cancels_and_exits_zero() {
    let out = run(&core_module("timer"), &["timer", "20", "3"], &[]).unwrap();
    assert_eq!(out.trap, None);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tick 1\ntick 2\ntick 3\nstopped after 3 ticks\nwatchdog canceled\n");
    assert_eq!(out.status, 0);
}

#[test]
fn timer_usage_error_fails_run() {
    // main returns 2; wasi:cli/run reports only failure (the SDK's run returns false).
    let out = run(&core_module("timer"), &["timer", "0"], &[]).unwrap();
    assert_eq!(out.status, 1);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("usage: timer"), "{:?}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn cat_prints_the_file_byte_for_byte() {
    let d = tempdir("cat");
    let bytes = pattern(200_000);
    std::fs::write(d.join("f.bin"), &bytes).unwrap();
    let out = run(&core_module("cat"), &["cat", "data/f.bin"], &[("data", &d, true)]).unwrap();
    assert_eq!(out.trap, None);
    assert_eq!(out.status, 0);
    assert_eq!(out.stdout.len(), bytes.len());
    assert!(out.stdout == bytes, "bytes differ");
}

#[test]
fn cat_cannot_leave_its_grant_or_open_what_is_missing() {
    let d = tempdir("cat-escape");
    std::fs::write(d.join("f"), b"x").unwrap();
    let escape = run(&core_module("cat"), &["cat", "data/../../etc/passwd"], &[("data", &d, true)]).unwrap();
    assert_eq!(escape.status, 1);
    assert!(escape.stdout.is_empty());
    let missing = run(&core_module("cat"), &["cat", "data/missing"], &[("data", &d, true)]).unwrap();
    assert_eq!(missing.status, 1);
    let ungranted = run(&core_module("cat"), &["cat", "other/f"], &[("data", &d, true)]).unwrap();
    assert_eq!(ungranted.status, 1);
    // Exact causes: access for the escape, no-entry for the file and for the grant.
    assert_eq!(String::from_utf8_lossy(&escape.stderr), "cat: data/../../etc/passwd: permission denied by grant\n");
    assert_eq!(String::from_utf8_lossy(&missing.stderr), "cat: data/missing: no such file or grant\n");
    assert_eq!(String::from_utf8_lossy(&ungranted.stderr), "cat: other/f: no such file or grant\n");
}

#[test]
fn copy_is_byte_equal_through_fixed_buffers_and_links() {
    for len in [0usize, 1, 131_072, 300_001] {
        let (i, o) = (tempdir(&format!("in{len}")), tempdir(&format!("out{len}")));
        let bytes = pattern(len);
        std::fs::write(i.join("a"), &bytes).unwrap();
        let out = run(&core_module("copy"), &["copy", "in/a", "out/b"], &[("in", &i, true), ("out", &o, false)]).unwrap();
        assert_eq!(out.trap, None, "len {len}");
        assert_eq!(out.status, 0, "len {len}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(std::fs::read(o.join("b")).unwrap() == bytes, "len {len}: bytes differ");
    }
}

#[test]
fn copy_into_a_read_only_grant_fails() {
    let (i, o) = (tempdir("ro-in"), tempdir("ro-out"));
    std::fs::write(i.join("a"), b"abc").unwrap();
    let out = run(&core_module("copy"), &["copy", "in/a", "out/b"], &[("in", &i, true), ("out", &o, true)]).unwrap();
    assert_ne!(out.status, 0);
    assert!(!o.join("b").exists());
}

/// The decoder on crafted entries: malformed ones give exact codes, never a read outside.
#[test]
fn decoder_rejects_malformed_entries_with_exact_codes() {
    const INVALID: i32 = 1 + 18; // 1 + error-code `invalid`
    let mut mem = vec![0u8; 4096];
    let mut out = vec![0u8; SQE_OUT_BYTES];
    let decode = |mem: &[u8], addr: u32, out: &mut [u8]| unsafe { ior_abi_sqe_decode(mem.as_ptr(), mem.len() as u32, addr, out.as_mut_ptr()) };
    // A nop is fine.
    assert_eq!(decode(&mem, 0, &mut out), 0);
    // An SQE that does not fit in memory: nothing decoded.
    assert_eq!(decode(&mem, 4096 - 63, &mut out), -1);
    // Unknown flag bits.
    mem[60] = 0x8;
    assert_eq!(decode(&mem, 0, &mut out), INVALID);
    mem[60] = 0;
    // Unknown op (past every case of the op variant, however many the WIT adds).
    mem[0] = 200;
    assert_eq!(decode(&mem, 0, &mut out), INVALID);
    // A write whose bytes lie past the end of memory.
    mem[0] = 2;
    mem[12..16].copy_from_slice(&4000u32.to_le_bytes());
    mem[16..20].copy_from_slice(&200u32.to_le_bytes());
    assert_eq!(decode(&mem, 0, &mut out), INVALID);
    // The same write inside memory.
    mem[16..20].copy_from_slice(&96u32.to_le_bytes());
    assert_eq!(decode(&mem, 0, &mut out), 0);
    // An option tag that is neither none nor some.
    mem[24] = 2;
    assert_eq!(decode(&mem, 0, &mut out), INVALID);
    mem[24] = 0;
    // A length that wraps the address space.
    mem[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(decode(&mem, 0, &mut out), INVALID);
    // An SPI segment list that is misaligned.
    mem.iter_mut().take(64).for_each(|b| *b = 0);
    mem[0] = 26;
    mem[12..16].copy_from_slice(&1002u32.to_le_bytes());
    mem[16..20].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(decode(&mem, 0, &mut out), INVALID);
}
