// Bundles WeChat's official JS-SDK (npm weixin-js-sdk, a CommonJS file) as an
// ES module in the served web tree: web/vendor/jweixin.mjs, generated at build
// time and not committed. The shell imports it only inside WeChat; it is
// served from our own origin, so the Content-Security-Policy stays 'self'.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const main = require.resolve('weixin-js-sdk');
const { version } = JSON.parse(readFileSync(join(dirname(main), 'package.json'), 'utf8'));
const source = readFileSync(main, 'utf8');
const out = join(root, 'web', 'vendor', 'jweixin.mjs');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `// weixin-js-sdk ${version} from npm, wrapped as an ES module by scripts/vendor-jweixin.mjs (generated, not committed).
// Outside a browser window the SDK exports nothing.
const module = { exports: {} };
${source}
export default module.exports;
`);
console.log(`vendor-jweixin: weixin-js-sdk ${version} -> web/vendor/jweixin.mjs`);
