import { aliasArn, ALIAS_PREFIX } from '../arn';
import { AwsError } from '../errors';
import { awsKeyUsage } from '../key-specs';
import { seconds } from '../metadata';
import type { AwsAction, AwsCall } from './context';
import { keyOnly, lookup } from './keys';

/** AWS's alias rules: `alias/` then letters, digits, `/_-`; 1-256 characters; `alias/aws/` is AWS's own. */
function aliasName(c: AwsCall): string {
  const name = c.input.string('AliasName', { required: true, min: 1, max: 256 });
  if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name))
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$ and begin with alias/",
    );
  if (name.startsWith('alias/aws/')) throw new AwsError('InvalidAliasNameException', 'Alias names beginning with alias/aws/ are reserved for AWS managed keys.');
  return name.slice(ALIAS_PREFIX.length);
}

const PAGE = { min: 1, max: 100, default: 50 };

export const ALIAS_ACTIONS: Record<string, AwsAction> = {
  CreateAlias: async (c) => {
    const name = aliasName(c);
    await c.keys.lifecycle.createAlias(c.caller, name, keyOnly(c, 'TargetKeyId'));
    return {};
  },
  UpdateAlias: async (c) => {
    const name = aliasName(c);
    const target = await lookup(c, keyOnly(c, 'TargetKeyId'));
    // AWS: the new key must be of the same type and usage as the one the alias names.
    const current = await c.keys.get(c.caller, name).catch(() => null);
    if (current && (awsKeyUsage(current) !== awsKeyUsage(target) || current.spec.split('-')[0] !== target.spec.split('-')[0]))
      throw new AwsError('ValidationException', 'The new target key must be of the same key spec type and key usage as the current one.');
    await c.keys.lifecycle.updateAlias(c.caller, name, target.id);
    return {};
  },
  DeleteAlias: async (c) => {
    await c.keys.lifecycle.deleteAlias(c.caller, aliasName(c));
    return {};
  },
  ListAliases: async (c) => {
    const limit = c.input.integer('Limit', { min: PAGE.min, max: PAGE.max }) ?? PAGE.default;
    const marker = c.input.string('Marker', { min: 1, max: 1024 });
    const offset = marker === undefined ? 0 : Number(marker);
    if (!Number.isInteger(offset) || offset < 0) throw new AwsError('InvalidMarkerException', 'The marker is not one this service returned');
    const keyId = c.input.has('KeyId') ? keyOnly(c) : undefined;
    const all = await c.keys.lifecycle.listAliases(c.caller, keyId);
    const page = all.slice(offset, offset + limit);
    const more = offset + page.length < all.length;
    return {
      Aliases: page.map((a) => ({
        AliasName: `${ALIAS_PREFIX}${a.name}`,
        AliasArn: aliasArn(c.caller.region, c.caller.account, `${ALIAS_PREFIX}${a.name}`),
        TargetKeyId: a.keyId,
        CreationDate: seconds(a.createdAt),
        LastUpdatedDate: seconds(a.updatedAt),
      })),
      Truncated: more,
      ...(more ? { NextMarker: String(offset + page.length) } : {}),
    };
  },
};
