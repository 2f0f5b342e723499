// @ts-check
// A double of the official JS-SDK's `wx.miniProgram` (npm weixin-js-sdk),
// typed from the SDK's own declarations: the tsc check in npm test
// (tests/node/schema_types.test.mjs) fails if it drifts from them.

/** @typedef {typeof import('weixin-js-sdk').default} WeixinSdk */

/**
 * @param {{miniprogram?: boolean}} [options] what getEnv answers
 * @returns {{sdk: WeixinSdk, calls: Array<[string, unknown]>}}
 */
export function weixinSdkDouble({ miniprogram = true } = {}) {
  /** @type {Array<[string, unknown]>} */
  const calls = [];
  /** @type {WeixinSdk['miniProgram']} */
  const miniProgram = {
    navigateTo: (params) => calls.push(['navigateTo', params]),
    navigateBack: (params) => calls.push(['navigateBack', params]),
    switchTab: (params) => calls.push(['switchTab', params]),
    reLaunch: (params) => calls.push(['reLaunch', params]),
    redirectTo: (params) => calls.push(['redirectTo', params]),
    postMessage: (params) => calls.push(['postMessage', params]),
    getEnv: (callback) => callback({ miniprogram }),
  };
  const sdk = /** @type {WeixinSdk} */ (/** @type {unknown} */ ({ miniProgram }));
  return { sdk, calls };
}
