//! Runs real C-SDK guest core modules (guest/build/*.core.wasm) with wasmtime's core-module
//! API, routing their `ioring:ring` imports into the Zephyr host's portable canonical-ABI code
//! (zephyr/lib/abi, compiled by build.rs) and a plain-Linux stand-in for the RTIO side
//! (src/linux_ring.c). What this checks on every CI run: that the portable decoder and
//! encoder agree with the guests' real memory layout, and that validation and error mapping
//! give the exact codes the guests see.

use std::ffi::{c_char, c_void, CString};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use wasmtime::error::Context;
use wasmtime::{bail, Result};
use wasmtime::{Caller, Config, Engine, Extern, Linker, Module, Store};

/// `struct ior_abi_guest`: the guest's memory and allocator, for the C code.
#[repr(C)]
struct AbiGuest {
    ctx: *mut c_void,
    mem: extern "C" fn(*mut c_void, *mut u32) -> *mut u8,
    realloc: extern "C" fn(*mut c_void, u32, u32, u32, u32) -> u32,
}

extern "C" {
    fn lx_reset();
    fn lx_output(fd: i32, len: *mut usize) -> *const u8;
    fn lx_grant_dir(name: *const c_char, path: *const c_char, ro: bool) -> i32;
    fn lx_grant_lookup(name: *const u8, len: u32) -> i32;
    fn lx_ring_create(entries: u32) -> i32;
    fn lx_ring_drop(ring: u32);
    fn lx_ring_submit(ring: u32, mem: *const u8, size: u32, ptr: u32, count: u32) -> i32;
    fn lx_ring_complete(ring: u32, min: u32, max: u32, has: i32, ns: u64, g: *const AbiGuest, retptr: u32) -> i32;
    fn lx_ring_enter(
        ring: u32,
        mem: *const u8,
        size: u32,
        ptr: u32,
        len: u32,
        min: u32,
        max: u32,
        has: i32,
        ns: u64,
        g: *const AbiGuest,
        retptr: u32,
    ) -> i32;
    fn lx_register_buffers(count: u32, size: u32) -> i32;
    fn lx_buffer_io(buf: u32, off: u32, bytes: *mut u8, len: u32, write: i32) -> i32;
    fn ior_abi_put_result_u32(g: *const AbiGuest, retptr: u32, is_err: bool, value: u32) -> i32;
    fn ior_abi_put_result_unit(g: *const AbiGuest, retptr: u32, is_err: bool, code: u32) -> i32;
    fn ior_abi_put_result_bytes(g: *const AbiGuest, retptr: u32, is_err: bool, code: u32, data: *const u8, len: u32) -> i32;
    fn ior_abi_errno(err: i32) -> u8;
    /// Decodes one SQE; exposed for the decoder's own tests.
    pub fn ior_abi_sqe_decode(mem: *const u8, size: u32, addr: u32, out: *mut u8) -> i32;
}

/// Size of `struct ior_abi_sqe` is not needed by Rust: tests pass a buffer large enough.
pub const SQE_OUT_BYTES: usize = 512;

#[derive(Default)]
struct State {
    args: Vec<String>,
    exit: Option<i32>,
    inner_trap: Option<wasmtime::Error>,
}

type Cx<'a> = Caller<'a, State>;

