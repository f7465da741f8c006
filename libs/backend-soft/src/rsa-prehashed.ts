import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';

/**
 * Raw RSA for signing a digest the client computed (eHSM `EH_DIGEST`): node:crypto always hashes
 * the input itself, so the encoding comes from the core (`pkcs1Encode`, `pssEncode`) and the RSA
 * operation is done with NO_PADDING; OpenSSL still applies blinding to it.
 */
export const rawRsaPrivate = (key: KeyObject, em: Buffer) => privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, em);
export const rawRsaPublic = (key: KeyObject, sig: Buffer) => publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, sig);
