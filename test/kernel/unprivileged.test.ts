/**
 * The exporter as an unprivileged user (uid 65534, no capabilities) still reads every
 * socket's length and limit in its own namespace: sock_diag and /proc/net are open to all.
 */
import { rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { EXPORTER_MAIN, startExporter } from '../support/exporter.js';
import { valueOf } from '../../lab/exposition.js';
import { connectClients, createNetns, listen, type Netns, waitFor } from '../../lab/netns.js';

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  await ns.destroy();
});

const REPO = dirname(dirname(EXPORTER_MAIN));
const NOBODY = 65534;

describe('unprivileged', () => {
  it('uid 65534 with no capabilities exports depth, limit and counters', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    await connectClients(ns, '127.0.0.1', l.port, 3);
    // The checkout may sit under a directory only root can traverse (/root): a private
    // mount namespace binds it at a path any user can reach, then drops to nobody.
    const mnt = `/tmp/lq-unpriv-${process.pid}`;
    const exp = await startExporter(ns, [], process.env, ([node, main, ...rest]) => [
      'unshare', '--mount', '--propagation', 'private', 'sh', '-c',
      `mkdir -p ${mnt} && mount --bind "$0" ${mnt} && exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups --inh-caps=-all --bounding-set=-all "$@"`,
      REPO, node!, main!.replace(REPO, mnt), ...rest,
    ]);
    onTestFinished(() => rmdirSync(mnt));
    const sel = { port: String(l.port) };
    const m = await waitFor('depth 3', async () => {
      const s = await exp.metrics();
      return valueOf(s, 'listenq_accept_queue_length', sel) === 3 ? s : undefined;
    });
    expect(valueOf(m, 'listenq_accept_queue_limit', sel)).toBe(4);
    // sock_diag needs no privilege in the exporter's own namespace.
    expect(valueOf(m, 'listenq_listener_drops_total', sel)).toBe(0);
    for (const source of ['sock_diag', 'netstat', 'sysctl']) {
      expect(valueOf(m, 'listenq_source_up', { source }), source).toBe(1);
    }
    const status = await ns.run(['cat', `/proc/${exp.process.child.pid}/status`]);
    expect(status).toMatch(new RegExp(`^Uid:\\s+${NOBODY}\\s`, 'm'));
    expect(status).toMatch(/^CapEff:\s+0+$/m);
  });
});
