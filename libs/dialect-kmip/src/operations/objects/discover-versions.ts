import { integer, structure } from '../../ttlv';
import { SUPPORTED_VERSIONS } from '../../message/versions';
import type { OperationHandler } from '../operation';
import { children, required } from '../payload';

/** The versions this server speaks that the client listed (all of them when it listed none), the server's preferred first. */
export const discoverVersions: OperationHandler = async (_call, payload) => {
  const asked = children(payload, 'Protocol Version').map((pv) => ({
    major: required(pv, 'Protocol Version Major', 'Integer').value,
    minor: required(pv, 'Protocol Version Minor', 'Integer').value,
  }));
  const answer = asked.length ? SUPPORTED_VERSIONS.filter((s) => asked.some((a) => a.major === s.major && a.minor === s.minor)) : SUPPORTED_VERSIONS;
  return {
    payload: structure(
      'Response Payload',
      answer.map((v) => structure('Protocol Version', [integer('Protocol Version Major', v.major), integer('Protocol Version Minor', v.minor)])),
    ),
  };
};
