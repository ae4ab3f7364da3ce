// The live status page in headless Chromium (Debian's `chromium`, driven by playwright-core):
// it renders the three demo nodes and its numbers move while calls flow. The test run
// provides Chromium (test/setup/chromium.ts); only where it cannot be had is this skipped.
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balancers, createClient } from 'switchboard';
import { type DemoNode, startDemoCluster } from '../../src/cli/demo-cluster.js';
import { Greeter } from '../../src/gen/demo/greeter.js';
import { provided } from '../setup/provided.js';

const CHROMIUM = provided('chromium', 'status page browser test');

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
});
