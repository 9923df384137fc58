// gpio: gpio-request, gpio-get, gpio-set, gpio-edges and a line's release, on the GPIO chip
// granted as "gpio" (lines 0 -> 1 and 2 -> 3 wired); with none granted (no-entry) the cases
// that need one skip, and the refusals run. (gpio.c)
import { CHECK, E, GPIO, PASS, SKIP, STDOUT, grantDevice, op, t_code, t_dir, t_exit, t_one, t_quiet, t_reap, t_run } from './conform.mjs';

function chipOrSkip() {
  const chip = grantDevice('gpio');
  if (chip === -E.NOENT) SKIP('no GPIO chip granted (the grant "gpio" is no-entry)');
  CHECK(chip >= 0, `grant gpio: ${t_code(chip)}`);
  return chip;
}

async function request(ring, chip, line, direction, flags = 0) {
  ring.prep(op.gpioRequest(chip, line, direction, flags));
  const c = await t_one(ring);
  return c.res < 0 ? c.res : c.handle;
}
const get = async (ring, line) => { ring.prep(op.gpioGet(line)); return (await t_one(ring)).res; };
const set = async (ring, line, value) => { ring.prep(op.gpioSet(line, value)); return (await t_one(ring)).res; };
const release = async (ring, line) => { ring.prep(op.close(line)); return (await t_one(ring)).res; };

async function outputLow(ring, chip, line) {
  const out = await request(ring, chip, line, 'output');
  if (out < 0) return out;
  let res;
  if ((res = await set(ring, out, true)) < 0 || (res = await set(ring, out, false)) < 0) return res;
  return out;
}

async function gpio_request_refused(ring) {
  let res = await request(ring, STDOUT, 0, 'input');
  CHECK(res === -E.ACCES, `gpio-request on stdout: ${t_code(res)}, want access`);
  res = await request(ring, t_dir('ro'), 0, 'output');
  CHECK(res === -E.ACCES, `gpio-request on a directory: ${t_code(res)}, want access`);
  res = await request(ring, 1000, 0, 'input');
  CHECK(res === -E.BADF, `gpio-request on a handle never opened: ${t_code(res)}, want bad-descriptor`);
  PASS();
}

async function gpio_ops_no_line(ring) {
  for (const h of [STDOUT, t_dir('ro'), 1000]) {
    let res = await get(ring, h);
    CHECK(res === -E.BADF, `gpio-get on ${h}: ${t_code(res)}, want bad-descriptor`);
    res = await set(ring, h, true);
    CHECK(res === -E.BADF, `gpio-set on ${h}: ${t_code(res)}, want bad-descriptor`);
    ring.prep(op.gpioEdges(h));
    res = (await t_one(ring)).res;
    CHECK(res === -E.BADF, `gpio-edges on ${h}: ${t_code(res)}, want bad-descriptor`);
  }
  PASS();
}

async function gpio_output(ring) {
  const chip = chipOrSkip();
  const out = await request(ring, chip, 0, 'output', GPIO.INITIAL_ACTIVE);
  CHECK(out >= 0, `request line 0 as an output: ${t_code(out)}`);
  let res = await get(ring, out);
  CHECK(res === 1, `gpio-get of an output that started active: ${t_code(res)}, want 1`);
  res = await set(ring, out, false);
  CHECK(res === 0, `gpio-set 0: ${t_code(res)}`);
  res = await get(ring, out);
  CHECK(res === 0, `gpio-get after gpio-set 0: ${t_code(res)}, want 0`);
  res = await request(ring, chip, 0, 'output');
  CHECK(res === -E.BUSY, `request line 0 twice: ${t_code(res)}, want busy`);
  CHECK((await release(ring, out)) === 0, 'release');
  res = await get(ring, out);
  CHECK(res === -E.BADF, `gpio-get after release: ${t_code(res)}, want bad-descriptor`);
  const again = await request(ring, chip, 0, 'output');
  CHECK(again >= 0, `request line 0 after its release: ${t_code(again)}`);
  CHECK((await release(ring, again)) === 0, 'release');
  PASS();
}

