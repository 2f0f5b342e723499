// @ts-check
// The one page: the web shell in a <web-view>. Opened from a friend's share
// card (?c=<referral code>, the same parameter as the web join link) it opens
// the shell's join link, <webBase>?c=<code>, which goes straight to the join
// screen. (Configure the backend's mini-program path as pages/index/index.)
// The web page asks for a share card with
// wx.miniProgram.postMessage({data: {type: 'share', title, code}}); WeChat
// delivers those messages when the patient shares (and on back or close), and
// onShareAppMessage builds the card from the latest one: a title and this
// page's path with the code, nothing personal (no name, phone or diagnosis).

// A referral code as the core makes it: 13 symbols of digits and capitals.
const CODE = /^[0-9A-Z]{13}$/;
// A share card's title as the web page sends it; a default otherwise.
const DEFAULT_TITLE = '邀请您加入康复社区';

/**
 * The web shell's join link for a code (or its home without one).
 * @param {string} webBase https address of the web shell (the deployment's join URL)
 * @param {string} code a referral code, or ""
 */
function shellUrl(webBase, code) {
  return code ? `${webBase}${webBase.includes('?') ? '&' : '?'}c=${code}` : webBase;
}

/**
 * The latest share request among the messages WeChat delivers.
 * @param {unknown} data e.detail.data: every message posted since the last delivery
 * @returns {{title: string, code: string} | null}
 */
function latestShare(data) {
  const list = Array.isArray(data) ? data : [];
  for (let i = list.length - 1; i >= 0; i -= 1) {
    const m = list[i];
    if (m && typeof m === 'object' && m.type === 'share') {
      const code = typeof m.code === 'string' && CODE.test(m.code) ? m.code : '';
      const title = typeof m.title === 'string' && m.title.length > 0 && m.title.length <= 40 ? m.title : DEFAULT_TITLE;
      return { title, code };
    }
  }
  return null;
}

Page({
  data: {
    src: '',
  },
  share: { title: DEFAULT_TITLE, code: '' },

  /** @param {Record<string, string | undefined>} query */
  onLoad(query) {
    const code = CODE.test(query.c ?? '') ? String(query.c) : '';
    const app = getApp();
    this.setData({ src: shellUrl(app.globalData.webBase, code) });
  },

  /** @param {WechatMiniprogram.CustomEvent<{data: unknown[]}>} event */
  onWebViewMessage(event) {
    const share = latestShare(event.detail.data);
    if (share) this.share = share;
  },

  /** @returns {WechatMiniprogram.Page.ICustomShareContent} */
  onShareAppMessage() {
    const { title, code } = this.share;
    return { title, path: code ? `/pages/index/index?c=${code}` : '/pages/index/index' };
  },
});
