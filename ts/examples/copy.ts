// copy: copies a file to another, both under granted directories, then prints the byte count
// and checks the copy's size. Every open, read and write must finish within --op-timeout
// milliseconds (5000 unless given), so a source that stalls, such as a FIFO nobody writes to,
// fails with ETIME; with --deadline, the whole copy is also given that many milliseconds
// through an AbortSignal, and stops with ECANCELED when they pass.
//
//   ioring run --dir SRC::in --dir DST::out copy.wasm [--op-timeout MS] [--deadline MS] in/file out/file
//   IORING_DIR='SRC::in;DST::out' node copy.js [--op-timeout MS] [--deadline MS] in/file out/file
import { File, args, command, copy } from '@ioring/ring';

const usage = 'usage: copy [--op-timeout MS] [--deadline MS] GRANT/FROM GRANT/TO';

interface Options {
  opTimeoutMs: number;
  deadlineMs?: number;
  from: string;
  to: string;
}

function parse(argv: string[]): Options {
  let opTimeoutMs = 5000;
  let deadlineMs: number | undefined;
  const paths: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag !== '--op-timeout' && flag !== '--deadline') {
      paths.push(flag);
      continue;
    }
    const ms = Number(argv[++i]);
    if (!Number.isInteger(ms) || ms <= 0) throw new Error(`${flag} wants a whole number of milliseconds\n${usage}`);
    if (flag === '--op-timeout') opTimeoutMs = ms;
    else deadlineMs = ms;
  }
  if (paths.length !== 2) throw new Error(usage);
  return { opTimeoutMs, deadlineMs, from: paths[0], to: paths[1] };
}

function split(path: string): [string, string] {
  const slash = path.indexOf('/');
  if (slash < 0) throw new Error(usage);
  return [path.slice(0, slash), path.slice(slash + 1)];
}

export const run = command(async () => {
  const { opTimeoutMs, deadlineMs, from, to } = parse(args());
  const each = {
    timeoutMs: opTimeoutMs,
    signal: deadlineMs === undefined ? undefined : AbortSignal.timeout(deadlineMs),
  };
  await using src = await File.open(...split(from), each);
  await using dst = await File.open(...split(to), { write: true, create: true, truncate: true, ...each });
  const bytes = await copy(src, dst, each);
  await dst.sync(each);
  const { size } = await dst.stat(each);
  if (size !== bytes) throw new Error(`copied ${bytes} bytes but the copy has ${size}`);
  console.log(`copied ${bytes} bytes`);
});
