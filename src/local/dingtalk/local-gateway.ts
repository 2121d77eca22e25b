/**
 * The Stream gateway of the local DingTalk server (DINGTALK.md §2; developerpedia docs/learn/stream/protocol.md):
 * POST /v1.0/gateway/connections/open hands out a one-use ticket (90 s) and the endpoint; the WebSocket at
 * /connect?ticket= carries down-frames {specVersion, type, headers, data} and the client's acks
 * {code, headers:{messageId}, message, data}; SYSTEM ping (echoed) and disconnect (closed 10 s later) are sent on
 * demand. A frame goes to one connection subscribed to its topic, chosen at random, as DingTalk load-balances.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

export interface Subscription {
  type: string;
  topic: string;
}

export interface StreamAck {
  messageId: string;
  code: number;
  /** the ack's data, parsed */
  data: unknown;
  at: string;
}

export interface PushedFrame {
  messageId: string;
  topic: string;
  type: string;
  connectionId: string;
  data: string;
}

interface Conn {
  id: string;
  ws: WebSocket;
  subscriptions: Subscription[];
}

export class LocalStreamGateway {
  readonly acks: StreamAck[] = [];
  readonly frames: PushedFrame[] = [];
  private readonly tickets = new Map<string, { expiresAt: number; subscriptions: Subscription[] }>();
  private readonly conns = new Map<string, Conn>();
  private readonly waiting = new Map<string, (a: StreamAck) => void>();
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(
    private readonly appKey: string,
    private readonly now: () => number,
    private readonly opts: { ticketTtlMs: number; disconnectCloseMs: number },
  ) {}

  /** answer of connections/open: a fresh one-use ticket for these subscriptions */
  issueTicket(subscriptions: Subscription[]): string {
    const ticket = randomBytes(18).toString('base64url');
    this.tickets.set(ticket, { expiresAt: this.now() + this.opts.ticketTtlMs, subscriptions });
    return ticket;
  }

  /** the HTTP server's 'upgrade' handler for /connect */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const ticket = url.searchParams.get('ticket') ?? '';
    const t = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (url.pathname !== '/connect' || !t || t.expiresAt < this.now()) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { id: randomUUID(), ws, subscriptions: t.subscriptions };
      this.conns.set(conn.id, conn);
      ws.on('message', (raw) => this.onUp(raw.toString()));
      ws.on('close', () => this.conns.delete(conn.id));
    });
  }

  private onUp(text: string) {
    let m: { code?: number; headers?: { messageId?: string }; data?: string };
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    const messageId = m.headers?.messageId;
    if (!messageId) return;
    let data: unknown = m.data;
    try {
      data = typeof m.data === 'string' ? JSON.parse(m.data) : m.data;
    } catch {}
    const ack: StreamAck = { messageId, code: m.code ?? 0, data, at: new Date(this.now()).toISOString() };
    this.acks.push(ack);
    this.waiting.get(messageId)?.(ack);
    this.waiting.delete(messageId);
  }

  connections(): number {
    return [...this.conns.values()].filter((c) => c.ws.readyState === 1).length;
  }

  private pick(type: string, topic: string): Conn | undefined {
    const subscribed = [...this.conns.values()].filter(
      (c) =>
        c.ws.readyState === 1 && c.subscriptions.some((s) => s.type === type && (s.topic === topic || s.topic === '*')),
    );
    return subscribed[Math.floor(Math.random() * subscribed.length)];
  }

  /**
   * Pushes a frame (a CALLBACK by default) and resolves with the client's ack, or null when none came in time.
   * Pass the messageId of an earlier frame to redeliver it.
   */
  async push(
    topic: string,
    data: unknown,
    o: { type?: 'CALLBACK' | 'EVENT'; messageId?: string; ackWithinMs?: number } = {},
  ): Promise<{ frame: PushedFrame; ack: StreamAck | null }> {
    const type = o.type ?? 'CALLBACK';
    const conn = this.pick(type, topic);
    if (!conn) throw new Error(`no stream connection subscribed to ${type} ${topic}`);
    const messageId = o.messageId ?? randomUUID();
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    const frame: PushedFrame = { messageId, topic, type, connectionId: conn.id, data: payload };
    this.frames.push(frame);
    const acked = new Promise<StreamAck | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(messageId);
        resolve(null);
      }, o.ackWithinMs ?? 2_000);
      this.waiting.set(messageId, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    conn.ws.send(
      JSON.stringify({
        specVersion: '1.0',
        type,
        headers: {
          appId: this.appKey,
          connectionId: conn.id,
          contentType: 'application/json',
          messageId,
          time: String(this.now()),
          topic,
        },
        data: payload,
      }),
    );
    return { frame, ack: await acked };
  }

  /** SYSTEM ping to every connection; resolves with how many echoed it */
  async ping(withinMs = 2_000): Promise<number> {
    const live = [...this.conns.values()].filter((c) => c.ws.readyState === 1);
    const echoes = live.map((c) => {
      const messageId = randomUUID();
      const opaque = randomUUID();
      const p = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), withinMs);
        this.waiting.set(messageId, (a) => {
          clearTimeout(timer);
          resolve((a.data as { opaque?: string } | null)?.opaque === opaque);
        });
      });
      c.ws.send(
        JSON.stringify({
          specVersion: '1.0',
          type: 'SYSTEM',
          headers: {
            connectionId: c.id,
            contentType: 'application/json',
            messageId,
            time: String(this.now()),
            topic: 'ping',
          },
          data: JSON.stringify({ opaque }),
        }),
      );
      return p;
    });
    return (await Promise.all(echoes)).filter(Boolean).length;
  }

  /** SYSTEM disconnect to every connection, closed `disconnectCloseMs` later (DingTalk: 10 s) */
  disconnectAll(): void {
    for (const c of this.conns.values()) {
      c.ws.send(
        JSON.stringify({
          specVersion: '1.0',
          type: 'SYSTEM',
          headers: {
            connectionId: c.id,
            contentType: 'application/json',
            messageId: randomUUID(),
            time: String(this.now()),
            topic: 'disconnect',
          },
          data: JSON.stringify({ reason: 'server maintenance' }),
        }),
      );
      setTimeout(() => c.ws.close(1000, 'disconnect'), this.opts.disconnectCloseMs).unref();
    }
  }

  close(): void {
    for (const c of this.conns.values()) c.ws.terminate();
    this.conns.clear();
    this.wss.close();
  }
}
