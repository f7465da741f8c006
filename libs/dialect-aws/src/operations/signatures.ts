import { HASHES, specInfo } from '@kms/core';
import { keyArn } from '../arn';
import { AwsError, validation } from '../errors';
import { MAC_ALGORITHMS, SIGNING_ALGORITHMS } from '../key-specs';
import { signsWith } from '../metadata';
import type { AwsAction, AwsCall } from './context';
import { dryRun, isDryRun } from './dry-run';
import { keyOrAlias, lookup } from './keys';

const MAX_MESSAGE = 4096;

/** The signing parameters of a request, checked against the key: an algorithm of another family is InvalidKeyUsageException. */
async function signing(c: AwsCall) {
  const ref = keyOrAlias(c);
  const message = c.input.blob('Message', { required: true, min: 1, max: MAX_MESSAGE });
  const type = c.input.string('MessageType', { oneOf: ['RAW', 'DIGEST', 'EXTERNAL_MU'] }) ?? 'RAW';
  if (type === 'EXTERNAL_MU') throw new AwsError('UnsupportedOperationException', 'MessageType EXTERNAL_MU (ML-DSA) is not supported');
  const name = c.input.string('SigningAlgorithm', { required: true, oneOf: [...Object.keys(SIGNING_ALGORITHMS), 'ML_DSA_SHAKE_256'] });
  const alg = SIGNING_ALGORITHMS[name];
  if (!alg) throw new AwsError('UnsupportedOperationException', `${name} is not supported`);
  const record = await lookup(c, ref);
  const info = specInfo(record.spec);
  if (!signsWith(name, info.family, record.spec)) throw new AwsError('InvalidKeyUsageException', `${name} is not a valid signing algorithm for this key`);
  const prehashed = type === 'DIGEST';
  if (prehashed && alg.params.hash && message.length !== HASHES[alg.params.hash].size)
    throw validation(`Digest is invalid length for algorithm ${name}: it must be ${HASHES[alg.params.hash].size} bytes`);
  return { id: record.id, message, name, params: { ...alg.params, prehashed } };
}

/** The MAC parameters: the algorithm must match the HMAC key's size, as AWS requires. */
async function macing(c: AwsCall) {
  const ref = keyOrAlias(c);
  const message = c.input.blob('Message', { required: true, min: 1, max: MAX_MESSAGE });
  const name = c.input.string('MacAlgorithm', { required: true, oneOf: Object.keys(MAC_ALGORITHMS) });
  const record = await lookup(c, ref);
  const info = specInfo(record.spec);
  if (info.family !== 'secret' || !record.usages.includes('mac')) throw new AwsError('InvalidKeyUsageException', 'The key is not an HMAC key');
  if (HASHES[MAC_ALGORITHMS[name]].size * 8 !== info.bits) throw new AwsError('InvalidKeyUsageException', `${name} is not valid for this ${info.bits}-bit HMAC key`);
  return { id: record.id, message, name, hash: MAC_ALGORITHMS[name] };
}

const arn = (c: AwsCall, id: string) => keyArn(c.caller.region, c.caller.account, id);

export const SIGNATURE_ACTIONS: Record<string, AwsAction> = {
  Sign: async (c) => {
    const s = await signing(c);
    if (isDryRun(c)) await dryRun(c, [s.id, 'sign']);
    const signature = await c.keys.sign(c.caller, s.id, s.params, s.message);
    return { KeyId: arn(c, s.id), Signature: signature.toString('base64'), SigningAlgorithm: s.name };
  },
  Verify: async (c) => {
    const s = await signing(c);
    const signature = c.input.blob('Signature', { required: true, min: 1, max: 6144 });
    if (isDryRun(c)) await dryRun(c, [s.id, 'verify']);
    if (!(await c.keys.verify(c.caller, s.id, s.params, s.message, signature))) {
      throw Object.assign(new AwsError('KMSInvalidSignatureException', 'The signature is not valid for this message and key.'), { audited: true });
    }
    return { KeyId: arn(c, s.id), SignatureValid: true, SigningAlgorithm: s.name };
  },
  GenerateMac: async (c) => {
    const m = await macing(c);
    if (isDryRun(c)) await dryRun(c, [m.id, 'mac']);
    const mac = await c.keys.mac(c.caller, m.id, m.hash, m.message);
    return { KeyId: arn(c, m.id), Mac: mac.toString('base64'), MacAlgorithm: m.name };
  },
  VerifyMac: async (c) => {
    const m = await macing(c);
    const mac = c.input.blob('Mac', { required: true, min: 1, max: 6144 });
    if (isDryRun(c)) await dryRun(c, [m.id, 'mac']);
    if (!(await c.keys.macVerify(c.caller, m.id, m.hash, m.message, mac))) {
      throw Object.assign(new AwsError('KMSInvalidMacException', 'The MAC is not valid for this message and key.'), { audited: true });
    }
    return { KeyId: arn(c, m.id), MacValid: true, MacAlgorithm: m.name };
  },
};
