// Runs every example as its own process and compares what it prints with the
// "Expected output" block of its README, so a README cannot drift from its program; and
// checks that every TypeScript block of the docs is an excerpt of an example (or says it
// is a sketch), so a guide cannot show code that does not run.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { provided } from './setup/provided.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 60_000;

/** The lines of the first fenced block under "## Expected output" in the example's README. */
async function expectedOutput(example: string): Promise<string[]> {
  const readme = await readFile(`${root}examples/${example}/README.md`, 'utf8');
  const block = /^## Expected output\n[^`]*```text\n([\s\S]*?)```/m.exec(readme)?.[1];
  if (block === undefined) throw new Error(`examples/${example}/README.md has no "## Expected output" text block`);
  return lines(block);
}

/** Runs `examples/<example>/main.ts` under tsx (which maps 'switchboard' through tsconfig paths). */
async function runExample(example: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${example}/main.ts`], {
    cwd: root,
    timeout: TIMEOUT_MS,
  });
  return lines(stdout);
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

describe.concurrent('examples', () => {
  it(
    'greeter prints its README output, up to the parts the README says vary',
    async () => {
      // What the README lists as varying: the first node of the rotation, ports, latencies.
      const mask = (line: string) =>
        line
          .replace(/\bnode-[ab]\)/g, 'node-?)')
          .replace(/ on node-[ab] \(127\.0\.0\.1:\d+\)/, ' on node-? (127.0.0.1:PORT)')
          .replace(/p50=[\d.]+ms/, 'p50=?ms');
      const [expected, actual] = await Promise.all([expectedOutput('greeter'), runExample('greeter')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
      expect(actual).toContain('4 calls, 2 nodes, alternating: true');
    },
    TIMEOUT_MS,
  );

  it(
    'weighted-nodes prints exactly its README output',
    async () => {
      const [expected, actual] = await Promise.all([expectedOutput('weighted-nodes'), runExample('weighted-nodes')]);
      expect(actual).toEqual(expected);
      expect(actual).toContain('node-3 weight=3 calls=300 share=50.0% (by weight 50.0%)');
    },
    TIMEOUT_MS,
  );

  it(
    'quick-start prints its README output, up to the latency',
    async () => {
      const mask = (line: string) => line.replace(/^hello ada [\d.]+$/, 'hello ada LATENCY');
      const [expected, actual] = await Promise.all([expectedOutput('quick-start'), runExample('quick-start')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
    },
    TIMEOUT_MS,
  );

  it.skipIf(provided('openssl', 'the security example test') === undefined)(
    'security prints its README output, up to ports',
    async () => {
      const mask = (line: string) => line.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
      const [expected, actual] = await Promise.all([expectedOutput('security'), runExample('security')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
    },
    TIMEOUT_MS,
  );

  it(
    'discovery prints its README output, up to the DNS server port',
    async () => {
      const mask = (line: string) => line.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
      const [expected, actual] = await Promise.all([expectedOutput('discovery'), runExample('discovery')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
    },
    TIMEOUT_MS,
  );

  it.each(['routing', 'custom-balancer', 'failover', 'interceptors', 'opentelemetry', 'overload'])(
    '%s prints exactly its README output',
    async (example) => {
      const [expected, actual] = await Promise.all([expectedOutput(example), runExample(example)]);
      expect(actual).toEqual(expected);
    },
    TIMEOUT_MS,
  );

  it(
    'observability prints its README output, up to ports and latencies',
    async () => {
      const mask = (line: string) =>
        line
          .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
          .replace(/p50 [\d.]+ ms, p99 [\d.]+ ms, leastLoad cost [\d.]+/, 'p50 ? ms, p99 ? ms, leastLoad cost ?');
      const [expected, actual] = await Promise.all([expectedOutput('observability'), runExample('observability')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
    },
    TIMEOUT_MS,
  );

  it(
    'deadline-propagation prints its README output, up to the deadlines read on a busy machine',
    async () => {
      const deadlines: Record<string, number> = {};
      const mask = (line: string) =>
        line.replace(/^backend: (\w+), deadline (\d+) ms/, (_, name: string, ms: string) => {
          deadlines[name] = Number(ms);
          return `backend: ${name}, deadline N ms`;
        });
      const [expected, actual] = await Promise.all([
        expectedOutput('deadline-propagation'),
        runExample('deadline-propagation'),
      ]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
      // What the README shows, or up to 100 ms less; the audit call's own 5000 ms beyond the caller's 1000.
      expect([deadlines.ada, deadlines.slow, deadlines.audit]).toEqual([
        expect.toBeOneOf([900, 1000]),
        expect.toBeOneOf([200, 300]),
        expect.toBeOneOf([4900, 5000]),
      ]);
    },
    TIMEOUT_MS,
  );

  it(
    'task-dispatch completes every task with a node killed midway; per-node counts vary',
    async () => {
      const mask = (line: string) =>
        line.replace(/completed \d+, failed attempts \d+/, 'completed N, failed attempts N');
      const [expected, actual] = await Promise.all([expectedOutput('task-dispatch'), runExample('task-dispatch')]);
      expect(actual.map(mask)).toEqual(expected.map(mask));
      expect(actual).toContain('tasks: 1001 submitted, 1001 completed, 0 failed, 0 lost');
    },
    TIMEOUT_MS,
  );

  it.skipIf(provided('etcd', 'the etcd-cluster example test') === undefined)(
    'etcd-cluster prints exactly its README output',
    async () => {
      const [expected, actual] = await Promise.all([expectedOutput('etcd-cluster'), runExample('etcd-cluster')]);
      expect(actual).toEqual(expected);
      expect(actual).toContain('60 calls: node-1=20 node-2=20 node-3=20');
    },
    TIMEOUT_MS,
  );
});

// After the concurrent ones, alone in this file: what it prints rests on latency (a call
// answered 200 ms after it started, or not), which a dozen example processes starting at
// once on two cores would blur.
describe('examples, one at a time', () => {
  it(
    'hedging prints exactly its README output',
    async () => {
      const [expected, actual] = await Promise.all([expectedOutput('hedging'), runExample('hedging')]);
      expect(actual).toEqual(expected);
    },
    TIMEOUT_MS,
  );
});

/**
 * The rule for TypeScript blocks in the docs (README.md and docs/**\/*.md): the line right
 * above the opening fence is either `<!-- from examples/<path> -->`, and the block is an
 * excerpt of that file, or `<!-- sketch -->`, a signature sketch that is not run. An
 * excerpt matches the file verbatim after removing common indentation (the block's and the
 * file's lines alike); a line `// ...` in a block skips any number of lines of the file,
 * so a block may be several excerpts, in the file's order.
 */
function snippetProblems(doc: string, markdown: string, readSource: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  const docLines = markdown.split('\n');
  for (let i = 0; i < docLines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(docLines[i]!);
    if (!open) continue;
    const close = docLines.findIndex((line, j) => j > i && line.trim() === '```');
    if (close < 0) {
      problems.push(`${doc}:${i + 1}: unclosed block`);
      break;
    }
    const block = docLines.slice(i + 1, close);
    const marker = docLines[i - 1]?.trim() ?? '';
    const where = `${doc}:${i + 1}`;
    i = close;
    if (marker === '<!-- sketch -->') continue;
    const from = /^<!-- from (examples\/\S+) -->$/.exec(marker)?.[1];
    if (from === undefined) {
      problems.push(`${where}: the line above a ts block must be <!-- from examples/<file> --> or <!-- sketch -->`);
      continue;
    }
    const source = readSource(from);
    if (source === undefined) {
      problems.push(`${where}: ${from} does not exist`);
      continue;
    }
    const missing = missingExcerpt(block, source.split('\n'));
    if (missing !== undefined) problems.push(`${where}: not found verbatim in ${from}, from: ${missing}`);
  }
  return problems;
}

/** The first line of the first chunk of `block` not found in order in `file`, or undefined when all are. */
function missingExcerpt(block: readonly string[], file: readonly string[]): string | undefined {
  const chunks: string[][] = [[]];
  for (const line of block) {
    if (line.trim() === '// ...') chunks.push([]);
    else chunks.at(-1)!.push(line);
  }
  let from = 0;
  for (const chunk of chunks.map((c) => trimBlankEnds(dedent(c))).filter((c) => c.length > 0)) {
    let found = -1;
    for (let start = from; start + chunk.length <= file.length && found < 0; start++) {
      const window = dedent(file.slice(start, start + chunk.length));
      if (window.length === chunk.length && window.every((line, k) => line === chunk[k])) found = start;
    }
    if (found < 0) return chunk[0];
    from = found + chunk.length;
  }
  return undefined;
}

/** Lines without their common indentation (blank lines do not count) and trailing spaces. */
function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut).trimEnd());
}

