// copy: copies a file to another, both under granted directories, then prints the byte count
// and checks the copy's size.
//
//   ioring run --dir SRC::in --dir DST::out copy.wasm in/file out/file
//   IORING_DIR='SRC::in;DST::out' node copy.js in/file out/file
import { File, args, command, copy } from '@ioring/ring';

function split(path: string | undefined): [string, string] {
  const slash = path?.indexOf('/') ?? -1;
  if (!path || slash < 0) throw new Error('usage: copy GRANT/FROM GRANT/TO');
  return [path.slice(0, slash), path.slice(slash + 1)];
}

export const run = command(async () => {
  const [from, to] = args();
  await using src = await File.open(...split(from));
  await using dst = await File.open(...split(to), { write: true, create: true, truncate: true });
  const bytes = await copy(src, dst);
  await dst.sync();
  const { size } = await dst.stat();
  if (size !== bytes) throw new Error(`copied ${bytes} bytes but the copy has ${size}`);
  console.log(`copied ${bytes} bytes`);
});
