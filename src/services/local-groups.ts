/**
 * In the local mode (src/local/start-local.ts) the platforms are local servers: the group chats named in the organisation tree
 * (Org.groupChats) are made known to them, with every bound chat user as member, as a real installation's admin
 * does once when creating the groups.
 */
import type { Db } from '../db/client.js';
import { groupChatsOf } from './broadcasts/recipients.js';

export interface GroupRegistrar {
  platform: string;
  ensureGroup(chatId: string, name: string, userIds: string[]): Promise<void>;
}

export async function registerLocalGroups(db: Db, registrars: GroupRegistrar[]): Promise<number> {
  if (!registrars.length) return 0;
  const orgs = await db.org.findMany({
    where: { groupChats: { not: null } },
    select: { name: true, groupChats: true },
  });
  let n = 0;
  for (const r of registrars) {
    const users = (
      await db.chatIdentity.findMany({ where: { platform: r.platform }, select: { userId: true }, take: 2_000 })
    ).map((i) => i.userId);
    for (const org of orgs) {
      const chatId = groupChatsOf(org.groupChats)[r.platform];
      if (!chatId) continue;
      await r.ensureGroup(chatId, org.name, users);
      n++;
    }
  }
  return n;
}
