/**
 * The status page served by `serveStatusPage`: one HTML document, no build step. It polls
 * `stats.json` every second and keeps the last 60 s of samples in the browser (one per
 * fetch): calls/s per node from the deltas of `calls`, p99 per node from `recentP99Ms` (the
 * last 5 s),
 * drawn as uPlot line charts (loaded from `/uplot.js`), with a vertical mark wherever a
 * node leaves `ready` or comes back, or starts being refused for a limit (RESOURCE_EXHAUSTED).
 * The layout fits a 1,280 px window: the charts take their width from their container.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard status</title>
<link rel="stylesheet" href="uplot.css">
<script src="uplot.js"></script>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 20px 24px; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 18px; margin: 0 0 4px; }
  h2 { font-size: 13px; margin: 0 0 4px; color: #434b5c; font-weight: 600; }
  .sub { color: #5b6475; margin-bottom: 14px; }
  .charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; margin-bottom: 10px; }
  .panel { background: #fff; box-shadow: 0 1px 2px #0001; padding: 8px 10px; min-width: 0; }
  .events {
    list-style: none; padding: 0; margin: 0 0 16px; font-size: 12px; color: #434b5c;
    max-height: 96px; overflow-y: auto;
  }
  .events li { padding: 1px 0; } .events .down b { color: #d9534f; } .events .up b { color: #2e8540; }
  .events .limit b { color: #c77c02; }
  .chart {
    display: grid; grid-template-columns: 90px 1fr 60px; gap: 6px 10px; align-items: center;
    max-width: 760px; margin-bottom: 20px;
  }
  .track { background: #e6e9ef; border-radius: 3px; height: 18px; position: relative; }
  .bar { height: 100%; border-radius: 3px; background: #3b7ddd; transition: width .4s; }
  .mark { position: absolute; top: -3px; bottom: -3px; width: 2px; background: #1d2330; opacity: .55; }
  .ready .bar { background: #3b7ddd; } .down .bar { background: #d9534f; }
  table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0001; font-size: 12px; }
  th, td { padding: 4px 6px; border-bottom: 1px solid #e6e9ef; text-align: right; white-space: nowrap; }
  th { background: #f0f2f6; font-weight: 600; font-size: 11px; color: #434b5c; white-space: normal; }
  td:first-child, th:first-child, td.text { text-align: left; }
  .state { font-weight: 600; } .state.ready { color: #2e8540; } .state.down { color: #d9534f; }
  .legend { color: #5b6475; font-size: 12px; margin: -12px 0 16px; }
</style>
</head>
<body>
<h1 id="title">Switchboard</h1>
<div class="sub" id="sub">waiting for stats…</div>
<div class="charts">
  <div class="panel"><h2>calls/s per node (last 60 s)</h2><div id="rate-chart" data-chart="rate"></div></div>
  <div class="panel"><h2>p99 ms per node (last 5 s of calls)</h2><div id="p99-chart" data-chart="p99"></div></div>
</div>
<ol class="events" id="events"></ol>
<div class="chart" id="chart"></div>
<div class="legend">
  bars: share of attempts over the last window · marks: share by weight (what weighted() aims for)
</div>
<table>
  <thead><tr>
    <th>node</th><th>address</th><th>zone</th><th>state</th><th>in-flight / limit</th><th>calls</th><th>failures</th>
    <th>hedges (won)</th><th>share (window)</th><th>share (total)</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th>
    <th>max ms</th><th>EWMA ms</th><th>leastLoad cost</th><th>weight</th><th>load report</th>
  </tr></thead>
  <tbody id="rows"></tbody>
</table>
<script>
const WINDOW_S = 60;
const DOWN = new Set(['failing', 'ejected', 'not-serving', 'closed']);
const COLORS = ['#3b7ddd', '#e8853d', '#2e8540', '#9b59b6', '#d9534f', '#17a2b8', '#8c6d31', '#e377c2'];
const MARK = { down: '#d9534f', up: '#2e8540', limit: '#c77c02' };
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
  const limit = e.concurrencyLimit === undefined ? '' : ' / ' + e.concurrencyLimit;
  const cells = [
    ['node', e.id, 'text'], ['address', e.address, 'text'], ['zone', e.zone || '—', 'text'],
    ['state', e.state, 'text state ' + down], ['inFlight', e.inFlight + limit], ['calls', String(e.calls)],
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
function overload(stats) {
  const q = stats.concurrencyQueue;
  const t = stats.throttle;
  return (q ? ' · queue ' + q.waiting + '/' + q.limit + ', ' + q.refused + ' refused' : '') +
    (t ? ' · throttle p ' + t.rejectProbability.toFixed(2) + ', ' + t.rejected + ' refused' : '');
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

// The history: one sample per fetch, { t (s), rate: { id: calls/s }, p99: { id: ms } }.
const samples = [];
const events = [];
const limited = new Set();
let previous;
function record(stats, t) {
  const rate = {};
  const p99 = {};
  for (const e of stats.endpoints) {
    const before = previous && previous.byId.get(e.id);
    rate[e.id] = before ? Math.max(0, (e.calls - before.calls) / (t - previous.t)) : null;
    p99[e.id] = e.recentP99Ms > 0 ? e.recentP99Ms : null;
    if (before && before.state !== e.state && (DOWN.has(before.state) || DOWN.has(e.state))) {
      events.push({ t, node: e.id, kind: DOWN.has(e.state) ? 'down' : 'up', text: before.state + ' → ' + e.state });
    }
    const refusedBefore = (before && before.failuresByCode.RESOURCE_EXHAUSTED) || 0;
    const refused = (e.failuresByCode.RESOURCE_EXHAUSTED || 0) - refusedBefore;
    if (before && refused > 0 && !limited.has(e.id)) {
      events.push({ t, node: e.id, kind: 'limit', text: 'limit hit (RESOURCE_EXHAUSTED)' });
    }
    if (refused > 0) limited.add(e.id);
    else limited.delete(e.id);
  }
  previous = { t, byId: new Map(stats.endpoints.map((e) => [e.id, e])) };
  samples.push({ t, rate, p99 });
  while (samples.length > 0 && samples[0].t < t - WINDOW_S) samples.shift();
  while (events.length > 0 && events[0].t < t - WINDOW_S) events.shift();
}

// A uPlot plugin: a vertical line at each event within the chart's time range.
const eventMarks = {
  hooks: {
    draw: [(u) => {
      const { ctx, bbox } = u;
      ctx.save();
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      for (const event of events) {
        const x = Math.round(u.valToPos(event.t, 'x', true));
        if (x < bbox.left || x > bbox.left + bbox.width) continue;
        ctx.strokeStyle = MARK[event.kind];
        ctx.beginPath();
        ctx.moveTo(x, bbox.top);
        ctx.lineTo(x, bbox.top + bbox.height);
        ctx.stroke();
      }
      ctx.restore();
    }],
  },
};

const charts = {};
let chartNodes = '';
function chartSize(id) {
  return { width: document.getElementById(id).clientWidth, height: 220 };
}
function makeChart(id, nodes, unit) {
  const target = document.getElementById(id);
  target.replaceChildren();
  return new uPlot({
    ...chartSize(id),
    plugins: [eventMarks],
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [{}, { label: unit, size: 50 }],
    series: [{}, ...nodes.map((node, i) => ({
      label: node, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false,
      value: (u, v) => v == null ? '—' : v.toFixed(1),
    }))],
  }, [[]], target);
}
function draw(nodes) {
  const key = nodes.join(',');
  if (key !== chartNodes) {
    for (const chart of Object.values(charts)) chart.destroy();
    charts.rate = makeChart('rate-chart', nodes, 'calls/s');
    charts.p99 = makeChart('p99-chart', nodes, 'ms');
    chartNodes = key;
  }
  const times = samples.map((s) => s.t);
  const now = times[times.length - 1];
  for (const [name, field] of [['rate', 'rate'], ['p99', 'p99']]) {
    const data = [times, ...nodes.map((node) => samples.map((s) => s[field][node] ?? null))];
    charts[name].setData(data, false);
    charts[name].setScale('x', { min: now - WINDOW_S, max: now });
    const target = document.getElementById(name + '-chart');
    target.dataset.series = String(nodes.length);
    target.dataset.samples = String(samples.length);
  }
  document.getElementById('events').replaceChildren(...events.slice().reverse().map((event) =>
    el('li', { className: event.kind, dataset: { node: event.node, kind: event.kind } }, [
      new Date(event.t * 1000).toLocaleTimeString() + ' ', el('b', { textContent: event.node }), ' ' + event.text,
    ])));
}
addEventListener('resize', () => {
  for (const [name, chart] of Object.entries(charts)) chart.setSize(chartSize(name + '-chart'));
});

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
      stats.hedgingBudget.available + ' left' + overload(stats) + ' · updated ' + new Date().toLocaleTimeString();
    document.getElementById('rows').replaceChildren(...stats.endpoints.map(row));
    document.getElementById('chart').replaceChildren(...stats.endpoints.flatMap(bar));
    record(stats, Date.now() / 1000);
    draw(stats.endpoints.map((e) => e.id));
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
