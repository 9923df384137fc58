// rotate: log rotation in a granted directory. Keeps the last KEEP copies of a log in the
// grant's archive/ directory (created when missing), shifting older ones along and dropping
// the oldest, then empties the log in place, so a writer holding it open keeps writing.
//
//   ioring run --dir LOGS::logs rotate.wasm logs/app.log 3
//   IORING_DIR='LOGS::logs' node rotate.js logs/app.log 3
import { Directory, IORingError, args, command, copy } from '@ioring/ring';

/** Runs `step`; a missing file or an existing directory is not an error here. */
async function tolerate(step: Promise<void>, code: 'ENOENT' | 'EEXIST'): Promise<void> {
  try {
    await step;
  } catch (e) {
    if (!(e instanceof IORingError && e.code === code)) throw e;
  }
}

export const run = command(async () => {
  const [path, keepArg = '3'] = args();
  const slash = path?.indexOf('/') ?? -1;
  const keep = Number(keepArg);
  if (!path || slash < 0 || !Number.isInteger(keep) || keep < 1) throw new Error('usage: rotate GRANT/LOG [KEEP]');
  const name = path.slice(slash + 1);
  const logs = Directory.granted(path.slice(0, slash));

  await tolerate(logs.mkdir('archive'), 'EEXIST');
  await tolerate(logs.remove(`archive/${name}.${keep}`), 'ENOENT');
  for (let i = keep - 1; i >= 1; i--) {
    await tolerate(logs.rename(`archive/${name}.${i}`, `archive/${name}.${i + 1}`), 'ENOENT');
  }
  await using log = await logs.open(name, { read: true, write: true });
  await using first = await logs.open(`archive/${name}.1`, { write: true, create: true, truncate: true });
  const bytes = await copy(log, first);
  await log.truncate(0);
  console.log(`rotated ${bytes} bytes`);
});