async function gpio_input_wired(ring) {
  const chip = chipOrSkip();
  const out = await outputLow(ring, chip, 0);
  CHECK(out >= 0, `line 0 as an output: ${t_code(out)}`);
  const inp = await request(ring, chip, 1, 'input');
  CHECK(inp >= 0, `line 1 as an input: ${t_code(inp)}`);
  let res = await get(ring, inp);
  CHECK(res === 0, `line 1 with line 0 low: ${t_code(res)}, want 0`);
  CHECK((await set(ring, out, true)) === 0, 'gpio-set line 0');
  res = await get(ring, inp);
  CHECK(res === 1, `line 1 with line 0 high: ${t_code(res)}, want 1`);
  res = await set(ring, inp, false);
  CHECK(res === -E.PERM, `gpio-set on an input: ${t_code(res)}, want not-permitted`);
  CHECK((await set(ring, out, false)) === 0, 'gpio-set line 0 low');
  CHECK((await release(ring, inp)) === 0 && (await release(ring, out)) === 0, 'release');
  PASS();
}

async function gpio_refusals(ring) {
  const chip = chipOrSkip();
  let res = await request(ring, chip, 100000, 'input');
  CHECK(res === -E.INVAL, `request line 100000: ${t_code(res)}, want invalid`);
  res = await request(ring, chip, 0, 'output', GPIO.EDGE_RISING);
  CHECK(res === -E.INVAL, `an output with edges: ${t_code(res)}, want invalid`);
  const inp = await request(ring, chip, 1, 'input');
  CHECK(inp >= 0, `line 1 as an input without edges: ${t_code(inp)}`);
  ring.prep(op.gpioEdges(inp));
  res = (await t_one(ring)).res;
  CHECK(res === -E.INVAL, `gpio-edges on a line without edges: ${t_code(res)}, want invalid`);
  CHECK((await release(ring, inp)) === 0, 'release');
  PASS();
}

async function gpio_edges(ring) {
  const chip = chipOrSkip();
  const out = await outputLow(ring, chip, 2);
  CHECK(out >= 0, `line 2 as an output: ${t_code(out)}`);
  const inp = await request(ring, chip, 3, 'input', GPIO.EDGE_BOTH);
  CHECK(inp >= 0, `line 3 as an input with both edges: ${t_code(inp)}`);
  ring.prep(op.gpioEdges(inp), 7);
  for (let i = 0; i < 8; i++) ring.prep(op.gpioSet(out, i % 2 === 0), 100 + i);
  const c = await t_reap(ring, 16);
  CHECK(c.length === 16, '8 sets and 8 edges did not all complete');
  let edges = 0, sets = 0, lastNs = 0n;
  for (const x of c) {
    if (x.userData >= 100) {
      CHECK(x.res === 0, `gpio-set ${x.userData - 100}: ${t_code(x.res)}`);
      sets++;
      continue;
    }
    CHECK(x.userData === 7 && x.more, `CQE: user data ${x.userData}, more ${x.more}`);
    CHECK(x.hasEdge, `edge ${edges + 1} carries no gpio-edge`);
    CHECK(x.edge.rising === (edges % 2 === 0) && x.res === (edges % 2 === 0 ? 1 : 0), `edge ${edges + 1}: rising ${x.edge.rising}, result ${t_code(x.res)}`);
    CHECK(x.edge.seqno === edges + 1, `edge ${edges + 1} has seqno ${x.edge.seqno}`);
    CHECK(BigInt(x.edge.timestampNs) >= lastNs, `edge ${edges + 1} went back in time`);
    lastNs = BigInt(x.edge.timestampNs);
    edges++;
  }
  CHECK(sets === 8 && edges === 8, `${sets} sets, ${edges} edges`);
  CHECK(await t_quiet(ring, 0n), 'a CQE came with no edge');
  ring.prep(op.gpioEdges(inp));
  const res = (await t_one(ring)).res;
  CHECK(res === -E.BUSY, `a second gpio-edges on the line: ${t_code(res)}, want busy`);
  ring.prep(op.cancel(7));
  const ends = await t_reap(ring, 2);
  CHECK(ends.length === 2, "the cancel and the stream's end did not both come");
  for (const x of ends) {
    if (x.userData === 7) CHECK(x.res === -E.CANCELED && !x.more, `the stream ended with ${t_code(x.res)}, more ${x.more}`);
    else CHECK(x.res === 1, `cancel: ${t_code(x.res)}, want 1`);
  }
  CHECK((await release(ring, inp)) === 0 && (await release(ring, out)) === 0, 'release');
  PASS();
}

