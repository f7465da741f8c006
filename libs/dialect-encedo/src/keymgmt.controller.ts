import { createHash } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { hexToUuid, isKnownSpec, uuidToHex, type KeyRecord } from '@kms/core';
import { Ctx } from '@kms/dialect-kit';
import type { HemCaller } from './auth/caller';
import { ROUTE_SCOPES } from './auth/scopes';
import { derivedKeyKdf, derivedKeyLength, derivedKid } from './derive';
import { CreateKeyDto, DeriveKeyDto, ImportKeyDto, type NewKeyDto, SearchDto, UpdateKeyDto } from './dto/keymgmt.dto';
import { HEM_BODY } from './dto/rules';
import { ecdhPeer, isEcdhType } from './ecdh';
import { EncedoService } from './encedo.service';
import { HemApi } from './hem-api';
import { hem } from './hem-error';
import { findKey } from './key-lookup';
import { type EncedoAttributes, encedoAttrs, listTypeString, typeOfRecord, usagesFor } from './key-types';
import { claimLabel, moveLabel } from './label-alias';
import { hemFromSpki, spkiFromHem } from './pubkey';
import { HemRoute, type HemRouteSpec } from './route';
import { LIMITS, decodeB64, intOf, kidOf } from './wire';

const secs = (ms: number) => Math.floor(ms / 1000);

