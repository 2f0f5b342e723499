// The mini-program project (miniprogram/): its JSON files name pages that
// exist, the page holds the web shell in a <web-view> bound to the page's
// message handler, and the page's code — run against a stand-in for the
// mini-program runtime's Page() and getApp() — opens the join screen for a
// shared code and builds the share card from the web page's latest message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers.mjs';

const dir = join(repoRoot, 'miniprogram');
const json = (file) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

test('project.config.json and app.json describe a mini-program whose pages exist', () => {
  const project = json('project.config.json');
  assert.equal(project.compileType, 'miniprogram');
  assert.equal(project.miniprogramRoot, './');
  assert.equal(project.setting.urlCheck, true, 'requests only to the configured domains');
  const app = json('app.json');
  assert.ok(app.pages.length > 0);
  for (const page of app.pages) {
    for (const ext of ['.js', '.json', '.wxml']) assert.ok(existsSync(join(dir, `${page}${ext}`)), `${page}${ext}`);
    assert.equal(typeof json(`${page}.json`), 'object');
  }
  if (app.sitemapLocation) assert.ok(existsSync(join(dir, app.sitemapLocation)));
  assert.ok(existsSync(join(dir, 'app.js')));
});

test('the page is a web-view of the shell, wired to the page handler', () => {
  const wxml = readFileSync(join(dir, 'pages/index/index.wxml'), 'utf8');
  const tag = /<web-view\s+src="\{\{src\}\}"\s+bindmessage="(\w+)"\s*>\s*<\/web-view>/.exec(wxml);
  assert.ok(tag, wxml);
  const code = readFileSync(join(dir, 'pages/index/index.js'), 'utf8');
  assert.match(code, new RegExp(`\\b${tag[1]}\\(event\\)`));
});

async function loadPage() {
  let options;
  globalThis.Page = (o) => { options = o; };
  globalThis.App = () => {};
  globalThis.getApp = () => ({ globalData: { webBase: 'https://h.example.cn/' } });
  try {
    await import(`${pathToFileURL(join(dir, 'pages/index/index.js')).href}?t=${Date.now()}`);
  } finally {
    delete globalThis.Page;
    delete globalThis.App;
  }
  // An instance as the runtime makes it: the options' fields plus setData.
  const page = { ...options, data: { ...options.data }, share: { ...options.share } };
  page.setData = (d) => Object.assign(page.data, d);
  return page;
}

test('a shared code opens the join screen; the share card carries the code and nothing else', async () => {
  const page = await loadPage();
  page.onLoad({ c: '7K3M9QXRA2BT6' });
  assert.equal(page.data.src, 'https://h.example.cn/?c=7K3M9QXRA2BT6', "the web join link, as the shell's own QR carries it");
  page.onLoad({ c: 'javascript:alert(1)' });
  assert.equal(page.data.src, 'https://h.example.cn/', 'a malformed code opens the home page');

  assert.deepEqual(page.onShareAppMessage(), { title: '邀请您加入康复社区', path: '/pages/index/index' });
  page.onWebViewMessage({ detail: { data: [
    { type: 'share', title: '旧的', code: 'AAAAAAAAAAAAA' },
    { type: 'other' },
    { type: 'share', title: '邀请您加入甲状腺术后康复群', code: '7K3M9QXRA2BT6', name: '张三' },
  ] } });
  assert.deepEqual(page.onShareAppMessage(), { title: '邀请您加入甲状腺术后康复群', path: '/pages/index/index?c=7K3M9QXRA2BT6' });
  page.onWebViewMessage({ detail: { data: [{ type: 'share', title: '', code: '../x' }] } });
  assert.deepEqual(page.onShareAppMessage(), { title: '邀请您加入康复社区', path: '/pages/index/index' });
  delete globalThis.getApp;
});

test('a letter or card: the path carries its token before the code, and the web-view opens the shell with both', async () => {
  const page = await loadPage();
  page.onLoad({ c: '7K3M9QXRA2BT6', t: 'DM6SC7N75YR3HGA9D' });
  assert.equal(page.data.src, 'https://h.example.cn/?t=DM6SC7N75YR3HGA9D&c=7K3M9QXRA2BT6', 'as the card\'s QR carries it');
  // Passed on as it came, for the backend to judge — but never into the address's structure.
  page.onLoad({ c: '7K3M9QXRA2BT6', t: 'X&c=AAAAAAAAAAAAA#x' });
  assert.equal(page.data.src, 'https://h.example.cn/?t=X%26c%3DAAAAAAAAAAAAA%23x&c=7K3M9QXRA2BT6');
  page.onLoad({ t: 'DM6SC7N75YR3HGA9D' });
  assert.equal(page.data.src, 'https://h.example.cn/', 'a token without a code opens the home page');
  page.onWebViewMessage({ detail: { data: [{ type: 'share', title: '出院感恩卡', code: '7K3M9QXRA2BT6', token: 'DM6SC7N75YR3HGA9D' }] } });
  assert.deepEqual(page.onShareAppMessage(), { title: '出院感恩卡', path: '/pages/index/index?t=DM6SC7N75YR3HGA9D&c=7K3M9QXRA2BT6' });
  // A share message's token must be one the core could have made: anything else is left out of the card.
  page.onWebViewMessage({ detail: { data: [{ type: 'share', title: '出院感恩卡', code: '7K3M9QXRA2BT6', token: 'D&evil=1' }] } });
  assert.deepEqual(page.onShareAppMessage(), { title: '出院感恩卡', path: '/pages/index/index?c=7K3M9QXRA2BT6' });
  delete globalThis.getApp;
});
