import { randomBytes } from 'node:crypto';
import { b64url, decodeB64url } from './b64url';

/** The definition the decoder must keep: node decodes, and only the canonical spelling is accepted. */
function reference(value: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(value) || value.length % 4 === 1) return null;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : null;
}

const attempt = (value: string): Buffer | null => {
  try {
    return decodeB64url(value, 'data');
  } catch {
    return null;
  }
};

describe('decodeB64url', () => {
  it('accepts exactly the canonical spellings, as encoding back would decide', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const samples = [
      '',
      'A',
      'AA',
      'AB',
      'AQ',
      'AR',
      'AAA',
      'AAB',
      'AAE',
      'AAF',
      'AA_',
      'A-',
      '_w',
      '__8',
      'Zm9v',
      'Zm9vYg',
      'Zm9vYh',
      'Zm9vYmE',
      'Zm9vYmF',
      'a=',
      'Zg==',
      'Zm9v!',
      ' Zm9v',
      'Zm+v',
      'Zm/v',
    ];
    // Every one- and two-character tail after a full quad, and random strings over the alphabet.
    for (const a of alphabet) {
      samples.push(`Zm9v${a}`, `Zm9vY${a}`, `Zm9vYm${a}`);
      for (const b of alphabet) samples.push(`${a}${b}`);
    }
    for (let i = 0; i < 2000; i++) samples.push(Array.from({ length: i % 13 }, () => alphabet[Math.floor(Math.random() * 64)]).join(''));
    const differ = samples.filter((s) => {
      const [got, want] = [attempt(s), reference(s)];
      return got === null || want === null ? got !== want : !got.equals(want);
    });
    expect(differ).toEqual([]);
    expect(samples.filter((s) => reference(s) !== null).length).toBeGreaterThan(1000);
  });

  it('round-trips random bytes and names the field when refusing', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = randomBytes(n);
      expect(decodeB64url(b64url(bytes), 'data')).toEqual(bytes);
    }
    expect(() => decodeB64url('AB', 'aad')).toThrow("Field 'aad' is not valid base64url");
  });
});

describe('b64url', () => {
  it('encodes Buffers, other byte views and strings (UTF-8)', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0x00, 0x10]);
    expect(b64url(bytes)).toBe('-_8AEA');
    const view = new Uint8Array([9, 0xfb, 0xff, 0x00, 0x10, 9]).subarray(1, 5);
    expect(b64url(view)).toBe('-_8AEA');
    expect(b64url('{"alg":"dir"}')).toBe(Buffer.from('{"alg":"dir"}').toString('base64url'));
    expect(b64url('é')).toBe('w6k');
  });
});
