import { type HttpEndpoint, type HttpListenOptions, listenHttp } from './http-listen.js';

/**
 * Serves a live view of a client's stats: `/` is a plain HTML page (no dependencies, no
 * build) that fetches `/stats.json` every second and draws a table and a bar chart of the
 * nodes. `snapshot` is read on every fetch; it may return undefined while there is
 * nothing to show (the page says so). The page reads the fields of `ClientStats`.
 */
export function serveStatusPage(
  snapshot: () => object | undefined,
  options?: HttpListenOptions,
): Promise<HttpEndpoint> {
  return listenHttp(async (path) => {
    if (path === '/') return { type: 'text/html; charset=utf-8', body: PAGE };
    if (path === '/stats.json') return { type: 'application/json', body: JSON.stringify(snapshot() ?? null) };
    return undefined;
  }, options);
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Switchboard status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 18px; margin: 0 0 4px; }
  .sub { color: #5b6475; margin-bottom: 16px; }
  .chart {
    display: grid; grid-template-columns: 90px 1fr 60px; gap: 6px 10px; align-items: center;
    max-width: 760px; margin-bottom: 20px;
  }
  .track { background: #e6e9ef; border-radius: 3px; height: 18px; position: relative; }
  .bar { height: 100%; border-radius: 3px; background: #3b7ddd; transition: width .4s; }
  .mark { position: absolute; top: -3px; bottom: -3px; width: 2px; background: #1d2330; opacity: .55; }
  .ready .bar { background: #3b7ddd; } .down .bar { background: #d9534f; }
  table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0001; }
  th, td { padding: 5px 10px; border-bottom: 1px solid #e6e9ef; text-align: right; white-space: nowrap; }
  th { background: #f0f2f6; font-weight: 600; font-size: 12px; color: #434b5c; }
  td:first-child, th:first-child, td.text { text-align: left; }
  .state { font-weight: 600; } .state.ready { color: #2e8540; } .state.down { color: #d9534f; }
  .legend { color: #5b6475; font-size: 12px; margin: -12px 0 16px; }
</style>
</head>
<body>
<h1 id="title">Switchboard</h1>
<div class="sub" id="sub">waiting for stats…</div>
<div class="chart" id="chart"></div>
<div class="legend">
  bars: share of attempts over the last window · marks: share by weight (what weighted() aims for)
</div>
<table>
  <thead><tr>
    <th>node</th><th>address</th><th>zone</th><th>state</th><th>in-flight</th><th>calls</th><th>failures</th>
    <th>hedges (won)</th><th>share (window)</th><th>share (total)</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th>
    <th>max ms</th><th>EWMA ms</th><th>leastLoad cost</th><th>weight</th><th>load report</th>
  </tr></thead>
  <tbody id="rows"></tbody>
</table>
<script>
const pct = (x) => (100 * x).toFixed(1) + '%';
const ms = (x) => x.toFixed(x < 10 ? 2 : 1);
const el = (tag, props, children) => {
  const { dataset, ...rest } = props || {};
  const node = Object.assign(document.createElement(tag), rest);
  Object.assign(node.dataset, dataset || {});
  for (const child of children || []) node.append(child);
  return node;
};
function row(e) {
  const down = e.state === 'ready' ? 'ready' : 'down';
  const failures = Object.entries(e.failuresByCode).map(([code, n]) => code + ' ' + n).join(', ');
  const load = e.load ? 'util ' + pct(e.load.utilization) + ', qps ' + e.load.qps.toFixed(0) : '—';
  const cells = [
    ['node', e.id, 'text'], ['address', e.address, 'text'], ['zone', e.zone || '—', 'text'],
    ['state', e.state, 'text state ' + down], ['inFlight', String(e.inFlight)], ['calls', String(e.calls)],
    ['failures', failures ? e.failures + ' (' + failures + ')' : '0'],
    ['hedges', e.hedges + ' (' + e.hedgesWon + ')'],
    ['recentShare', pct(e.recentShare)], ['share', pct(e.share)],
    ['p50', ms(e.latencyMs.p50)], ['p90', ms(e.latencyMs.p90)],
    ['p99', ms(e.latencyMs.p99)], ['max', ms(e.latencyMs.max)],
    ['ewma', ms(e.ewmaLatencyMs)], ['cost', e.leastLoadCost >= 1e9 ? 'busy, no sample' : e.leastLoadCost.toFixed(1)],
    ['weight', e.weight + (e.weightShare > 0 ? ' (' + pct(e.weightShare) + ')' : '')], ['load', load, 'text'],
  ];
  return el('tr', { dataset: { node: e.id } }, cells.map(([field, text, cls]) =>
    el('td', { textContent: text, className: cls || '', dataset: { field } })));
}
function bar(e) {
  const cls = e.state === 'ready' ? 'ready' : 'down';
  const track = el('div', { className: 'track ' + cls }, [
    el('div', { className: 'bar', style: 'width:' + pct(e.recentShare) }),
  ]);
  if (e.weightShare > 0) track.append(el('div', { className: 'mark', style: 'left:' + pct(e.weightShare) }));
  return [
    el('div', { textContent: e.id }),
    track,
    el('div', { textContent: pct(e.recentShare), dataset: { share: e.id } }),
  ];
}
async function refresh() {
  try {
    const stats = await (await fetch('stats.json', { cache: 'no-store' })).json();
    if (stats === null) {
      document.getElementById('sub').textContent = 'no client right now';
      return;
    }
    document.getElementById('title').textContent = stats.service + ' · ' + stats.balancer;
    document.getElementById('sub').textContent =
      stats.calls + ' attempts, ' + stats.failures + ' failed; ' + stats.recentCalls + ' in the last ' +
      (stats.windowMs / 1000) + ' s · hedging budget ' + stats.hedgingBudget.spent + ' spent, ' +
      stats.hedgingBudget.available + ' left · updated ' + new Date().toLocaleTimeString();
    document.getElementById('rows').replaceChildren(...stats.endpoints.map(row));
    document.getElementById('chart').replaceChildren(...stats.endpoints.flatMap(bar));
  } catch (error) {
    document.getElementById('sub').textContent = 'update failed: ' + error;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
