// Builds dist/: the app plus a version file naming the commit it was built from.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';

const version = (process.env.GANTRY_SHA ?? 'local').slice(0, 12);
mkdirSync('dist', { recursive: true });
cpSync('src', 'dist', { recursive: true });
writeFileSync('dist/version.json', `${JSON.stringify({ version, builtAt: new Date().toISOString() })}\n`);
console.log(`built dist/ for version ${version}`);
