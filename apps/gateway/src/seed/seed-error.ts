import { ConfigError } from '../config';

/**
 * A seed file that cannot be applied: unreadable, malformed, or at odds with the store. It names
 * the file and each offending entry by its path (`tenants[0].credentials[2].apikey`) and says
 * what is wrong in words, never with the value. A ConfigError, so that start-up and the CLI both
 * stop with exit code 2.
 */
export class SeedError extends ConfigError {
  constructor(
    readonly file: string,
    readonly problems: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(`seed file ${file}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
  }
}

/** A problem found while reading one entry, before the whole file's problems are gathered. */
export class EntryProblem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}
