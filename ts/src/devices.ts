import { device as grantedDevice } from './grants.js';
import { readLines } from './lines.js';
import type { LinesOptions } from './lines.js';
import { IORing } from './ring.js';
import type { Handle, PollEvents, TtyConfig } from './ring.js';
import type { GpioBias } from 'ioring:ring/types@0.1.0';
import type { OperationOptions } from './signal.js';
import type { RingOption } from './file.js';

/** One segment of an SPI transfer; only `tx` or `rxLength` is needed. */
export interface SpiSegmentInit {
  /** Bytes to send; zeros are clocked out when `rxLength` is longer. */
  tx?: Uint8Array | number[];
  /** Bytes to receive; 0 (the default) sends only. */
  rxLength?: number;
  /** Clock for this segment in Hz; 0 (the default) keeps the device's setting. */
  speedHz?: number;
  /** Bits per word; 0 (the default) keeps the device's setting. */
  bitsPerWord?: number;
  /** Deassert chip-select after this segment. */
  csChange?: boolean;
  /** Delay after this segment, in microseconds. */
  delayUs?: number;
}

/** One message of an I2C transaction: a write (`write`) or a read (`readLength`). */
export interface I2cMessageInit {
  /** The target address (7-bit, or 10-bit with `tenBit`); the device's default when omitted. */
  address?: number;
  /** Bytes to write. */
  write?: Uint8Array | number[];
  /** Bytes to read. */
  readLength?: number;
  /** Use 10-bit addressing. */
  tenBit?: boolean;
}

function bytes(data: Uint8Array | number[] | undefined): Uint8Array {
  return data === undefined ? new Uint8Array(0) : data instanceof Uint8Array ? data : Uint8Array.from(data);
}

