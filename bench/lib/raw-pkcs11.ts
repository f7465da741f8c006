import { createHash, randomBytes } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';

/**
 * The HSM limit: pkcs11js straight on the token the gateway uses, the gateway's mechanism for
 * ES256 (SHA-256 in node, then CKM_ECDSA on the token) with one session per thread and
 * `C_SignAsync` (libuv's pool, like the gateway). Run as its own process with
 * `BENCH_P11 = {module, label, pin, threads, seconds}`; prints `{ops, seconds, rate, threads}`.
 */
interface Opts {
  module: string;
  label: string;
  pin: string;
  threads: number;
  seconds: number;
}

const P256_OID = Buffer.from('06082a8648ce3d030107', 'hex');

async function main(): Promise<void> {
  const o = JSON.parse(process.env.BENCH_P11 ?? '{}') as Opts;
  const p11 = new pkcs11js.PKCS11();
  p11.load(o.module);
  p11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  try {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === o.label);
    if (!slot) throw new Error(`no token labelled ${o.label}`);
    const flags = pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION;
    const sessions = Array.from({ length: o.threads }, () => p11.C_OpenSession(slot, flags));
    p11.C_Login(sessions[0], pkcs11js.CKU_USER, o.pin);
    const { privateKey } = p11.C_GenerateKeyPair(
      sessions[0],
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_VERIFY, value: true },
        { type: pkcs11js.CKA_EC_PARAMS, value: P256_OID },
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: false },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_SIGN, value: true },
      ],
    );
    const data = randomBytes(64);
    const signOnce = async (s: pkcs11js.Handle) => {
      const digest = createHash('sha256').update(data).digest();
      p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, privateKey);
      return p11.C_SignAsync(s, digest, Buffer.alloc(64));
    };
    const loop = async (s: pkcs11js.Handle, until: number) => {
      let n = 0;
      while (performance.now() < until) {
        await signOnce(s);
        n++;
      }
      return n;
    };
    const warm = performance.now() + o.seconds * 100;
    await Promise.all(sessions.map((s) => loop(s, warm)));
    const start = performance.now();
    const counts = await Promise.all(sessions.map((s) => loop(s, start + o.seconds * 1000)));
    const took = (performance.now() - start) / 1000;
    const ops = counts.reduce((a, b) => a + b, 0);
    for (const s of sessions) p11.C_CloseSession(s);
    process.stdout.write(`${JSON.stringify({ ops, seconds: took, rate: ops / took, threads: o.threads })}\n`);
  } finally {
    p11.C_Finalize();
  }
}

main().catch((err) => {
  process.stderr.write(`raw-pkcs11: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
