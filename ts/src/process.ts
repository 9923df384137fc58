import { backend } from '#backend';

/**
 * The app's arguments, without the program name: what follows the component under
 * `ioring run`, or the script under `node`.
 *
 * @example
 * const [path = 'data/input.txt'] = args();
 */
export function args(): string[] {
  return backend.args();
}
