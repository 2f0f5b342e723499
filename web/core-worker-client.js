// Main-thread side of ./core-worker.js: one module worker hosting the core,
// calls matched to replies by id. The protocol is documented in the worker.
// Transport only: no rule lives here.

/**
 * @typedef {object} CoreWorker
 * @property {(name: string, message?: object, options?: {onPart?: (part: any) => void, transfer?: Transferable[]}) => Promise<any>} call
 *   Posts {id, name, ...message} (moving `transfer`'s buffers) and resolves
 *   with the worker's last answer ({reply}; with decode: "columns",
 *   {envelope, ms, replyChars}; for a typed export {texts, ms} or a refusal
 *   {envelope, ms}); answers marked `part` come before it, to `onPart`.
 *   Rejects when the worker reports an error or dies.
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
    if (data.part !== undefined && !data.error) {
      // An early part of a streamed answer: the call goes on.
      waiting.onPart?.(data);
      return;
    }
    pending.delete(data.id);
    if (data.error) waiting.reject(new Error(data.error));
    else waiting.resolve(data);
  });
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    failAll(new Error(event.message || '核心模块后台线程出错'));
  });

  return Object.freeze({
    call(name, message = {}, { onPart, transfer = [] } = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onPart });
        worker.postMessage({ ...message, id, name }, transfer);
      });
    },
    terminate() {
      worker.terminate();
      failAll(new Error('worker terminated'));
    },
  });
}