/** Splits the concatenated receive bytes of a transfer into one array per length. */
function split(all: Uint8Array, lengths: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of lengths) {
    out.push(all.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** What devices share: a handle granted by name, and close. */
abstract class Device implements AsyncDisposable {
  private closed = false;

  constructor(
    /** The device's handle. */
    readonly handle: Handle,
    /** The ring its operations go through. */
    readonly ring: IORing = IORing.shared,
  ) {}

  /** Closes the device. */
  async close(options?: OperationOptions): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ring.close(this.handle, options);
  }

  /** `await using dev = ...` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * An SPI device (spidev on Linux, an SPI node on Zephyr), granted with `--device NAME=PATH`.
 *
 * @example
 * await using adc = SpiDevice.open('adc');
 * // Send a command byte, then clock in two bytes, chip-select held throughout.
 * const [, reply] = await adc.transfer([{ tx: [0x80] }, { rxLength: 2 }]);
 */
export class SpiDevice extends Device {
  /** The SPI device granted under `name`. */
  static open(name: string, options: RingOption = {}): SpiDevice {
    return new SpiDevice(grantedDevice(name), options.ring);
  }

  /**
   * One full-duplex transaction: the segments run in order with chip-select held unless a
   * segment says otherwise. Resolves to each segment's received bytes (empty for send-only
   * segments).
   */
  async transfer(segments: SpiSegmentInit[], options?: OperationOptions): Promise<Uint8Array[]> {
    const wit = segments.map((s) => ({
      tx: bytes(s.tx),
      rxLen: s.rxLength ?? 0,
      speedHz: s.speedHz ?? 0,
      bitsPerWord: s.bitsPerWord ?? 0,
      csChange: s.csChange ?? false,
      delayUs: s.delayUs ?? 0,
    }));
    const all = await this.ring.spiTransfer(this.handle, wit, options);
    return split(all, wit.map((s) => s.rxLen));
  }
}

/**
 * An I2C bus (i2c-dev on Linux, an I2C node on Zephyr), granted with `--device NAME=PATH`.
 *
 * @example
 * await using bus = I2cDevice.open('i2c1', { address: 0x48 });
 * // Write the register number, then read two bytes, with a repeated start between.
 * const [temperature] = await bus.transfer([{ write: [0x00] }, { readLength: 2 }]);
 */
export class I2cDevice extends Device {
  /** The target address messages use when they name none. */
  readonly address: number;

  constructor(handle: Handle, ring?: IORing, address = 0) {
    super(handle, ring);
    this.address = address;
  }

  /** The I2C bus granted under `name`, talking to `options.address` by default. */
  static open(name: string, options: RingOption & { address?: number } = {}): I2cDevice {
    return new I2cDevice(grantedDevice(name), options.ring, options.address);
  }

  /** One transaction with repeated starts; resolves to each read message's bytes, in order. */
  async transfer(messages: I2cMessageInit[], options?: OperationOptions): Promise<Uint8Array[]> {
    const wit = messages.map((m) => ({
      address: m.address ?? this.address,
      write: bytes(m.write),
      readLen: m.readLength ?? 0,
      tenBit: m.tenBit ?? false,
    }));
    const all = await this.ring.i2cTransfer(this.handle, wit, options);
    return split(all, wit.filter((m) => m.readLen > 0).map((m) => m.readLen));
  }

  /** Reads `length` bytes from register `register` (a write of the register, then a read). */
  async readRegister(register: number, length: number, options?: OperationOptions): Promise<Uint8Array> {
    const [data] = await this.transfer([{ write: [register] }, { readLength: length }], options);
    return data;
  }

  /** Writes `data` to register `register`. */
  async writeRegister(register: number, data: Uint8Array | number[], options?: OperationOptions): Promise<void> {
    await this.transfer([{ write: [register, ...bytes(data)] }], options);
  }
}

/** Serial line settings for `Tty.configure`; omitted fields take 8N1 raw defaults. */
export interface TtyOptions {
  /** Raw mode: no line editing, echo, signals or output processing. Default true. */
  raw?: boolean;
  /** Baud rate; 0 (the default) keeps the current speed. */
  baud?: number;
  /** Data bits, 5 to 8; default 8. */
  dataBits?: 5 | 6 | 7 | 8;
  /** Parity; default `'none'`. */
  parity?: TtyConfig['parity'];
  /** Stop bits, 1 or 2; default 1. */
  stopBits?: 1 | 2;
  /** RTS/CTS flow control; default off. */
  hardwareFlowControl?: boolean;
}

/**
 * A serial line (a tty on Linux, a UART on Zephyr), granted with `--device NAME=PATH`.
 *
 * @example
 * await using uart = Tty.open('uart');
 * await uart.configure({ baud: 115200, parity: 'none' });
 * for (;;) process(await uart.read(256));
 */
export class Tty extends Device {
  /** The serial line granted under `name`. */
  static open(name: string, options: RingOption = {}): Tty {
    return new Tty(grantedDevice(name), options.ring);
  }

  /** Configures the line: raw mode, speed, framing, flow control. */
  configure(settings: TtyOptions = {}, options?: OperationOptions): Promise<void> {
    return this.ring.ttyConfigure(
      this.handle,
      {
        raw: settings.raw ?? true,
        baud: settings.baud ?? 0,
        dataBits: settings.dataBits ?? 8,
        parity: settings.parity ?? 'none',
        stopBits: settings.stopBits ?? 1,
        hardwareFlowControl: settings.hardwareFlowControl ?? false,
      },
      options,
    );
  }

  /** Reads what has arrived, up to `maxLength` bytes, waiting for at least one. */
  read(maxLength = 4096, options?: OperationOptions): Promise<Uint8Array> {
    return this.ring.read(this.handle, maxLength, options);
  }

  /** Writes all of `data`. */
  write(data: Uint8Array, options?: OperationOptions): Promise<void> {
    return this.ring.writeAll(this.handle, data, options);
  }

  /**
   * What arrives on the line, line by line (`\n` or `\r\n`, not included), decoded as UTF-8,
   * until the line hangs up; a last line without an end is delivered too. Aborting `signal`
   * cancels the read in flight and the loop throws `ECANCELED`.
   *
   * @example
   * const stop = new AbortController();
   * for await (const line of uart.lines({ signal: stop.signal })) console.log(`> ${line}`);
   */
  lines(options: LinesOptions = {}): AsyncGenerator<string, void, undefined> {
    const size = options.chunkSize ?? 4096;
    return readLines((signal) => this.ring.read(this.handle, size, { signal }), options);
  }

  /** Waits until the line has bytes to read (or hangs up). */
  poll(events: PollEvents = { readable: true }, options?: OperationOptions): Promise<PollEvents> {
    return this.ring.poll(this.handle, events, options);
  }
}

/** How `GpioLine.request` sets a line up; omitted fields: an input, as the chip has it. */
export interface GpioLineOptions extends RingOption, OperationOptions {
  /** `'input'` (the default) or `'output'`. */
  direction?: 'input' | 'output';
  /** Pull resistors: `'as-is'` (the default), `'disabled'`, `'pull-up'` or `'pull-down'`. */
  bias?: GpioBias;
  /** Values and edges are logical: active (true, rising) is the low level. */
  activeLow?: boolean;
  /** The edges `edges()` reports (an input line only): `'rising'`, `'falling'` or `'both'`. */
  edges?: 'rising' | 'falling' | 'both';
  /** An output line's value from the start; default false. */
  initial?: boolean;
}

/** One edge of a GPIO line, as `GpioLine.edges()` gives it. */
export interface GpioEdgeEvent {
  /** A rising edge: the line became active. */
  rising: boolean;
  /** When, in nanoseconds of the host's monotonic clock (since boot on Zephyr). */
  timestampNs: bigint;
  /** The edge's number on the line, from 1: a gap means edges were lost. */
  seqno: number;
}

/**
 * A GPIO line, requested from a chip granted with `--device NAME=/dev/gpiochipN` (Linux) or a
 * GPIO controller's devicetree grant (Zephyr). Closing it releases the line.
 *
 * @example
 * await using button = await GpioLine.request('gpio', 17, { bias: 'pull-up', activeLow: true, edges: 'both' });
 * await using led = await GpioLine.request('gpio', 18, { direction: 'output' });
 * for await (const edge of button.edges({ signal })) await led.set(edge.rising);
 */
export class GpioLine implements AsyncDisposable {
  private closed = false;

  constructor(
    /** The line's handle. */
    readonly handle: Handle,
    /** The ring its operations go through. */
    readonly ring: IORing = IORing.shared,
  ) {}

  /** Requests line `line` of the GPIO chip granted under `chip` (a name, or the chip's handle). */
  static async request(chip: string | Handle, line: number, options: GpioLineOptions = {}): Promise<GpioLine> {
    const ring = options.ring ?? IORing.shared;
    const handle = await ring.gpioRequest(
      {
        chip: typeof chip === 'string' ? grantedDevice(chip) : chip,
        line,
        direction: options.direction ?? 'input',
        bias: options.bias ?? 'as-is',
        activeLow: options.activeLow ?? false,
        edges: { rising: options.edges === 'rising' || options.edges === 'both', falling: options.edges === 'falling' || options.edges === 'both' },
        initial: options.initial ?? false,
      },
      { signal: options.signal, timeoutMs: options.timeoutMs },
    );
    return new GpioLine(handle, ring);
  }

  /** The line's logical value, read now: `await line.value`. */
  get value(): Promise<boolean> {
    return this.ring.gpioGet(this.handle);
  }

  /** Reads the line's logical value. */
  get(options?: OperationOptions): Promise<boolean> {
    return this.ring.gpioGet(this.handle, options);
  }

  /** Drives an output line to a logical value (`EPERM` on an input line). */
  set(value: boolean, options?: OperationOptions): Promise<void> {
    return this.ring.gpioSet(this.handle, value, options);
  }

  /**
   * The line's edges as they happen, each with its timestamp and sequence number: one
   * multishot operation in the host. Breaking out of the loop, or aborting `signal`, cancels
   * it and ends the loop (a signal already aborted rejects with `ECANCELED`).
   *
   * @example
   * const stop = new AbortController();
   * for await (const { rising, seqno } of button.edges({ signal: stop.signal })) console.log(seqno, rising);
   */
  async *edges(options: { signal?: OperationOptions['signal'] } = {}): AsyncGenerator<GpioEdgeEvent, void, undefined> {
    const stream = this.ring.gpioEdges(this.handle, options);
    try {
      for await (const e of stream) yield { rising: e.rising, timestampNs: BigInt(e.timestampNs), seqno: e.seqno };
    } finally {
      await stream.return?.();
    }
  }

  /** Releases the line (closes its handle). */
  async close(options?: OperationOptions): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ring.close(this.handle, options);
  }

  /** `await using line = ...` releases it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
