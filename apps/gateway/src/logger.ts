import pino, { type Logger } from 'pino';
import type { GatewayConfig } from './config';

/** JSON lines on stdout (or stderr for the CLI); small on purpose: a cluster primary loads only this. */
export function createLogger(config: GatewayConfig, fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'kms-gateway' },
      // Defence in depth: these fields are never logged on purpose; redact them if one slips in.
      redact: {
        paths: ['apikey', 'token', 'secret', 'masterKey', 'adminToken', '*.apikey', '*.token', '*.secret', '*.adminToken', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination(fd),
  );
}
