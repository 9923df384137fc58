//! `ioring run` and `ioring compile`: load a component, link WASI and the ring, call
//! `wasi:cli/run`.

use crate::bindings::App;
use crate::cli::{CompileArgs, RunArgs};
use crate::caps::grants::Grants;
use crate::guest::{Guest, Limits};
use crate::caps::net::{NetPolicy, Transport, std_to_wit};
use crate::limits::GuestMemory;
use crate::ring::{Budget, RingConfig};
use anyhow::{Context, bail};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Precompiled, Store};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{I32Exit, WasiCtx};

/// Epoch deadline when no run-time bound is set: never reached.
const NO_DEADLINE: u64 = 1 << 62;

/// How long a guest blocked in a host call it cannot be woken from (a WASI sleep, a read of
/// stdin) may outlive its run-time bound before the host process ends it.
const HARD_STOP_GRACE: Duration = Duration::from_millis(200);

/// How a guest's run ended.
pub enum Outcome {
    /// It returned from `wasi:cli/run` or called exit: the status.
    Exit(i32),
    /// It trapped.
    Trap(anyhow::Error),
    /// The host stopped it when its run-time bound (`--timeout`) expired.
    TimedOut,
}

impl Outcome {
    /// The status `ioring run` exits with, as wasmtime's CLI and coreutils' timeout do: a
    /// trap is an abnormal exit (134, SIGABRT's), a run-time bound 124.
    pub const TRAP_STATUS: i32 = 128 + libc::SIGABRT;
    pub const TIMED_OUT_STATUS: i32 = 124;
}

/// The one line `ioring run` prints when a guest's run-time bound expired.
pub fn timed_out_message(seconds: f64) -> String {
    format!("ioring: stopped the guest: its run-time bound (--timeout {seconds}) expired")
}

/// A loaded component with its engine and linker, ready to run as many times as asked (each
/// run a fresh guest: new grants, new store, new rings).
pub struct Host {
    engine: Engine,
    linker: Linker<Guest>,
    component: Component,
    args: RunArgs,
}

impl Host {
    pub fn new(args: RunArgs) -> anyhow::Result<Self> {
        if !(args.timeout >= 0.0 && args.timeout.is_finite()) {
            bail!("--timeout wants a number of seconds, got {}", args.timeout);
        }
        room_for_descriptors(args.max_handles)?;
        let engine = engine(None)?;
        let component = load(&engine, &args.wasm, args.allow_precompiled)?;
        let mut linker = Linker::<Guest>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        crate::bindings::add_ring_to_linker(&mut linker)?;
        Ok(Self { engine, linker, component, args })
    }

    /// Runs one guest to completion.
    pub fn run(&self) -> anyhow::Result<Outcome> {
        let args = &self.args;
        let grants = Grants::open(&args.dirs, &args.listeners, &args.devices)?;
        let program = args.wasm.file_name().map_or("app".into(), |n| n.to_string_lossy().into_owned());
        let policy = Arc::new(NetPolicy {
            bind: args.bind.clone(),
            connect: args.connect.clone(),
            multicast: args.multicast.clone(),
            bind_devices: args.bind_devices.clone(),
        });
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdio().arg(program).args(&args.args);
        // wasi:sockets is on, confined by the same grants as ring sockets.
        wasi.allow_tcp(true).allow_udp(true).socket_addr_check(wasi_socket_check(Arc::clone(&policy)));
        for (k, v) in &args.envs {
            wasi.env(k, v);
        }
        let limits = Limits {
            ring_entries: args.ring_entries,
            max_ring_entries: 32768,
            max_handles: args.max_handles,
            max_rings: 16,
        };
        let ring_config = RingConfig {
            entries: args.ring_entries,
            max_inflight: args.max_inflight,
            budget: Arc::new(Budget::new(args.max_inflight_bytes, args.max_inflight as usize)),
            policy,
            trace: args.trace,
        };
        let mut guest = Guest::new(wasi.build(), grants, limits, ring_config)?;
        guest.memory = GuestMemory::new(args.max_memory);
        let mut store = Store::new(&self.engine, guest);
        store.limiter(|guest| &mut guest.memory);
        store.set_epoch_deadline(NO_DEADLINE);
        let finished = Arc::new(AtomicBool::new(false));
        let deadline = (args.timeout > 0.0).then(|| Instant::now() + Duration::from_secs_f64(args.timeout));
        if let Some(deadline) = deadline {
            store.data_mut().deadline = Some(deadline);
            store.set_epoch_deadline(1);
            self.watch(deadline, Arc::clone(&finished));
        }

        let app = App::instantiate(&mut store, &self.component, &self.linker)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot instantiate `{}`", args.wasm.display()))?;
        let outcome = match app.wasi_cli_run().call_run(&mut store) {
            Ok(Ok(())) => Outcome::Exit(0),
            Ok(Err(())) => Outcome::Exit(1),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => Outcome::Exit(exit.0),
                None if deadline.is_some_and(|d| Instant::now() >= d) => Outcome::TimedOut,
                None => Outcome::Trap(e.into()),
            },
        };
        finished.store(true, Ordering::Release);
        Ok(outcome)
    }

    /// Enforces the run-time bound: at `deadline` the epoch stops guest code that never calls
    /// the host (a guest blocked in complete() is stopped by the deadline the ring checks);
    /// a guest still blocked in a WASI call no wasmtime interrupt reaches is ended, with the
    /// whole process, shortly after.
    fn watch(&self, deadline: Instant, finished: Arc<AtomicBool>) {
        let engine = self.engine.clone();
        let seconds = self.args.timeout;
        std::thread::spawn(move || {
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            engine.increment_epoch();
            std::thread::sleep(HARD_STOP_GRACE);
            if !finished.load(Ordering::Acquire) {
                eprintln!("{}", timed_out_message(seconds));
                std::process::exit(Outcome::TIMED_OUT_STATUS);
            }
        });
    }
}

