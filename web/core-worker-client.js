// Main-thread side of ./core-worker.js: one module worker hosting the core,
// calls matched to replies by id. The protocol is documented in the worker.
// Transport only: no rule lives here.

/**
 * @typedef {object} CoreWorker
 * @property {(name: string, message?: object) => Promise<any>} call
 *   Posts {id, name, ...message} and resolves with the worker's answer
 *   ({reply} or, with decode: "columns", {envelope, ms, replyChars}); rejects
 *   when the worker reports an error or dies.
 * @property {() => void} terminate
 */

/**
 * Starts the worker (lazily loads the core in it).
 * @returns {CoreWorker}
 */
export function startCoreWorker() {
  const worker = new Worker(new URL('./core-worker.js', import.meta.url), { type: 'module', name: 'carecircle-core' });
  const pending = new Map();
  let nextId = 1;

  const failAll = (reason) => {
    for (const { reject } of pending.values()) reject(reason);
    pending.clear();
  };

  worker.addEventListener('message', (event) => {
    const data = event.data ?? {};
    const waiting = pending.get(data.id);
    if (!waiting) return;
    pending.delete(data.id);
    if (data.error) waiting.reject(new Error(data.error));
    else waiting.resolve(data);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    failAll(new Error(event.message || '核心模块后台线程出错'));
  });

  return Object.freeze({
    call(name, message = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ ...message, id, name });
      });
    },
    terminate() {
      worker.terminate();
      failAll(new Error('worker terminated'));
    },
  });
}
