#!/usr/bin/env node
// The benchmark tables, made from test/bench/results.json, never typed by hand: the targets
// (README.md, between the bench:targets markers) and every figure (test/bench/results.md).
// `just bench` runs this after writing results.json; `node test/bench/table.mjs` redoes it
// from the last results.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '../..');

// What the project promises, each a row of results.json (name and baseline) and a bound on
// its ratio to the baseline (`ratio`) or on its value (`value`); `at most` or `at least`.
export const TARGETS = [
  { name: 'echo 64 B x50: ioring C guest', baseline: 'native liburing', ratio: ['at least', 0.9] },
  { name: 'echo 4096 B x50: ioring C guest', baseline: 'native liburing', ratio: ['at least', 0.9] },
  { name: 'echo 64 B x50 server CPU: ioring C guest', baseline: 'native liburing', ratio: ['at most', 1.1] },
  { name: 'echo 64 B x50: ioring TS guest (QuickJS)', baseline: 'Node net', ratio: ['at least', 0.5] },
  { name: 'echo 4096 B x50: ioring TS guest (QuickJS)', baseline: 'Node net', ratio: ['at least', 0.5] },
  { name: 'echo 64 B x50 server CPU: ioring TS guest (QuickJS)', baseline: 'Node net', value: ['at most', 15] },
  { name: 'echo 4096 B x50 server CPU: ioring TS guest (QuickJS)', baseline: 'Node net', value: ['at most', 15] },
  { name: 'echo 64 B x50: ioring TS guest (ioring-qjs)', baseline: 'Node net', ratio: ['at least', 0.5] },
  { name: 'echo 4096 B x50: ioring TS guest (ioring-qjs)', baseline: 'Node net', ratio: ['at least', 0.5] },
  { name: 'echo 64 B x50 server CPU: ioring TS guest (ioring-qjs)', baseline: 'Node net', value: ['at most', 15] },
  { name: 'echo 4096 B x50 server CPU: ioring TS guest (ioring-qjs)', baseline: 'Node net', value: ['at most', 15] },
  { name: 'echo 64 B x1 server CPU: ioring TS guest (ioring-qjs)', baseline: 'the same server at x50', ratio: ['at most', 1.5] },
  { name: 'echo 64 B x50 server CPU: ioring TS app under Node (Node backend)', baseline: 'Node net', ratio: ['at most', 1.2] },
  { name: 'echo 4096 B x50 server CPU: ioring TS app under Node (Node backend)', baseline: 'Node net', ratio: ['at most', 1.2] },
  { name: 'echo 64 B x1000: ioring C guest', baseline: 'native liburing', ratio: ['at least', 0.9] },
  { name: 'echo 64 B x1000 server CPU: ioring C guest', baseline: 'native liburing', ratio: ['at most', 1.2] },
  { name: 'echo 64 B x50: ioring C guest', baseline: 'wasi:sockets guest', ratio: ['at least', 2] },
  { name: 'echo 4096 B x50: ioring C guest', baseline: 'wasi:sockets guest', ratio: ['at least', 2] },
  { name: 'nop batch 1: ioring C guest', baseline: 'native liburing', ratio: ['at most', 3] },
  { name: 'nop batch 32: ioring C guest', baseline: 'native liburing', ratio: ['at most', 2] },
  { name: 'ping-pong 64 B, one CPU: ioring C guest', baseline: 'native liburing', ratio: ['at least', 0.8] },
  { name: 'file read 4 KiB random QD1: ioring C guest', baseline: 'fio io_uring', ratio: ['at least', 0.85] },
  { name: 'file read 4 KiB random QD32: ioring C guest', baseline: 'fio io_uring', ratio: ['at least', 0.85] },
  { name: 'start-up to exit: C first-op .cwasm', baseline: 'native liburing process', value: ['at most', 5] },
  { name: 'start-up to pipe EOF: C first-op .cwasm', baseline: 'native liburing process', value: ['at most', 5] },
  { name: 'start-up to exit: TS cat (QuickJS) .cwasm', baseline: 'native liburing process', value: ['at most', 10] },
  { name: 'start-up to pipe EOF: TS cat (QuickJS) .cwasm', baseline: 'native liburing process', value: ['at most', 10] },
];

// Rows shown beside the targets with no bound: the same C guest composed with the WASI adapter
// (adapter/) under stock wasmtime, against it under `ioring run` (README.md, "Running under
// stock wasmtime and Node"). What they measure is reported, not promised.
const ADAPTER = 'C guest, wasmtime + WASI adapter';
export const COMPARISONS = [
  ...['echo 64 B x1', 'echo 64 B x50', 'echo 4096 B x1', 'echo 4096 B x50'].map((w) => ({ name: `${w}: ${ADAPTER}`, baseline: 'ioring C guest' })),
  ...['4 KiB random QD1', '4 KiB random QD32', '128 KiB sequential QD4'].map((w) => ({ name: `file read ${w}: ${ADAPTER}`, baseline: 'ioring C guest' })),
];

