//! Fuzzes the host's SQE decoding, validation and preparation against a real io_uring:
//! `cargo run --release --example fuzz_ring -- --executions N --seed S [--world W] [--trace]`.
//! Prints progress, executions per second and every finding; exits 1 on any finding. A
//! watchdog aborts the process (a hang) when no execution finishes for 120 s.

use ioring::fuzz::{HEARTBEAT, Options, run};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn main() {
    let mut opts = Options { seed: 1, executions: 1_000_000, world: None, trace: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.replace('_', "").parse::<u64>().ok()).unwrap_or_else(|| usage(&arg));
        match arg.as_str() {
            "--executions" => opts.executions = value(),
            "--seed" => opts.seed = value(),
            "--world" => opts.world = Some(value()),
            "--trace" => opts.trace = true,
            _ => usage(&arg),
        }
    }
    std::thread::spawn(|| {
        let mut last = (HEARTBEAT.load(Ordering::Relaxed), Instant::now());
        loop {
            std::thread::sleep(Duration::from_secs(5));
            let now = HEARTBEAT.load(Ordering::Relaxed);
            if now != last.0 {
                last = (now, Instant::now());
            } else if last.1.elapsed() > Duration::from_secs(120) {
                eprintln!("fuzz_ring: HANG: no execution finished for 120 s after execution {now}");
                eprintln!("{}", ioring::fuzz::threads_in_kernel());
                eprintln!("rings: {}", ioring::fuzz::rings_in_kernel());
                std::process::abort();
            }
        }
    });
    println!("fuzz_ring: seed {} executions {}", opts.seed, opts.executions);
    let mut last_print = Instant::now();
    let mut seen = 0;
    let report = run(&opts, |r| {
        for f in &r.findings[seen..] {
            println!("FINDING {f}");
        }
        seen = r.findings.len();
        if last_print.elapsed() > Duration::from_secs(10) {
            last_print = Instant::now();
            println!("  {} executions, {} worlds, {:.0}/s, {} findings", r.executions, r.worlds, r.executions as f64 / r.elapsed.as_secs_f64(), r.findings.len());
        }
    });
    println!(
        "fuzz_ring: seed {} executions {} worlds {} (drained {}, dropped {}) sqes {} taken {} cqes {} complete calls {} in {:.1} s = {:.0} executions/s; findings {}",
        opts.seed,
        report.executions,
        report.worlds,
        report.drained,
        report.dropped,
        report.sqes,
        report.taken,
        report.cqes,
        report.complete_calls,
        report.elapsed.as_secs_f64(),
        report.executions as f64 / report.elapsed.as_secs_f64(),
        report.findings.len()
    );
    std::process::exit(i32::from(!report.findings.is_empty()));
}

fn usage(arg: &str) -> ! {
    eprintln!("fuzz_ring: unexpected `{arg}`; usage: fuzz_ring [--executions N] [--seed S] [--world W] [--trace]");
    std::process::exit(2);
}
