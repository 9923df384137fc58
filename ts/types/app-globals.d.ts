// What an app may use besides the library, on every engine (the prelude fills in QuickJS's
// gaps): checked by `ioring-build` when it type-checks an app. Not referenced by the library's
// own declarations, so projects with Node's or the DOM's typings see theirs.
/// <reference path="./engine.d.ts" />
declare function setInterval(callback: () => void, ms?: number): unknown;
declare function clearInterval(timer: any): void;
declare class TextEncoder {
  readonly encoding: string;
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string);
  readonly encoding: string;
  decode(input?: ArrayBuffer | ArrayBufferView): string;
}
declare class AbortSignal {
  readonly aborted: boolean;
  readonly reason: any;
  onabort: ((event: { type: string }) => void) | null;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
  throwIfAborted(): void;
  static abort(reason?: any): AbortSignal;
  static timeout(ms: number): AbortSignal;
  static any(signals: AbortSignal[]): AbortSignal;
}
declare class AbortController {
  readonly signal: AbortSignal;
  abort(reason?: any): void;
}
