//! The command line, shaped like `wasmtime run`.

use crate::caps::grants::{DeviceSpec, DirSpec};
use crate::caps::net::{AddrPattern, ListenSpec, MulticastPattern};
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
    /// Run an `ioring:ring/app` component (.wasm), a core module of that world (.core.wasm, as
    /// the C SDK builds for Zephyr), or a .cwasm from `ioring compile`.
    Run(RunArgs),
    /// Compile a component ahead of time, for fast start-up on a board.
    Compile(CompileArgs),
}

#[derive(Args, Debug)]
pub struct CompileArgs {
    /// The component (or app-world core module) to compile.
    pub wasm: PathBuf,
    /// Where to write the precompiled component.
    #[arg(short, long, value_name = "APP.cwasm")]
    pub output: PathBuf,
    /// Compile for another machine: a target triple such as aarch64-unknown-linux-gnu, or
    /// pulley32 / pulley64 (wasmtime's portable bytecode, for boards Cranelift has no backend
    /// for, such as 32-bit ARM). The default is this machine.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Grant a host directory under a name: HOST::GUEST, or HOST::GUEST:ro for read-only.
    /// Paths opened beneath it cannot leave it.
    #[arg(long = "dir", value_name = "HOST::GUEST[:ro]")]
    pub dirs: Vec<DirSpec>,

    /// Grant a socket, bound (and listening, for tcp and unix) by the host before the guest
    /// starts: NAME=tcp:IP:PORT, NAME=udp:IP:PORT or NAME=unix:PATH. A udp socket may reply to
    /// the peers it receives from; other destinations need --connect.
    #[arg(long = "listen", value_name = "NAME=ADDR")]
    pub listeners: Vec<ListenSpec>,

    /// Allow connecting (and sending datagrams) to addresses matching a pattern:
    /// tcp:IP:PORT, udp:IP:PORT or unix:PATH, where IP and PORT may be `*`.
    #[arg(long = "connect", value_name = "PATTERN")]
    pub connect: Vec<AddrPattern>,

    /// Allow binding sockets to addresses matching a pattern (as --connect).
    #[arg(long = "bind", value_name = "PATTERN")]
    pub bind: Vec<AddrPattern>,

    /// Allow joining and leaving the multicast groups a pattern covers, and binding datagram
    /// sockets to them (any port): GROUP (239.255.0.1, ff02::fb), GROUP/PREFIX
    /// (239.255.0.0/16) or `*`. Any such grant also lets a socket set its outgoing multicast
    /// interface, loopback and TTL. Sending to a group needs --connect udp:GROUP:PORT.
    #[arg(long = "multicast", value_name = "GROUP[/PREFIX]")]
    pub multicast: Vec<MulticastPattern>,

    /// Allow binding sockets to a network interface by name (SO_BINDTODEVICE), as `lo`.
    #[arg(long = "bind-device", value_name = "IFNAME", value_parser = parse_ifname)]
    pub bind_devices: Vec<String>,

    /// Grant a device node (tty, spidev, i2c-dev, or a GPIO chip /dev/gpiochipN, whose lines the
    /// guest requests) under a name, opened read-write. A path named gpiochip* must be a GPIO
    /// chip.
    #[arg(long = "device", value_name = "NAME=PATH")]
    pub devices: Vec<DeviceSpec>,

    /// Set an environment variable for the guest.
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    pub envs: Vec<(String, String)>,

    /// SQ entries of a ring created with entries 0.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=32768))]
    pub ring_entries: u32,

    /// Operations in flight per ring; submit takes no more until some complete. Also the most
    /// completions the host holds for the guest, across all its rings, reaped from the kernel
    /// and not yet returned by complete(); past it the rest wait in the kernel's queue.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_inflight: u32,

    /// Bytes of guest data the host holds for the guest, across all its rings: write payloads
    /// and read buffers in flight, SPI/I2C transfers, registered fixed buffers, the 1 MiB of
    /// provided buffers a ring's first multishot receive sets up, and payloads reaped but not
    /// yet returned. Past it an operation completes with `again` (register-buffers with
    /// `no-memory`, a multishot receive with `no-buffers`).
    #[arg(long, default_value_t = 64 << 20, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_inflight_bytes: usize,

    /// Host descriptors the guest may hold: its handle table's size, and also the bound on
    /// handles plus the descriptors its operations hold meanwhile (a statx path, a device
    /// transfer); past it those complete with `too-many-handles`.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(3..=65536))]
    pub max_handles: u32,

    /// Bytes of memory the guest's instances may take: every linear memory and table together.
    #[arg(long, default_value_t = 1 << 30, value_name = "BYTES", value_parser = parse_bytes)]
    pub max_memory: usize,

    /// Stop the guest after this many seconds of wall-clock time (0: no bound), whatever it is
    /// doing: running, waiting in complete(), or blocked in a WASI call. `ioring run` then
    /// prints one line and exits with status 124.
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub timeout: f64,

    /// Run a precompiled `.cwasm` (native code from `ioring compile`): without this flag a
    /// precompiled file is refused, whatever its name, since it runs outside the sandbox's
    /// validation. Pass it only for files you compiled yourself.
    #[arg(long)]
    pub allow_precompiled: bool,

    /// Log every SQE and CQE (operation, result, latency) to stderr.
    #[arg(long)]
    pub trace: bool,

    /// The component, app-world core module or (with --allow-precompiled) .cwasm to run.
    pub wasm: PathBuf,

    /// Arguments for the guest (its argv[1..]).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// A network interface name as the kernel takes one: 1 to 15 bytes (IFNAMSIZ less its NUL), no
/// `/`, whitespace or NUL.
fn parse_ifname(s: &str) -> Result<String, String> {
    let ok = (1..libc::IFNAMSIZ).contains(&s.len()) && !s.bytes().any(|b| b == b'/' || b == 0 || b.is_ascii_whitespace());
    if ok { Ok(s.to_owned()) } else { Err(format!("`{s}` is not a network interface name (1 to 15 bytes, no `/` or spaces)")) }
}

/// A byte count: digits, optionally followed by KiB, MiB or GiB (powers of 1024; K, M and G
/// mean the same, as in `ulimit` and container runtimes).
fn parse_bytes(s: &str) -> Result<usize, String> {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(digits);
    let shift = match unit {
        "" => 0,
        "K" | "KiB" => 10,
        "M" | "MiB" => 20,
        "G" | "GiB" => 30,
        _ => return Err(format!("`{s}` is not a byte count (digits, then optionally KiB, MiB or GiB)")),
    };
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("`{s}` is not a byte count (digits, then optionally KiB, MiB or GiB)"))
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got `{s}`")),
    }
}
