/** Which database a Prisma client talks to, remembered when createDb makes it (bulk inserts write SQL per provider). */
export type Provider = 'sqlite' | 'postgresql';

const providers = new WeakMap<object, Provider>();

export function rememberProvider(db: object, provider: Provider): void {
  providers.set(db, provider);
}

export function providerOfDb(db: object): Provider {
  const p = providers.get(db);
  if (!p) throw new Error('unknown database client: create it with createDb');
  return p;
}
