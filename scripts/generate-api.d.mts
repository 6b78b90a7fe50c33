/** Types of generate-api.mjs for the test that compares its output with the committed files. */
export function renderApiFiles(document: unknown): Promise<{ json: string; types: string }>;
