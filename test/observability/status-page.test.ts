// The live status page in headless Chromium (Debian's `chromium`, driven by playwright-core):
// it renders the three demo nodes, its numbers move while calls flow, its uPlot charts draw
// the last minute, and a killed node shows up as going down. The test run provides Chromium
// (test/setup/chromium.ts); only where it cannot be had is this skipped.
// STATUS_PAGE_SCREENSHOT=docs/status-page.png also writes the screenshot the README shows
// (letting a longer history build up first, so the picture has something to show).
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balancers, createClient } from 'switchboard';
import { type DemoNode, startDemoCluster } from '../../src/cli/demo-cluster.js';
import { Greeter } from '../../src/gen/demo/greeter.js';
import { provided } from '../setup/provided.js';

const CHROMIUM = provided('chromium', 'status page browser test');

/**
 * Run in the page (a string: the test's tsconfig has no DOM types): each chart canvas's
 * pixels of node-c's colour (#2e8540). node-c's line is drawn last, so no other covers it;
 * node-a's and node-b's (equal nodes) often coincide, and node-b's then hides node-a's.
 */
const LINE_PIXELS = `[...document.querySelectorAll('[data-chart] canvas')].map((canvas) => {
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - 46) + Math.abs(data[i + 1] - 133) + Math.abs(data[i + 2] - 64) < 30) n++;
  }
  return n;
})`;

describe.skipIf(CHROMIUM === undefined)('client.serveStatus() in headless Chromium', () => {
  let nodes: DemoNode[] = [];
  let browser: Browser;
  beforeAll(async () => {
    nodes = await startDemoCluster();
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(nodes.map((n) => n.server.shutdown({ graceMs: 0 })));
  });

  const cell = (page: Page, node: string, field: string) =>
    page.locator(`tr[data-node="${node}"] td[data-field="${field}"]`).textContent();

  it('renders the three demo nodes and their numbers change as calls flow', async () => {
    const client = createClient(Greeter, { endpoints: nodes.map((n) => n.address), balancer: balancers.leastLoad() });
    const status = await client.serveStatus({ port: 0 });
    let running = true;
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (running) await client.sayHello({ name: 'status' });
      }),
    );
    try {
      expect(status.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await browser.newPage();
      await page.goto(status.url);
      await page.locator('tr[data-node]').nth(2).waitFor();
      expect(
        await page.locator('tr[data-node]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node'))),
      ).toEqual(['node-a', 'node-b', 'node-c']);
      expect(await page.locator('#title').textContent()).toBe('demo.Greeter · leastLoad');
      expect(await cell(page, 'node-a', 'state')).toBe('ready');
      const first = Number(await cell(page, 'node-a', 'calls'));
      // The page refreshes itself every second: the count grows without a reload.
      await expect
        .poll(async () => Number(await cell(page, 'node-a', 'calls')), { timeout: 10_000 })
        .toBeGreaterThan(first);
      for (const node of ['node-a', 'node-b', 'node-c']) {
        expect(await cell(page, node, 'recentShare')).toMatch(/^\d+\.\d%$/);
        expect(Number(await cell(page, node, 'p50'))).toBeGreaterThan(0);
        expect(await page.locator(`[data-share="${node}"]`).textContent()).toMatch(/%$/);
      }
      // The JSON endpoint behind it is the client's stats.
      const json = (await (await fetch(new URL('stats.json', status.url))).json()) as { endpoints: { id: string }[] };
      expect(json.endpoints.map((e) => e.id)).toEqual(['node-a', 'node-b', 'node-c']);
    } finally {
      running = false;
      await load;
      await status.close();
      await client.close();
    }
  });

  // Last: it kills node-c.
  it('draws calls/s and p99 per node over time and marks a killed node going down', async () => {
    const client = createClient(Greeter, { endpoints: nodes.map((n) => n.address), balancer: balancers.leastLoad() });
    const status = await client.serveStatus({ port: 0 });
    let running = true;
    const load = Promise.all(
      Array.from({ length: 8 }, async () => {
        // Calls to the killed node may fail before the client stops picking it; the load goes on.
        while (running) await client.sayHello({ name: 'chart' }).catch(() => undefined);
      }),
    );
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(status.url);
      // Both charts exist, one series per node, with a few seconds of samples.
      for (const chart of ['rate', 'p99']) {
        await expect
          .poll(() => page.locator(`[data-chart="${chart}"]`).getAttribute('data-samples'), { timeout: 10_000 })
          .toMatch(/^([3-9]|\d\d+)$/);
        expect(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-series')).toBe('3');
        expect(await page.locator(`[data-chart="${chart}"] .u-legend .u-series .u-label`).allTextContents()).toEqual(
          expect.arrayContaining(['node-a', 'node-b', 'node-c']),
        );
      }
      // uPlot draws node-c's line on each chart's canvas, longer as samples come.
      const drawn = () => page.evaluate<number[]>(LINE_PIXELS);
      expect(await drawn()).toHaveLength(2);
      await expect.poll(async () => Math.min(...(await drawn())), { timeout: 15_000 }).toBeGreaterThan(100);
      // Fits a 1,280 px window: no horizontal scroll.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);

      const screenshot = process.env.STATUS_PAGE_SCREENSHOT;
      if (screenshot) await page.waitForTimeout(25_000);
      await nodes[2]!.server.shutdown({ graceMs: 0 });
      await expect.poll(() => cell(page, 'node-c', 'state'), { timeout: 10_000 }).not.toBe('ready');
      const event = page.locator('#events li[data-node="node-c"][data-kind="down"]');
      await event.waitFor({ timeout: 10_000 });
      expect(await event.textContent()).toMatch(/node-c ready → (failing|not-serving|closed|ejected)$/);
      expect(await cell(page, 'node-a', 'state')).toBe('ready');
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      if (screenshot) {
        await page.waitForTimeout(10_000);
        await page.screenshot({ path: screenshot });
      }
    } finally {
      running = false;
      await load;
      await status.close();
      await client.close();
    }
  }, 90_000);
});
