/** Which database a Prisma client talks to, remembered when createDb makes it (bulk inserts write SQL per provider). */
export type Provider = 'sqlite' | 'postgresql';

const providers = new WeakMap<object, Provider>();

const urls = new WeakMap<object, string>();

export function rememberProvider(db: object, provider: Provider, url?: string): void {
  providers.set(db, provider);
  if (url) urls.set(db, url);
}

/** the URL a client was made for: a bulk import opens a plain connection of its own to the same database */
export function urlOfDb(db: object): string {
  const u = urls.get(db);
  if (!u) throw new Error('unknown database URL: create the client with createDb');
  return u;
}

export function providerOfDb(db: object): Provider {
  const p = providers.get(db);
  if (!p) throw new Error('unknown database client: create it with createDb');
  return p;
}
