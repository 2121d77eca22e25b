/** The page's calls to /emulator/api. A failed call (server down, refused) throws ApiError with a reason to show. */
import type {
  ApiClock,
  ApiGroup,
  ApiMessage,
  ApiPerson,
  ApiPlatform,
  ApiRunSchedules,
  ApiTarget,
} from '../../src/local/emulator/api.js';

export type {
  ApiCard,
  ApiClock,
  ApiGroup,
  ApiMessage,
  ApiPerson,
  ApiPlatform,
  ApiTarget,
} from '../../src/local/emulator/api.js';

const BASE = '/emulator/api';

export class ApiError extends Error {}

/** the server process's id as its last answer gave it (X-Emulator-Boot): another one means it restarted */
let boot: string | null = null;
export function serverBoot(): string | null {
  return boot;
}

async function call<T>(path: string, init?: RequestInit, timeoutMs = 30_000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(BASE + path, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    throw new ApiError('服务器无响应');
  }
  boot = res.headers.get('x-emulator-boot') ?? boot;
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // a proxy's HTML error page, or an empty body
  }
  if (!res.ok) {
    const reason =
      body && typeof body === 'object' && 'error' in body
        ? String((body as { error: unknown }).error)
        : `HTTP ${res.status}`;
    throw new ApiError(reason);
  }
  return body as T;
}

const post = <T>(path: string, body: unknown, timeoutMs?: number) =>
  call<T>(
    path,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    timeoutMs,
  );

const q = (o: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)])).toString();

export const api = {
  platforms: () => call<ApiPlatform[]>('/platforms'),
  people: (platform: string) => call<ApiPerson[]>(`/people?${q({ platform })}`),
  groups: (platform: string) => call<ApiGroup[]>(`/groups?${q({ platform })}`),
  messages: (platform: string, to: ApiTarget, after: number, cardsOnly = false) =>
    call<ApiMessage[]>(`/messages?${q({ platform, ...to, after, cards: cardsOnly ? 1 : 0 })}`, undefined, 10_000),
  sendText: (platform: string, userId: string, text: string) => post<{ ok: true }>('/send', { platform, userId, text }),
  sendImage: (platform: string, userId: string, dataUrl: string) =>
    post<{ ok: true }>('/image', { platform, userId, dataUrl }),
  sendFile: (platform: string, userId: string, name: string, base64: string) =>
    post<{ ok: true }>('/file', { platform, userId, name, base64 }, 60_000),
  click: (platform: string, userId: string, cardId: string, key: string) =>
    post<{ ok: true }>('/click', { platform, userId, cardId, key }),
  clock: () => call<ApiClock>('/clock'),
  setClock: (date: string | null) => post<ApiClock>('/clock', { date }),
  runSchedules: () => post<ApiRunSchedules>('/run-schedules', {}, 120_000),
};
