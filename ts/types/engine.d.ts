// Globals every JavaScript engine we run on provides (StarlingMonkey, QuickJS, Node), declared
// here instead of pulling in the DOM or Node typings.
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare const console: { log(...args: unknown[]): void; error(...args: unknown[]): void };