async function gpio_active_low(ring) {
  const chip = chipOrSkip();
  let out = await request(ring, chip, 0, 'output', GPIO.ACTIVE_LOW);
  CHECK(out >= 0, `line 0 as an active-low output: ${t_code(out)}`);
  CHECK((await set(ring, out, true)) === 0 && (await set(ring, out, false)) === 0, 'gpio-set line 0');
  let inp = await request(ring, chip, 1, 'input');
  CHECK(inp >= 0, `line 1 as an input: ${t_code(inp)}`);
  let res = await get(ring, inp);
  CHECK(res === 1, `line 1 with line 0 inactive (high): ${t_code(res)}, want 1`);
  CHECK((await set(ring, out, true)) === 0, 'gpio-set line 0 active');
  res = await get(ring, inp);
  CHECK(res === 0, `line 1 with line 0 active (low): ${t_code(res)}, want 0`);
  CHECK((await release(ring, inp)) === 0 && (await release(ring, out)) === 0, 'release');
  out = await outputLow(ring, chip, 2);
  CHECK(out >= 0, `line 2 as an output: ${t_code(out)}`);
  CHECK((await set(ring, out, true)) === 0, 'gpio-set line 2 high');
  inp = await request(ring, chip, 3, 'input', GPIO.ACTIVE_LOW | GPIO.EDGE_RISING);
  CHECK(inp >= 0, `line 3 as an active-low input with rising edges: ${t_code(inp)}`);
  res = await get(ring, inp);
  CHECK(res === 0, `line 3 (active-low) while high: ${t_code(res)}, want 0`);
  ring.prep(op.gpioEdges(inp), 9);
  ring.prep(op.gpioSet(out, false));
  const c = await t_reap(ring, 2);
  CHECK(c.length === 2, 'the set and the edge did not both complete');
  for (const x of c) {
    if (x.userData === 9) CHECK(x.hasEdge && x.edge.rising && x.res === 1 && x.edge.seqno === 1, `the edge of high to low: ${t_code(x.res)}`);
  }
  CHECK((await set(ring, out, true)) === 0, 'gpio-set line 2 high again');
  CHECK(await t_quiet(ring, 100_000_000n), 'a falling edge was reported without being asked for');
  ring.prep(op.cancel(9));
  CHECK((await t_reap(ring, 2)).length === 2, "the cancel and the stream's end did not both come");
  CHECK((await set(ring, out, false)) === 0, 'gpio-set line 2 low');
  CHECK((await release(ring, inp)) === 0 && (await release(ring, out)) === 0, 'release');
  PASS();
}

await t_run('gpio-request-refused', gpio_request_refused);
await t_run('gpio-ops-no-line', gpio_ops_no_line);
await t_run('gpio-output', gpio_output);
await t_run('gpio-input-wired', gpio_input_wired);
await t_run('gpio-refusals', gpio_refusals);
await t_run('gpio-edges', gpio_edges);
await t_run('gpio-active-low', gpio_active_low);
t_exit();
