import { AwsError } from '../errors';
import { checkTags } from '../input';
import type { AwsAction, AwsCall } from './context';
import { keyOnly, lookup } from './keys';

/** AWS tags (rules in Input.tags): TagKey 1-128 characters, TagValue 0-256, 50 per key; a refusal is TagException. */
function tagsOf(c: AwsCall): Record<string, string> {
  const tags = c.input.tags('Tags');
  if (!tags) throw new AwsError('ValidationException', "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must not be null");
  return tags;
}

export const TAG_ACTIONS: Record<string, AwsAction> = {
  TagResource: async (c) => {
    const id = keyOnly(c);
    const tags = tagsOf(c);
    const r = await lookup(c, id);
    checkTags({ ...r.tags, ...tags });
    await c.keys.lifecycle.tag(c.caller, id, tags);
    return {};
  },
  UntagResource: async (c) => {
    const id = keyOnly(c);
    const names = c.input.stringList('TagKeys', { max: 50 });
    if (!names) throw new AwsError('ValidationException', "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must not be null");
    await c.keys.lifecycle.untag(c.caller, id, names);
    return {};
  },
  ListResourceTags: async (c) => {
    const r = await lookup(c, keyOnly(c));
    const limit = c.input.integer('Limit', { min: 1, max: 50 }) ?? 50;
    const offset = Number(c.input.string('Marker', { min: 1, max: 1024 }) ?? 0);
    if (!Number.isInteger(offset) || offset < 0) throw new AwsError('InvalidMarkerException', 'The marker is not one this service returned');
    const all = Object.entries(r.tags).sort(([a], [b]) => (a < b ? -1 : 1));
    const page = all.slice(offset, offset + limit);
    const more = offset + page.length < all.length;
    return { Tags: page.map(([TagKey, TagValue]) => ({ TagKey, TagValue })), Truncated: more, ...(more ? { NextMarker: String(offset + page.length) } : {}) };
  },
};
