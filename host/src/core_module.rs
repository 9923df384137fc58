//! A core module built for the `app` world (what the C SDK's `ioring.mk` makes as
//! `app.core.wasm`, and what the Zephyr host loads) turned into a component in memory, so
//! that one file runs on both hosts: the world's type comes from wit/ (compiled into the
//! host), and WASI preview1 imports (argv, exit) go through wasmtime's own preview1 adapter.

use anyhow::{Context, anyhow};
use wasi_preview1_component_adapter_provider::{WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER};
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
use wit_parser::{Resolve, SourceMap};

/// wit/, as the host was built with it: the package and its one dependency.
const CONTRACT: &[(&str, &str)] = &[
    ("types.wit", include_str!("../../wit/types.wit")),
    ("ring.wit", include_str!("../../wit/ring.wit")),
    ("grants.wit", include_str!("../../wit/grants.wit")),
    ("world.wit", include_str!("../../wit/world.wit")),
];
const CLI: &[(&str, &str)] = &[
    ("deps/cli/environment.wit", include_str!("../../wit/deps/cli/environment.wit")),
    ("deps/cli/run.wit", include_str!("../../wit/deps/cli/run.wit")),
];

/// Whether `bytes` is a core module rather than a component.
pub fn is_core_module(bytes: &[u8]) -> bool {
    wasmparser::Parser::is_core_wasm(bytes)
}

/// The component of the `app` world that `core` implements.
pub fn componentize(core: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut resolve = Resolve::default();
    resolve.push_group(parse(CLI)?).map_err(|e| anyhow!("{e}"))?;
    let package = resolve.push_group(parse(CONTRACT)?).map_err(|e| anyhow!("{e}"))?;
    let world = resolve.select_world(&[package], Some("app"))?;
    let mut module = core.to_vec();
    embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8)?;
    // The adapter is taken in only when the module imports preview1.
    ComponentEncoder::default()
        .validate(true)
        .module(&module)?
        .adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER)?
        .encode().context("the core module does not implement the ioring:ring/app world")
}

fn parse(files: &[(&str, &str)]) -> anyhow::Result<wit_parser::UnresolvedPackageGroup> {
    let mut map = SourceMap::new();
    for (path, text) in files {
        map.push_str(path, *text);
    }
    map.parse().map_err(|(_, e)| anyhow!("wit/ does not parse: {e}"))
}
