// cat: print a file from a granted directory to stdout, through the ring.
//
//   ioring run --dir HOST_DIR::data cat.wasm data/path/to/file
//   IORING_DIR=HOST_DIR::data node cat.js data/path/to/file
//
// The first path component names the directory grant.
import { File, IORing, args, command, stdout } from '@ioring/ring';

const CHUNK = 64 * 1024;

export const run = command(async () => {
  const [path] = args();
  const slash = path?.indexOf('/') ?? -1;
  if (!path || slash < 0) throw new Error('usage: cat GRANT/PATH');
  await using file = await File.open(path.slice(0, slash), path.slice(slash + 1));
  for (let offset = 0; ; ) {
    const chunk = await file.read(CHUNK, offset);
    if (chunk.length === 0) break;
    await IORing.shared.writeAll(stdout, chunk);
    offset += chunk.length;
  }
});
