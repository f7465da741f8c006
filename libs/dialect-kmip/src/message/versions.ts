import type { ProtocolVersion } from '../operations/operation';

/** The protocol versions this server speaks, newest first (the order Discover Versions answers in). */
export const SUPPORTED_VERSIONS: readonly ProtocolVersion[] = [
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
  { major: 1, minor: 0 },
];

export const isSupported = (v: ProtocolVersion): boolean => SUPPORTED_VERSIONS.some((s) => s.major === v.major && s.minor === v.minor);

const newer = (a: ProtocolVersion, b: ProtocolVersion): boolean => a.major > b.major || (a.major === b.major && a.minor > b.minor);

/**
 * The version a response is written in. A supported request version is answered in kind. For
 * an unsupported one the spec leaves the choice to the server; this one answers in the newest
 * version it speaks that is not newer than the request's (1.5 → 1.4, 3.0 → 2.0), or in 1.0 for a
 * request older than every version, so that the client can at least read the refusal.
 */
export function responseVersion(requested: ProtocolVersion): ProtocolVersion {
  if (isSupported(requested)) return requested;
  return SUPPORTED_VERSIONS.find((s) => !newer(s, requested)) ?? SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1];
}

/** The lowest version: the one a response to an undecodable message is written in (any 1.x client reads its header). */
export const FALLBACK_VERSION: ProtocolVersion = { major: 1, minor: 0 };

export const is2 = (v: ProtocolVersion): boolean => v.major >= 2;
