import { createHash } from 'node:crypto';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { KmsError, hexToUuid, isKnownSpec, uuidToHex, type KeyRecord } from '@kms/core';
import { ROUTE_SCOPES, getScopes } from './auth/scopes';
import { derivedKeyKdf, derivedKeyLength, derivedKid } from './derive';
import { ecdhPeer, isEcdhType } from './ecdh';
import { EncedoService } from './encedo.service';
import { STATUS_OF } from './errors';
import type { HemCall } from './hem-call';
import { hem } from './hem-status';
import { type EncedoAttributes, type HemTypeInfo, encedoAttrs, hemType, listTypeString, typeOfRecord, usagesFor } from './key-types';
import { hemFromSpki, spkiFromHem } from './pubkey';
import { LIMITS, bodyOf, decodeB64, intOf, kidOf, optionalString, stringOf } from './wire';

const secs = (ms: number) => Math.floor(ms / 1000);

/** `descr` is base64 of at most 64 bytes; kept as sent. */
function descrOf(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  decodeB64(v, 'descr', { max: LIMITS.descr });
  return v as string;
}

/** The fields create, import and derive share, checked in the device's order (400 on each). */
function newKeyFields(body: ReturnType<typeof bodyOf>) {
  const label = stringOf(body.label, 'label', LIMITS.label);
  const t = hemType(body.type);
  if (!t) throw hem(400, 'type');
  const mode = optionalString(body.mode, 'mode');
  const descr = descrOf(body.descr);
  return { label, t, mode, descr };
}

/** The HEM-visible keys of the caller's tenant, oldest first (keys of every dialect). */
function visible(keys: KeyRecord[]): Array<{ r: KeyRecord; type: NonNullable<ReturnType<typeof typeOfRecord>> }> {
  return keys.flatMap((r) => {
    const type = typeOfRecord(r);
    return type ? [{ r, type }] : [];
  });
}

function entry({ r, type }: ReturnType<typeof visible>[number]) {
  const a = encedoAttrs(r);
  const out: Record<string, unknown> = { kid: uuidToHex(r.id), created: secs(r.createdAt), type: listTypeString(r, type), label: a.label ?? r.label ?? '' };
  if (a.descr) out.descr = a.descr;
  out.updated = secs(r.updatedAt);
  return out;
}

/** Key management (notes §3): create, import, derive, list, search, get, update, delete. */
@Controller('api/keymgmt')
export class KeymgmtController {
  constructor(private readonly svc: EncedoService) {}

  @Post('create')
  @HttpCode(200)
  async create(@Headers('authorization') authz: string | undefined, @Body() raw: unknown) {
    const call = await this.svc.call(authz, 'KEY_GENERATION', 'create');
    return call.run(async () => {
      await call.requireScope(ROUTE_SCOPES.create);
      const body = bodyOf(raw);
      const { label, t, mode, descr } = newKeyFields(body);
      if (!isKnownSpec(t.spec)) throw hem(406, `${t.type} is not available`);
      const attrs: EncedoAttributes = { type: t.type, mode, label, descr };
      const rec = await this.svc.keys.create(call.ctx(), { spec: t.spec, usages: usagesFor(t, mode, false), label, attributes: { encedo: attrs } });
      return { kid: uuidToHex(rec.id) };
    });
  }

  @Post('import')
  @HttpCode(200)
  async import(@Headers('authorization') authz: string | undefined, @Body() raw: unknown) {
    const call = await this.svc.call(authz, 'KEY_IMPORT', 'import');
    return call.run(async () => {
      await call.requireScope(ROUTE_SCOPES.import);
      const body = bodyOf(raw);
      const { label, t, mode, descr } = newKeyFields(body);
      const pub = decodeB64(body.pubkey, 'pubkey', { max: 4096 });
      if (!t.importable || !isKnownSpec(t.spec)) throw hem(406, `${t.type} cannot be imported`);
      const spki = spkiFromHem(t, pub);
      // The device's KID is SHA-1(pubkey)[0..16], so a re-import is a 406. The tenant id goes into
      // the hash too: two tenants importing one public key must not collide (docs/encedo.md).
      const kid = createHash('sha1').update(call.caller.tenantId).update(pub).digest().subarray(0, 16).toString('hex');
      const rec = await this.svc.keys.import(call.ctx(), {
        id: hexToUuid(kid)!,
        spec: t.spec,
        usages: usagesFor(t, mode, true),
        label,
        material: { kind: 'public', spki },
        attributes: { encedo: { type: t.type, mode, label, descr } satisfies EncedoAttributes },
      });
      return { kid: uuidToHex(rec.id) };
    });
  }

