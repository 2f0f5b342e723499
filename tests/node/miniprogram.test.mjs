// The mini-program web-view bridge (web/backend/miniprogram.js) with fake
// windows and a double of the JS-SDK typed from its declarations
// (miniprogram_wx_double.mjs): detection by __wxjs_environment, by the user
// agent, by the SDK's getEnv and the WeixinJSBridgeReady event; share and
// navigation through wx.miniProgram inside, clean fallbacks in a plain browser.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { channelTokenOfLink, createMiniProgramBridge, detectMiniProgram, loadWeixinSdk, whenMiniProgramKnown } from '../../web/backend/miniprogram.js';
import { weixinSdkDouble } from './miniprogram_wx_double.mjs';

const BROWSER_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1';
const WECHAT_UA = `${BROWSER_UA} MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI Language/zh_CN`;
const MINIPROGRAM_UA = `${WECHAT_UA} miniProgram/wx0123456789abcdef`;

function fakeMiniProgram() {
  const { sdk, calls } = weixinSdkDouble();
  return { api: sdk, calls };
}

function fakeWindow({ ua = BROWSER_UA, env, share, clipboard } = {}) {
  const listeners = new Map();
  const assigned = [];
  const win = {
    navigator: { userAgent: ua, ...(share ? { share } : {}), ...(clipboard ? { clipboard } : {}) },
    location: { href: 'https://h.example.cn/app/', origin: 'https://h.example.cn', assign: (u) => assigned.push(u) },
    history: { back: () => assigned.push('history.back') },
    document: {
      addEventListener: (type, fn) => listeners.set(type, fn),
      removeEventListener: (type) => listeners.delete(type),
    },
    fire: (type) => listeners.get(type)?.(),
    assigned,
  };
  if (env !== undefined) win.__wxjs_environment = env;
  return win;
}

test('detection: a plain browser, WeChat outside a mini-program, and each mini-program signal', () => {
  assert.deepEqual(detectMiniProgram(undefined), { inMiniProgram: false, hasJssdk: false, via: null });
  assert.deepEqual(detectMiniProgram(fakeWindow()), { inMiniProgram: false, hasJssdk: false, via: null });
  assert.equal(detectMiniProgram(fakeWindow({ ua: WECHAT_UA })).inMiniProgram, false, 'WeChat browser is not a mini-program');
  assert.equal(detectMiniProgram(fakeWindow({ env: 'browser' })).inMiniProgram, false);
  assert.deepEqual(detectMiniProgram(fakeWindow({ env: 'miniprogram' })), { inMiniProgram: true, hasJssdk: false, via: 'environment' });
  assert.deepEqual(detectMiniProgram(fakeWindow({ ua: MINIPROGRAM_UA })), { inMiniProgram: true, hasJssdk: false, via: 'userAgent' });
  const { api } = fakeMiniProgram();
  assert.deepEqual(detectMiniProgram(fakeWindow({ env: 'miniprogram' }), api), { inMiniProgram: true, hasJssdk: true, via: 'environment' });
  assert.equal(detectMiniProgram(fakeWindow(), api).inMiniProgram, false, 'the JSSDK alone is not the environment');
});

test('whenMiniProgramKnown waits for WeixinJSBridgeReady, asks getEnv, and gives up in time', async () => {
  assert.equal((await whenMiniProgramKnown(fakeWindow())).inMiniProgram, false, 'a plain browser answers at once');

  const ios = fakeWindow({ ua: WECHAT_UA });
  const pending = whenMiniProgramKnown(ios, 5_000);
  ios.__wxjs_environment = 'miniprogram'; // set by WeChat when its bridge is ready
  ios.fire('WeixinJSBridgeReady');
  assert.equal((await pending).inMiniProgram, true);

  const { api } = fakeMiniProgram();
  const viaJssdk = await whenMiniProgramKnown(fakeWindow({ ua: WECHAT_UA }), 5_000, api);
  assert.equal(viaJssdk.inMiniProgram, true);

  const t0 = Date.now();
  const wechatBrowser = await whenMiniProgramKnown(fakeWindow({ ua: WECHAT_UA }), 50);
  assert.equal(wechatBrowser.inMiniProgram, false);
  assert.ok(Date.now() - t0 < 1_000);
});

test('inside the mini-program: share hands the payload over, navigation uses wx.miniProgram', async () => {
  const { api, calls } = fakeMiniProgram();
  const bridge = createMiniProgramBridge({ window: fakeWindow({ env: 'miniprogram' }), sdk: api });
  assert.equal(bridge.inMiniProgram, true);
  const shared = await bridge.share({ title: '邀请您加入康复群', code: '7K3M9QXRA2BT6', link: 'https://h.example.cn/r/7K3M9QXRA2BT6' });
  assert.deepEqual(shared, { method: 'miniProgram' });
  assert.deepEqual(calls[0], ['postMessage', { data: { type: 'share', title: '邀请您加入康复群', code: '7K3M9QXRA2BT6', path: '', imageUrl: '' } }]);
  assert.equal(bridge.navigate({ miniProgramPath: '/pages/booking/index', webUrl: '/booking' }), true);
  assert.deepEqual(calls[1], ['navigateTo', { url: '/pages/booking/index' }]);
  assert.throws(() => bridge.navigate({ miniProgramPath: 'javascript:alert(1)' }), TypeError);
  bridge.back();
  assert.deepEqual(calls[2], ['navigateBack', { delta: 1 }]);
});