/// The check wasmtime-wasi applies to a guest's own wasi:sockets use: the same --bind and
/// --connect grants as ring sockets, so a guest reaches the same addresses whichever API it
/// calls. Binding the wildcard address with port 0 is what a send or connect does
/// implicitly, and what wasi:sockets makes a UDP client do explicitly: it is allowed, but
/// it reaches nothing by itself. Listening needs a --bind grant for the address the socket
/// listens on (the wildcard, when it was never bound). A datagram is delivered only from an
/// address the guest may send to: the check is told the sender, not the socket, so this is
/// the rule that keeps a socket bound to the wildcard from hearing anyone; a UDP server
/// answering arbitrary peers needs --connect for them anyway, to reply.
fn wasi_socket_check(
    policy: Arc<NetPolicy>,
) -> impl Fn(std::net::SocketAddr, SocketAddrUse) -> std::pin::Pin<Box<dyn Future<Output = bool> + Send + Sync>> + Send + Sync + 'static
{
    move |addr, usage| {
        let wit = std_to_wit(addr);
        let implicit = addr.ip().is_unspecified() && addr.port() == 0;
        let allowed = match usage {
            SocketAddrUse::TcpBind => implicit || policy.may_bind(Transport::Tcp, &wit),
            SocketAddrUse::TcpListen => policy.may_bind(Transport::Tcp, &wit),
            SocketAddrUse::UdpBind => implicit || policy.may_bind(Transport::Udp, &wit),
            SocketAddrUse::TcpConnect => policy.may_connect(Transport::Tcp, &wit),
            SocketAddrUse::UdpSend | SocketAddrUse::UdpReceive => policy.may_connect(Transport::Udp, &wit),
            // On a socket listening within the grants.
            SocketAddrUse::TcpAccept => true,
        };
        Box::pin(std::future::ready(allowed))
    }
}

/// Makes sure the process may open what --max-handles promises the guest: each ring
/// registers a file table of that size, which the kernel refuses past RLIMIT_NOFILE. Raises
/// the soft limit as far as the hard one allows, and says so in one line when that is short.
fn room_for_descriptors(max_handles: u32) -> anyhow::Result<()> {
    // Stdio, the rings, grants and the engine's own files need a little besides the table.
    let want = u64::from(max_handles) + 64;
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit read and write one plain struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 || limit.rlim_cur >= want {
            return Ok(());
        }
        if limit.rlim_max < want {
            bail!(
                "--max-handles {max_handles} needs about {want} open files, but this process may have at most {} (ulimit -Hn)",
                limit.rlim_max
            );
        }
        limit.rlim_cur = want;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
    }
    Ok(())
}

/// Compiles a component ahead of time, for this machine or the one `--target` names.
#[cfg(feature = "compiler")]
pub fn compile(args: CompileArgs) -> anyhow::Result<()> {
    let engine = engine(args.target.as_deref())?;
    let wasm = std::fs::read(&args.wasm).with_context(|| format!("cannot read `{}`", args.wasm.display()))?;
    let wasm = as_component(wasm, &args.wasm)?;
    let compiled = engine
        .precompile_component(&wasm)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot compile `{}`", args.wasm.display()))?;
    std::fs::write(&args.output, compiled).with_context(|| format!("cannot write `{}`", args.output.display()))
}