  /**
   * A new AES or HMAC key from the ECDH secret of `kid` and `ext_kid` (wins) or `pubkey`, through
   * HKDF-SHA256 with info `encedo-<type>` (derive.ts). The usual 401 → 403 → 400 → unknown KID
   * (406) order first; then 406 for a source that does no ECDH, a peer of another type, a type
   * derive does not make, a derivation already made (same KID) or a secret shorter than the key.
   * The core runs ECDH, HKDF and the store as one operation (KeyOperations.deriveKey).
   */
  @Post('derive')
  @HttpCode(200)
  async derive(@Headers('authorization') authz: string | undefined, @Body() raw: unknown) {
    const call = await this.svc.call(authz, 'KEY_DERIVE', 'derive');
    return call.run(async () => {
      await call.requireScope(ROUTE_SCOPES.derive);
      const body = bodyOf(raw);
      const { label, t, mode, descr } = newKeyFields(body);
      const kid = kidOf(body.kid);
      const uuid = hexToUuid(kid)!;
      call.setKey(uuid);
      const source = typeOfRecord(await call.find(this.svc.keys, kid, uuid));
      if (!source || !isEcdhType(source)) throw hem(406, 'not an ECDH key');
      const peer = (await ecdhPeer(call, this.svc.keys, source, body, true))!;
      const length = derivedKeyLength(t);
      const id = hexToUuid(derivedKid(call.caller.tenantId, uuid, peer.pub(), t))!;
      const rec = await this.svc.keys.deriveKey(call.ctx(), uuid, peer.ref, derivedKeyKdf(t, length), {
        id,
        spec: t.spec,
        usages: usagesFor(t, mode, false),
        label,
        attributes: { encedo: { type: t.type, mode, label, descr } satisfies EncedoAttributes },
      });
      return { kid: uuidToHex(rec.id) };
    });
  }

  @Get('list')
  listFirst(@Headers('authorization') authz: string | undefined) {
    return this.list(authz, '0', String(LIMITS.page));
  }

  @Get('list/:offset')
  listFrom(@Headers('authorization') authz: string | undefined, @Param('offset') offset: string) {
    return this.list(authz, offset, String(LIMITS.page));
  }

  /** Page size clamped to 15 (notes §3); clients page by `offset += listed`. */
  @Get('list/:offset/:count')
  async list(@Headers('authorization') authz: string | undefined, @Param('offset') offsetRaw: string, @Param('count') countRaw: string) {
    const call = await this.svc.call(authz, null, 'list');
    return call.run(async () => {
      await call.requireScope(ROUTE_SCOPES.list);
      const offset = intOf(offsetRaw, 'offset', 0, 1_000_000_000);
      const count = Math.min(intOf(countRaw, 'count', 0, 1_000_000_000), LIMITS.page);
      const all = visible((await this.svc.keys.list(call.ctx())).keys);
      return envelope(all, offset, count);
    });
  }

