import { ASYMMETRIC } from './asymmetric';
import type { ActionHandler } from './context';
import { IMPORT_EXPORT } from './import-export';
import { KEY_MANAGEMENT } from './key-management';
import { QUOTES } from './quotes';
import { SECRETS } from './secrets';
import { SYMMETRIC } from './symmetric';

export type { ActionContext, ActionHandler } from './context';

/** Every signed action served; anything else is "API Not Found" once authenticated. */
export const ACTIONS: Record<string, ActionHandler> = { ...KEY_MANAGEMENT, ...SYMMETRIC, ...ASYMMETRIC, ...IMPORT_EXPORT, ...SECRETS, ...QUOTES };

/** Other spellings clients use for the same action (notes §10.4): the vendor docs' DeleteALLKey. */
export const ACTION_ALIASES: Record<string, string> = { DeleteALLKey: 'DeleteAllKey' };

/** The action a request names (`?Action=`), aliases resolved; '' when it names none, or several. */
export function actionName(raw: unknown): string {
  const named = typeof raw === 'string' ? raw : '';
  return Object.hasOwn(ACTION_ALIASES, named) ? ACTION_ALIASES[named] : named;
}
