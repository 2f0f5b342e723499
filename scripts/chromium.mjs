// How Debian's Chromium is launched here, for the browser tests and the
// benchmarks alike.
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// No background networking: this machine's closed network refuses it (docs/toolchain.md).
export const FLAGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);
