//! The command line, shaped like `wasmtime run`.

use crate::grants::DirSpec;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "ioring", version, about = "Run WebAssembly apps written against the ioring ring API, on io_uring")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run an `ioring:ring/app` component.
    Run(RunArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Grant a host directory to the guest under a name: HOST::GUEST, or HOST::GUEST:ro for
    /// read-only. Paths opened beneath it cannot leave it.
    #[arg(long = "dir", value_name = "HOST::GUEST[:ro]")]
    pub dirs: Vec<DirSpec>,

    /// Set an environment variable for the guest.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    pub envs: Vec<(String, String)>,

    /// SQ entries of a ring created with entries 0.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=32768))]
    pub ring_entries: u32,

    /// Operations in flight per ring; more are refused until some complete.
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    pub max_inflight: u32,

    /// Size of the guest's handle table.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(3..=65536))]
    pub max_handles: u32,

    /// The component to run.
    pub wasm: PathBuf,

    /// Arguments for the guest (its argv[1..]).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got `{s}`")),
    }
}
