import * as pkcs11js from 'pkcs11js';
import { SessionPool } from '../../libs/backend-pkcs11/src/session-pool';
import { createSoftHsmToken, type SoftHsmToken } from '../support/softhsm';

/**
 * The session pool on a private SoftHSM2 token, through its own API: never more sessions than its
 * size, each carrying one operation at a time (callers beyond that wait), and a pool whose
 * sessions were closed under it recovers.
 */
let token: SoftHsmToken;
let p11: pkcs11js.PKCS11;
let slot: pkcs11js.Handle;

beforeAll(() => {
  token = createSoftHsmToken('kms-pool');
  p11 = new pkcs11js.PKCS11();
  p11.load(token.module);
  p11.C_Initialize();
  const found = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === token.label);
  if (!found) throw new Error('the test token is missing');
  slot = found;
});
afterAll(() => {
  p11?.C_Finalize();
  token?.cleanup();
});

it('200 parallel operations share at most `size` sessions, each session carrying one at a time', async () => {
  const pool = new SessionPool(p11, slot, token.pin, 4, `'${token.label}'`);
  await pool.start();
  const busy = new Set<string>();
  const seen = new Set<string>();
  let most = 0;
  try {
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        pool.use(async (s) => {
          const id = s.toString('hex');
          expect(busy.has(id)).toBe(false);
          busy.add(id);
          seen.add(id);
          most = Math.max(most, busy.size);
          p11.C_GenerateRandom(s, Buffer.alloc(16));
          await new Promise((r) => setTimeout(r, i % 3));
          busy.delete(id);
        }),
      ),
    );
    expect(most).toBe(4);
    expect(seen.size).toBe(4);
  } finally {
    pool.close();
  }
});

it('replaces sessions closed under it, logging in again', async () => {
  const pool = new SessionPool(p11, slot, token.pin, 2, `'${token.label}'`);
  await pool.start();
  try {
    await pool.use(async (s) => p11.C_GenerateRandom(s, Buffer.alloc(8)));
    p11.C_CloseAllSessions(slot);
    const info = await pool.use(async (s) => p11.C_GetSessionInfo(s));
    expect(info.state).toBe(3); // CKS_RW_USER_FUNCTIONS: a logged-in R/W session
  } finally {
    pool.close();
  }
});