/** The fields create, import and derive share; '' is no `descr`. */
function newKeyFields(dto: NewKeyDto) {
  return { label: dto.label, t: dto.type, mode: dto.mode, descr: dto.descr || undefined };
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

const LIST: HemRouteSpec = { op: 'list', log: null, scope: { kind: 'rules', rules: ROUTE_SCOPES.list } };

/** Key management (notes §3): create, import, derive, list, search, get, update, delete. */
@Controller('api/keymgmt')
@HemApi()
export class KeymgmtController {
  constructor(private readonly svc: EncedoService) {}

  @Post('create')
  @HttpCode(200)
  @HemRoute({ op: 'create', log: 'KEY_GENERATION', scope: { kind: 'rules', rules: ROUTE_SCOPES.create } })
  async create(@Ctx() caller: HemCaller, @Body(HEM_BODY) dto: CreateKeyDto) {
    const { label, t, mode, descr } = newKeyFields(dto);
    if (!isKnownSpec(t.spec)) throw hem(406, `${t.type} is not available`);
    const attrs: EncedoAttributes = { type: t.type, mode, label, descr };
    const rec = await this.svc.keys.create(caller, { spec: t.spec, usages: usagesFor(t, mode, false), label, attributes: { encedo: attrs } });
    await claimLabel(this.svc.keys, caller, label, rec.id);
    return { kid: uuidToHex(rec.id) };
  }

  @Post('import')
  @HttpCode(200)
  @HemRoute({ op: 'import', log: 'KEY_IMPORT', scope: { kind: 'rules', rules: ROUTE_SCOPES.import } })
  async import(@Ctx() caller: HemCaller, @Body(HEM_BODY) dto: ImportKeyDto) {
    const { label, t, mode, descr } = newKeyFields(dto);
    const pub = dto.pubkey;
    if (!t.importable || !isKnownSpec(t.spec)) throw hem(406, `${t.type} cannot be imported`);
    const spki = spkiFromHem(t, pub);
    // The device's KID is SHA-1(pubkey)[0..16], so a re-import is a 406. The tenant id goes into
    // the hash too: two tenants importing one public key must not collide (docs/encedo.md).
    const kid = createHash('sha1').update(caller.tenantId).update(pub).digest().subarray(0, 16).toString('hex');
    const rec = await this.svc.keys.import(caller, {
      id: hexToUuid(kid)!,
      spec: t.spec,
      usages: usagesFor(t, mode, true),
      label,
      material: { kind: 'public', spki },
      attributes: { encedo: { type: t.type, mode, label, descr } satisfies EncedoAttributes },
    });
    await claimLabel(this.svc.keys, caller, label, rec.id);
    return { kid: uuidToHex(rec.id) };
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
  @HemRoute({ op: 'derive', log: 'KEY_DERIVE', scope: { kind: 'rules', rules: ROUTE_SCOPES.derive } })
  async derive(@Ctx() caller: HemCaller, @Body(HEM_BODY) dto: DeriveKeyDto) {
    const { label, t, mode, descr } = newKeyFields(dto);
    const uuid = hexToUuid(dto.kid)!;
    const source = typeOfRecord(await findKey(this.svc.keys, caller, dto.kid, uuid));
    if (!source || !isEcdhType(source)) throw hem(406, 'not an ECDH key');
    const peer = (await ecdhPeer(caller, this.svc.keys, source, dto, true))!;
    const length = derivedKeyLength(t);
    const id = hexToUuid(derivedKid(caller.tenantId, uuid, peer.pub(), t))!;
    const rec = await this.svc.keys.deriveKey(caller, uuid, peer.ref, derivedKeyKdf(t, length), {
      id,
      spec: t.spec,
      usages: usagesFor(t, mode, false),
      label,
      attributes: { encedo: { type: t.type, mode, label, descr } satisfies EncedoAttributes },
    });
    await claimLabel(this.svc.keys, caller, label, rec.id);
    return { kid: uuidToHex(rec.id) };
  }

  @Get('list')
  @HemRoute(LIST)
  listFirst(@Ctx() caller: HemCaller) {
    return this.page(caller, '0', String(LIMITS.page));
  }

  @Get('list/:offset')
  @HemRoute(LIST)
  listFrom(@Ctx() caller: HemCaller, @Param('offset') offset: string) {
    return this.page(caller, offset, String(LIMITS.page));
  }

  @Get('list/:offset/:count')
  @HemRoute(LIST)
  list(@Ctx() caller: HemCaller, @Param('offset') offset: string, @Param('count') count: string) {
    return this.page(caller, offset, count);
  }

  /** Page size clamped to 15 (notes §3); clients page by `offset += listed`. */
  private async page(caller: HemCaller, offsetRaw: string, countRaw: string) {
    const offset = intOf(offsetRaw, 'offset', 0, 1_000_000_000);
    const count = Math.min(intOf(countRaw, 'count', 0, 1_000_000_000), LIMITS.page);
    const all = visible((await this.svc.keys.list(caller)).keys);
    return envelope(all, offset, count);
  }

  /**
   * Needle = base64 bytes: `^` prefix, `$` suffix, else substring of the key's `descr` (notes §3).
   * Without a token: the allow_keysearch tenant, if configured (the guard), else 401.
   */
  @Post('search')
  @HttpCode(200)
  @HemRoute({ op: 'search', log: null, scope: { kind: 'search', rules: ROUTE_SCOPES.search } })
  async search(@Ctx() caller: HemCaller, @Body(HEM_BODY) dto: SearchDto) {
    const anonymous = caller.credential.kind === 'keysearch';
    let needle = dto.descr;
    const anchorStart = needle.startsWith('^');
    const anchorEnd = needle.endsWith('$');
    needle = needle.slice(anchorStart ? 1 : 0, anchorEnd ? -1 : undefined);
    const bytes = decodeB64(needle, 'descr');
    // A token-less search must be a `^` prefix of at least 6 bytes, as on the device.
    if (anonymous && (!anchorStart || bytes.length < LIMITS.keysearchMin)) throw hem(401, 'token-less search needs a ^ needle of 6+ bytes');
    if (bytes.length > LIMITS.searchNeedle) throw hem(406, 'needle too long');
    const offset = dto.offset ?? 0;
    const limit = Math.min(dto.limit ?? LIMITS.page, LIMITS.page);
    const hits = visible((await this.svc.keys.list(caller)).keys).filter(({ r }) => {
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
  }

  @Get('get/:kid')
  @HemRoute({ op: 'get', log: null, scope: { kind: 'get-of-path-kid' } })
  async get(@Ctx() caller: HemCaller, @Param('kid') kidRaw: string) {
    const kid = kidOf(kidRaw);
    const rec = await findKey(this.svc.keys, caller, kid, hexToUuid(kid));
    const t = typeOfRecord(rec);
    if (!t) throw hem(406, 'not a HEM key');
    const a = encedoAttrs(rec);
    const out: Record<string, unknown> = { type: t.type };
    if (rec.publicKey) out.pubkey = hemFromSpki(t, rec.publicKey).toString('base64');
    out.updated = secs(rec.updatedAt);
    if (a.descr) out.descr = a.descr;
    return out;
  }

  /** `label` is required even when only `descr` changes (notes §3). Empty 200. A new label moves the alias the old one made (label-alias.ts). */
  @Post('update')
  @HttpCode(200)
  @HemRoute({ op: 'update', log: 'KEY_ATTRIBUTES_CHANGED', scope: { kind: 'rules', rules: ROUTE_SCOPES.update } })
  async update(@Ctx() caller: HemCaller, @Body(HEM_BODY) dto: UpdateKeyDto) {
    const { kid, label } = dto;
    const descr = dto.descr === undefined ? undefined : (dto.descr ?? '');
    const rec = await findKey(this.svc.keys, caller, kid, hexToUuid(kid));
    if (!typeOfRecord(rec)) throw hem(406, 'not a HEM key');
    const prev = encedoAttrs(rec);
    const next: EncedoAttributes = { ...prev, label, ...(descr === undefined ? {} : { descr: descr || undefined }) };
    await this.svc.keys.updateAttributes(caller, rec.id, { encedo: next });
    await moveLabel(this.svc.keys, caller, rec.id, prev.label ?? rec.label, label);
    return '';
  }

  @Delete('delete/:kid')
  @HemRoute({ op: 'delete', log: 'KEY_DELETE', scope: { kind: 'rules', rules: ROUTE_SCOPES.delete } })
  async remove(@Ctx() caller: HemCaller, @Param('kid') kidRaw: string) {
    const kid = kidOf(kidRaw);
    const rec = await findKey(this.svc.keys, caller, kid, hexToUuid(kid));
    if (!typeOfRecord(rec)) throw hem(406, 'not a HEM key');
    await this.svc.keys.destroy(caller, rec.id);
    return '';
  }
}

function envelope(all: ReturnType<typeof visible>, offset: number, count: number) {
  const page = all.slice(offset, offset + count);
  return { offset, deleted: 0, total: all.length, listed: page.length, list: page.map(entry) };
}
