import { createHash } from 'node:crypto';
import { hashToken } from './tenant-service';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('hashToken', () => {
  it('is SHA-256 hex, the same on every call (memoised or not)', () => {
    const token = 'kgw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    expect(hashToken(token)).toBe(sha256(token));
    expect(hashToken(token)).toBe(sha256(token));
    const long = `kgw_${'x'.repeat(500)}`; // past the memo's length bound: hashed each time
    expect(hashToken(long)).toBe(sha256(long));
    expect(hashToken(long)).toBe(sha256(long));
    expect(hashToken('é')).toBe(sha256('é'));
  });

  it('stays correct when more tokens pass than the memo holds', () => {
    const tokens = Array.from({ length: 3000 }, (_, i) => `kgw_token_${i}`);
    for (const t of tokens) expect(hashToken(t)).toBe(sha256(t));
    // Early ones were dropped from the memo, late ones are in it: both answer the same.
    for (const t of [tokens[0], tokens[1500], tokens[2999]]) expect(hashToken(t)).toBe(sha256(t));
  });
});
