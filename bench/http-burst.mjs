/**
 * Posts prepared callbacks all at once from a thread of its own, and times each from its POST to its answer's last
 * byte. The platform is another machine: a client on the app's own event loop would read the answers only when the
 * app's synchronous database work lets it, and time that instead (bench/approvals.bench.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';

const { url, requests } = workerData;
const out = await Promise.all(
  requests.map(async (r) => {
    const t0 = Date.now();
    const res = await fetch(url + r.path, { method: 'POST', body: r.body, headers: { 'content-type': 'text/xml' } });
    const text = await res.text();
    return { t0, t1: Date.now(), status: res.status, text };
  }),
);
parentPort.postMessage(out);
