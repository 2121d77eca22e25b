/**
 * Stream mode (DINGTALK.md §2; developerpedia docs/learn/stream/protocol.md): the official `dingtalk-stream`
 * client dials out, robot messages arrive on /v1.0/im/bot/messages/get and card clicks on
 * /v1.0/card/instances/callback as CALLBACK frames, which the SDK does not ack by itself: each is acked at once
 * (robot: {"response": null}; card: {"response": {}}, no card change) and handled by the same receiver as HTTP.
 * The SDK posts the gateway's fixed URL, so getEndpoint is replaced to honour DINGTALK_API_BASE (the local gateway).
 */
import { DWClient, type DWClientDownStream, TOPIC_CARD, TOPIC_ROBOT } from 'dingtalk-stream';
import { type Log, routeConsoleToLog } from '../../core/log.js';
import type { DingtalkCredentials } from './credentials.js';
import {
  CardCallbackSchema,
  cardClickInbound,
  InboundShapeError,
  RobotMessageSchema,
  robotInbound,
} from './inbound.js';
import type { Receiver } from './receive.js';

export const GATEWAY_PATH = '/v1.0/gateway/connections/open';

/** DWClient whose gateway is `${apiBase}/v1.0/gateway/connections/open` */
class GatewayClient extends DWClient {
  constructor(
    opts: { clientId: string; clientSecret: string; ua?: string },
    private readonly gatewayUrl: string,
  ) {
    super({ ...opts, keepAlive: false });
  }

  override async getEndpoint(): Promise<this> {
    const res = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        ua: this.config.ua,
        subscriptions: this.config.subscriptions,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as { endpoint?: string; ticket?: string };
    if (!res.ok || !body.endpoint || !body.ticket) throw new Error(`stream gateway answered ${res.status}`);
    // dw_url is private in the SDK's types; the SDK's own getEndpoint sets it the same way
    (this as unknown as { dw_url: string }).dw_url = `${body.endpoint}?ticket=${encodeURIComponent(body.ticket)}`;
    return this;
  }
}

export interface StreamConnection {
  client: DWClient;
  stop(): void;
}

export async function connectStream(o: {
  creds: DingtalkCredentials;
  apiBase: string;
  receiver: Receiver;
  now: () => Date;
  log: Log;
  /** wait this long for the first connection before start() returns (the SDK keeps retrying afterwards) */
  connectWaitMs?: number;
}): Promise<StreamConnection> {
  const { creds, receiver, log } = o;
  // the SDK logs with console (and a stack over many lines): every line of ours stays one JSON object
  const unrouteConsole = routeConsoleToLog(log);
  const client = new GatewayClient(
    { clientId: creds.appKey, clientSecret: creds.appSecret, ua: 'huzhu' },
    new URL(GATEWAY_PATH, o.apiBase).toString(),
  );

  const ack = (frame: DWClientDownStream, response: unknown) =>
    client.socketCallBackResponse(frame.headers.messageId, response);

  // a frame is acknowledged once its message is journaled (receive.ts accept): DingTalk never sends it again
  client.registerCallbackListener(TOPIC_ROBOT, (frame: DWClientDownStream) => {
    void (async () => {
      try {
        await robotFrame(frame);
      } finally {
        ack(frame, null);
      }
    })();
  });
  const robotFrame = async (frame: DWClientDownStream) => {
    {
      const parsed = RobotMessageSchema.safeParse(safeJson(frame.data));
      if (!parsed.success)
        return log.warn({ topic: TOPIC_ROBOT }, 'dingtalk stream robot frame of an unknown shape dropped');
      if (parsed.data.robotCode !== creds.robotCode)
        return log.warn('dingtalk stream robot frame for another robot dropped');
      try {
        const inbound = robotInbound(parsed.data, o.now(), receiver.fetchFile);
        if (!inbound.ignore) await receiver.accept(inbound.msg, inbound.session);
      } catch (e) {
        if (e instanceof InboundShapeError)
          return log.warn({ reason: e.message }, 'dingtalk stream robot frame refused');
        log.error({ err: e }, 'dingtalk stream robot frame failed');
      }
    }
  };

  client.registerCallbackListener(TOPIC_CARD, (frame: DWClientDownStream) => {
    void (async () => {
      try {
        await cardFrame(frame);
      } finally {
        ack(frame, {});
      }
    })();
  });
  const cardFrame = async (frame: DWClientDownStream) => {
    {
      const parsed = CardCallbackSchema.safeParse(safeJson(frame.data));
      if (!parsed.success)
        return log.warn({ topic: TOPIC_CARD }, 'dingtalk stream card frame of an unknown shape dropped');
      try {
        await receiver.accept(cardClickInbound(parsed.data, frame.headers.messageId, o.now()));
      } catch (e) {
        if (e instanceof InboundShapeError)
          return log.warn({ reason: e.message }, 'dingtalk stream card frame refused');
        log.error({ err: e }, 'dingtalk stream card frame failed');
      }
    }
  };

  await client.connect();
  const deadline = Date.now() + (o.connectWaitMs ?? 5_000);
  while (!client.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (client.connected) log.info('dingtalk stream connected');
  else log.warn('dingtalk stream not connected yet: the client keeps retrying');

  return {
    client,
    stop: () => {
      client.disconnect();
      unrouteConsole();
    },
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
