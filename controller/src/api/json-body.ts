/** Reads and validates a JSON body; malformed JSON and schema failures become 400s naming the problem. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from './error-handler.js';

export async function readJsonBody<T extends z.ZodType>(c: Context, schema: T, optional = false): Promise<z.infer<T>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ApiError('INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`);
    }
  } else if (!optional) {
    throw new ApiError('INVALID_INPUT', 'request body is empty; expected a JSON object');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw new ApiError('INVALID_INPUT', `invalid request body: ${issues.join('; ')}`, issues);
  }
  return parsed.data;
}
