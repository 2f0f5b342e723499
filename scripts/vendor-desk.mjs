// Copies the two browser libraries of the staff workbench's hospital desk
// into the served web tree (web/vendor/, generated at build time and not
// committed), so they load from our own origin and the Content-Security-
// Policy stays 'self':
//   - csv-parse's self-contained ES module (the offline demo reads a
//     hospital's CSV export with the same parser as the server);
//   - zxing-wasm's reader (ES module + its .wasm) for the counter's camera.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vendor = join(root, 'web', 'vendor');
const version = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

mkdirSync(join(vendor, 'zxing', 'reader'), { recursive: true });
copyFileSync(join(root, 'node_modules', 'csv-parse', 'dist', 'esm', 'sync.js'), join(vendor, 'csv-parse-sync.mjs'));
const zxing = join(root, 'node_modules', 'zxing-wasm', 'dist');
copyFileSync(join(zxing, 'es', 'share.js'), join(vendor, 'zxing', 'share.js'));
copyFileSync(join(zxing, 'es', 'reader', 'index.js'), join(vendor, 'zxing', 'reader', 'index.js'));
copyFileSync(join(zxing, 'reader', 'zxing_reader.wasm'), join(vendor, 'zxing', 'reader', 'zxing_reader.wasm'));
console.log(`vendor-desk: csv-parse ${version('csv-parse')}, zxing-wasm ${version('zxing-wasm')} -> web/vendor/`);
