//! `ioring run`: load a component, link WASI and the ring, call `wasi:cli/run`.

use crate::bindings::App;
use crate::cli::RunArgs;
use crate::grants::Grants;
use crate::guest::{Guest, Limits};
use anyhow::Context;
use wasmtime::component::{Component, Linker};
use wasmtime::{Cache, CacheConfig, Config, Engine, Store};
use wasmtime_wasi::{I32Exit, WasiCtx};

/// Runs the guest to completion; returns its exit status.
pub fn run(args: RunArgs) -> anyhow::Result<i32> {
    let grants = Grants::open(&args.dirs)?;
    let engine = engine()?;
    let component = Component::from_file(&engine, &args.wasm)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot load component `{}`", args.wasm.display()))?;

    let mut linker = Linker::<Guest>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    crate::bindings::add_ring_to_linker(&mut linker)?;

    let program = args.wasm.file_name().map_or("app".into(), |n| n.to_string_lossy().into_owned());
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdio().arg(program).args(&args.args);
    for (k, v) in &args.envs {
        wasi.env(k, v);
    }
    let limits = Limits {
        ring_entries: args.ring_entries,
        max_ring_entries: 32768,
        max_inflight: args.max_inflight,
        max_handles: args.max_handles,
    };
    let guest = Guest::new(wasi.build(), grants, limits)?;
    let mut store = Store::new(&engine, guest);

    let app = App::instantiate(&mut store, &component, &linker)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("cannot instantiate `{}`", args.wasm.display()))?;
    let status = match app.wasi_cli_run().call_run(&mut store) {
        Ok(Ok(())) => 0,
        Ok(Err(())) => 1,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => exit.0,
            None => {
                eprintln!("ioring: guest trapped: {e:?}");
                // As wasmtime's CLI: a trap is an abnormal exit, apart from any exit code.
                128 + libc::SIGABRT
            }
        },
    };
    Ok(status)
}

/// A component-model engine with the compilation cache on, so repeated runs of the same
/// component (tests, boards restarting an app) skip Cranelift.
fn engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    match Cache::new(CacheConfig::new()) {
        Ok(cache) => {
            config.cache(Some(cache));
        }
        Err(e) => eprintln!("ioring: compilation cache disabled: {e}"),
    }
    Engine::new(&config).map_err(Into::into)
}
