/**
 * The emulator page: a chat client for any platform the app runs against its local server. Left, the demo people;
 * middle, the chosen person's chat with the bot; right, a group chat (announcements, pushes). The header picks the
 * platform, moves the app's clock to a date of the period's timeline, and runs today's schedules now.
 * The URL hash (#/<platform>/<userId>) keeps the choice across reloads.
 */
import './styles.css';
import { type ApiClock, type ApiGroup, type ApiPerson, api, serverBoot } from './api.js';
import { Conversation } from './conversation.js';
import { clear, h } from './dom.js';
import { filePicker } from './files.js';
import { platformLabel, roleLabel } from './labels.js';

const POLL_MS = 1000;

const state = {
  platforms: [] as string[],
  platform: '',
  people: [] as ApiPerson[],
  groups: [] as ApiGroup[],
  userId: '',
  chatId: '',
  chats: new Map<string, Conversation>(),
  clock: null as ApiClock | null,
};

// ---- layout
const platformSelect = h('select', { 'data-testid': 'platform', 'aria-label': '平台' });
const clockSelect = h('select', { 'data-testid': 'clock-select', 'aria-label': '把时钟拨到' });
const todayLabel = h('span', { class: 'today', 'data-testid': 'clock-today' });
const runButton = h(
  'button',
  { type: 'button', class: 'primary', 'data-testid': 'run-schedules' },
  '立即运行今日推送/公告',
);
const statusLine = h('span', { class: 'status', 'data-testid': 'status', role: 'status' });
const peopleList = h('ul', { class: 'people', 'data-testid': 'people' });
const chatTitle = h('div', { class: 'pane-title', 'data-testid': 'chat-title' });
const chatLog = h('div', { class: 'log', 'data-testid': 'chat-log' });
const input = h('textarea', {
  rows: '1',
  placeholder: '输入消息，回车发送',
  'data-testid': 'composer-input',
  'aria-label': '消息',
});
const sendButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'send' }, '发送');
const fileInput = h('input', { type: 'file', accept: 'image/*', hidden: true, 'data-testid': 'image-input' });
const photoButton = h('button', { type: 'button', class: 'icon', title: '发送照片', 'data-testid': 'photo' }, '照片');
const filePick = filePicker(
  (name, base64) => current()?.sendFile(name, base64),
  (text) => setStatus(text, 'error'),
);
const groupSelect = h('select', { 'data-testid': 'group-select', 'aria-label': '群聊' });
const groupLog = h('div', { class: 'log', 'data-testid': 'group-log' });

/** index.html's mount point: the page is nothing without it */
function appRoot(): HTMLElement {
  const el = document.getElementById('app');
  if (!el) throw new Error('index.html has no #app');
  return el;
}

appRoot().append(
  h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, 'huzhu 互助', h('small', {}, ' · 模拟器')),
    h('label', {}, '平台 ', platformSelect),
    h('label', {}, '时钟 ', clockSelect),
    todayLabel,
    runButton,
    statusLine,
  ),
  h(
    'main',
    { class: 'layout' },
    h('aside', { class: 'pane people-pane' }, h('div', { class: 'pane-title' }, '演示人员'), peopleList),
    h(
      'section',
      { class: 'pane chat-pane' },
      chatTitle,
      chatLog,
      h('div', { class: 'composer' }, photoButton, fileInput, filePick.button, filePick.input, input, sendButton),
    ),
    h('section', { class: 'pane group-pane' }, h('div', { class: 'pane-title' }, '群聊 ', groupSelect), groupLog),
  ),
);

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  statusLine.textContent = text;
  statusLine.className = `status ${kind}`;
}

// ---- conversations
function conversation(to: { userId: string } | { chatId: string }): Conversation {
  const key = `${state.platform}|${'userId' in to ? `u:${to.userId}` : `c:${to.chatId}`}`;
  let c = state.chats.get(key);
  if (!c) {
    c = new Conversation(state.platform, to, 'userId' in to ? to.userId : null);
    const conv = c;
    conv.onChange = () => {
      renderPeople();
      if (conv.visible) scrollToEnd(conv.root.parentElement);
    };
    state.chats.set(key, c);
  }
  return c;
}