function trimBlankEnds(lines: string[]): string[] {
  const first = lines.findIndex((l) => l !== '');
  return first < 0 ? [] : lines.slice(first, lines.findLastIndex((l) => l !== '') + 1);
}

/** README.md and every Markdown file under docs/ (the generated API reference aside). */
function docFiles(): string[] {
  const docs = readdirSync(`${root}docs`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md') && !f.startsWith('api/'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs.sort()];
}

describe('docs snippets', () => {
  const readSource = (path: string) =>
    existsSync(`${root}${path}`) ? readFileSync(`${root}${path}`, 'utf8') : undefined;

  it.each(docFiles())('every ts block of %s is an excerpt of an example or a marked sketch', (doc) => {
    expect(snippetProblems(doc, readFileSync(`${root}${doc}`, 'utf8'), readSource)).toEqual([]);
  });

  it('the guides and the README carry excerpts', () => {
    const excerpts = docFiles().filter((doc) => readFileSync(`${root}${doc}`, 'utf8').includes('<!-- from examples/'));
    expect(excerpts).toContain('README.md');
    expect(excerpts.filter((doc) => doc.startsWith('docs/guides/')).length).toBeGreaterThanOrEqual(5);
  });

  it('refuses an unmarked block, a block not in its file, and a missing file', () => {
    const file = 'const a = 1;\nfunction f() {\n    return a;\n}\nconst b = 2;\n';
    const read = (path: string) => (path === 'examples/x/main.ts' ? file : undefined);
    const md = (marker: string, body: string) => `${marker}\n\`\`\`ts\n${body}\n\`\`\`\n`;
    expect(
      snippetProblems('ok.md', md('<!-- from examples/x/main.ts -->', '  return a;\n// ...\n  const b = 2;'), read),
    ).toEqual([]);
    expect(snippetProblems('ok.md', md('<!-- sketch -->', 'anything(goes);'), read)).toEqual([]);
    expect(snippetProblems('a.md', md('', 'const a = 1;'), read)).toEqual([
      'a.md:2: the line above a ts block must be <!-- from examples/<file> --> or <!-- sketch -->',
    ]);
    expect(snippetProblems('b.md', md('<!-- from examples/x/main.ts -->', 'const a = 2;'), read)).toEqual([
      'b.md:2: not found verbatim in examples/x/main.ts, from: const a = 2;',
    ]);
    expect(
      snippetProblems('c.md', md('<!-- from examples/x/main.ts -->', 'const b = 2;\n// ...\nconst a = 1;'), read),
    ).toEqual(['c.md:2: not found verbatim in examples/x/main.ts, from: const a = 1;']);
    expect(snippetProblems('d.md', md('<!-- from examples/y/main.ts -->', 'x'), read)).toEqual([
      'd.md:2: examples/y/main.ts does not exist',
    ]);
  });
});
