// The source map ioring-build embeds in a bundle, for every engine: the runtime's report.js
// maps an error's stack through it.
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';

/**
 * The bundle with its source map as its first line, `globalThis.__ioringSourceMap = {...}`:
 * the bundle's file name, the sources (relative to the current directory, as the app's author
 * named them), and the mappings, one line later. No sources' text: a stack needs only places.
 */
export function embedSourceMap(code, map, out) {
  const sources = map.sources.map((s) => {
    if (s.startsWith('\0') || /^[a-z]+:/i.test(s)) return s;
    const absolute = resolve(dirname(out), s);
    const rel = relative(process.cwd(), absolute);
    return rel.startsWith('..') || isAbsolute(rel) ? absolute : rel;
  });
  const embedded = { file: basename(out), sources, mappings: `;${map.mappings}` };
  return `globalThis.__ioringSourceMap = ${JSON.stringify(embedded)};\n${code}`;
}
