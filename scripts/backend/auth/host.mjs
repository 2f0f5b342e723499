// Where a request comes from, as far as the server can know it.
//
// Host header (DNS rebinding): a page on another site can make the browser
// send requests to 127.0.0.1 under the attacker's own name once its DNS entry
// points there. Such a request carries that name in Host, so only the names
// this server is reached by are accepted: its own loopback address and port,
// and the hosts of the configured origins (the deployment's public origin,
// the origins allowed for CORS). Anything else gets 421.
//
// Loopback: the demo sign-in is only for someone sitting at this machine. The
// TCP peer must be a loopback address AND the request must carry no
// X-Forwarded-For / Forwarded / X-Real-IP header: a reverse proxy on the same
// machine relays other people's requests from 127.0.0.1, and those headers
// are not trusted to say who they are.

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** @param {string | undefined} address  a socket's remoteAddress */
export function isLoopbackAddress(address) {
  if (typeof address !== 'string') return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return LOOPBACK_V4.test(v4);
}

/**
 * Is this request from this machine and not relayed for someone else?
 * @param {{socket?: {remoteAddress?: string}, headers: Record<string, unknown>}} req  a Node request (or Fastify's .raw)
 */
export function isLocalRequest(req) {
  if (!isLoopbackAddress(req.socket?.remoteAddress)) return false;
  return !['x-forwarded-for', 'forwarded', 'x-real-ip'].some((h) => req.headers[h] !== undefined);
}

/**
 * The Host values this server accepts.
 * @param {{host: string, port: number, origins?: string[]}} options  origins: full origins (https://carecircle.example.org)
 * @returns {Set<string>} lower-case host[:port] values
 */
export function allowedHosts({ host, port, origins = [] }) {
  const names = new Set();
  const local = ['127.0.0.1', 'localhost', '[::1]'];
  if (!local.includes(host)) local.push(host.includes(':') ? `[${host}]` : host);
  for (const name of local) names.add(`${name}:${port}`.toLowerCase());
  for (const origin of origins) {
    const url = new URL(origin);
    names.add(url.host.toLowerCase()); // host, with the port only when it is not the scheme's default
    if (!url.port) names.add(`${url.hostname}:${url.protocol === 'https:' ? 443 : 80}`.toLowerCase());
  }
  return names;
}

/**
 * @param {unknown} hostHeader
 * @param {Set<string>} allowed
 */
export function isAllowedHost(hostHeader, allowed) {
  return typeof hostHeader === 'string' && allowed.has(hostHeader.toLowerCase());
}
