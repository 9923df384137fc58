/// <reference path="../types/engine.d.ts" preserve="true" />
/// <reference path="../types/wit/app.d.ts" preserve="true" />
/**
 * `@ioring/ring`: one async ring API for I/O. Apps written against it are componentized
 * with jco and run on io_uring (the Linux host), RTIO (the Zephyr host) or Node.
 *
 * @example
 * import { IORing, grants, stdout } from '@ioring/ring';
 * const ring = IORing.shared;
 * const fd = await ring.open(grants.directory('data'), 'hello.txt');
 * await ring.writeAll(stdout, await ring.read(fd, 4096));
 */
export { IORing, stdin, stdout, stderr } from './ring.js';
export type { Handle, IORingOptions } from './ring.js';
export { IORingError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { Backend, RingBackend } from './backend.js';
export * as grants from './grants.js';
export { args } from './process.js';
export { command } from './command.js';
