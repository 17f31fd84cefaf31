/** What a string costs on the wire: RTCDataChannel's bufferedAmount counts UTF-8 bytes, not UTF-16 units. */

/** UTF-8 bytes of str[from, end) as TextEncoder writes them (a lone surrogate: U+FFFD, 3 bytes). */
export function utf8Size(str: string, from = 0, end = str.length): number {
  let size = 0;
  for (let i = from; i < end; i++) {
    const code = str.charCodeAt(i);
    if (code < 0x80) {
      size += 1;
    } else if (code < 0x800) {
      size += 2;
    } else if (code <= 0xdbff && code >= 0xd800 && i + 1 < end && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 4;
      i++;
    } else {
      size += 3;
    }
  }
  return size;
}
