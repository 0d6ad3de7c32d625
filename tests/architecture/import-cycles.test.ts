import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(__dirname, '../../src');
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level folder of src/ a file is in, or undefined for src/index.ts itself. */
function folderOf(file: string): string | undefined {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

/** folder -> folders it imports from, with one example import per edge for the message. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    if (!from) continue;
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const to = folderOf(resolve(dirname(file), match[1]));
      if (to && to !== from && !edges.has(to)) {
        edges.set(to, `${relative(SRC, file)} imports ${match[1]}`);
      }
    }
  }
  return graph;
}

/** Every cycle found by a depth-first search, each as the list of folders and the imports. */
function findCycles(graph: Map<string, Map<string, string>>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'visiting') {
        const loop = [...path.slice(path.indexOf(next)), next];
        const why = loop
          .slice(0, -1)
          .map((folder, i) => graph.get(folder)!.get(loop[i + 1])!)
          .join('; ');
        cycles.push(`${loop.join(' -> ')} (${why})`);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('the folders of src/', () => {
  it('import one way: no folder-level import cycle', () => {
    const graph = folderGraph();
    expect(graph.size).toBeGreaterThan(5);
    expect(findCycles(graph)).toEqual([]);
  });

  it('the cycle finder reports a cycle when there is one', () => {
    const graph = new Map([
      ['routing', new Map([['runtime', 'routing/a.ts imports ../runtime/b']])],
      ['runtime', new Map([['routing', 'runtime/b.ts imports ../routing/a']])],
    ]);
    expect(findCycles(graph)).toEqual([
      'routing -> runtime -> routing (routing/a.ts imports ../runtime/b; runtime/b.ts imports ../routing/a)',
    ]);
  });
});
