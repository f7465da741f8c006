import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** A failure as the dialect writes it on the wire. */
export interface WireError {
  status: number;
  /** Serialized as JSON unless it is already a string or a Buffer. */
  body: unknown;
  headers?: Record<string, string>;
  /** A real server fault: its cause is logged (name and message, never a payload). */
  internal?: boolean;
}

/**
 * One dialect's error codec: which paths are its own, and how any exception raised on them (its
 * own error type, a canonical KmsError, Fastify's refusal of a body) becomes its wire form.
 */
export interface DialectErrorCodec {
  readonly dialect: string;
  owns(path: string): boolean;
  encode(exception: unknown, req: FastifyRequest): WireError;
  /**
   * The audit row of a refusal the dialect made itself (its pipe or handler), written through the
   * core before the answer goes out; null when the exception needs none (a core operation wrote
   * its row, or no caller is known). Here rather than in an interceptor, which would put an
   * observable pipeline on every successful request of the dialect.
   */
  audit?(exception: unknown, req: FastifyRequest): Promise<void> | null;
}

/** The codecs the dialect modules registered; the exception router asks them by path. */
@Injectable()
export class ErrorCodecs {
  private readonly codecs: DialectErrorCodec[] = [];

  register(codec: DialectErrorCodec): void {
    if (this.codecs.some((c) => c.dialect === codec.dialect)) throw new Error(`error codec for ${codec.dialect} registered twice`);
    this.codecs.push(codec);
  }

  forPath(path: string): DialectErrorCodec | undefined {
    return this.codecs.find((c) => c.owns(path));
  }
}