extern "C" fn g_mem(ctx: *mut c_void, size: *mut u32) -> *mut u8 {
    // SAFETY: ctx is the &mut Caller the import was called with, alive for the call.
    let caller = unsafe { &mut *(ctx as *mut Cx<'static>) };
    let mem = match caller.get_export("memory") {
        Some(Extern::Memory(m)) => m,
        _ => {
            unsafe { *size = 0 };
            return std::ptr::null_mut();
        }
    };
    let data = mem.data_mut(&mut *caller);
    unsafe { *size = data.len() as u32 };
    data.as_mut_ptr()
}

extern "C" fn g_realloc(ctx: *mut c_void, old: u32, old_size: u32, align: u32, new_size: u32) -> u32 {
    let caller = unsafe { &mut *(ctx as *mut Cx<'static>) };
    let f = match caller.get_export("cabi_realloc").and_then(|e| e.into_func()) {
        Some(f) => f,
        None => return 0,
    };
    let f = match f.typed::<(i32, i32, i32, i32), i32>(&*caller) {
        Ok(f) => f,
        Err(_) => return 0,
    };
    match f.call(&mut *caller, (old as i32, old_size as i32, align as i32, new_size as i32)) {
        Ok(p) => p as u32,
        Err(e) => {
            caller.data_mut().inner_trap = Some(e);
            0
        }
    }
}

fn guest(caller: &mut Cx<'_>) -> AbiGuest {
    AbiGuest { ctx: caller as *mut Cx<'_> as *mut c_void, mem: g_mem, realloc: g_realloc }
}

fn memory(caller: &mut Cx<'_>) -> Result<(*mut u8, u32)> {
    let mut size = 0u32;
    let g = guest(caller);
    let p = g_mem(g.ctx, &mut size);
    if p.is_null() {
        bail!("guest exports no memory");
    }
    Ok((p, size))
}

fn after(caller: &mut Cx<'_>, put: i32) -> Result<()> {
    if let Some(e) = caller.data_mut().inner_trap.take() {
        return Err(e);
    }
    if put < 0 {
        bail!("ioring: return area outside memory");
    }
    Ok(())
}

/// A guest's exit through proc_exit.
#[derive(Debug)]
pub struct Exit(pub i32);
impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "proc_exit({})", self.0)
    }
}
impl std::error::Error for Exit {}

fn errcode(neg_errno: i32) -> u32 {
    unsafe { ior_abi_errno(-neg_errno) as u32 }
}

fn link(linker: &mut Linker<State>) -> Result<()> {
    const RING: &str = "ioring:ring/ring@0.1.0";
    const GRANTS: &str = "ioring:ring/grants@0.1.0";
    linker.func_wrap(RING, "[static]ring.create", |mut c: Cx<'_>, entries: i32, ret: i32| -> Result<()> {
        let r = unsafe { lx_ring_create(entries as u32) };
        let g = guest(&mut c);
        let put = unsafe { ior_abi_put_result_u32(&g, ret as u32, r < 0, if r < 0 { errcode(r) } else { r as u32 }) };
        after(&mut c, put)
    })?;
    linker.func_wrap(RING, "[resource-drop]ring", |_c: Cx<'_>, ring: i32| unsafe { lx_ring_drop(ring as u32) })?;
    linker.func_wrap(RING, "[method]ring.submit", |mut c: Cx<'_>, ring: i32, ptr: i32, n: i32| -> Result<i32> {
        let (mem, size) = memory(&mut c)?;
        let r = unsafe { lx_ring_submit(ring as u32, mem, size, ptr as u32, n as u32) };
        if r < 0 {
            bail!("ioring: SQE list outside memory");
        }
        Ok(r)
    })?;
    linker.func_wrap(
        RING,
        "[method]ring.complete",
        |mut c: Cx<'_>, ring: i32, min: i32, max: i32, has: i32, ns: i64, ret: i32| -> Result<()> {
            if has > 1 {
                bail!("ioring: malformed option");
            }
            let g = guest(&mut c);
            let r = unsafe { lx_ring_complete(ring as u32, min as u32, max as u32, has, ns as u64, &g, ret as u32) };
            after(&mut c, r)
        },
    )?;
    linker.func_wrap(
        RING,
        "[method]ring.enter",
        |mut c: Cx<'_>, ring: i32, ptr: i32, len: i32, min: i32, max: i32, has: i32, ns: i64, ret: i32| -> Result<()> {
            if has > 1 {
                bail!("ioring: malformed option");
            }
            let (mem, size) = memory(&mut c)?;
            let g = guest(&mut c);
            let r = unsafe { lx_ring_enter(ring as u32, mem, size, ptr as u32, len as u32, min as u32, max as u32, has, ns as u64, &g, ret as u32) };
            if r == -14 {
                bail!("ioring: SQE list outside memory");
            }
            if r == -2 && c.data().inner_trap.is_none() {
                bail!("ioring: no memory for the completions");
            }
            after(&mut c, r)
        },
    )?;
    linker.func_wrap(RING, "[method]ring.register-buffers", |mut c: Cx<'_>, _ring: i32, count: i32, size: i32, ret: i32| -> Result<()> {
        let r = unsafe { lx_register_buffers(count as u32, size as u32) };
        let g = guest(&mut c);
        let put = unsafe { ior_abi_put_result_unit(&g, ret as u32, r < 0, if r < 0 { errcode(r) } else { 0 }) };
        after(&mut c, put)
    })?;
    linker.func_wrap(RING, "[method]ring.buffer-read", |mut c: Cx<'_>, _ring: i32, buf: i32, off: i32, len: i32, ret: i32| -> Result<()> {
        let mut tmp = vec![0u8; (len as u32).min(1 << 24) as usize];
        let r = unsafe { lx_buffer_io(buf as u32, off as u32, tmp.as_mut_ptr(), tmp.len() as u32, 0) };
        let g = guest(&mut c);
        let put = unsafe { ior_abi_put_result_bytes(&g, ret as u32, r < 0, if r < 0 { errcode(r) } else { 0 }, tmp.as_ptr(), tmp.len() as u32) };
        after(&mut c, put)
    })?;
    linker.func_wrap(
        RING,
        "[method]ring.buffer-write",
        |mut c: Cx<'_>, _ring: i32, buf: i32, off: i32, ptr: i32, len: i32, ret: i32| -> Result<()> {
            let (mem, size) = memory(&mut c)?;
            let r = if (ptr as u32 as u64) + (len as u32 as u64) <= size as u64 {
                unsafe { lx_buffer_io(buf as u32, off as u32, mem.add(ptr as u32 as usize), len as u32, 1) }
            } else {
                -22
            };
            let g = guest(&mut c);
            let put = unsafe { ior_abi_put_result_unit(&g, ret as u32, r < 0, if r < 0 { errcode(r) } else { 0 }) };
            after(&mut c, put)
        },
    )?;
    for kind in ["directory", "listener", "device"] {
        let is_dir = kind == "directory";
        linker.func_wrap(GRANTS, kind, move |mut c: Cx<'_>, ptr: i32, len: i32, ret: i32| -> Result<()> {
            let (mem, size) = memory(&mut c)?;
            if (ptr as u32 as u64) + (len as u32 as u64) > size as u64 {
                bail!("ioring: string outside memory");
            }
            let r = if is_dir { unsafe { lx_grant_lookup(mem.add(ptr as u32 as usize), len as u32) } } else { -2 };
            let g = guest(&mut c);
            let put = unsafe { ior_abi_put_result_u32(&g, ret as u32, r < 0, if r < 0 { errcode(r) } else { r as u32 }) };
            after(&mut c, put)
        })?;
    }
    const WASI: &str = "wasi_snapshot_preview1";
    linker.func_wrap(WASI, "args_sizes_get", |mut c: Cx<'_>, argc: i32, size: i32| -> Result<i32> {
        let args = c.data().args.clone();
        let total: usize = args.iter().map(|a| a.len() + 1).sum();
        let (mem, msize) = memory(&mut c)?;
        let mem = unsafe { std::slice::from_raw_parts_mut(mem, msize as usize) };
        let (a, s) = (argc as u32 as usize, size as u32 as usize);
        if a + 4 > mem.len() || s + 4 > mem.len() {
            return Ok(21);
        }
        mem[a..a + 4].copy_from_slice(&(args.len() as u32).to_le_bytes());
        mem[s..s + 4].copy_from_slice(&(total as u32).to_le_bytes());
        Ok(0)
    })?;
    linker.func_wrap(WASI, "args_get", |mut c: Cx<'_>, argv: i32, buf: i32| -> Result<i32> {
        let args = c.data().args.clone();
        let (mem, msize) = memory(&mut c)?;
        let mem = unsafe { std::slice::from_raw_parts_mut(mem, msize as usize) };
        let (mut v, mut b) = (argv as u32 as usize, buf as u32 as usize);
        let total: usize = args.iter().map(|a| a.len() + 1).sum();
        if v + 4 * args.len() > mem.len() || b + total > mem.len() {
            return Ok(21);
        }
        for a in &args {
            mem[v..v + 4].copy_from_slice(&(b as u32).to_le_bytes());
            mem[b..b + a.len()].copy_from_slice(a.as_bytes());
            mem[b + a.len()] = 0;
            v += 4;
            b += a.len() + 1;
        }
        Ok(0)
    })?;
    linker.func_wrap(WASI, "proc_exit", |mut c: Cx<'_>, code: i32| -> Result<()> {
        c.data_mut().exit = Some(code);
        Err(wasmtime::Error::new(Exit(code)))
    })?;
    Ok(())
}

