// Salon console — small HTTP helpers shared by the chat workspace, its tools and the sales view.
//
// createApi({csrf, onAuthProblem}) → request(method, path, body?, {signal}?) that sends the session
// cookie, the CSRF header on writes, and throws ApiError {status, code, message, field, retryAfter}
// with the server's own sentence (docs/api.md: {"error": {"code", "message", "field"}}).
// status 0 means the request never got an answer (offline, connection reset).

export class ApiError extends Error {
  constructor(status, code, message, field = null, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }

  /** Worth retrying with the same request (and the same client id)? */
  get transient() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

const FALLBACK = {
  400: 'Salon could not read that request.',
  403: 'You are not allowed to do that.',
  404: 'That no longer exists.',
  409: 'Someone else changed this first.',
  413: 'That is too large.',
  422: 'Salon rejected that input.',
  429: 'Too many requests — slow down for a moment.',
};

export function createApi({ csrf, onAuthProblem }) {
  const authProblem = onAuthProblem || (() => {});
  return async function request(method, path, body, options = {}) {
    const headers = { Accept: 'application/json' };
    const init = { method, credentials: 'same-origin', headers, cache: 'no-store', signal: options.signal };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf || '';
    let res;
    try {
      res = await fetch(path, init);
    } catch (err) {
      if (err?.name === 'AbortError') throw err;
      throw new ApiError(0, 'network', 'Could not reach Salon. Check your connection.');
    }
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch { data = null; }
    }
    if (!res.ok) {
      if (res.status === 401) authProblem();
      const e = data && typeof data === 'object' && data.error && typeof data.error === 'object' ? data.error : {};
      const message = typeof e.message === 'string' && e.message.trim()
        ? e.message
        : FALLBACK[res.status] || `Salon answered ${res.status}.`;
      const after = parseInt(res.headers.get('Retry-After') || '', 10);
      throw new ApiError(
        res.status,
        typeof e.code === 'string' ? e.code : `http_${res.status}`,
        message,
        typeof e.field === 'string' ? e.field : null,
        Number.isFinite(after) && after >= 0 ? after : null,
      );
    }
    return data && typeof data === 'object' ? data : {};
  };
}

export function sitePath(siteId, rest) {
  return `/api/sites/${encodeURIComponent(siteId)}${rest}`;
}

/** A fresh client message id: 32 random hex chars (fits the contract's 8-64 [A-Za-z0-9_-]). */
export function newClientId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** An absolute http(s) URL, normalised; anything else (javascript:, data:, relative) → null. */
export function httpUrl(raw) {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * An image URL the console may load under its CSP (img-src 'self'): a same-origin path or URL.
 * Cross-origin images would be blocked (and logged as CSP violations), so they get a placeholder.
 */
export function sameOriginImage(raw) {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  try {
    const u = new URL(raw.trim(), location.href);
    if (u.origin !== location.origin) return null;
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export const str = (x) => (typeof x === 'string' ? x : x === null || x === undefined ? '' : String(x));
