// app: copies in/NAME to out/NAME, two granted directories, and prints how many bytes it copied.
//
//   npx ioring-build app.ts -o app.wasm && ioring run --dir SRC::in:ro --dir DST::out app.wasm NAME
//   npx tsc && IORING_DIR='SRC::in:ro;DST::out' node app.js NAME
import { File, args, command, copy } from '@ioring/ring';

export const run = command(async () => {
  const [name] = args();
  if (!name) throw new Error('usage: app NAME (copies in/NAME to out/NAME)');
  await using src = await File.open('in', name);
  await using dst = await File.open('out', name, { write: true, create: true, truncate: true });
  const bytes = await copy(src, dst);
  console.log(`copied ${bytes} bytes to out/${name}`);
});