  /** Needle = base64 bytes: `^` prefix, `$` suffix, else substring of the key's `descr` (notes §3). */
  @Post('search')
  @HttpCode(200)
  async search(@Headers('authorization') authz: string | undefined, @Body() raw: unknown) {
    // Without a token: the allow_keysearch tenant, if configured (notes §3), else 401.
    const anonymous = authz === undefined ? await this.svc.keysearchCall('search') : null;
    if (authz === undefined && !anonymous) throw hem(401, 'no bearer token');
    const call = anonymous ?? (await this.svc.call(authz, null, 'search'));
    return call.run(async () => {
      if (!anonymous) await call.requireScope(ROUTE_SCOPES.search);
      const body = bodyOf(raw);
      let needle = stringOf(body.descr, 'descr');
      const anchorStart = needle.startsWith('^');
      const anchorEnd = needle.endsWith('$');
      needle = needle.slice(anchorStart ? 1 : 0, anchorEnd ? -1 : undefined);
      const bytes = decodeB64(needle, 'descr');
      // A token-less search must be a `^` prefix of at least 6 bytes, as on the device.
      if (anonymous && (!anchorStart || bytes.length < LIMITS.keysearchMin)) throw hem(401, 'token-less search needs a ^ needle of 6+ bytes');
      if (bytes.length > LIMITS.searchNeedle) throw hem(406, 'needle too long');
      const offset = body.offset === undefined ? 0 : intOf(body.offset, 'offset', 0, 1_000_000_000);
      const limit = body.limit === undefined ? LIMITS.page : Math.min(intOf(body.limit, 'limit', 0, 1_000_000_000), LIMITS.page);
      const hits = visible((await this.svc.keys.list(call.ctx())).keys).filter(({ r }) => {
        const d = encedoAttrs(r).descr;
        if (!d) return false;
        const hay = Buffer.from(d, 'base64');
        if (anchorStart && anchorEnd) return hay.equals(bytes);
        if (anchorStart) return hay.subarray(0, bytes.length).equals(bytes);
        if (anchorEnd) return hay.length >= bytes.length && hay.subarray(hay.length - bytes.length).equals(bytes);
        return hay.includes(bytes);
      });
      // The device answers 404 when nothing matches (TESTER, PY; notes §8.5).
      if (hits.length === 0) throw hem(404, 'no match');
      return envelope(hits, offset, limit);
    });
  }

  @Get('get/:kid')
  async get(@Headers('authorization') authz: string | undefined, @Param('kid') kidRaw: string) {
    const call = await this.svc.call(authz, null, 'get');
    return call.run(async () => {
      const kid = kidOf(kidRaw);
      await call.requireScope(getScopes(kid), hexToUuid(kid) ?? undefined);
      const rec = await call.find(this.svc.keys, kid, hexToUuid(kid));
      const t = typeOfRecord(rec);
      if (!t) throw hem(406, 'not a HEM key');
      const a = encedoAttrs(rec);
      const out: Record<string, unknown> = { type: t.type };
      if (rec.publicKey) out.pubkey = hemFromSpki(t, rec.publicKey).toString('base64');
      out.updated = secs(rec.updatedAt);
      if (a.descr) out.descr = a.descr;
      return out;
    });
  }

  /** `label` is required even when only `descr` changes (notes §3). Empty 200. */
  @Post('update')
  @HttpCode(200)
  async update(@Headers('authorization') authz: string | undefined, @Body() raw: unknown) {
    const call = await this.svc.call(authz, 'KEY_ATTRIBUTES_CHANGED', 'update');
    return call.run(async () => {
      await call.requireScope(ROUTE_SCOPES.update);
      const body = bodyOf(raw);
      const kid = kidOf(body.kid);
      const uuid = hexToUuid(kid);
      call.setKey(uuid!);
      const label = stringOf(body.label, 'label', LIMITS.label);
      const descr = body.descr === undefined ? undefined : (descrOf(body.descr) ?? '');
      const rec = await call.find(this.svc.keys, kid, uuid);
      if (!typeOfRecord(rec)) throw hem(406, 'not a HEM key');
      const prev = encedoAttrs(rec);
      const next: EncedoAttributes = { ...prev, label, ...(descr === undefined ? {} : { descr: descr || undefined }) };
      await this.svc.keys.updateAttributes(call.ctx(), rec.id, { encedo: next });
      return '';
    });
  }

  @Delete('delete/:kid')
  async remove(@Headers('authorization') authz: string | undefined, @Param('kid') kidRaw: string) {
    const call = await this.svc.call(authz, 'KEY_DELETE', 'delete');
    return call.run(async () => {
      await call.requireScope(ROUTE_SCOPES.delete);
      const kid = kidOf(kidRaw);
      const uuid = hexToUuid(kid);
      call.setKey(uuid!);
      const rec = await call.find(this.svc.keys, kid, uuid);
      if (!typeOfRecord(rec)) throw hem(406, 'not a HEM key');
      await this.svc.keys.destroy(call.ctx(), rec.id);
      return '';
    });
  }
}

function envelope(all: ReturnType<typeof visible>, offset: number, count: number) {
  const page = all.slice(offset, offset + count);
  return { offset, deleted: 0, total: all.length, listed: page.length, list: page.map(entry) };
}
