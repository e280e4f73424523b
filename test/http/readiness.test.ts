/**
 * Readiness means a complete first snapshot: the first scrape after /readyz turns 200
 * already has the exporter's own listening socket, with its limit. (The sampler once
 * started before listen(), and the image test saw the first snapshot without it.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startExporter } from '../support/exporter.js';
import { valueOf } from '../../lab/exposition.js';
import { createNetns, type Netns } from '../../lab/netns.js';

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns('lq-ready');
});
afterEach(async () => {
  await ns.destroy();
});

describe('readiness', () => {
  it('the first scrape after /readyz shows the exporter\'s own listener and its limit', async () => {
    // A few starts: the race it guards against lost about two starts in three.
    for (let i = 0; i < 4; i++) {
      // All addresses, as in the image: one dual-stack IPv6 socket, the family's first.
      const exp = await startExporter(ns, ['--sample.interval=200ms'], process.env, (argv) =>
        argv.map((a) => a.replace(/^--web\.listen-address=127\.0\.0\.1:/, '--web.listen-address=:')),
      );
      const s = await exp.metrics();
      const own = { family: 'ipv6', address: '::', port: String(exp.port) };
      // Present (a readiness probe may be waiting in its queue at that instant: 0 or more).
      expect(valueOf(s, 'listenq_accept_queue_length', own), `start ${i}`).toBeGreaterThanOrEqual(0);
      expect(valueOf(s, 'listenq_accept_queue_limit', own), `start ${i}`).toBe(511);
      await exp.stop();
    }
  });
});
