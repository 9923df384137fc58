// Helpers for end-to-end tests: run `ioring` on a component with fresh granted directories.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