test('in a plain browser: Web Share, then clipboard, then nothing; same-origin navigation only', async () => {
  const shared = [];
  const withShare = createMiniProgramBridge({ window: fakeWindow({ share: async (d) => shared.push(d) }) });
  assert.equal(withShare.inMiniProgram, false);
  assert.deepEqual(await withShare.share({ title: 't', link: 'https://h.example.cn/r/X' }), { method: 'webShare' });
  assert.deepEqual(shared, [{ title: 't', url: 'https://h.example.cn/r/X' }]);

  const copied = [];
  const failingShare = async () => {
    throw Object.assign(new Error('not allowed'), { name: 'NotAllowedError' });
  };
  const withClipboard = createMiniProgramBridge({
    window: fakeWindow({ share: failingShare, clipboard: { writeText: async (t) => copied.push(t) } }),
  });
  assert.deepEqual(await withClipboard.share({ title: 't', link: 'https://h.example.cn/r/Y' }), { method: 'clipboard' });
  assert.deepEqual(copied, ['https://h.example.cn/r/Y']);

  const bare = fakeWindow();
  const plain = createMiniProgramBridge({ window: bare });
  assert.deepEqual(await plain.share({ title: 't' }), { method: 'none' });
  assert.equal(plain.navigate({ miniProgramPath: '/pages/booking/index' }), false, 'no web fallback given');
  assert.equal(plain.navigate({ miniProgramPath: '/pages/booking/index', webUrl: '/booking' }), true);
  assert.deepEqual(bare.assigned, ['https://h.example.cn/booking']);
  assert.throws(() => plain.navigate({ webUrl: 'https://evil.example.com/' }), TypeError);
  plain.back();
  assert.deepEqual(bare.assigned.at(-1), 'history.back');

  // The mini-program environment without the JSSDK degrades to the browser paths.
  const noJssdk = createMiniProgramBridge({ window: fakeWindow({ env: 'miniprogram' }) });
  assert.equal(noJssdk.inMiniProgram, true);
  assert.deepEqual(await noJssdk.share({ title: 't' }), { method: 'none' });
});

test('the JS-SDK is loaded only inside WeChat', async () => {
  assert.equal(await loadWeixinSdk(fakeWindow()), undefined, 'a plain browser never fetches it');
  assert.equal(await loadWeixinSdk(undefined), undefined);
});

test('the build bundles the official JS-SDK into the served tree, from our own origin and under the same CSP', async () => {
  const { startServer, CONTENT_SECURITY_POLICY } = await import('../../scripts/serve.mjs');
  const server = await startServer({ port: 0 });
  try {
    const response = await fetch(new URL('vendor/jweixin.mjs', server.url));
    assert.equal(response.status, 200, 'scripts/build.sh runs scripts/vendor-jweixin.mjs');
    assert.match(response.headers.get('content-type'), /^text\/javascript/);
    assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /wx\.qq\.com/, 'no script from WeChat servers');
    const text = await response.text();
    assert.match(text, /^\/\/ weixin-js-sdk \d+\.\d+\.\d+ from npm/);
    assert.match(text, /miniProgram/);
    assert.match(text, /export default module\.exports;\s*$/);
  } finally {
    await server.close();
  }
});

test('a letter or card shared inside the mini-program hands over its token, read from its QR link', async () => {
  assert.equal(channelTokenOfLink('https://h.example.cn/join?t=DM6SC7N75YR3HGA9D&c=7K3M9QXRA2BT6'), 'DM6SC7N75YR3HGA9D');
  assert.equal(channelTokenOfLink('https://h.example.cn/join?c=7K3M9QXRA2BT6'), '', 'a plain link has none');
  assert.equal(channelTokenOfLink('7K3M9QXRA2BT6'), '', 'a bare code is no link');
  assert.equal(channelTokenOfLink(null), '');
  const { api, calls } = fakeMiniProgram();
  const bridge = createMiniProgramBridge({ window: fakeWindow({ env: 'miniprogram' }), sdk: api });
  await bridge.share({ title: '出院感恩卡', code: '7K3M9QXRA2BT6', token: 'DM6SC7N75YR3HGA9D' });
  assert.deepEqual(calls[0], ['postMessage', { data: { type: 'share', title: '出院感恩卡', code: '7K3M9QXRA2BT6', token: 'DM6SC7N75YR3HGA9D', path: '', imageUrl: '' } }]);
});
