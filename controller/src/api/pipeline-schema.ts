/**
 * The JSON Schema of `.gantry.yml` (controller/schema/gantry.json), for
 * editors and other tools. `parsePipeline` is the authority; a test keeps the
 * keys of the two in step. Read once, on first use.
 */
import { readFileSync } from 'node:fs';

let schema: Record<string, unknown> | undefined;

export function pipelineJsonSchema(): Record<string, unknown> {
  schema ??= JSON.parse(readFileSync(new URL('../../schema/gantry.json', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
  return schema;
}