function scrollToEnd(log: HTMLElement | null): void {
  if (log) log.scrollTop = log.scrollHeight;
}

function show(log: HTMLElement, c: Conversation | null): void {
  for (const other of state.chats.values()) if (other.root.parentElement === log) other.visible = false;
  clear(log);
  if (!c) return;
  c.visible = true;
  c.unread = 0;
  log.append(c.root);
  scrollToEnd(log);
}

function current(): Conversation | null {
  return state.userId ? conversation({ userId: state.userId }) : null;
}

// ---- people
function renderPeople(): void {
  clear(peopleList);
  for (const p of state.people) {
    const c = state.chats.get(`${state.platform}|u:${p.userId}`);
    const unread =
      c && !c.visible && c.unread > 0 ? h('span', { class: 'badge', 'data-testid': 'unread' }, String(c.unread)) : null;
    const item = h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: p.userId === state.userId ? 'person active' : 'person',
          'data-testid': `person-${p.userId}`,
          'data-user-id': p.userId,
        },
        h('span', { class: 'avatar' }, p.name.slice(0, 1)),
        h(
          'span',
          { class: 'person-text' },
          h(
            'span',
            { class: 'person-name' },
            p.name,
            ...p.roles.map((r) => h('span', { class: `role role-${r}` }, roleLabel(r))),
          ),
          h('span', { class: 'person-sub' }, p.userId, ' · ', p.bound ? (p.unit ?? '') : '未绑定'),
        ),
        unread,
      ),
    );
    item.querySelector('button')?.addEventListener('click', () => selectPerson(p.userId));
    peopleList.append(item);
  }
}

function selectPerson(userId: string): void {
  state.userId = userId;
  const p = state.people.find((x) => x.userId === userId);
  chatTitle.replaceChildren(
    p ? `${p.name}（${p.userId}）` : userId,
    h('small', {}, ` · 与 互助助手 的单聊 · ${platformLabel(state.platform)}`),
  );
  const c = current();
  show(chatLog, c);
  void c?.poll().catch(() => {});
  renderPeople();
  history.replaceState(null, '', `#/${state.platform}/${userId}`);
  input.focus();
}

function selectGroup(chatId: string): void {
  state.chatId = chatId;
  const c = chatId ? conversation({ chatId }) : null;
  show(groupLog, c);
  void c?.poll().catch(() => {});
}

async function selectPlatform(platform: string, userId?: string): Promise<void> {
  state.platform = platform;
  document.body.dataset.platform = platform;
  platformSelect.value = platform;
  [state.people, state.groups] = await Promise.all([api.people(platform), api.groups(platform)]);
  clear(groupSelect);
  for (const g of state.groups) groupSelect.append(h('option', { value: g.chatId }, `${g.name}（${g.chatId}）`));
  if (!state.groups.length) groupSelect.append(h('option', { value: '' }, '（没有群聊）'));
  selectGroup(state.groups[0]?.chatId ?? '');
  const pick = state.people.find((p) => p.userId === userId) ?? state.people[0];
  if (pick) selectPerson(pick.userId);
  else renderPeople();
}

// ---- clock and schedules
function renderClock(c: ApiClock): void {
  state.clock = c;
  clear(clockSelect);
  clockSelect.append(h('option', { value: '' }, '实时'));
  for (const t of c.timeline) clockSelect.append(h('option', { value: t.date }, `${t.date} · ${t.label}`));
  if (c.travelledTo && !c.timeline.some((t) => t.date === c.travelledTo))
    clockSelect.append(h('option', { value: c.travelledTo }, c.travelledTo));
  clockSelect.value = c.travelledTo ?? '';
  todayLabel.textContent = `今天 ${c.today}`;
  runButton.disabled = !c.canRunSchedules;
  runButton.title = c.canRunSchedules ? '' : '此应用启动时没有定时任务';
}

