/**
 * The status page from a real exporter on a real kernel, loaded by headless Chromium: a
 * namespace with one accept queue held full, an interface named `<i>x` with a listener on
 * it, and one named with a terminal escape sequence. The full listener comes first, the
 * names arrive as text, and a screenshot is taken (the README's comes from the same scene:
 * scripts/docs/status-screenshot.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpDom, holdStatusScene, screenshot, statusUrl, WINDOW } from '../../scripts/docs/status-screenshot.js';
import { httpGet } from '../support/exporter.js';
import { valueOf } from '../../lab/exposition.js';
import { createNetns, listen, type Netns, waitFor } from '../../lab/netns.js';

const execFileP = promisify(execFile);

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  await ns.destroy();
});

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const png = readFileSync(file);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('status page in a browser', () => {
  it('shows the full listener first, kernel names as text, and renders to a screenshot', async () => {
    const scene = await holdStatusScene(ns, '<i>x');
    const escName = '\u001b[31mr';
    await execFileP('ip', ['-n', ns.name, 'link', 'add', escName, 'type', 'bridge']);
    await execFileP('ip', ['-n', ns.name, 'link', 'set', escName, 'up']);
    const esc = await listen(ns, { addr: '0.0.0.0', port: 444, backlog: 8, device: escName });
    // A new socket makes the exporter run ss at once.
    await waitFor('the escape-named listener', async () => {
      const m = await scene.exporter.metrics();
      return valueOf(m, 'listenq_accept_queue_limit', { port: String(esc.port), device: escName }) === 8 ? m : undefined;
    });

    const dom = await dumpDom(ns, statusUrl(scene.exporter));
    const tbody = /<table id="listeners">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(dom)?.[1] ?? '';
    const rows = [...tbody.matchAll(/<tr class="(\w+)">(.*?)<\/tr>/g)].map((m) => ({
      cls: m[1],
      addr: /<td class="addr">([^<]*)<\/td>/.exec(m[2]!)?.[1],
      dev: /<td class="dev">([^<]*)<\/td>/.exec(m[2]!)?.[1],
      length: /<td class="n len">(\d+)<\/td>/.exec(m[2]!)?.[1],
    }));
    expect(rows.length).toBe(7); // the scene's five, the escape-named one, and the exporter's own
    expect(rows[0]).toEqual({ cls: 'full', addr: `127.0.0.1:${scene.full}`, dev: '-', length: '5' });
    expect(rows.slice(1, 3).map((r) => r.addr)).toEqual([`[::]:${scene.nearlyFull}`, `127.0.0.1:${scene.busy}`]);
    expect(rows.filter((r) => r.cls === 'full')).toHaveLength(1);
    // The interface name is text in the DOM, not an element.
    expect(rows.find((r) => r.addr === `0.0.0.0:${scene.onDevice}`)?.dev).toBe('&lt;i&gt;x');
    expect(rows.find((r) => r.addr === `0.0.0.0:${esc.port}`)?.dev).toBe('\\x1b[31mr');
    expect(dom).not.toMatch(/<i[\s>]/);
    expect(dom).not.toMatch(/<script/);

    // curl gets text, with the escape sequence shown, not sent to the terminal.
    const text = await httpGet(ns, scene.exporter.port, '/');
    expect(text.contentType).toBe('text/plain; charset=utf-8');
    const lines = text.body.split('\n');
    const header = lines.findIndex((l) => l.startsWith('ADDRESS:PORT'));
    expect(lines[header + 1]).toMatch(new RegExp(`^127\\.0\\.0\\.1:${scene.full} +- +0 +python3 +5 +4 +5 +\\[#+\\] 125% FULL `));
    expect(text.body).toMatch(new RegExp(`^0\\.0\\.0\\.0:${esc.port} +\\\\x1b\\[31mr `, 'm'));
    expect(text.body).toMatch(new RegExp(`^0\\.0\\.0\\.0:${scene.onDevice} +<i>x `, 'm'));
    expect(text.body).not.toContain('\u001b');

    const file = join(tmpdir(), 'listenq-status-page.png');
    await screenshot(ns, statusUrl(scene.exporter), file);
    expect(pngSize(file)).toEqual(WINDOW);
  });
});
