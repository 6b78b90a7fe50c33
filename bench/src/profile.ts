/**
 * Summaries of the V8 CPU profiles written with --profile (`--cpu-prof` in
 * NODE_OPTIONS of the controller and agents): busy time, time by library, the
 * hottest functions by self time, and Gantry's own functions by inclusive time.
 * Open the .cpuprofile files in Chrome DevTools or speedscope for the full picture.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  categories: Record<string, number>;
  topSelf: { ms: number; percentOfBusy: number; frame: string }[];
  topInclusiveGantry: { ms: number; percentOfBusy: number; frame: string }[];
}

function category(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(program)') return 'program (native, unattributed)';
    return 'native';
  }
  const rules: [RegExp, string][] = [
    [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|pgpass|postgres-\w+)\//, 'pg driver'],
    [/node_modules\/drizzle-orm\//, 'drizzle-orm'],
    [/node_modules\/(@grpc|protobufjs|@protobufjs)\//, 'grpc/protobuf'],
    [/node_modules\/nats\//, 'nats client'],
    [
      /node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped)/,
      'pino logging',
    ],
    [/node_modules\/(hono|@hono)\//, 'hono http'],
    [/node_modules\/zod\//, 'zod'],
    [/node_modules\/(@electric-sql)\//, 'pglite'],
    [/node_modules\/yaml\//, 'yaml'],
    [/\/controller\/dist\//, 'gantry controller code'],
    [/\/agent\/dist\//, 'gantry agent code'],
    [/\/proto\/dist\//, 'gantry proto code'],
    [/^node:/, 'node core'],
  ];
  for (const [pattern, name] of rules) if (pattern.test(url)) return name;
  return url.includes('node_modules') ? 'other libraries' : 'other';
}

function describe(frame: ProfileNode['callFrame']): string {
  const url = frame.url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|controller|agent|proto)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${url}${url ? `:${frame.lineNumber + 1}` : ''}`;
}

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const categories: Record<string, number> = {};
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const delta = (profile.timeDeltas[index] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    const cat = category(node.callFrame);
    categories[cat] = (categories[cat] ?? 0) + delta;
    if (cat === 'idle') {
      idle += delta;
      return;
    }
    const key = describe(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !/\/(controller|agent)\/dist\//.test(frame.url)) continue;
      const name = describe(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
    }
  });
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  const busyMs = wallMs - idle;
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([frame, ms]) => ({ ms: Math.round(ms), percentOfBusy: Math.round((ms / busyMs) * 1000) / 10, frame }));
  for (const key of Object.keys(categories)) categories[key] = Math.round(categories[key] as number);
  return {
    file,
    wallMs: Math.round(wallMs),
    busyMs: Math.round(busyMs),
    categories,
    topSelf: top(self, 20),
    topInclusiveGantry: top(inclusive, 20),
  };
}

function render(summary: ProfileSummary): string {
  const categories = Object.entries(summary.categories)
    .filter(([name]) => name !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .map(
      ([name, ms]) =>
        `  ${String(ms).padStart(7)} ms  ${((ms / summary.busyMs) * 100).toFixed(1).padStart(5)}%  ${name}`,
    );
  const rows = (entries: ProfileSummary['topSelf']) =>
    entries.map(
      (entry) => `  ${String(entry.ms).padStart(7)} ms  ${entry.percentOfBusy.toFixed(1).padStart(5)}%  ${entry.frame}`,
    );
  return [
    `${summary.file}: ${summary.wallMs} ms sampled, ${summary.busyMs} ms busy (not idle)`,
    'busy time by library:',
    ...categories,
    'hottest functions (self time):',
    ...rows(summary.topSelf),
    'gantry functions (inclusive time):',
    ...rows(summary.topInclusiveGantry),
    '',
  ].join('\n');
}

/** Summarises `<scenario>-*.cpuprofile` in `dir`: writes a .txt next to each, prints the controller's. */
export function summarizeProfiles(dir: string, scenario: string): ProfileSummary[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((name) => name.startsWith(`${scenario}-`) && name.endsWith('.cpuprofile'))
    .sort();
  const summaries: ProfileSummary[] = [];
  for (const name of files) {
    try {
      const summary = summarizeProfile(join(dir, name));
      summaries.push(summary);
      const text = render(summary);
      writeFileSync(join(dir, name.replace(/\.cpuprofile$/, '.txt')), text);
      if (name.includes('-controller') || name.endsWith('-agent-0.cpuprofile')) {
        process.stderr.write(`\n${text.split('\n').slice(0, 32).join('\n')}\n`);
      }
    } catch (error) {
      process.stderr.write(`[bench] cannot read profile ${name}: ${(error as Error).message}\n`);
    }
  }
  return summaries;
}