#[cfg(not(feature = "compiler"))]
pub fn compile(_: CompileArgs) -> anyhow::Result<()> {
    bail!("this ioring is a board build, without a compiler: precompile on another machine with `ioring compile --target`")
}

/// A component from a .wasm file (a component, or a core module built for the `app` world,
/// made into one), or from a .cwasm that `ioring compile` made when the caller allows
/// precompiled code.
fn load(engine: &Engine, path: &std::path::Path, allow_precompiled: bool) -> anyhow::Result<Component> {
    let cannot_read = || format!("cannot read `{}`", path.display());
    // wasmtime's own check parses the file as ELF and fails on anything else, so wasm (which
    // begins `\0asm`) is told apart first.
    let precompiled = if is_elf(path).with_context(cannot_read)? {
        Engine::detect_precompiled_file(path).map_err(anyhow::Error::from).with_context(cannot_read)?
    } else {
        None
    };
    let component = match precompiled {
        // Whatever its name: the contents decide, and native code runs only when asked for.
        Some(_) if !allow_precompiled => bail!(
            "`{}` is precompiled native code; run it with --allow-precompiled if you trust it (only `ioring compile` output you made)",
            path.display()
        ),
        // SAFETY: a precompiled component is native code, run only with --allow-precompiled,
        // as wasmtime's own CLI; wasmtime checks that this version, configuration and target
        // made it. Mapped rather than read: start-up then pays only for the pages it touches,
        // and linear memory's initial image is mapped copy-on-write from the file, not copied
        // (a QuickJS app's is over a megabyte).
        Some(Precompiled::Component) => unsafe { Component::deserialize_file(engine, path) }.map_err(anyhow::Error::from),
        Some(Precompiled::Module) => bail!("`{}` is a precompiled core module, not a component", path.display()),
        None => {
            let bytes = std::fs::read(path).with_context(cannot_read)?;
            return compile_in_memory(engine, bytes, path);
        }
    };
    component.with_context(|| format!("cannot load component `{}`", path.display()))
}

/// Whether `path` begins as an ELF file does: what `ioring compile` writes.
fn is_elf(path: &std::path::Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path)?;
    let mut got = 0;
    while got < magic.len() {
        match file.read(&mut magic[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got == magic.len() && magic == *b"\x7fELF")
}

#[cfg(feature = "compiler")]
fn compile_in_memory(engine: &Engine, bytes: Vec<u8>, path: &std::path::Path) -> anyhow::Result<Component> {
    let wasm = as_component(bytes, path)?;
    Component::new(engine, &wasm).map_err(anyhow::Error::from).with_context(|| format!("cannot load component `{}`", path.display()))
}

#[cfg(not(feature = "compiler"))]
fn compile_in_memory(_: &Engine, _: Vec<u8>, path: &std::path::Path) -> anyhow::Result<Component> {
    bail!("`{}` is not precompiled: this board build runs only `.cwasm` files from `ioring compile`", path.display())
}

/// `wasm` as a component: itself, or the component of the `app` world its core module implements.
#[cfg(feature = "compiler")]
fn as_component(wasm: Vec<u8>, path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    if !crate::core_module::is_core_module(&wasm) {
        return Ok(wasm);
    }
    crate::core_module::componentize(&wasm).with_context(|| format!("cannot make a component of core module `{}`", path.display()))
}

/// A component-model engine, for this machine or for `target`, with epoch interruption on,
/// so a run-time bound can stop a guest (compile and run must agree on it), and with the
/// compilation cache on where there is a compiler, so repeated runs of the same component
/// (tests, boards restarting an app) skip Cranelift.
fn engine(target: Option<&str>) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    #[cfg(feature = "compiler")]
    {
        if let Some(target) = target {
            config.target(target).map_err(anyhow::Error::from).with_context(|| format!("--target {target}"))?;
        }
        match wasmtime::Cache::new(wasmtime::CacheConfig::new()) {
            Ok(cache) => {
                config.cache(Some(cache));
            }
            Err(e) => eprintln!("ioring: compilation cache disabled: {e}"),
        }
    }
    let engine = Engine::new(&config).map_err(anyhow::Error::from);
    match target {
        Some(target) => engine.with_context(|| format!("--target {target}")),
        None => engine,
    }
}
