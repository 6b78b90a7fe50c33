/**
 * The JSON Schema of `.gantry.yml` stays in step with the parser: the same
 * keys at every level, every example pipeline of the repository accepted by
 * both, a misspelled key refused by both; and it is served without a token.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APPROVAL_KEYS } from '../pipeline/approval.js';
import { CACHE_KEY_KEYS, CACHE_KEYS } from '../pipeline/cache.js';
import { parsePipeline } from '../pipeline/index.js';
import { JOB_KEYS, RETRY_KEYS } from '../pipeline/job.js';
import { PIPELINE_KEYS } from '../pipeline/parse.js';
import { REPORTS_KEYS } from '../pipeline/reports.js';
import { STAGE_KEYS } from '../pipeline/stage.js';
import { STEP_KEYS } from '../pipeline/steps.js';
import { IF_KEYS, ON_KEYS, PUSH_KEYS } from '../pipeline/triggers.js';
import { openTestApp, type TestApp } from '../testing/api-test-app.js';
import { pipelineJsonSchema } from './pipeline-schema.js';

const root = new URL('../../../', import.meta.url).pathname;

interface SchemaNode {
  properties?: Record<string, unknown>;
}

const schema = pipelineJsonSchema() as unknown as SchemaNode & { definitions: Record<string, SchemaNode> };
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

function keysOf(node: SchemaNode | undefined): string[] {
  return Object.keys(node?.properties ?? {}).sort();
}

/** Every `.gantry.yml` under examples/, and every complete pipeline in a ```yaml block of the Markdown docs. */
function examplePipelines(): { where: string; text: string }[] {
  const found: { where: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === '.gantry.yml') found.push({ where: path.slice(root.length), text: readFileSync(path, 'utf8') });
    }
  };
  walk(join(root, 'examples'));
  const documents = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => `docs/${name}`)];
  for (const document of documents.filter((name) => name.endsWith('.md'))) {
    const markdown = readFileSync(join(root, document), 'utf8');
    for (const [index, block] of [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].entries()) {
      const text = block[1] ?? '';
      // Fragments (one key explained on its own) are not whole pipelines.
      if (/^stages:/m.test(text)) found.push({ where: `${document} yaml block ${index + 1}`, text });
    }
  }
  return found;
}

describe('the JSON Schema of .gantry.yml', () => {
  it.each([
    ['the top level', schema, PIPELINE_KEYS],
    ['a stage', schema.definitions.stage, STAGE_KEYS],
    ['a job', schema.definitions.job, JOB_KEYS],
    ['a { run, timeout } step', schema.definitions.step, STEP_KEYS],
    ['retry', schema.definitions.retry, RETRY_KEYS],
    ["a job's reports", schema.definitions.job?.properties?.reports as SchemaNode, REPORTS_KEYS],
    ['approval', schema.definitions.approval, APPROVAL_KEYS],
    ['on', schema.definitions.on, ON_KEYS],
    ['on.push', schema.definitions.push, PUSH_KEYS],
    ["a stage's if", schema.definitions.if, IF_KEYS],
    ['a cache', schema.definitions.cache, CACHE_KEYS],
    ["a cache's key", schema.definitions.cache?.properties?.key as SchemaNode, CACHE_KEY_KEYS],
  ])('has exactly the keys the parser accepts in %s', (_where, node, parserKeys) => {
    expect(keysOf(node)).toEqual([...parserKeys].sort());
  });

  const examples = examplePipelines();

  it('finds the example pipelines of the repository', () => {
    expect(examples.map((example) => example.where)).toEqual(
      expect.arrayContaining(['examples/webapp/.gantry.yml', 'README.md yaml block 1']),
    );
  });

  it.each(examples.map((example) => [example.where, example.text]))(
    'accepts %s, as the parser does',
    (_where, text) => {
      expect(parsePipeline(text).ok).toBe(true);
      const valid = validate(parse(text));
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    },
  );

  it.each([
    ['a misspelled job key', 'name: a\nstages:\n  - name: b\n    jobs: [{ name: c, stpes: [make] }]\n'],
    [
      'a misspelled stage key',
      'name: a\nstages:\n  - name: b\n    enviroment: x\n    jobs: [{ name: c, steps: [make] }]\n',
    ],
    ['a misspelled top-level key', 'name: a\nstage:\n  - name: b\n    jobs: [{ name: c, steps: [make] }]\n'],
    [
      'a misspelled push filter',
      'on: { push: { branch: [main] } }\nname: a\nstages:\n  - name: b\n    jobs: [{ name: c, steps: [make] }]\n',
    ],
    [
      'an if without branch or tag',
      'name: a\nstages:\n  - name: b\n    if: {}\n    jobs: [{ name: c, steps: [make] }]\n',
    ],
    [
      'a cache policy that does not exist',
      'name: a\ncache: { paths: [node_modules], policy: pul }\nstages:\n  - name: b\n    jobs: [{ name: c, steps: [make] }]\n',
    ],
    ['a step that is a number', 'name: a\nstages:\n  - name: b\n    jobs: [{ name: c, steps: [1] }]\n'],
  ])('rejects %s, as the parser does', (_what, text) => {
    expect(parsePipeline(text).ok).toBe(false);
    expect(validate(parse(text))).toBe(false);
  });

  it('names the misspelled key it rejects', () => {
    validate(parse('name: a\nstages:\n  - name: b\n    jobs: [{ name: c, stpes: [make] }]\n'));
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: '/stages/0/jobs/0', params: { additionalProperty: 'stpes' } }),
    );
  });

  describe('GET /schema/gantry.json', () => {
    let testApp: TestApp;
    beforeAll(async () => {
      testApp = await openTestApp({ pipeline: 'name: a\nstages: [{ name: b, jobs: [{ name: c, steps: [d] }] }]\n' });
    }, 60_000);
    afterAll(() => testApp.close());

    it('serves the schema without a token', async () => {
      const response = await testApp.app.request('/schema/gantry.json');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual(schema);
    });
  });
});
