// Helpers for end-to-end tests: run `ioring` on a component with fresh granted directories.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTicks } from './cpu.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const ioring = join(root, 'host/target/release/ioring');

/** The path of a built artefact under the repository, failing clearly when it is missing. */
export function artefact(relative) {
  const path = join(root, relative);
  if (!existsSync(path)) throw new Error(`${relative} is not built: run \`just build\` first`);
  return path;
}

/** Runs `ioring` with `args`; returns { status, stdout (Buffer), stderr (string) }. */
export function run(args, options = {}) {
  const r = spawnSync(ioring, args, { timeout: 60_000, maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir() {
  const path = mkdtempSync(join(tmpdir(), 'ioring-e2e-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on 127.0.0.1:`port`; rejects after `ms`. */
export function waitForPort(port, ms = 60_000) {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

/**
 * An echo client: connects to 127.0.0.1:`port`, writes `chunks` (pausing 1 ms every
 * `pauseEvery` chunks, if set), half-closes, and resolves with everything read back.
 */
export function echo(port, chunks, { pauseEvery = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const got = [];
    const sock = net.connect(port, '127.0.0.1', async () => {
      for (let i = 0; i < chunks.length; i++) {
        if (!sock.write(chunks[i])) await new Promise((r) => sock.once('drain', r));
        if (pauseEvery && i % pauseEvery === 0) await new Promise((r) => setTimeout(r, 1));
      }
      sock.end();
    });
    sock.setTimeout(20_000, () => sock.destroy(new Error('echo timed out')));
    sock.on('data', (d) => got.push(d));
    sock.on('end', () => resolve(Buffer.concat(got)));
    sock.on('error', reject);
  });
}

/**
 * The CPU an echo server at 127.0.0.1:`port` (process `pid`) uses in `ms` while one client
 * stays connected and sends nothing, in clock ticks (1/100 s here): a loop that waits in the
 * kernel uses none; one that polls uses about `ms / 10`.
 */
export async function idleTicks(pid, port, ms = 1000) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => (sock.once('connect', resolve), sock.once('error', reject)));
  try {
    // Let the accept and the first receive settle before counting.
    await new Promise((r) => setTimeout(r, 200));
    const before = cpuTicks(pid);
    await new Promise((r) => setTimeout(r, ms));
    return cpuTicks(pid) - before;
  } finally {
    sock.destroy();
  }
}
