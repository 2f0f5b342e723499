// What the Node and browser tests of the reference backend share: a JSON
// client of its /api/v1, and finding the processes a test must not leave
// behind (a private PostgreSQL, a backend child process).
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiContract } from './openapi_contract.mjs';

/**
 * A client of the reference backend's API at `apiUrl` (…/api/v1): JSON in,
 * `{status, body}` out; `key` becomes the Idempotency-Key header.
 * `onReply(json, method, path)` sees every reply (a test's common checks).
 * Every reply is also checked against docs/api/openapi.yaml (the response
 * schema of its route and status; tests/support/openapi_contract.mjs): a
 * mismatch, or a route or status the file does not describe, throws.
 * @param {string} apiUrl
 * @param {{onReply?: (json: any, method: string, path: string) => void}} [options]
 */
export function apiClient(apiUrl, { onReply } = {}) {
  const contract = openApiContract();
  const root = apiUrl.replace(/\/$/, '');
  return async function api(method, path, { token, key, body, headers = {} } = {}) {
    const response = await fetch(`${root}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(key ? { 'Idempotency-Key': key } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const json = await response.json();
    const problems = (await contract)(method, path, response.status, json);
    if (problems.length > 0) throw new Error(`reply outside docs/api/openapi.yaml:\n${problems.join('\n')}`);
    onReply?.(json, method, path);
    return { status: response.status, body: json };
  };
}

/** Processes whose command line contains `text` (e.g. a PostgreSQL data directory). */
export function processesMentioning(text) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The pids among `pids` that are still alive (zombies count as gone). */
export function livePids(pids) {
  return pids.filter((pid) => existsSync(`/proc/${pid}`) && !/^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
}

/** Stops a child process (if still running) and waits for it to exit. */
export async function stopProcess(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}
