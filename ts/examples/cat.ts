// cat: print a file from a granted directory to stdout, through the ring.
//
//   ioring run --dir HOST_DIR::data cat.wasm data/path/to/file
//
// The first path component names the directory grant.
import { IORing, args, command, grants, stdout } from '@ioring/ring';

const CHUNK = 64 * 1024;

export const run = command(async () => {
  const [path] = args();
  const slash = path?.indexOf('/') ?? -1;
  if (!path || slash < 0) throw new Error('usage: cat GRANT/PATH');
  const ring = IORing.shared;
  const fd = await ring.open(grants.directory(path.slice(0, slash)), path.slice(slash + 1));
  try {
    for (let offset = 0n; ; ) {
      const chunk = await ring.read(fd, CHUNK, offset);
      if (chunk.length === 0) break;
      await ring.writeAll(stdout, chunk);
      offset += BigInt(chunk.length);
    }
  } finally {
    await ring.close(fd);
  }
});

