// The component backend: the ring and grants are the host's, reached through the WIT imports,
// and the app's loop is the driver in ../runtime/driver.ts.
import * as grants from 'ioring:ring/grants@0.1.0';
import { Ring } from 'ioring:ring/ring@0.1.0';
import { getArguments } from 'wasi:cli/environment@0.2.0';
import type { Backend } from '../backend.js';
import { IORingError } from '../errors.js';
import { hasJobQueue, requestTurn, run } from '../runtime/driver.js';
import { describeError } from '../runtime/report.js';

/** componentize-qjs maps WIT u64 to a JS number; jco and StarlingMonkey to a BigInt. */
let u64AsNumber: boolean | undefined;

export const backend: Backend = {
  name: 'component',
  createRing: (entries) => Ring.create(entries),
  grants: {
    directory: (name) => grants.directory(name),
    listener: (name) => grants.listener(name),
    device: (name) => grants.device(name),
  },
  args: () => getArguments().slice(1),
  requestTurn,
  command(main) {
    return {
      run() {
        if (!hasJobQueue()) {
          console.error('ioring: this app was not built with ioring-build, which installs the loop it needs');
          throw new IORingError('not-supported', 'an app not built with ioring-build');
        }
        const outcome = run(main);
        if (!outcome.ok) {
          console.error(describeError(outcome.error));
          // wasi:cli/run's error case (it carries no payload): the host exits non-zero.
          // componentize-qjs traps on anything but `undefined` here.
          throw undefined;
        }
      },
    };
  },
  u64(value) {
    u64AsNumber ??= typeof (globalThis as { __cqjs?: unknown }).__cqjs === 'object';
    return u64AsNumber ? (Number(value) as unknown as bigint) : value;
  },
};