const fmt = (v) => (v >= 100 ? Math.round(v).toLocaleString('en') : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const holds = ([how, bound], x) => (how === 'at most' ? x <= bound : x >= bound);

/** The targets as a markdown table: each one's figure, its baseline, the ratio, and whether it is met. */
export function targetsTable(results) {
  const lines = ['| target | ioring | baseline | ratio | met |', '| --- | ---: | ---: | ---: | :---: |'];
  for (const t of TARGETS) {
    const r = results.find((x) => x.name === t.name && x.baseline === t.baseline);
    const [how, bound] = t.ratio ?? t.value;
    const what = t.ratio ? `${how} ${bound}× ${t.baseline}` : `${how} ${bound} ${r?.unit ?? ''}`.trimEnd();
    if (!r) {
      lines.push(`| ${t.name}, ${what} | not run | | | |`);
      continue;
    }
    const met = t.ratio ? holds(t.ratio, r.ratio) : holds(t.value, r.value);
    lines.push(`| ${t.name}, ${what} | ${fmt(r.value)} ${r.unit} | ${fmt(r.baseline_value)} (${r.baseline}) | ${r.ratio.toFixed(2)} | ${met ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}

/** The comparisons as a markdown table: each figure, its baseline's, and the ratio. */
export function comparisonsTable(results) {
  const lines = ['| the C guest under wasmtime + the WASI adapter | adapter | ioring run | ratio |', '| --- | ---: | ---: | ---: |'];
  for (const c of COMPARISONS) {
    const r = results.find((x) => x.name === c.name && x.baseline === c.baseline);
    const what = c.name.slice(0, c.name.indexOf(':'));
    if (!r) lines.push(`| ${what} | not run | | |`);
    else lines.push(`| ${what} | ${fmt(r.value)} ${r.unit} | ${fmt(r.baseline_value)} | ${r.ratio.toFixed(2)} |`);
  }
  return lines.join('\n');
}

/**
 * Where a NOP's time goes: native liburing; the host ring driven from Rust without a guest
 * (host/examples/ring_nop.rs), the least a guest could pay with any encoding of SQEs and CQEs;
 * the C guest in the packed form (ring.enter, what the SDK sends); and the same guest in the
 * record form (ring.submit and ring.complete).
 */
export function nopSplitTable(results) {
  const lines = [
    '| NOP | native liburing | host ring, no wasm | C guest, packed form | C guest, record form | host / native | packed / native | record / native |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const batch of [1, 32]) {
    const find = (name, baseline) => results.find((x) => x.name === `nop batch ${batch}: ${name}` && x.baseline === baseline);
    const host = find('host ring, no wasm', 'native liburing');
    const guest = find('ioring C guest', 'native liburing');
    const records = find('ioring C guest, record form', 'native liburing');
    if (!host || !guest || !records) lines.push(`| batch ${batch} | not run | | | | | | |`);
    else {
      lines.push(
        `| batch ${batch} | ${fmt(host.baseline_value)} ns | ${fmt(host.value)} ns | ${fmt(guest.value)} ns | ${fmt(records.value)} ns | ` +
          `${host.ratio.toFixed(2)} | ${guest.ratio.toFixed(2)} | ${records.ratio.toFixed(2)} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Every figure of the run, one row each. */
export function allTable(results) {
  const lines = ['| benchmark | value | baseline | ratio |', '| --- | ---: | ---: | ---: |'];
  for (const r of results) lines.push(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${fmt(r.baseline_value)} (${r.baseline}) | ${r.ratio.toFixed(2)} |`);
  return lines.join('\n');
}

/** Replaces what lies between `<!-- KEY:begin -->` and `<!-- KEY:end -->` in `file`. */
function splice(file, key, text) {
  const old = readFileSync(file, 'utf8');
  const begin = `<!-- ${key}:begin -->`;
  const end = `<!-- ${key}:end -->`;
  const a = old.indexOf(begin);
  const b = old.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} has no ${begin} ... ${end}`);
  writeFileSync(file, `${old.slice(0, a + begin.length)}\n${text}\n${old.slice(b)}`);
}

export function writeTables(resultsFile = join(here, 'results.json')) {
  const { date, machine, runs, results } = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const about = `From \`just bench\` on ${date.slice(0, 10)}, ${machine}, median of ${runs} runs.`;
  splice(join(root, 'README.md'), 'bench:targets', `${about}\n\n${targetsTable(results)}\n\nNo target, a comparison: the same C guest composed with the WASI adapter under stock wasmtime, against it under \`ioring run\`.\n\n${comparisonsTable(results)}\n\nNo target, a split: where a NOP's time goes, per operation.\n\n${nopSplitTable(results)}`);
  writeFileSync(
    join(here, 'results.md'),
    `# Benchmark figures\n\nMade by \`test/bench/table.mjs\` from \`results.json\`; do not edit. ${about}\n\n${allTable(results)}\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) writeTables();
