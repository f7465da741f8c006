import type { CryptoBackend } from './backend';
import { unsupported } from './errors';
import type { KeyRecord } from './key';
import type { KeyClass, SpecInfo } from './specs';

/**
 * A rule picks the backend for a new key. Fields left out match anything; `spec` may end in `*`
 * (`rsa-*`). `fallback` names a backend to use when the chosen one cannot hold the spec; without
 * it such a key is refused as unsupported. The first matching rule wins.
 */
export interface RoutingRule {
  tenant?: string;
  dialect?: string;
  spec?: string;
  backend: string;
  fallback?: string;
}

export class BackendRouter {
  constructor(
    private readonly backends: ReadonlyMap<string, CryptoBackend>,
    private readonly rules: readonly RoutingRule[],
    private readonly defaultBackend: string,
  ) {
    for (const name of [defaultBackend, ...rules.flatMap((r) => [r.backend, r.fallback ?? defaultBackend])]) {
      if (!backends.has(name)) throw new Error(`routing names backend '${name}', which is not configured`);
    }
  }

  all(): CryptoBackend[] {
    return [...this.backends.values()];
  }

  /** The routing in force, as `GET /backends` shows it. */
  routing(): { default: string; rules: readonly RoutingRule[] } {
    return { default: this.defaultBackend, rules: this.rules };
  }

  /** Public keys hold nothing secret: they stay in the software engine whatever the rules say. */
  forNewKey(tenantId: string, dialect: string, spec: SpecInfo, keyClass: KeyClass): CryptoBackend {
    if (keyClass === 'public') return this.byName('soft');
    const rule = this.rules.find((r) => matches(r, tenantId, dialect, spec.spec));
    const chosen = this.byName(rule?.backend ?? this.defaultBackend);
    if (chosen.canHold(spec, keyClass)) return chosen;
    if (rule?.fallback) {
      const fallback = this.byName(rule.fallback);
      if (fallback.canHold(spec, keyClass)) return fallback;
    }
    throw unsupported(`key spec ${spec.spec} is not supported by backend '${chosen.name}'`);
  }

  /**
   * A new key on the backend the caller named (a seed file pins its keys): refused as unsupported
   * when that backend cannot hold the spec, never moved elsewhere. Public keys still stay soft.
   */
  forNewKeyOn(name: string, spec: SpecInfo, keyClass: KeyClass): CryptoBackend {
    const chosen = this.byName(name);
    if (keyClass === 'public' && chosen.name !== 'soft') throw unsupported('a public key holds nothing secret: it stays in the software engine (backend soft)');
    if (!chosen.canHold(spec, keyClass)) throw unsupported(`key spec ${spec.spec} is not supported by backend '${chosen.name}'`);
    return chosen;
  }

  /** Existing keys always go to the backend that holds them. */
  forKey(record: KeyRecord): CryptoBackend {
    return this.byName(record.backend);
  }

  byName(name: string): CryptoBackend {
    const b = this.backends.get(name);
    if (!b) throw unsupported(`backend '${name}' is not configured`);
    return b;
  }
}

function matches(rule: RoutingRule, tenantId: string, dialect: string, spec: string): boolean {
  if (rule.tenant && rule.tenant !== tenantId) return false;
  if (rule.dialect && rule.dialect !== dialect) return false;
  if (rule.spec) {
    if (rule.spec.endsWith('*') ? !spec.startsWith(rule.spec.slice(0, -1)) : rule.spec !== spec) return false;
  }
  return true;
}
