// Paths beneath a directory handle, confined as the Linux host's openat2(RESOLVE_BENEATH) keeps
// them: an absolute path, a `..` above the directory, or a symbolic link leading out of it
// fails with `access`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail, opError, toErrorCode } from './errno.js';

/** Most symbolic links one resolution follows, as Linux's MAXSYMLINKS. */
const MAX_LINKS = 40;

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

function check(rel: string): void {
  if (rel.includes('\0')) fail('invalid');
  if (rel === '') fail('no-entry');
  if (path.isAbsolute(rel)) fail('access');
}

/**
 * `parts` resolved from `root` (a real path), one component at a time: each symbolic link met
 * is replaced by its target, which must be relative. With `noFollow` the final component is
 * not followed; a final component that does not exist (yet) is returned as it is.
 */
async function resolve(root: string, parts: string[], noFollow: boolean): Promise<string> {
  let cur = root;
  let links = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === '..') {
      if (cur === root) fail('access');
      cur = path.dirname(cur);
      continue;
    }
    const next = path.join(cur, part);
    const last = i === parts.length - 1;
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(next);
    } catch (e) {
      if (last && (e as { code?: string }).code === 'ENOENT') return next;
      throw opError(toErrorCode(e));
    }
    if (st.isSymbolicLink() && !(last && noFollow)) {
      if (++links > MAX_LINKS) fail('loop');
      const target = await fs.promises.readlink(next);
      if (path.isAbsolute(target)) fail('access');
      parts = [...parts.slice(0, i + 1), ...components(target), ...parts.slice(i + 1)];
      continue;
    }
    if (!last && !st.isDirectory()) fail('not-directory');
    cur = next;
  }
  return cur;
}

/** `rel` resolved beneath the directory `root` (a real path); see `resolve`. */
export function beneath(root: string, rel: string, noFollow = false): Promise<string> {
  check(rel);
  return resolve(root, components(rel), noFollow);
}

/**
 * The path to act on for an operation on the entry `rel` names itself (mkdir, unlink, rmdir,
 * rename), as the Linux host finds it: the parent directory resolved beneath `root`, then the
 * last component as given, never followed. Trailing slashes are dropped; a last component of
 * `.` or `..` (or none) is `invalid`.
 */
export async function entryBeneath(root: string, rel: string): Promise<string> {
  if (path.isAbsolute(rel)) fail('access');
  const trimmed = rel.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  const name = trimmed.slice(cut + 1);
  if (name === '' || name === '.' || name === '..' || rel.includes('\0')) fail('invalid');
  const dir = await resolve(root, components(trimmed.slice(0, Math.max(cut, 0))), false);
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(dir);
  } catch (e) {
    throw opError(toErrorCode(e));
  }
  if (!st.isDirectory()) fail('not-directory');
  return path.join(dir, name);
}
