/**
 * UTF-8 without depending on `TextEncoder`/`TextDecoder`, which QuickJS lacks (the prelude of
 * component apps installs these on top of the functions here).
 */

/**
 * The UTF-8 bytes of `text`; lone surrogates become U+FFFD.
 *
 * @example
 * await socket.send(utf8('hello\n'));
 */
export function utf8(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[n++] = 0xf0 | (cp >> 18);
        out[n++] = 0x80 | ((cp >> 12) & 0x3f);
        out[n++] = 0x80 | ((cp >> 6) & 0x3f);
        out[n++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.slice(0, n);
}

/**
 * The text of UTF-8 `bytes`; malformed sequences become U+FFFD.
 *
 * @example
 * const line = fromUtf8(await socket.receive(4096));
 */
export function fromUtf8(bytes: Uint8Array): string {
  let out = '';
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    let cp = 0xfffd;
    let len = 1;
    if (b < 0x80) cp = b;
    else if (b >= 0xc2 && b < 0xe0) len = 2;
    else if (b >= 0xe0 && b < 0xf0) len = 3;
    else if (b >= 0xf0 && b < 0xf5) len = 4;
    if (len > 1) {
      if (i + len > bytes.length) len = 1;
      else {
        cp = b & (0xff >> (len + 1));
        for (let k = 1; k < len; k++) {
          const c = bytes[i + k];
          if ((c & 0xc0) !== 0x80) {
            cp = -1;
            break;
          }
          cp = (cp << 6) | (c & 0x3f);
        }
        const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          cp = 0xfffd;
          len = 1;
        }
      }
    }
    out += String.fromCodePoint(cp);
    i += len;
    if (out.length >= 8192) {
      parts.push(out);
      out = '';
    }
  }
  parts.push(out);
  return parts.join('');
}
