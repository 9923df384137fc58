// The C SDK itself under the Linux host (test/guests/c/sdk-loop.c): the event loop's callback
// order, multishot-style periodic timers, cancellation and run modes; the by-hand ring API
// (peek/seen, batches, a full SQ); fixed buffers; grants; addresses; error strings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { artefact, run } from '../lib/ioring.js';

const app = artefact('test/guests/build/sdk-loop.wasm');
const r = run(['run', app]);
const lines = r.stdout.toString().split('\n');

/** The lines from the one starting with `from` up to (not including) the one starting with `to`. */
function section(from, to) {
  const start = lines.findIndex((l) => l.startsWith(from));
  const end = to ? lines.findIndex((l) => l.startsWith(to)) : lines.length - 1;
  assert.ok(start >= 0 && end > start, `no section ${from}..${to} in:\n${r.stdout}`);
  return lines.slice(start, end);
}

test('the guest runs to completion', () => {
  assert.is(r.status, 0, r.stderr);
});

test('one-shot timers call back in deadline order; a cancelled one with canceled', () => {
  assert.equal(section('loop init', 'tick'), [
    'loop init: 0',
    'cancel doomed: 0',
    'timer doomed: canceled more=0',
    'timer 10ms: timed out more=0',
    'timer 20ms: timed out more=0',
    'timer 30ms: timed out more=0',
    'run until idle: 0',
    'cancel inactive: no such file or grant',
  ]);
});

test('a periodic timer calls back with more=1 until its callback cancels it', () => {
  assert.equal(section('tick', 'idle run'), [
    'tick 5ms: timed out more=1 active=1',
    'tick 5ms: timed out more=1 active=1',
    'tick 5ms: timed out more=1 active=1',
    'cancel periodic: 0',
    'tick 5ms: canceled more=0 active=0',
    'run until idle: 0',
  ]);
});

test('run modes: idle, until-stopped with nothing left, stop from a callback, nowait, once', () => {
  assert.equal(section('idle run', 'small loop'), [
    'idle run: 0',
    'stopped run with nothing: no such file or grant',
    'nowait run with nothing: 0',
    'stopper: timed out',
    'run until stopped: 1',
    'late active: 1',
    'nowait before late: 0',
    'timer late: timed out more=0',
    'once: 1',
    'late active: 0',
  ]);
});

test('a full batch is flushed to make room, except a chain being built; a chain longer than the ring grows the batch and fails whole on the host', () => {
  // The chain stays whole on the host too, across its kernel SQ boundary: the failing head
  // cancels the tail.
  assert.equal(section('small loop', 'past in-flight loop'), [
    'small loop: 0',
    'queued after flush: 2',
    'nop: success',
    'nop: success',
    'nop: success',
    'head: bad handle',
    'tail: canceled',
    'run: 0',
    // The batch grows to take it; the host then fails the 5-long chain whole, as longer than
    // the ring it was made for (4 entries), as it fails any chain that can never fit.
    'fifth of a 4-long chain: got one',
    'link: invalid argument',
    'link: invalid argument',
    'link: invalid argument',
    'link: invalid argument',
    'link: invalid argument',
    'run: 0 (chain of 5)',
  ]);
});

test("past the host's in-flight limit the loop queues, in order, and refuses nothing", () => {
  // 1,100 timers against `ioring run`'s 1,024 in flight: with a batch that could not grow,
  // the SDK handed out NULL once 1,024 were in flight and 4 queued, and a server whose slots
  // all held multishot receives stranded its echoes.
  assert.equal(section('past in-flight loop', 'past in-flight ring'), [
    'past in-flight loop: 0',
    'timers queued: 1100 of 1100',
    'run: 0, fired 1100',
  ]);
});

test("a full host is offered part of the queue, never part of a chain", () => {
  // 1,024 timers fill the host; once they fire the ring has seen two of their CQEs and offers
  // its estimate of the host's room plus a few. Cutting that offer inside a chain (as the
  // first version did) ran 83 of the chains' nops instead of canceling them.
  assert.equal(section('past in-flight ring', 'ring init'), [
    'past in-flight ring: 0',
    'queued: 1924',
    'submitted: 1024',
    'timers 1024, chains: 300 heads bad-descriptor, 600 nops canceled, 0 other',
  ]);
});

test('by hand: batch submit, peek/seen in order, empty peek, full SQ, timeouts', () => {
  assert.equal(section('ring init', 'grant'), [
    'ring init: 0',
    'ready: 3',
    'submitted: 3',
    'peek: 0 data=101 res=0',
    'peek: 0 data=102 res=0',
    'peek: 0 data=103 res=0',
    'peek empty: try again',
    'wait nothing in flight: timed out',
    'full: yes',
    'wait_cqes: 4',
    'timeout: timed out',
  ]);
});

test('grants of unknown names, a bad handle, fixed buffers', () => {
  assert.equal(section('grant', 'addr'), [
    'grant: no such file or grant',
    'listener: no such file or grant',
    'device: no such file or grant',
    'read 77: bad handle',
    'register: 0',
    'buffer write: 0',
    'buffer read: 5 hello',
    'buffer read past end: invalid argument',
    'buffer 2: invalid argument',
  ]);
});

test('addresses parse and format back; malformed ones are invalid', () => {
  assert.equal(section('addr', 'errors'), [
    'addr 127.0.0.1:8080: 127.0.0.1:8080',
    'addr 0.0.0.0:0: 0.0.0.0:0',
    'addr [::1]:443: [::1]:443',
    'addr [::]:1: [::]:1',
    'addr [fe80::1:2]:1: [fe80::1:2]:1',
    'addr [1:2:3:4:5:6:7:8]:9: [1:2:3:4:5:6:7:8]:9',
    'addr [1:0:0:4:0:0:0:8]:9: [1:0:0:4::8]:9',
    'addr unix:/tmp/sock: unix:/tmp/sock',
    'addr 1.2.3:4: invalid argument',
    'addr 256.0.0.1:1: invalid argument',
    'addr 1.2.3.4: invalid argument',
    'addr 1.2.3.4:65536: invalid argument',
    'addr [::1]: invalid argument',
    'addr [1::2::3]:4: invalid argument',
    'addr [1:2:3:4:5:6:7:8:9]:1: invalid argument',
    'addr x: invalid argument',
    'truncated: 21 192.168',
  ]);
});

test('error codes and strings; ior_perror writes through the ring to stderr', () => {
  assert.equal(section('errors'), ['errors: 46 success / bad handle / timed out / unknown error']);
  assert.is(r.stderr, 'perror line: not a terminal\nperror plain\n');
});

test.run();
