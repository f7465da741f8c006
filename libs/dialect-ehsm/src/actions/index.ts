import { ASYMMETRIC } from './asymmetric';
import type { ActionHandler } from './context';
import { KEY_MANAGEMENT } from './key-management';
import { SYMMETRIC } from './symmetric';

export type { ActionContext, ActionHandler } from './context';

/** Every signed action served; anything else is "API Not Found" once authenticated. */
export const ACTIONS: Record<string, ActionHandler> = { ...KEY_MANAGEMENT, ...SYMMETRIC, ...ASYMMETRIC };

/** Other spellings clients use for the same action (notes §10.4): the vendor docs' DeleteALLKey. */
export const ACTION_ALIASES: Record<string, string> = { DeleteALLKey: 'DeleteAllKey' };