/// What a guest run produced.
#[derive(Debug)]
pub struct Outcome {
    /// 0: run returned success; 1: run returned failure; otherwise proc_exit's status.
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The trap, when the guest trapped.
    pub trap: Option<String>,
}

static LOCK: Mutex<()> = Mutex::new(());

/// A directory grant: guest name, host path, read-only.
pub type DirGrant<'a> = (&'a str, &'a Path, bool);

/// Runs one core module to its end with these arguments (argv[0] included) and grants.
pub fn run(wasm: &Path, args: &[&str], dirs: &[DirGrant<'_>]) -> Result<Outcome> {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = std::fs::read(wasm).with_context(|| format!("{} (build it: make -C guest)", wasm.display()))?;
    let engine = Engine::new(&Config::new())?;
    let module = Module::new(&engine, &bytes)?;
    let mut linker = Linker::new(&engine);
    link(&mut linker)?;
    unsafe { lx_reset() };
    for (name, path, ro) in dirs {
        let n = CString::new(*name)?;
        let p = CString::new(path.to_str().unwrap())?;
        let r = unsafe { lx_grant_dir(n.as_ptr(), p.as_ptr(), *ro) };
        if r < 0 {
            bail!("grant {name}: {r}");
        }
    }
    let mut store = Store::new(&engine, State { args: args.iter().map(|s| s.to_string()).collect(), ..Default::default() });
    let instance = linker.instantiate(&mut store, &module)?;
    let mut result = Ok(0);
    if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
        result = init.call(&mut store, ()).map(|_| 0);
    }
    if result.is_ok() {
        let run = instance.get_typed_func::<(), i32>(&mut store, "wasi:cli/run@0.2.0#run")?;
        // run: func() -> result: the i32 is the result's case, 0 for ok.
        result = run.call(&mut store, ()).map(|case| if case == 0 { 0 } else { 1 });
    }
    let (status, trap) = match result {
        Ok(s) => (s, None),
        Err(e) => match store.data().exit {
            Some(code) => (code, None),
            None => (-1, Some(format!("{e:?}"))),
        },
    };
    // Rings the guest left open (a trap, or an exit from inside a callback).
    for ring in 1..=2 {
        unsafe { lx_ring_drop(ring) };
    }
    let out = |fd| {
        let mut len = 0usize;
        let p = unsafe { lx_output(fd, &mut len) };
        unsafe { std::slice::from_raw_parts(p as *const u8, len) }.to_vec()
    };
    Ok(Outcome { status, stdout: out(1), stderr: out(2), trap })
}

