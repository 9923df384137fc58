//! The bounded run of the ring fuzzer that CI does (`cargo test`): fixed seeds, 200k
//! executions in all (IORING_FUZZ_EXECUTIONS overrides), every finding a failure. Alone in its
//! test binary, so that its count of open descriptors sees no other test's.

use ioring::fuzz::{Options, run};

#[test]
fn ring_fuzz_bounded_run_finds_nothing() {
    let total: u64 = std::env::var("IORING_FUZZ_EXECUTIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(if cfg!(debug_assertions) { 10_000 } else { 200_000 });
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
    assert!(findings.is_empty(), "{} findings:\n{}", findings.len(), findings.join("\n"));
}
