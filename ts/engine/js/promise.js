// Stands in for the library's runtime/promise.js on the ioring-qjs engine: QuickJS-ng's own
// Promise and queueMicrotask run their jobs from engine.c's loop, so the prelude installs none.
export function installPromise() {}
