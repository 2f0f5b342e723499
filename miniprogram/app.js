// @ts-check
// The hospital's settings for the mini-program. webBase is the https address
// where the hospital serves the web shell (web/ + build/wasm/, same origin as
// its backend); it must be listed as a business domain (业务域名) of this
// mini-program in the WeChat admin console, or the <web-view> stays blank.

App({
  globalData: {
    webBase: 'https://carecircle.hospital.example.cn/',
  },
});
