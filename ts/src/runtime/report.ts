/** How an error that ends an app is printed on stderr: one line, `Name: message`. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${e.name}: ${e.message}${typeof code === 'string' && !e.message.includes(code) ? ` (${code})` : ''}`;
  }
  return `error: ${String(e)}`;
}

/** Why an app whose main still waits ended: no operation can ever wake it. */
export const WAITING_FOR_NOTHING = 'the app is waiting, but no ring operation is in flight that could wake it';
