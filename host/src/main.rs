//! `ioring`: runs WebAssembly components against the ioring ring API on io_uring.

use ioring::{cli, run};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, as a board's init script or a test wants it, not clap's usage block.
            let msg = e.to_string();
            eprintln!("ioring: {}", msg.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        cli::Command::Run(args) => {
            let timeout = args.timeout;
            run::Host::new(args).and_then(|host| host.run()).map(|outcome| match outcome {
            run::Outcome::Exit(status) => status,
            run::Outcome::Trap(e) => {
                eprintln!("ioring: guest trapped: {e:#}");
                run::Outcome::TRAP_STATUS
            }
            run::Outcome::TimedOut => {
                eprintln!("{}", run::timed_out_message(timeout));
                run::Outcome::TIMED_OUT_STATUS
            }
        })
        }
        cli::Command::Compile(args) => run::compile(args).map(|()| 0),
    };
    match result {
        Ok(status) => ExitCode::from(status.clamp(0, 255) as u8),
        Err(e) => {
            // One line, whatever the error's own formatting (wasmparser's spans several).
            let message = format!("{e:#}");
            eprintln!("ioring: {}", message.split_whitespace().collect::<Vec<_>>().join(" "));
            ExitCode::FAILURE
        }
    }
}
