// The reader's text size. Every size in the shell's style sheets is in rem/em
// from the root, so whatever sets the root font size scales the whole shell:
//
//   - the phone's or browser's text size setting (the default font size the
//     root inherits; nothing in the style sheets pins it or locks
//     text-size-adjust);
//   - WeChat's own 字体大小 setting. In WeChat's web-view the page is told
//     through WeixinJSBridge's 'menu:setfont' event, whose `fontScale` is the
//     chosen size in percent (100 = standard). We apply it to the root. We
//     never answer it with setFontSizeCallback({fontSize: 0}), the common
//     snippet that forces every reader back to the standard size.
//
// Nothing is stored: the setting belongs to the phone and WeChat, which tell
// us again each time.

/** The range a web-view may ask for; anything outside is taken as the nearest bound. */
const MIN_PERCENT = 80;
const MAX_PERCENT = 310;

/**
 * The root size, in percent, for WeChat's 'menu:setfont' answer; null when
 * it carries no usable size (the page then keeps the phone's own size).
 * @param {unknown} res
 * @returns {number | null}
 */
export function percentFromWeChat(res) {
  if (!res || typeof res !== 'object') return null;
  const scale = Number(/** @type {{fontScale?: unknown}} */ (res).fontScale);
  if (!Number.isFinite(scale) || scale <= 0) return null;
  return Math.min(MAX_PERCENT, Math.max(MIN_PERCENT, Math.round(scale)));
}

/** Sets the root font size to `percent` of the phone's size (100 = as the phone says). */
export function applyTextSize(percent, root = document.documentElement) {
  if (percent === null || percent === 100) root.style.removeProperty('font-size');
  else root.style.fontSize = `${percent}%`;
}

/** Listens to WeChat's text size setting, now or once its bridge is ready. */
export function followWeChatTextSize(win = window) {
  const listen = () => {
    const bridge = /** @type {any} */ (win).WeixinJSBridge;
    if (!bridge || typeof bridge.on !== 'function') return false;
    bridge.on('menu:setfont', (res) => applyTextSize(percentFromWeChat(res), win.document.documentElement));
    return true;
  };
  if (!listen()) win.document.addEventListener('WeixinJSBridgeReady', listen, { once: true });
}

if (typeof window !== 'undefined') followWeChatTextSize();
