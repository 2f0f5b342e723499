// A module worker that hosts the core off the main thread, for work too big
// to run between frames (a hospital's referral forest, eligibility batches).
// Protocol: postMessage({id, name, request}) → {id, reply} where `reply` is
// the export's envelope text, or {id, error} when the module failed to load.
import createCore from '/wasm/core.mjs';

const corePromise = createCore();

self.addEventListener('message', async (event) => {
  const { id, name, request } = event.data ?? {};
  try {
    const core = await corePromise;
    if (typeof name !== 'string' || typeof core[name] !== 'function' || name === 'coreVersion') {
      self.postMessage({ id, error: `unknown export: ${String(name)}` });
      return;
    }
    self.postMessage({ id, reply: core[name](typeof request === 'string' ? request : JSON.stringify(request)) });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
});