clockSelect.addEventListener('change', async () => {
  try {
    renderClock(await api.setClock(clockSelect.value || null));
    setStatus(`时钟已拨到 ${state.clock?.today}`);
  } catch (e) {
    setStatus(`时钟未改：${(e as Error).message}`, 'error');
    if (state.clock) clockSelect.value = state.clock.travelledTo ?? '';
  }
});

runButton.addEventListener('click', async () => {
  runButton.disabled = true;
  setStatus('正在运行今日推送/公告…');
  try {
    const r = await api.runSchedules();
    setStatus(
      r.sent > 0
        ? `今日推送/公告已运行：发出 ${r.sent} 条（${r.ms} ms）`
        : `今日推送/公告已运行：今天（${state.clock?.today ?? ''}）没有到期的推送或公告`,
    );
    await pollAll();
  } catch (e) {
    setStatus(`运行失败：${(e as Error).message}`, 'error');
  } finally {
    runButton.disabled = !state.clock?.canRunSchedules;
  }
});

// ---- composing
function send(): void {
  const text = input.value.trim();
  const c = current();
  if (!text || !c) return;
  input.value = '';
  c.sendText(text);
}
sendButton.addEventListener('click', send);
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
photoButton.addEventListener('click', () => fileInput.click());
fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  const c = current();
  fileInput.value = '';
  if (!file || !c) return;
  const reader = new FileReader();
  reader.onload = () => c.sendImage(String(reader.result));
  reader.onerror = () => setStatus('读不出这张图片', 'error');
  reader.readAsDataURL(file);
});
platformSelect.addEventListener(
  'change',
  () => void selectPlatform(platformSelect.value).catch((e) => setStatus((e as Error).message, 'error')),
);
groupSelect.addEventListener('change', () => selectGroup(groupSelect.value));

// ---- polling: every chat of the platform, so a card arriving for someone else shows as unread
let offline = false;
let knownBoot: string | null = null;
async function pollAll(): Promise<void> {
  const visible = [current(), state.chatId ? conversation({ chatId: state.chatId }) : null];
  const others = state.people.filter((p) => p.userId !== state.userId).map((p) => conversation({ userId: p.userId }));
  try {
    await Promise.all([...visible, ...others].map((c) => c?.poll()));
    const restarted = knownBoot !== null && serverBoot() !== knownBoot;
    knownBoot = serverBoot();
    if (offline || restarted) await reconnected(restarted);
    offline = false;
  } catch {
    if (!offline) setStatus('连不上服务器：消息将标为未送达', 'error');
    offline = true;
  }
}

/** back in touch: the server's clock (a restarted server runs in real time again) and who is bound now */
async function reconnected(restarted: boolean): Promise<void> {
  renderClock(await api.clock());
  state.people = await api.people(state.platform);
  renderPeople();
  setStatus(
    restarted
      ? `已重新连接：服务器已重启，今天 ${state.clock?.today ?? ''}，已取回新消息`
      : `已重新连接，今天 ${state.clock?.today ?? ''}`,
  );
}

async function loop(): Promise<void> {
  await pollAll();
  setTimeout(() => void loop(), POLL_MS);
}

async function boot(): Promise<void> {
  try {
    const [platforms, clock] = await Promise.all([api.platforms(), api.clock()]);
    knownBoot = serverBoot();
    state.platforms = platforms.map((p) => p.name);
    renderClock(clock);
    for (const p of state.platforms) platformSelect.append(h('option', { value: p }, platformLabel(p)));
    if (!state.platforms.length) {
      setStatus('没有可模拟的平台：所有平台都配置了真实凭据', 'error');
      return;
    }
    const [, hashPlatform, hashUser] = /^#\/([^/]+)\/(.+)$/.exec(location.hash) ?? [];
    const platform = hashPlatform && state.platforms.includes(hashPlatform) ? hashPlatform : (state.platforms[0] ?? '');
    await selectPlatform(platform, hashUser ? decodeURIComponent(hashUser) : undefined);
    document.body.dataset.ready = 'true';
  } catch (e) {
    setStatus(`加载失败：${(e as Error).message}`, 'error');
  }
  void loop();
}

void boot();
