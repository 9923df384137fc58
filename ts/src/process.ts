import { getArguments } from 'wasi:cli/environment@0.2.0';

/** The app's arguments, without the program name. */
export function args(): string[] {
  return getArguments().slice(1);
}
