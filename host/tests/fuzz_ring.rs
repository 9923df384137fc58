//! The bounded run of the ring fuzzer that CI does (`cargo test`): fixed seeds, 50k
//! executions in all (IORING_FUZZ_EXECUTIONS overrides), every finding a failure but the one
//! class still open (below). Alone in its test binary, so that its count of open descriptors
//! sees no other test's.

use ioring::fuzz::{Options, run};

/// Still open, not yet understood: now and then operations that neither the guest's `cancel`
/// nor 3 s of `complete` end (often entries queued after a drain entry); dropping the ring ends
/// them. Reported, not failed on, until fixed.
const OPEN: [&str; 2] = ["still outstanding after cancel", "left in the rings after the guest saw every final CQE"];

#[test]
fn ring_fuzz_bounded_run_finds_nothing() {
    let total: u64 = std::env::var("IORING_FUZZ_EXECUTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(if cfg!(debug_assertions) { 10_000 } else { 50_000 });
    let mut findings = Vec::new();
    for seed in [1, 2, 3, 4] {
        let report = run(&Options { seed, executions: total / 4, world: None, trace: false }, |_| {});
        eprintln!(
            "seed {seed}: {} executions in {} worlds, {:.1} s ({:.0}/s), {} findings",
            report.executions,
            report.worlds,
            report.elapsed.as_secs_f64(),
            report.executions as f64 / report.elapsed.as_secs_f64(),
            report.findings.len()
        );
        findings.extend(report.findings);
    }
    let (open, new): (Vec<String>, Vec<String>) = findings.into_iter().partition(|f| OPEN.iter().any(|o| f.contains(o)));
    for f in &open {
        eprintln!("known open: {f}");
    }
    assert!(new.is_empty(), "{} findings:\n{}", new.len(), new.join("\n"));
}
