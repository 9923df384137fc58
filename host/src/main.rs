//! `ioring`: runs WebAssembly components against the ioring ring API on io_uring.

mod bindings;
mod cli;
mod descriptors;
mod devices;
mod errno;
mod grants;
mod guest;
mod imports;
mod net;
mod opcode;
mod ring;
mod run;
mod sys;
mod uring;

pub use bindings::ioring;
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
        cli::Command::Run(args) => run::run(args),
        cli::Command::Compile(args) => run::compile(args),
    };
    match result {
        Ok(status) => ExitCode::from(status.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("ioring: {e:#}");
            ExitCode::FAILURE
        }
    }
}
