// WeChat mini-program sign-in: the mini-program calls wx.login() and sends
// the one-time `code`; the server exchanges it for the user's openid (and
// unionid when the mini-program is bound to an open-platform account).
//
// The exchange sits behind one interface, so tests (and a machine without
// network) use a double, and a deployment the real endpoint:
//
//   interface WeChatCodeExchange {
//     provider: string;                           // 'wechat:<appid>', the key identities are stored under
//     exchange(code): Promise<{openid: string, unionid?: string}>;   // throws AuthError
//   }
import { AuthError } from './oidc.mjs';

const CODE = /^[A-Za-z0-9_-]{8,128}$/;

/** @param {unknown} code */
function checkCode(code) {
  if (typeof code !== 'string' || !CODE.test(code)) {
    throw new AuthError(400, 'request.bad_body', 'wechatCode 应为小程序 wx.login 返回的 code', { path: '/wechatCode' });
  }
}

/**
 * The real exchange: GET https://api.weixin.qq.com/sns/jscode2session with the
 * mini-program's appid and secret (from the environment: CARECIRCLE_WECHAT_APPID,
 * CARECIRCLE_WECHAT_SECRET). The session_key it also returns stays here: this
 * server never decrypts mini-program data with it, so it is not kept.
 */
export class WeChatJsCode2Session {
  /**
   * @param {{appid: string, secret: string, endpoint?: string, fetchImpl?: typeof fetch, timeoutMs?: number}} options
   */
  constructor({ appid, secret, endpoint = 'https://api.weixin.qq.com/sns/jscode2session', fetchImpl = fetch, timeoutMs = 5_000 }) {
    if (!/^wx[0-9a-f]{16}$/.test(appid ?? '')) throw new Error('wechat: appid must look like wx + 16 hex digits');
    if (typeof secret !== 'string' || secret.length < 16) throw new Error('wechat: secret is required');
    this.provider = `wechat:${appid}`;
    this.appid = appid;
    this.secret = secret;
    this.endpoint = endpoint;
    this.fetchImpl = fetchImpl;
    this.timeoutMs = timeoutMs;
  }

  /** From CARECIRCLE_WECHAT_APPID / CARECIRCLE_WECHAT_SECRET, or null when they are not set. */
  static fromEnv(env = process.env) {
    if (!env.CARECIRCLE_WECHAT_APPID && !env.CARECIRCLE_WECHAT_SECRET) return null;
    return new WeChatJsCode2Session({ appid: env.CARECIRCLE_WECHAT_APPID, secret: env.CARECIRCLE_WECHAT_SECRET });
  }

  /** @param {string} code */
  async exchange(code) {
    checkCode(code);
    const url = new URL(this.endpoint);
    url.search = new URLSearchParams({ appid: this.appid, secret: this.secret, js_code: code, grant_type: 'authorization_code' }).toString();
    let body;
    try {
      const response = await this.fetchImpl(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      body = await response.json();
    } catch {
      throw new AuthError(503, 'auth.wechat_unavailable', '微信登录暂时不可用，请稍后再试');
    }
    if (body?.errcode) {
      // 40029: invalid code; 40163: code already used; 45011: rate limited.
      if (body.errcode === 45011) throw new AuthError(503, 'auth.wechat_unavailable', '微信登录暂时不可用，请稍后再试');
      throw new AuthError(401, 'auth.wechat_code_rejected', '微信登录已失效，请重新进入小程序');
    }
    if (typeof body?.openid !== 'string' || body.openid === '') {
      throw new AuthError(503, 'auth.wechat_unavailable', '微信登录暂时不可用，请稍后再试');
    }
    return { openid: body.openid, ...(typeof body.unionid === 'string' ? { unionid: body.unionid } : {}) };
  }
}

/**
 * A double of the exchange for tests and the demo: `codes` maps each code it
 * accepts to {openid, unionid?}; a code works once, like WeChat's.
 */
export class FakeWeChatExchange {
  /** @param {{appid?: string, codes?: Record<string, {openid: string, unionid?: string}>}} [options] */
  constructor({ appid = 'wx0000000000000000', codes = {} } = {}) {
    this.provider = `wechat:${appid}`;
    this.codes = new Map(Object.entries(codes));
    this.used = new Set();
  }

  /** Registers a code (a test's wx.login()). */
  add(code, identity) {
    this.codes.set(code, identity);
  }

  /** @param {string} code */
  async exchange(code) {
    checkCode(code);
    if (!this.codes.has(code) || this.used.has(code)) {
      throw new AuthError(401, 'auth.wechat_code_rejected', '微信登录已失效，请重新进入小程序');
    }
    this.used.add(code);
    return { ...this.codes.get(code) };
  }
}
