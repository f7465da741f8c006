/** Bounds of the KMIP listener (KMS_KMIP_* settings, docs/kmip.md "Listener"). */
export interface ConnectionLimits {
  /** Largest message, header included; a longer one is refused from its first 8 bytes. */
  maxMessageBytes: number;
  /** A connection with no request in flight and no byte received for this long is closed. */
  idleTimeoutMs: number;
  /** The TLS handshake, and each message once its first byte arrived, must complete within this (slow senders). */
  messageTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  maxMessageBytes: 1 << 20,
  idleTimeoutMs: 120_000,
  messageTimeoutMs: 10_000,
  maxConnections: 1000,
};
