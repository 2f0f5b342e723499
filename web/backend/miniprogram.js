// WeChat mini-program web-view bridge: share and navigation through
// `wx.miniProgram` when the shell runs inside a mini-program <web-view>,
// clean fallbacks in a plain browser.
//
// Detection (WeChat's documentation for web-view): inside a mini-program,
// `window.__wxjs_environment === 'miniprogram'` — reliable once the
// `WeixinJSBridgeReady` event has fired; with the JSSDK (jweixin ≥ 1.3.2)
// loaded, `wx.miniProgram.getEnv(cb)` answers too. Android WebViews also put
// "miniProgram" in the user agent. Nothing here needs a service worker.
//
// Compliance: sharing is a convenience, never a condition for anything (G3:
// no reward, unlock or progress depends on it, and nothing here reports
// whether a share happened). A share payload carries only an opaque referral
// code or link — never a name, phone, diagnosis or department (G12, G19).
//
// The JSSDK itself is the integrator's to load (from res.wx.qq.com, which the
// shell's CSP must then allow); without it, inside the mini-program, share
// and navigation degrade to the browser fallbacks.

const MINIPROGRAM_PATH = /^\/[A-Za-z0-9_\-/]+(\?[A-Za-z0-9_\-=&%.]*)?$/;

/**
 * Where the shell runs, from a window object (the real one, or a fake in tests).
 * @param {any} [win]
 * @returns {{inMiniProgram: boolean, hasJssdk: boolean, via: 'environment' | 'userAgent' | null}}
 */
export function detectMiniProgram(win = typeof window === 'undefined' ? undefined : window) {
  if (!win) return { inMiniProgram: false, hasJssdk: false, via: null };
  const mp = win.wx?.miniProgram;
  const hasJssdk = !!mp && typeof mp.navigateTo === 'function' && typeof mp.postMessage === 'function';
  if (win.__wxjs_environment === 'miniprogram') return { inMiniProgram: true, hasJssdk, via: 'environment' };
  const ua = String(win.navigator?.userAgent ?? '');
  if (/MicroMessenger/i.test(ua) && /miniProgram/i.test(ua)) return { inMiniProgram: true, hasJssdk, via: 'userAgent' };
  return { inMiniProgram: false, hasJssdk, via: null };
}

/**
 * The same, waiting (at most `timeoutMs`) for WeChat's bridge when the page
 * runs inside WeChat but the environment flag is not set yet (iOS sets it
 * after WeixinJSBridgeReady), or asking the JSSDK's getEnv.
 * @param {any} [win]
 * @param {number} [timeoutMs]
 */
export function whenMiniProgramKnown(win = typeof window === 'undefined' ? undefined : window, timeoutMs = 1500) {
  const now = detectMiniProgram(win);
  if (now.inMiniProgram || !win) return Promise.resolve(now);
  const inWeChat = /MicroMessenger/i.test(String(win.navigator?.userAgent ?? ''));
  const getEnv = win.wx?.miniProgram?.getEnv;
  if (!inWeChat && typeof getEnv !== 'function') return Promise.resolve(now);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (forced) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      win.document?.removeEventListener?.('WeixinJSBridgeReady', onReady);
      const detected = detectMiniProgram(win);
      resolve(forced && !detected.inMiniProgram ? { ...detected, inMiniProgram: true, via: 'environment' } : detected);
    };
    const onReady = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    win.document?.addEventListener?.('WeixinJSBridgeReady', onReady, { once: true });
    if (typeof getEnv === 'function') {
      try {
        getEnv.call(win.wx.miniProgram, (res) => finish(res?.miniprogram === true));
      } catch {
        // an old JSSDK: the event or the timeout decides
      }
    }
  });
}

/**
 * @typedef {object} SharePayload
 * @property {string} title        e.g. "邀请您加入甲状腺术后康复群" (no name, no diagnosis)
 * @property {string} [path]       mini-program page path for the share card, e.g. "/pages/join/index?c=7K3M9QXRA2BT6"
 * @property {string} [link]       https link for browsers (same opaque code)
 * @property {string} [imageUrl]   share card image (a poster without personal data)
 */

/**
 * Creates the bridge.
 * @param {{window?: any, detection?: ReturnType<typeof detectMiniProgram>}} [options]
 *   detection: from whenMiniProgramKnown() (default: detectMiniProgram now)
 */
export function createMiniProgramBridge({
  window: win = typeof window === 'undefined' ? undefined : window,
  detection = detectMiniProgram(win),
} = {}) {
  const mp = () => (detection.inMiniProgram && detectMiniProgram(win).hasJssdk ? win.wx.miniProgram : null);

  return {
    /** true inside a mini-program <web-view>. */
    inMiniProgram: detection.inMiniProgram,
    via: detection.via,

    /**
     * Offers a share. Inside the mini-program: hands the payload to it
     * (wx.miniProgram.postMessage; the mini-program's onShareAppMessage uses
     * the last message) — the patient then shares from the capsule menu.
     * In a browser: the Web Share API, else copying the link.
     * The result says how, never whether the patient actually shared (G3).
     * @param {SharePayload} payload
     * @returns {Promise<{method: 'miniProgram' | 'webShare' | 'clipboard' | 'none'}>}
     */
    async share(payload) {
      if (!payload || typeof payload.title !== 'string') throw new TypeError('share: title is required');
      const program = mp();
      if (program) {
        program.postMessage({ data: { type: 'share', title: payload.title, path: payload.path ?? '', imageUrl: payload.imageUrl ?? '' } });
        return { method: 'miniProgram' };
      }
      const nav = win?.navigator;
      if (payload.link && typeof nav?.share === 'function') {
        try {
          await nav.share({ title: payload.title, url: payload.link });
          return { method: 'webShare' };
        } catch (error) {
          if (error?.name === 'AbortError') return { method: 'webShare' }; // the patient closed the sheet
        }
      }
      if (payload.link && typeof nav?.clipboard?.writeText === 'function') {
        try {
          await nav.clipboard.writeText(payload.link);
          return { method: 'clipboard' };
        } catch {
          // no permission: nothing else to try
        }
      }
      return { method: 'none' };
    },

    /**
     * Goes to a page: a mini-program page (booking, login…) inside the
     * mini-program, else the web fallback URL (same origin only).
     * @param {{miniProgramPath?: string, webUrl?: string}} target
     * @returns {boolean} false when there is nowhere to go in this environment
     */
    navigate({ miniProgramPath, webUrl } = {}) {
      const program = mp();
      if (program && miniProgramPath) {
        if (!MINIPROGRAM_PATH.test(miniProgramPath)) throw new TypeError(`navigate: not a mini-program path: ${miniProgramPath}`);
        program.navigateTo({ url: miniProgramPath });
        return true;
      }
      if (webUrl && win?.location) {
        const target = new URL(webUrl, win.location.href);
        if (target.origin !== win.location.origin) throw new TypeError('navigate: web fallback must be same-origin');
        win.location.assign(target.href);
        return true;
      }
      return false;
    },

    /** Back: the mini-program's page stack, else the browser history. */
    back() {
      const program = mp();
      if (program && typeof program.navigateBack === 'function') {
        program.navigateBack({ delta: 1 });
        return;
      }
      win?.history?.back?.();
    },
  };
}
