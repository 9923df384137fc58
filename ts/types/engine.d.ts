// Globals every JavaScript engine we run on provides (StarlingMonkey, QuickJS with the ioring
// prelude, Node), declared so that they merge with Node's or the DOM's typings where a project
// has those: functions as overloads, `console` through its interface.
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(timer: any): void;
declare function queueMicrotask(callback: () => void): void;
interface Console {
  log(...args: any[]): void;
  error(...args: any[]): void;
  warn(...args: any[]): void;
  info(...args: any[]): void;
  debug(...args: any[]): void;
}
declare var console: Console;
