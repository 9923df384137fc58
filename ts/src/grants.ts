import { callImport } from './errors.js';
import { grantedDirectory, grantedListener } from './explain.js';
import type { Handle } from './ring.js';
import { backend } from '#backend';

/**
 * The directory the host granted under `name` (`ioring run --dir HOST::NAME`; under Node,
 * `IORING_DIR=HOST::NAME`). Throws an `IORingError` with code `ENOENT` if there is none.
 *
 * @example
 * const dir = grants.directory('data');
 */
export function directory(name: string): Handle {
  const handle = callImport(`directory grant '${name}'`, () => backend.grants.directory(name), {
    'no-entry': `none was granted: grant one with --dir PATH::${name} (IORING_DIR under Node)`,
  });
  grantedDirectory(handle, name);
  return handle;
}

/**
 * The listening socket the host granted under `name` (`ioring run --listen NAME=tcp:ADDR`;
 * under Node, `IORING_LISTEN=NAME=tcp:ADDR`), already bound and listening.
 */
export function listener(name: string): Handle {
  const handle = callImport(`listener grant '${name}'`, () => backend.grants.listener(name), {
    'no-entry': `none was granted: grant one with --listen ${name}=tcp:IP:PORT (IORING_LISTEN under Node)`,
  });
  grantedListener(handle);
  return handle;
}

/**
 * The device the host granted under `name` (`ioring run --device NAME=PATH`; under Node,
 * `IORING_DEVICE=NAME=PATH`), opened read-write.
 */
export function device(name: string): Handle {
  return callImport(`device grant '${name}'`, () => backend.grants.device(name), {
    'no-entry': `none was granted: grant one with --device ${name}=PATH (IORING_DEVICE under Node)`,
  });
}
