/**
 * Turns an async main function into the app's `wasi:cli/run` export. A rejection (or a
 * thrown error) is printed to stderr and ends the app with a non-zero exit.
 *
 * @example
 * export const run = command(async () => { await IORing.shared.sleep(10); });
 */
export function command(main: () => Promise<void>): { run(): Promise<void> } {
  return {
    async run() {
      try {
        await main();
      } catch (e) {
        console.error(e instanceof Error ? `${e.name}: ${e.message}` : `error: ${String(e)}`);
        // wasi:cli/run's error case: the host exits non-zero.
        throw e;
      }
    },
  };
}
