/// <reference path="../types/engine.d.ts" preserve="true" />
/// <reference path="../types/wit/app.d.ts" preserve="true" />
/**
 * `@ioring/ring`: one async ring API for I/O. Apps written against it run under Node, and,
 * componentized by `ioring-build`, on io_uring (the Linux host) or RTIO (the Zephyr host).
 *
 * @example
 * import { Socket, command } from '@ioring/ring';
 *
 * export const run = command(async () => {
 *   const server = await Socket.create('tcp');
 *   await server.setReuseAddr();
 *   await server.bind(7000);
 *   await server.listen();
 *   for await (const client of server.accept()) echo(client);
 * });
 *
 * async function echo(client: Socket) {
 *   await using conn = client;
 *   for (let bytes; (bytes = await conn.receive()).length > 0; ) await conn.sendAll(bytes);
 * }
 */
export { IORing, stdin, stdout, stderr } from './ring.js';
export type {
  Accepted,
  AddressFamily,
  CqeDetail,
  LinkedResult,
  Op,
  Datagram,
  FileStat,
  BigIntFileStat,
  StatOptions,
  Handle,
  I2cMessage,
  IORingOptions,
  OffsetOptions,
  OpenFlags,
  OpenOptions,
  PollEvents,
  ShutdownHow,
  SocketAddress,
  SocketOption,
  SocketType,
  SpiSegment,
  TtyConfig,
} from './ring.js';
export { Socket, Acceptance } from './socket.js';
export type { SocketKind, SocketOptions, ReceivedDatagram } from './socket.js';
export { File, Directory, copy } from './file.js';
export type { RingOption } from './file.js';
export { SpiDevice, I2cDevice, Tty, GpioLine } from './devices.js';
export type { SpiSegmentInit, I2cMessageInit, TtyOptions, GpioLineOptions, GpioEdgeEvent } from './devices.js';
export { sleep, withTimeout } from './timers.js';
export { IORingError, errorCodes, isErrorCode, posixName } from './errors.js';
export type { ErrorCode, IORingErrorOptions } from './errors.js';
export type { AbortSignalLike, OperationOptions } from './signal.js';
export { NetAddress, ipv4, ipv6, ipAddress, unixAddress, parseAddress, formatAddress, toNetAddress } from './address.js';
export type { AddressLike, AddressInit, AddressFamilyName, IpAddress } from './address.js';
export type { LinesOptions } from './lines.js';
export { utf8, fromUtf8 } from './text.js';
export type { Backend, GrantsBackend, RingBackend, Turnable } from './backend.js';
export * as grants from './grants.js';
export { args } from './process.js';
export { command } from './command.js';
