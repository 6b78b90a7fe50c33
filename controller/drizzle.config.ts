import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './controller/src/store/schema.ts',
  out: './migrations',
});
