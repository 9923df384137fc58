// Pure helpers: error codes, addresses, UTF-8.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IORingError, errorCodes, formatAddress, fromUtf8, ipv4, ipv6, isErrorCode, parseAddress, posixName, utf8 } from '@ioring/ring';
import { toErrorCode } from '@ioring/ring/node';

test('IORingError carries the POSIX name and the WIT code', () => {
  const e = new IORingError('timed-out', 'recv');
  assert.instance(e, Error);
  assert.is(e.name, 'IORingError');
  assert.is(e.code, 'ETIMEDOUT');
  assert.is(e.errorCode, 'timed-out');
  assert.is(e.operation, 'recv');
  assert.is(e.message, 'recv: timed-out (ETIMEDOUT)');
});

test('every WIT error code has a distinct POSIX name (unknown aside)', () => {
  assert.is(errorCodes.length, 46);
  const names = errorCodes.filter((c) => c !== 'unknown').map(posixName);
  assert.is(new Set(names).size, names.length);
  assert.ok(isErrorCode('no-entry'));
  assert.not.ok(isErrorCode('ENOENT'));
});

test('Node errno codes map to the WIT codes, and back to the same POSIX name', () => {
  for (const code of errorCodes) {
    if (code === 'unknown') continue;
    const errno = posixName(code);
    assert.is(toErrorCode(Object.assign(new Error(), { code: errno })), code, errno);
  }
  assert.is(toErrorCode({ code: 'EWOULDBLOCK' }), 'again');
  assert.is(toErrorCode({ code: 'EOPNOTSUPP' }), 'not-supported');
  assert.is(toErrorCode({ code: 'ETIME' }), 'timed-out');
  assert.is(toErrorCode({ code: 'ESOMETHINGNEW' }), 'unknown');
  assert.is(toErrorCode(new Error('no code')), 'unknown');
});

test('addresses: parse and format IPv4, IPv6 and unix forms', () => {
  assert.equal(parseAddress('127.0.0.1:8080'), { tag: 'ipv4', val: { port: 8080, address: [127, 0, 0, 1] } });
  assert.equal(parseAddress(7000), { tag: 'ipv4', val: { port: 7000, address: [0, 0, 0, 0] } });
  assert.equal(parseAddress(7000, 'ipv6'), ipv6('::', 7000));
  assert.equal(parseAddress('/run/app.sock'), { tag: 'unix', val: '/run/app.sock' });
  assert.equal(parseAddress('localhost:1'), ipv4('127.0.0.1', 1));
  assert.equal(ipv6('::1', 80).val.address, [0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(ipv6('fe80::1:2', 80).val.address, [0xfe80, 0, 0, 0, 0, 0, 1, 2]);
  assert.equal(ipv6('::ffff:10.0.0.1', 80).val.address, [0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001]);
  for (const text of ['127.0.0.1:8080', '[::1]:443', '[fe80::1:0:0:2]:1', '[2001:db8:1:2:3:4:5:6]:9']) {
    assert.is(formatAddress(parseAddress(text)), text);
  }
  assert.throws(() => parseAddress('nonsense'), TypeError);
  assert.throws(() => ipv4('256.0.0.1', 1), TypeError);
  assert.throws(() => ipv4('1.2.3.4', 70000), RangeError);
  assert.throws(() => ipv6('1::2::3', 1), TypeError);
});

test('UTF-8 round trips every plane, as TextEncoder/TextDecoder do', () => {
  const text = 'ascii é ß € 𝄞 😀 \u0000 end';
  assert.equal([...utf8(text)], [...new TextEncoder().encode(text)]);
  assert.is(fromUtf8(utf8(text)), text);
  assert.is(utf8('\ud800x').length, 4, 'a lone surrogate is U+FFFD');
  assert.is(fromUtf8(Uint8Array.from([0x61, 0xff, 0xc3])), 'a\ufffd\ufffd');
  const long = 'x'.repeat(100_000) + '€';
  assert.is(fromUtf8(utf8(long)), long);
});

test.run();
