// @ts-check
// The one page: the web shell in a <web-view>. Opened from a friend's share
// card (?c=<referral code>, the same parameter as the web join link; a
// letter's or a discharge card's share also ?t=<its channel token>) it opens
// the shell's join link, <webBase>?t=<token>&c=<code> as the letter's or
// card's QR carries it (the token first, as the core's link base puts it),
// which goes straight to the join screen. The token is passed on as it came,
// URL-encoded: like the web link, the shell claims the token's channel with
// it and the backend's core refuses a forged one (a claim on a letter or card
// channel is recorded only with a token issued for it and for that code).
// (Configure the backend's mini-program path as pages/index/index.)
// The web page asks for a share card with
// wx.miniProgram.postMessage({data: {type: 'share', title, code, token?}});
// WeChat delivers those messages when the patient shares (and on back or
// close), and onShareAppMessage builds the card from the latest one: a title
// and this page's path with the code (and the token), nothing personal (no
// name, phone or diagnosis).

// A referral code as the core makes it: 13 symbols of digits and capitals.
const CODE = /^[0-9A-Z]{13}$/;
// A channel token as the core makes it (17 symbols); a share message's token
// must be one (the share card is ours). The page's own query passes a `t` on
// as it came (bounded), for the backend to judge, as the web link does.
const TOKEN = /^[0-9A-Z]{17}$/;
const MAX_TOKEN_PARAMETER = 64;
// A share card's title as the web page sends it; a default otherwise.
const DEFAULT_TITLE = '邀请您加入康复社区';

/**
 * The web shell's join link for a code (or its home without one), with the
 * letter's or card's token before the code when there is one.
 * @param {string} webBase https address of the web shell (the deployment's join URL)
 * @param {string} code a referral code, or ""
 * @param {string} [token] a channel token as it came, or ""
 */
function shellUrl(webBase, code, token = '') {
  if (!code) return webBase;
  const join = webBase.includes('?') ? '&' : '?';
  return token ? `${webBase}${join}t=${encodeURIComponent(token)}&c=${code}` : `${webBase}${join}c=${code}`;
}

/**
 * This page's path for a share card: the code, and the token of the letter
 * or card shared (token first, as in the web link).
 * @param {string} code
 * @param {string} token
 */
function sharePath(code, token) {
  if (!code) return '/pages/index/index';
  return token ? `/pages/index/index?t=${token}&c=${code}` : `/pages/index/index?c=${code}`;
}

/**
 * The latest share request among the messages WeChat delivers.
 * @param {unknown} data e.detail.data: every message posted since the last delivery
 * @returns {{title: string, code: string, token: string} | null}
 */
function latestShare(data) {
  const list = Array.isArray(data) ? data : [];
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const m = list[i];
    if (m && typeof m === 'object' && m.type === 'share') {
      const code = typeof m.code === 'string' && CODE.test(m.code) ? m.code : '';
      const title = typeof m.title === 'string' && m.title.length > 0 && m.title.length <= 40 ? m.title : DEFAULT_TITLE;
      const token = code && typeof m.token === 'string' && TOKEN.test(m.token) ? m.token : '';
      return { title, code, token };
    }
  }
  return null;
}

Page({
  data: {
    src: '',
  },
  share: { title: DEFAULT_TITLE, code: '', token: '' },

  /** @param {Record<string, string | undefined>} query */
  onLoad(query) {
    const code = CODE.test(query.c ?? '') ? String(query.c) : '';
    const token = typeof query.t === 'string' ? query.t.trim().slice(0, MAX_TOKEN_PARAMETER) : '';
    const app = getApp();
    this.setData({ src: shellUrl(app.globalData.webBase, code, token) });
  },

  /** @param {WechatMiniprogram.CustomEvent<{data: unknown[]}>} event */
  onWebViewMessage(event) {
    const share = latestShare(event.detail.data);
    if (share) this.share = share;
  },

  /** @returns {WechatMiniprogram.Page.ICustomShareContent} */
  onShareAppMessage() {
    const { title, code, token } = this.share;
    return { title, path: sharePath(code, token) };
  },
});
