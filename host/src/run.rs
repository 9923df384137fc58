//! `ioring run` and `ioring compile`: load a component, link WASI and the ring, call
//! `wasi:cli/run`.

use crate::bindings::App;
use crate::cli::{CompileArgs, RunArgs};
use crate::grants::Grants;
use crate::guest::{Guest, Limits};
use crate::net::{NetPolicy, Transport, std_to_wit};
use crate::ring::RingConfig;
use anyhow::{Context, bail};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker};
use wasmtime::{Cache, CacheConfig, Config, Engine, Precompiled, Store, StoreLimitsBuilder};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{I32Exit, WasiCtx};

/// Epoch deadline when no run-time bound is set: never reached.
const NO_DEADLINE: u64 = 1 << 62;

/// How a guest's run ended.
pub enum Outcome {
    /// It returned from `wasi:cli/run` or called exit: the status.
    Exit(i32),
    /// It trapped, or the host stopped it (a run-time bound).
    Trap(anyhow::Error),
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
        let engine = engine()?;
        let component = load(&engine, &args.wasm)?;
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
        let policy = Arc::new(NetPolicy { bind: args.bind.clone(), connect: args.connect.clone() });
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
            max_bytes: args.max_inflight_bytes,
            policy,
            trace: args.trace,
        };
        let mut guest = Guest::new(wasi.build(), grants, limits, ring_config)?;
        guest.store_limits = StoreLimitsBuilder::new().memory_size(args.max_memory).build();
        let mut store = Store::new(&self.engine, guest);
        store.limiter(|guest| &mut guest.store_limits);
        store.set_epoch_deadline(NO_DEADLINE);
        if args.timeout > 0.0 {
            let bound = Duration::from_secs_f64(args.timeout);
            store.data_mut().deadline = Some(Instant::now() + bound);
            store.set_epoch_deadline(1);
            // Guest code that never calls the host is stopped by the epoch; a guest blocked
            // in complete() by the deadline the ring checks.
            let engine = self.engine.clone();
            std::thread::spawn(move || {
                std::thread::sleep(bound);
                engine.increment_epoch();
            });
        }

        let app = App::instantiate(&mut store, &self.component, &self.linker)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot instantiate `{}`", args.wasm.display()))?;
        Ok(match app.wasi_cli_run().call_run(&mut store) {
            Ok(Ok(())) => Outcome::Exit(0),
            Ok(Err(())) => Outcome::Exit(1),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => Outcome::Exit(exit.0),
                None => Outcome::Trap(e.into()),
            },
        })
    }
}

/// The check wasmtime-wasi applies to a guest's own wasi:sockets use: the same --bind and
/// --connect grants as ring sockets, so a guest reaches the same addresses whichever API it
/// calls. Binding the wildcard address with port 0 is what connect does implicitly: it
/// reaches nothing, so it is allowed.
fn wasi_socket_check(
    policy: Arc<NetPolicy>,
) -> impl Fn(std::net::SocketAddr, SocketAddrUse) -> std::pin::Pin<Box<dyn Future<Output = bool> + Send + Sync>> + Send + Sync + 'static
{
    move |addr, usage| {
        let wit = std_to_wit(addr);
        let implicit = addr.ip().is_unspecified() && addr.port() == 0;
        let allowed = match usage {
            SocketAddrUse::TcpBind | SocketAddrUse::TcpListen => implicit || policy.may_bind(Transport::Tcp, &wit),
            SocketAddrUse::UdpBind => implicit || policy.may_bind(Transport::Udp, &wit),
            SocketAddrUse::TcpConnect => policy.may_connect(Transport::Tcp, &wit),
            SocketAddrUse::UdpSend => policy.may_connect(Transport::Udp, &wit),
            // On sockets already bound, or listening, within the grants.
            SocketAddrUse::TcpAccept | SocketAddrUse::UdpReceive => true,
        };
        Box::pin(std::future::ready(allowed))
    }
}

/// Compiles a component for this host ahead of time.
pub fn compile(args: CompileArgs) -> anyhow::Result<()> {
    let engine = engine()?;
    let wasm = std::fs::read(&args.wasm).with_context(|| format!("cannot read `{}`", args.wasm.display()))?;
    let compiled = engine
        .precompile_component(&wasm)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot compile `{}`", args.wasm.display()))?;
    std::fs::write(&args.output, compiled).with_context(|| format!("cannot write `{}`", args.output.display()))
}

/// A component from a .wasm file, or from a .cwasm that `ioring compile` made.
fn load(engine: &Engine, path: &std::path::Path) -> anyhow::Result<Component> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let component = match Engine::detect_precompiled(&bytes) {
        // SAFETY: a precompiled component is native code; like `wasmtime run --allow-precompiled`,
        // we trust .cwasm files as the board owner's own output of `ioring compile`. wasmtime
        // checks that it was compiled by this version with this configuration.
        Some(Precompiled::Component) => unsafe { Component::deserialize(engine, &bytes) },
        Some(Precompiled::Module) => bail!("`{}` is a precompiled core module, not a component", path.display()),
        None => Component::new(engine, &bytes),
    };
    component.map_err(anyhow::Error::from).with_context(|| format!("cannot load component `{}`", path.display()))
}

/// A component-model engine with the compilation cache on, so repeated runs of the same
/// component (tests, boards restarting an app) skip Cranelift, and epoch interruption on, so
/// a run-time bound can stop a guest (compile and run must agree on it).
fn engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    match Cache::new(CacheConfig::new()) {
        Ok(cache) => {
            config.cache(Some(cache));
        }
        Err(e) => eprintln!("ioring: compilation cache disabled: {e}"),
    }
    Engine::new(&config).map_err(Into::into)
}
