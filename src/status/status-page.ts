/**
 * The status page at `/`, rendered at most once per snapshot and form, like /metrics: a
 * browser left open on it, or a loop of curls during an incident, costs one render per
 * sample. Only the sample's age is written per request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Snapshot } from '../sampler/snapshot.js';
import { age } from './cell-text.js';
import { type PageFormat, pageFormat } from './page-format.js';
import type { PageInfo, PageTemplate } from './page-template.js';
import { renderStatusHtml } from './render-html.js';
import { renderStatusText } from './render-text.js';

const RENDER: Record<PageFormat, (snap: Snapshot | undefined, info: PageInfo) => PageTemplate> = {
  html: renderStatusHtml,
  text: renderStatusText,
};

const CONTENT_TYPE: Record<PageFormat, string> = {
  html: 'text/html; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

export class StatusPage {
  private snap: Snapshot | undefined;
  private templates: Partial<Record<PageFormat, PageTemplate>> = {};
  private rendered = 0;

  constructor(
    private readonly latest: () => Snapshot | undefined,
    private readonly info: PageInfo,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {}

  /** How many times a page was rendered from a snapshot (for the once-per-snapshot test). */
  get renders(): number {
    return this.rendered;
  }

  render(format: PageFormat): { body: string; contentType: string } {
    const snap = this.latest();
    if (snap !== this.snap) {
      this.snap = snap;
      this.templates = {};
    }
    let template = this.templates[format];
    if (!template) {
      template = RENDER[format](snap, this.info);
      this.templates[format] = template;
      this.rendered++;
    }
    const body = template.fill(snap === undefined ? '' : age(this.nowSeconds() - snap.timestampSeconds));
    return { body, contentType: CONTENT_TYPE[format] };
  }

  /** The route: the form the request asks for, never cached by the browser (it is live). */
  handler() {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const format = pageFormat(req.query, req.headers.accept);
      if (format === undefined) return reply.code(400).type('text/plain; charset=utf-8').send('format must be html or text\n');
      const page = this.render(format);
      return reply.type(page.contentType).header('vary', 'Accept').header('cache-control', 'no-store').send(page.body);
    };
  }
}
