/**
 * One app in a process of its own (bench/roster-chat.bench.ts): the local mode's composition on SQLite with the demo
 * data, its local WeCom server and the test driver, which sends `<file>` as a WeCom file message through the real
 * path (a signed, encrypted callback to /wecom/callback; the app downloads the file from the local server's media
 * API, recognises a roster, checks it and answers with the summary card). Prints one JSON line: seconds from the
 * callback to the card the local server received, the rows the card counts, and the process's peak RSS
 * (getrusage: the app, its local platform server and the driver; the driver holds only the file's bytes).
 * `tsx bench/roster-chat-child.ts <file>`
 */
import fs from 'node:fs';
import { DEMO_UNIT_CODE } from '../src/services/demo/load.js';
import { forgetPeople } from '../src/services/people.js';
import { startTestApp } from '../test/support/app.js';
import { wecomDriver } from '../test/support/drivers/wecom.js';

const ADMIN = 'demo-officer-1';
const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: roster-chat-child.ts <file.xlsx>');

const t = await startTestApp({ schedules: false });
try {
  const db = t.rt.db;
  // the demo has no admin: the office's officer is made one, as a people file would (test/journeys/admin-files)
  const ident = await db.chatIdentity.findUniqueOrThrow({
    where: { platform_userId: { platform: 'wecom', userId: ADMIN } },
  });
  const fed = await db.org.findUniqueOrThrow({ where: { code: 'HN' } });
  await db.roleGrant.create({ data: { memberId: ident.memberId, role: 'admin', orgId: fed.id } });
  forgetPeople(db);
  const d = wecomDriver(t.app);
  const bytes = fs.readFileSync(file);
  const startMb = process.resourceUsage().maxRSS / 1024;
  const t0 = performance.now();
  const got = await d.sendFile(ADMIN, `${DEMO_UNIT_CODE} 名册.xlsx`, bytes);
  const s = (performance.now() - t0) / 1000;
  const card = got.find((m) => m.kind === 'card');
  const rows = Number(/新增：(\d+)/.exec(card?.text ?? '')?.[1] ?? Number.NaN);
  console.log(
    JSON.stringify({
      ok: Boolean(card),
      rows,
      s,
      startMb,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      said: card ? undefined : got.map((m) => m.text.slice(0, 200)),
    }),
  );
} finally {
  await t.stop();
}
process.exit(0);
