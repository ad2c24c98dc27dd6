#!/usr/bin/env node
// The CLI is TypeScript compiled to dist/: say so plainly in a clone that has not been built yet.
import fs from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!fs.existsSync(main)) {
  console.error('guardpost: not built yet — run "npm ci && npm run build" (or "npm start") first');
  process.exit(1);
}
await import(main.href);
