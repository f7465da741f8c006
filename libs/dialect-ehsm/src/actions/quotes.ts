import { EhsmFailure, badRequest, ok } from '../envelope';
import type { ActionHandler } from './context';

/**
 * Remote attestation (`quote_manager_apis.js`). Policies are plain storage and are served for
 * real. Quotes need an SGX enclave: this gateway runs on hosts without SGX, so it neither makes
 * nor judges quotes, and says so plainly instead of simulating one (docs/ehsm.md).
 */
export const NO_SGX_GENERATE = 'GenerateQuote is not supported: this eHSM-KMS gateway runs on a host without SGX and cannot produce an enclave quote.';
export const NO_SGX_VERIFY = 'VerifyQuote is not supported: this eHSM-KMS gateway runs on a host without SGX and cannot verify quotes.';

const uploadQuotePolicy: ActionHandler = async (c) => {
  const p = c.payload as { mr_enclave: string; mr_signer: string };
  const policy = await c.quotePolicies.upload(c.op, p.mr_enclave, p.mr_signer);
  return ok({ policyId: policy.id }, 'Upload quote policy success.');
};

const getQuotePolicy: ActionHandler = async (c) => {
  const policyId = c.payload.policyId as string;
  const policy = await c.quotePolicies.get(c.op, policyId);
  // Unknown (or another app's) id: 200 with only the id, as upstream.
  if (!policy) return ok({ policyId }, 'Query quote policy success.');
  return ok({ policyId, mr_enclave: policy.mrEnclave, mr_signer: policy.mrSigner, createTime: policy.createdAt }, 'Query quote policy success.');
};

const generateQuote: ActionHandler = async () => {
  throw new EhsmFailure(500, NO_SGX_GENERATE);
};

/** The policy is looked up first, as upstream, so a bad policyId still gets its own 400. */
const verifyQuote: ActionHandler = async (c) => {
  const policyId = c.payload.policyId;
  if (typeof policyId === 'string' && policyId !== '' && !(await c.quotePolicies.get(c.op, policyId))) throw badRequest('Invalid  policyId.');
  throw new EhsmFailure(500, NO_SGX_VERIFY);
};

export const QUOTES: Record<string, ActionHandler> = {
  UploadQuotePolicy: uploadQuotePolicy,
  GetQuotePolicy: getQuotePolicy,
  GenerateQuote: generateQuote,
  VerifyQuote: verifyQuote,
};