/// `<name>.core.wasm` from guest/build of this checkout (or from $IORING_GUEST_BUILD).
pub fn core_module(name: &str) -> PathBuf {
    let dir = std::env::var_os("IORING_GUEST_BUILD")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../guest/build"));
    dir.join(format!("{name}.core.wasm"))
}

/// The packed form's decoder and encoder as the tests see them (src/packed_probe.c).
pub mod probe {
    /// The fields of a decoded SQE (`struct ior_abi_sqe`) that packed ops use.
    #[repr(C)]
    #[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
    pub struct Sqe {
        pub op: u32,
        pub flags: u32,
        pub user_data: u32,
        pub fd: u32,
        pub len: u32,
        pub has_offset: u32,
        pub offset: u64,
        pub data_ptr: u32,
        pub data_len: u32,
        pub buffer: u32,
        pub buffer_offset: u32,
        pub ns: u64,
        pub count: u32,
        pub flag: u32,
        pub events: u32,
        pub how: u32,
        /// sendmsg's destination.
        pub has_addr: u32,
        pub family: u32,
        pub port: u32,
        pub v4: [u8; 4],
        pub v6: [u16; 8],
        pub flow_info: u32,
        pub scope_id: u32,
        pub path_ptr: u32,
        pub path_len: u32,
    }

    /// A CQE (`struct ior_abi_cqe`) as plain fields.
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    pub struct Cqe {
        pub user_data: u32,
        pub is_err: u32,
        pub value: u32,
        pub more: u32,
        pub data: *const u8,
        pub data_len: u32,
        pub detail: u32,
        pub handle: u32,
        pub family: u32,
        pub port: u32,
        pub v4: [u8; 4],
        pub v6: [u16; 8],
        pub flow_info: u32,
        pub scope_id: u32,
        pub path: *const u8,
        pub path_len: u32,
        pub stat_type: u32,
        pub mode: u32,
        pub links: u32,
        pub size: u64,
        pub modified_ns: u64,
        pub rising: u32,
        pub seqno: u32,
        pub timestamp_ns: u64,
    }

    impl Default for Cqe {
        fn default() -> Self {
            Cqe {
                user_data: 0,
                is_err: 0,
                value: 0,
                more: 0,
                data: std::ptr::null(),
                data_len: 0,
                detail: 0,
                handle: 0,
                family: 0,
                port: 0,
                v4: [0; 4],
                v6: [0; 8],
                flow_info: 0,
                scope_id: 0,
                path: std::ptr::null(),
                path_len: 0,
                stat_type: 0,
                mode: 0,
                links: 0,
                size: 0,
                modified_ns: 0,
                rising: 0,
                seqno: 0,
                timestamp_ns: 0,
            }
        }
    }

    extern "C" {
        pub fn ior_abi_packed_peek(list: *const u8, len: u32, at: u32, op: *mut u8, flags: *mut u8) -> u32;
        pub fn probe_packed_decode(mem: *const u8, size: u32, ptr: u32, len: u32, at: u32, out: *mut Sqe, next: *mut u32) -> i32;
        pub fn probe_record_decode(mem: *const u8, size: u32, addr: u32, out: *mut Sqe) -> i32;
        pub fn probe_same_as_record(mem: *const u8, size: u32, ptr: u32, len: u32, at: u32, rec: u32) -> i32;
        pub fn probe_packed_result(
            cqes: *const Cqe,
            n: u32,
            queued: u32,
            retptr: u32,
            fail: i32,
            out: *mut u8,
            cap: u32,
            allocs: *mut u32,
        ) -> std::ffi::c_long;
        pub fn probe_cqe_size(cqe: *const Cqe) -> u32;
    }
}
