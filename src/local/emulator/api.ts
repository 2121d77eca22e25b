/**
 * The JSON the emulator page and its router exchange. Plain types with no imports, so the front end (a separate
 * Vite build under emulator/) can import them too; they mirror EmulatedMessage of ./adapter.ts, which
 * the router checks structurally.
 */
export type ApiTarget = { userId: string } | { chatId: string };

export interface ApiCard {
  id: string;
  title: string;
  description?: string;
  fields: { label: string; value: string }[];
  buttons: { key: string; text: string }[];
  finalText?: string;
}

export interface ApiMessage {
  seq: number;
  at: string;
  to: ApiTarget;
  kind: 'text' | 'markdown' | 'image' | 'card' | 'file';
  text?: string;
  imageDataUrl?: string;
  file?: { name: string; dataUrl?: string };
  card?: ApiCard;
}

export interface ApiPlatform {
  /** the channel's platform name (the folder under src/channels) */
  name: string;
}

export interface ApiPerson {
  userId: string;
  name: string;
  /** worker, rep, officer, centre (several when granted several) */
  roles: string[];
  /** the member's unit, or null when the chat id is not bound to a member on this platform yet */
  unit: string | null;
  bound: boolean;
}

export interface ApiGroup {
  chatId: string;
  /** the organisation whose group chat this is */
  name: string;
}

export interface ApiTimelineDate {
  date: string;
  label: string;
}

export interface ApiClock {
  /** the app's clock, ISO */
  now: string;
  /** today as the app sees it, Asia/Shanghai YYYY-MM-DD */
  today: string;
  /** the date the clock was moved to, null = real time */
  travelledTo: string | null;
  /** the server process's id: another one means it restarted (its message seqs start again) */
  boot: string;
  timeline: ApiTimelineDate[];
  /** false when the app was started without a way to run the schedules now */
  canRunSchedules: boolean;
}

export interface ApiRunSchedules {
  ok: true;
  ms: number;
  /** deliveries the run planned (pushes, announcements, charts); 0 = nothing was due today */
  sent: number;
}
