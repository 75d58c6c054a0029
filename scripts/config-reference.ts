// Writes docs/configuration.md from the zod schema (npm run docs:config).
import { writeFile } from 'node:fs/promises';
import { renderConfigReference } from '../config/reference';

const file = new URL('../docs/configuration.md', import.meta.url);
await writeFile(file, renderConfigReference());
console.log(`wrote ${file.pathname}`);
