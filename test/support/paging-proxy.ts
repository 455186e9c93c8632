import { request } from './http';
import { sendJson, startReverseProxy } from './reverse-proxy';

/**
 * Tag-list pagination in front of a real registry: distribution 2.8 ignores `n` and `last` and
 * returns every tag at once, so this proxy cuts the list into pages of at most `pageSize` (fewer
 * than the client's `n`, as the spec allows) and links them with `Link: <…>; rel="next"`.
 */
export type LinkStyle =
  /** `</v2/…?n=…&last=…>` as distribution sends it */
  | 'relative'
  /** `<http://127.0.0.1:PORT/v2/…>` */
  | 'absolute'
  /** relative and absolute, page by page */
  | 'mixed'
  /** an absolute link to another origin, which a client must refuse */
  | 'cross-origin';

export interface PagingProxy {
  url: string;
  /** Paths (with query) of every tags/list request the proxy answered. */
  tagPageRequests: string[];
  stop(): Promise<void>;
}

export const FOREIGN_ORIGIN = 'http://127.0.0.2:9';

export async function startPagingProxy(
  upstream: string,
  options: { pageSize?: number; links?: LinkStyle } = {},
): Promise<PagingProxy> {
  const pageSize = options.pageSize ?? 50;
  const style = options.links ?? 'relative';
  const tagPageRequests: string[] = [];
  const proxy = await startReverseProxy(upstream, async (req, res, forward, self) => {
    const url = new URL(req.url ?? '/', self);
    const m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) return forward();
    tagPageRequests.push(`${url.pathname}${url.search}`);
    const headers: Record<string, string> = {};
    if (req.headers.authorization) headers.Authorization = req.headers.authorization;
    const up = await request(`${upstream}/v2/${m[1]}/tags/list`, { headers });
    if (up.status !== 200) {
      res.writeHead(up.status, { 'Content-Type': String(up.headers['content-type'] ?? 'text/plain') });
      res.end(up.body);
      return;
    }
    const { name, tags } = up.json<{ name: string; tags: string[] | null }>();
    const all = [...(tags ?? [])].sort();
    const last = url.searchParams.get('last');
    const start = last === null ? 0 : all.findIndex((t) => t > last);
    const asked = Number(url.searchParams.get('n') ?? pageSize);
    const n = Math.min(Number.isFinite(asked) && asked > 0 ? asked : pageSize, pageSize);
    const page = start < 0 ? [] : all.slice(start, start + n);
    const linkHeaders: Record<string, string> = {};
    if (start >= 0 && start + n < all.length) {
      const next = `/v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}`;
      const pageNo = tagPageRequests.length;
      const absolute = style === 'absolute' || (style === 'mixed' && pageNo % 2 === 0);
      const target =
        style === 'cross-origin' ? `${FOREIGN_ORIGIN}${next}` : absolute ? `${self}${next}` : next;
      linkHeaders.Link = `<${target}>; rel="next"`;
    }
    sendJson(res, 200, { name, tags: page }, linkHeaders);
  });
  return { url: proxy.url, tagPageRequests, stop: proxy.stop };
}
