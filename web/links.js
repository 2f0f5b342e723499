// Join links: what a QR, a saved letter or a shared link carries is the
// deployment's public join URL with the code as `?c=<code>` (nothing
// personal); a letter's or a discharge card's QR also carries its channel
// token as `t=<token>` (issued by the server, checked by the core when the
// friend registers). Opened on such a URL, the shell moves the code into its own
// route (#join/<code>) before anything else runs; the deployment's public
// face (the hospital's name and logo) comes from the backend (GET
// /api/v1/deployment, or the offline demo's own demo configuration).
import { supports } from './backend/backend.js';

/** The query parameter a join URL carries the code in. */
export const JOIN_PARAMETER = 'c';
/** The query parameter a letter's or card's join URL carries its token in. */
export const TOKEN_PARAMETER = 't';
/** Longest value taken from the parameter (a code is 13 symbols; typed forms a little longer). */
const MAX_PARAMETER = 64;
/** Between the code and the token in the join route (#join/<code>~<token>): in neither alphabet. */
const TOKEN_SEPARATOR = '~';

/**
 * Opened on `<joinUrl>?c=<code>`: the code goes to the join route
 * (#join/<code>) and leaves the query, the other parameters (the demo's
 * ?backend=http) stay. The code is not checked here: the join screen asks
 * the core. Returns the code moved, or '' when there was none.
 * @param {Location} [where]
 * @param {History} [history_]
 */
export function adoptJoinParameter(where = location, history_ = history) {
  const params = new URLSearchParams(where.search);
  const raw = params.get(JOIN_PARAMETER);
  if (raw === null) return '';
  const rawToken = params.get(TOKEN_PARAMETER);
  params.delete(JOIN_PARAMETER);
  params.delete(TOKEN_PARAMETER);
  const code = raw.trim().slice(0, MAX_PARAMETER);
  const token = (rawToken ?? '').trim().slice(0, MAX_PARAMETER);
  const search = params.toString();
  const route = `#join/${encodeURIComponent(code)}${token ? `${TOKEN_SEPARATOR}${encodeURIComponent(token)}` : ''}`;
  const target = `${where.pathname}${search ? `?${search}` : ''}${code ? route : where.hash}`;
  history_.replaceState(null, '', target);
  return code;
}

/**
 * The join route's screen (after #join/) split into the code and the letter's
 * or card's token ('' when the link carried none). Not checked here.
 * @param {string} screen  already URI-decoded
 */
export function joinRouteParts(screen) {
  const at = screen.indexOf(TOKEN_SEPARATOR);
  if (at < 0) return { code: screen, token: '' };
  return { code: screen.slice(0, at), token: screen.slice(at + 1, at + 1 + MAX_PARAMETER) };
}

/**
 * The code in a pasted join link (`…?c=<code>` or `…&c=<code>`), or null when
 * the text is no such link.
 * @param {string} text
 */
export function codeFromJoinUrl(text) {
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    const value = new URL(text).searchParams.get(JOIN_PARAMETER);
    return value === null ? null : value.slice(0, MAX_PARAMETER);
  } catch {
    return null;
  }
}

/** @type {WeakMap<object, Promise<{hospitalName: string | null, logoUrl: string | null, joinUrl: string | null}>>} */
const deployments = new WeakMap();

/**
 * The deployment's public face (hospital name, logo) from `backend`, asked
 * once per backend; nothing named when the backend does not say.
 * @param {object} backend
 */
export function deploymentOf(backend) {
  if (!deployments.has(backend)) {
    const none = { hospitalName: null, logoUrl: null, joinUrl: null };
    deployments.set(
      backend,
      supports(backend, 'getDeployment')
        ? backend.getDeployment().then((d) => ({ ...none, ...d }), () => none)
        : Promise.resolve(none),
    );
  }
  return /** @type {Promise<any>} */ (deployments.get(backend));
}

/**
 * Shows the hospital's name (and logo, when configured) in `node`: an image
 * with an empty alt beside the name; nothing when the deployment names none.
 * @param {HTMLElement} node
 * @param {{hospitalName: string | null, logoUrl: string | null}} deployment
 */
export function renderHospital(node, deployment) {
  node.replaceChildren();
  node.hidden = !deployment.hospitalName;
  if (!deployment.hospitalName) return;
  if (deployment.logoUrl) {
    const img = document.createElement('img');
    img.className = 'hospital-mark__logo';
    img.src = deployment.logoUrl;
    img.alt = '';
    img.width = 24;
    img.height = 24;
    node.append(img);
  }
  const name = document.createElement('span');
  name.className = 'hospital-mark__name';
  name.textContent = deployment.hospitalName;
  node.append(name);
}
