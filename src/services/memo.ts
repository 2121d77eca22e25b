/**
 * A short-lived, per-process memo for data every chat turn reads and that changes rarely (the current period's
 * policy, who a chat user is). Staleness is bounded by the TTL; writers that must be seen at once call `forget`.
 */
export interface Memo<V> {
  get(owner: object, key: string, load: () => Promise<V>): Promise<V>;
  forget(owner: object, key?: string): void;
}

export function memo<V>(ttlMs: number, keep: (v: V) => boolean = () => true): Memo<V> {
  const byOwner = new WeakMap<object, Map<string, { at: number; value: Promise<V> }>>();
  return {
    async get(owner, key, load) {
      let m = byOwner.get(owner);
      if (!m) {
        m = new Map();
        byOwner.set(owner, m);
      }
      const hit = m.get(key);
      const now = Date.now();
      if (hit && now - hit.at < ttlMs) return hit.value;
      const value = load();
      m.set(key, { at: now, value });
      try {
        const v = await value;
        if (!keep(v)) m.delete(key);
        return v;
      } catch (e) {
        m.delete(key);
        throw e;
      }
    },
    forget(owner, key) {
      const m = byOwner.get(owner);
      if (!m) return;
      if (key === undefined) m.clear();
      else m.delete(key);
    },
  };
}
