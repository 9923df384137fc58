// throws: an app that fails at a known line of this file, for test/e2e/ts-errors.test.js: the
// stack an `ioring run` prints must name this file and these lines, through the source map
// ioring-build embeds. Keep the line numbers in the test in step with this file.
import { args, command, sleep } from '@ioring/ring';

function check(n: number): number {
  if (n > 2) throw new RangeError(`too big: ${n}`); // line 7
  return n;
}

export const run = command(async () => {
  await sleep(1);
  if (args()[0] === 'floating') {
    Promise.reject(new TypeError('nobody waits for this')); // line 14
    await sleep(1000);
  }
  check(7); // line 17
});
