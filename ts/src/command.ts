import { backend } from '#backend';

/**
 * Makes an async main function the app's entry point. Export the result as `run`: inside a
 * component that is the `wasi:cli/run` export; under Node the function starts at once.
 *
 * The app ends when `main` settles. A rejection of `main`, or any promise rejection no handler
 * takes, prints `Name: message` on stderr and ends the app with a non-zero exit status.
 *
 * @example
 * import { command, sleep } from '@ioring/ring';
 * export const run = command(async () => {
 *   await sleep(10);
 *   console.log('done');
 * });
 */
export function command(main: () => Promise<void>): { run(): void | Promise<void> } {
  return backend.command(main);
}
