// rounds: what one turn of the ring costs this engine, without sockets or the library. ROUNDS
// times: submit K operations (nop, or a 64-byte read or write at offset 0 of f.txt in the
// granted directory `d`), then complete until all K are back. For the README's instruction
// counts (valgrind counts user-space instructions, which the load of a shared machine does not
// change), per round by difference of two runs:
//
//   make -C ts/engine app APP=rounds APP_JS=bench/rounds.js OUT=/tmp/rounds
//   ioring compile --target x86_64-unknown-linux-gnu /tmp/rounds/rounds.wasm -o /tmp/rounds/rounds.cwasm
//   valgrind --tool=cachegrind --cache-sim=no ioring run --allow-precompiled --dir DIR::d \
//     /tmp/rounds/rounds.cwasm ROUNDS K nop|read|write
//
// (--target: the default compiles for this CPU's features, some of which valgrind lacks.)
import { Ring } from 'ioring:ring/ring@0.1.0';
import * as grants from 'ioring:ring/grants@0.1.0';
import { getArguments } from 'wasi:cli/environment@0.2.0';

export const run = {
  run() {
    const [, roundsArg, kArg, kind = 'nop'] = getArguments();
    const rounds = Number(roundsArg ?? 100000);
    const k = Number(kArg ?? 1);
    const ring = Ring.create(0);
    let userData = 1;
    const wait = (n) => {
      const all = [];
      while (all.length < n) all.push(...ring.complete(n - all.length, 256, undefined));
      return all;
    };
    const data = new Uint8Array(64);
    let fd = 0;
    if (kind !== 'nop') {
      const open = { tag: 'openat', val: { dir: grants.directory('d'), path: 'f.txt', flags: { read: true, write: true }, mode: 0 } };
      ring.submit([{ op: open, userData: userData++, flags: {} }]);
      fd = wait(1)[0].detail.val;
    }
    const ops = {
      nop: () => ({ tag: 'nop' }),
      read: () => ({ tag: 'read', val: { fd, len: 64, offset: 0n } }),
      write: () => ({ tag: 'write', val: { fd, data, offset: 0n } }),
    };
    for (let r = 0; r < rounds; r++) {
      const batch = [];
      for (let i = 0; i < k; i++) batch.push({ op: ops[kind](), userData: userData++, flags: {} });
      ring.submit(batch);
      wait(k);
    }
    return () => 0;
  },
};
