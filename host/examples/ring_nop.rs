//! The host ring's own cost per NOP, no guest and no boundary crossing:
//! `cargo run --release --example ring_nop -- BATCH ITERATIONS`. Prints `{"ns_per_op": N}`,
//! as test/bench/guests/nop.c and the native baseline do, for `just bench`'s NOP rows.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [batch, iterations] => batch.parse::<u32>().ok().filter(|b| *b > 0).zip(iterations.parse::<u64>().ok().filter(|i| *i > 0)),
        _ => None,
    };
    let Some((batch, iterations)) = parsed else {
        eprintln!("usage: ring_nop BATCH ITERATIONS (both positive integers)");
        std::process::exit(2);
    };
    match ioring::floor::nops(batch, iterations) {
        Ok(ns) => println!("{{\"ns_per_op\": {ns:.1}}}"),
        Err(e) => {
            eprintln!("ring_nop: {e}");
            std::process::exit(1);
        }
    }
}
