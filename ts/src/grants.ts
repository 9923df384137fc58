import * as wit from 'ioring:ring/grants@0.1.0';
import { IORingError, thrownErrorCode } from './errors.js';
import type { Handle } from './ring.js';

function ask(kind: string, name: string, lookup: (name: string) => Handle): Handle {
  try {
    return lookup(name);
  } catch (e) {
    const code = thrownErrorCode(e);
    if (code) throw new IORingError(code, `${kind} grant '${name}'`);
    throw e;
  }
}

/** The directory the host granted under `name` (`--dir HOST::NAME`). Throws `ENOENT` if none. */
export function directory(name: string): Handle {
  return ask('directory', name, wit.directory);
}

/** The listening socket the host granted under `name` (`--listen NAME=ADDR`). */
export function listener(name: string): Handle {
  return ask('listener', name, wit.listener);
}

/** The device the host granted under `name` (`--device NAME=PATH`). */
export function device(name: string): Handle {
  return ask('device', name, wit.device);
}
