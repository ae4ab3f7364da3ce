import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type HttpEndpoint, type HttpListenOptions, listenHttp } from './http-listen.js';
import { STATUS_PAGE } from './status-page-html.js';

/**
 * Serves a live view of a client's stats: `/` is a plain HTML page (no build step) that
 * fetches `/stats.json` every second and draws a table, a bar per node, and line charts of
 * the last 60 s (calls/s and p99 per node, with node state changes marked). The charts are
 * uPlot, served at `/uplot.js` and `/uplot.css` from the installed package's own files.
 * `snapshot` is read on every fetch; it may return undefined while there is nothing to show
 * (the page says so). The page reads the fields of `ClientStats`.
 */
export function serveStatusPage(
  snapshot: () => object | undefined,
  options?: HttpListenOptions,
): Promise<HttpEndpoint> {
  return listenHttp(async (path) => {
    if (path === '/') return { type: 'text/html; charset=utf-8', body: STATUS_PAGE };
    if (path === '/stats.json') return { type: 'application/json', body: JSON.stringify(snapshot() ?? null) };
    if (path === '/uplot.js') return { type: 'text/javascript; charset=utf-8', body: await asset('uPlot.iife.min.js') };
    if (path === '/uplot.css') return { type: 'text/css; charset=utf-8', body: await asset('uPlot.min.css') };
    return undefined;
  }, options);
}

const require = createRequire(import.meta.url);
const assets = new Map<string, Promise<string>>();

/** A file of uPlot's `dist/`, read once: the page loads it from here, so it needs no CDN and no bundler. */
function asset(file: string): Promise<string> {
  let text = assets.get(file);
  if (text === undefined) {
    text = readFile(require.resolve(`uplot/dist/${file}`), 'utf8');
    // A failed read is not cached: the next request tries again.
    text.catch(() => assets.delete(file));
    assets.set(file, text);
  }
  return text;
}
