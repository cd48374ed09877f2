/*!
 * Salon widget — the shopper-side tracker. Plain JavaScript, no dependencies, no build step.
 *
 *   <script src="https://salon.example.com/widget.js" data-site="pk_..." defer></script>
 *   optional: data-consent="required"  → nothing is sent or stored until Salon.consent(true); the
 *   choice is not remembered, so the page calls it (or queues Salon('consent', true)) on every load.
 *
 * Defines exactly one global, window.Salon (callable like the queue stub, with methods):
 *   Salon.track(type, fields)              queue a typed event (docs/api.md); returns true if accepted
 *   Salon.identify(customerId, signature)  link the visitor to a customer (HMAC-SHA256 hex, made server-side)
 *   Salon.flush()                          send queued events now
 *   Salon.consent(granted)                 true: start tracking; false: stop, forget ids and unsent events
 *   Salon.visitorId(), Salon.visitId()     first-party ids (null before consent)
 *   Salon('track', ...) / Salon('identify', ...) also work, and a stub's Salon.q is replayed.
 *
 * Delivery: events are batched (1 s / 20 events / 100 per request / < 60 KB), POSTed as text/plain
 * (no CORS preflight) to <widget origin>/api/track, kept in localStorage (salon_outbox) until the server
 * answers 2xx, retried with jittered exponential back-off on network errors, 5xx and 429 (Retry-After),
 * and sent with sendBeacon when the page is hidden or unloaded. The server deduplicates by event id.
 * Privacy: no request but /api/track, ids only in request bodies, sensitive query parameters redacted.
 */
(() => {
  'use strict';

  const w = window, d = document, nav = navigator;
  const prev = w.Salon;
  if (prev && prev.version) return;                   // the tag was included twice: keep the first

  // ------------------------------------------------------------------ settings
  const FLUSH_MS = 1000;       // send queued events after at most a second...
  const FLUSH_AT = 20;         // ...or as soon as this many are waiting
  const BATCH_MAX = 100;       // events per request (api.md)
  const BATCH_BYTES = 60000;   // keepalive fetch and sendBeacon bodies are capped at 64 KiB
  const OUTBOX_MAX = 500;      // unsent events kept in localStorage
  const OUTBOX_AGE = 864e5;    // unsent events older than a day are forgotten
  const VISIT_MS = 18e5;       // a new visit after 30 min without events
  const IDLE_MS = 6e4;         // "idle" after 60 s without input
  const BEAT_MS = 3e4;         // heartbeat every 30 s while visible (and not idle for 30 min)
  const SPEED_MS = 5e3;        // at most one pointer_speed sample per 5 s
  const RAGE_MS = 700, RAGE_PX = 30;
  const RETRY_MAX = 3e5;       // back-off cap: 5 min
  const PRE_MAX = 50;          // events held in memory while waiting for consent
  const K_VID = 'salon_vid', K_VISIT = 'salon_visit', K_OUT = 'salon_outbox';
  const HEX32 = /^[0-9a-f]{32}$/, HEX64 = /^[0-9a-f]{64}$/;
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

  // ------------------------------------------------------------------ small helpers
  const warned = {};
  function warn(msg) {                                 // each distinct message once per page
    if (warned[msg]) return;
    warned[msg] = 1;
    try { console.warn('[Salon] ' + msg); } catch (e) { /* no console */ }
  }

  function lsGet(k) { try { return w.localStorage.getItem(k); } catch (e) { return null; } }
  function lsSet(k, v) {
    try { if (v == null) w.localStorage.removeItem(k); else w.localStorage.setItem(k, v); } catch (e) { /* full or blocked */ }
  }
  function cookieGet(k) {                              // k is one of our constant names
    try { const m = d.cookie.match(new RegExp('(?:^|;\\s*)' + k + '=([^;]*)')); return m ? m[1] : null; } catch (e) { return null; }
  }
  function cookieSet(k, v, maxAge) {
    try {
      d.cookie = k + '=' + v + '; Max-Age=' + maxAge + '; Path=/; SameSite=Lax' + (location.protocol === 'https:' ? '; Secure' : '');
    } catch (e) { /* sandboxed frame */ }
  }
  function randomHex(n) {                              // n random bytes as lowercase hex
    const a = new Uint8Array(n);
    crypto.getRandomValues(a);
    let s = '';
    for (let i = 0; i < n; i++) s += (a[i] < 16 ? '0' : '') + a[i].toString(16);
    return s;
  }
  // Strings must be valid Unicode and at most `max` code points (the server counts code points).
  function cut(s, max) {
    s = s.toWellFormed ? s.toWellFormed()
      : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/g, (m, p) => (p || '') + '\ufffd');
    return s.length <= max ? s : Array.from(s.slice(0, 2 * max)).slice(0, max).join('');
  }
  const bytes = (s) => s.replace(/[^\x00-\x7f]/g, 'xxx').length;   // upper bound of the UTF-8 size

  // ------------------------------------------------------------------ event schema (docs/api.md)
  // s: string ≤ max code points (required ones must be non-empty), n/i: number/integer clamped to
  // [min, max], b: boolean, e: one of a list. `req` fields missing → the event is dropped with a warning;
  // `def` fills a missing or invalid optional value. Unknown fields are dropped (the server rejects them).
  const S = (max, req) => ({ k: 's', max, req });
  const N = (min, max, req, int, def) => ({ k: 'n', min, max, req, int, def });
  const PAGE_TYPES = ['home', 'category', 'product', 'search', 'cart', 'checkout', 'confirmation', 'account', 'info', 'other'];
  const PID = S(64, 1), NAME = S(200), VARIANT = S(64);
  const CART = { product_id: PID, variant_id: VARIANT, name: NAME, price: N(0, 1e7, 1), quantity: N(1, 99, 1, 1, 1) };
  const TYPES = {
    page_view: { url: S(2048, 1), title: { k: 's', max: 300, def: '' }, referrer: S(2048), page_type: { k: 'e', list: PAGE_TYPES, def: 'other' } },
    product_view: { product_id: PID, name: NAME, price: N(0, 1e7), category: S(100) },
    variant_select: { product_id: PID, attribute: S(32, 1), value: S(64, 1), variant_id: VARIANT },
    add_to_cart: CART,
    remove_from_cart: CART,
    wishlist_add: { product_id: PID, name: NAME },
    search: { query: S(200, 1) },
    checkout_step: { step: N(1, 10, 1, 1), name: S(32, 1) },
    purchase: { order_id: S(64, 1), total: N(0, 1e7, 1), currency: { k: 'c' } },
    pointer_speed: { speed: N(0, 1e5, 1, 1) },
    idle: { seconds: N(0, 86400, 1, 1) },
    tab_hidden: { hidden: { k: 'b', req: 1 } },
    rage_click: { clicks: N(3, 100, 1, 1), target: S(200) },
    heartbeat: {},
  };
  const NOISE = { pointer_speed: 1, idle: 1, tab_hidden: 1, heartbeat: 1 };   // not kept while awaiting consent

  function coerce(f, v) {
    if (v == null) return f.def;
    switch (f.k) {
      case 's':
        if (typeof v === 'number' && isFinite(v)) v = String(v);
        if (typeof v !== 'string') return f.def;
        v = cut(v, f.max);
        return v || !f.req ? v : undefined;
      case 'n':
        if (typeof v === 'string' && v.trim()) v = Number(v);
        if (typeof v !== 'number' || !isFinite(v)) return f.def;
        if (f.int) v = Math.round(v);
        return Math.min(f.max, Math.max(f.min, v));
      case 'b': return typeof v === 'boolean' ? v : f.def;
      case 'e': return f.list.indexOf(v) >= 0 ? v : f.def;
      case 'c': return typeof v === 'string' && /^[a-z]{3}$/i.test(v) ? v.toUpperCase() : undefined;
    }
    return undefined;
  }

  // Validate, truncate and clamp `fields` for `type`; null (with a console warning) when unusable.
  function clean(type, fields) {
    if (typeof type !== 'string' || !has(TYPES, type)) { warn('unknown event type "' + type + '" ignored'); return null; }
    const spec = TYPES[type], src = fields && typeof fields === 'object' ? fields : {}, out = {};
    Object.keys(src).forEach((k) => { if (!has(spec, k)) warn(type + ': unknown field "' + k + '" dropped'); });
    for (const k of Object.keys(spec)) {
      const v = coerce(spec[k], src[k]);
      if (v !== undefined) out[k] = v;
      else if (spec[k].req) { warn(type + ': missing or invalid "' + k + '", event dropped'); return null; }
    }
    return out;
  }

  // ------------------------------------------------------------------ page facts
  // Query (and fragment) parameters whose name contains one of these words lose their value, and so
  // does any value that looks like an e-mail address: ?email=a@b.c&order_id=7 → ?email=redacted&order_id=redacted
  const SECRET_WORDS = ['email', 'token', 'order', 'password', 'passwd', 'pwd', 'secret', 'session', 'key'];
  const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;
  function decode(s) { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; } }
  function redactQuery(q) {
    return q.split('&').map((part) => {
      const i = part.indexOf('=');
      if (i < 0) return part;
      const name = part.slice(0, i);
      const words = decode(name).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/);
      return words.some((x) => SECRET_WORDS.indexOf(x) >= 0) || EMAIL.test(decode(part.slice(i + 1))) ? name + '=redacted' : part;
    }).join('&');
  }
  function redact(href) {
    href = String(href || '').replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');   // no user:password@
    let hash = '';
    const h = href.indexOf('#');
    if (h >= 0) { hash = href.slice(h + 1); href = href.slice(0, h); }
    const q = href.indexOf('?');
    if (q >= 0) href = href.slice(0, q + 1) + redactQuery(href.slice(q + 1));
    if (hash) {                                        // #access_token=... or #/route?token=...
      const j = hash.indexOf('?');
      hash = j >= 0 ? hash.slice(0, j + 1) + redactQuery(hash.slice(j + 1)) : hash.indexOf('=') >= 0 ? redactQuery(hash) : hash;
      href += '#' + hash;
    }
    return href;
  }
  function meta(name) {
    const m = d.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute('content') : null;
  }
  function pageFields() {
    return { url: redact(location.href), title: d.title || '', referrer: d.referrer ? redact(d.referrer) : undefined, page_type: meta('salon:page-type') || 'other' };
  }
  // The automatic events describing the current page: page_view, and product_view when tagged.
  function pageEvents() {
    const list = [['page_view', pageFields()]];
    const raw = meta('salon:product');
    if (raw) {
      try {
        const p = JSON.parse(raw);
        if (p && typeof p === 'object') list.push(['product_view', { product_id: p.product_id, name: p.name, price: p.price, category: p.category }]);
      } catch (e) { warn('<meta name="salon:product"> is not valid JSON'); }
    }
    return list;
  }

  // ------------------------------------------------------------------ extension point
  // Internal pub/sub for modules added to this file later (the chat UI). Nothing here touches the DOM.
  //   'event' (each queued event), 'sent' (server answer), 'identify' (customer id), 'consent' (boolean)
  const hooks = {};
  const on = (name, fn) => { (hooks[name] = hooks[name] || []).push(fn); };   // eslint-disable-line no-unused-vars
  function emit(name, data) {
    (hooks[name] || []).forEach((fn) => { try { fn(data); } catch (e) { warn('hook "' + name + '" failed: ' + e); } });
  }

  // ------------------------------------------------------------------ where am I
  let tag = d.currentScript;
  if (!tag || !tag.getAttribute('data-site')) {
    tag = null;
    const all = d.getElementsByTagName('script');
    for (let i = all.length - 1; i >= 0 && !tag; i--) {
      if (/\/widget\.js(?:[?#]|$)/.test(all[i].src) && all[i].getAttribute('data-site')) tag = all[i];
    }
  }
  const siteKey = tag ? (tag.getAttribute('data-site') || '').trim() : '';
  let endpoint = '';
  try { endpoint = new URL('/api/track', tag.src).href; } catch (e) { /* no usable tag */ }
  let granted = !(tag && tag.getAttribute('data-consent') === 'required');
  let off = false;                                     // true: permanently inactive on this page
  if (!siteKey || !endpoint) { off = true; warn('no <script src=".../widget.js" data-site="pk_..."> tag found; tracking is off'); }
  if (!w.crypto || !crypto.getRandomValues || !w.fetch) { off = true; warn('this browser lacks crypto/fetch; tracking is off'); }

  // ------------------------------------------------------------------ identifiers
  let vid = null;                                      // visitor id, resolved on first use after consent
  function visitorId() {
    if (!granted || off) return null;
    if (!vid) {
      let v = cookieGet(K_VID);
      if (!HEX32.test(v || '')) v = lsGet(K_VID);
      vid = HEX32.test(v || '') ? v : randomHex(16);
      cookieSet(K_VID, vid, 31536000);                 // rolling year, first-party
      lsSet(K_VID, vid);
    }
    return vid;
  }
  // Current visit id; `touch` records activity now. Returns [id, startedNow].
  function visit(touch) {
    const now = Date.now();
    const p = (cookieGet(K_VISIT) || lsGet(K_VISIT) || '').split('.');
    let id = p[0];
    const fresh = !HEX32.test(id || '') || !(now - +p[1] < VISIT_MS);
    if (fresh) id = randomHex(16);
    if (touch || fresh) {
      cookieSet(K_VISIT, id + '.' + now, VISIT_MS / 1000);
      lsSet(K_VISIT, id + '.' + now);
    }
    return [id, fresh];
  }

  // ------------------------------------------------------------------ queue and outbox
  // outbox entries: {u: visitor id, v: visit id, e: event, f: in flight (memory only)}
  let outbox = [];
  let pre = [];                                        // [type, fields, ts] waiting for consent
  let preIdent = null;
  let pendingIdent = null, identGone = null;           // identity to attach / last one delivered
  const gone = new Set();                              // ids delivered since the last save (cross-tab merge)
  const nonce = randomHexSafe(6);
  let seq = 0, pageSent = false;
  function randomHexSafe(n) { try { return randomHex(n); } catch (e) { return ''; } }

  function enqueue(type, fields, ts) {
    const [v, fresh] = visit(true);
    // A visit that starts on an already-open page (tab left for 30 min) begins with that page.
    if (fresh && pageSent && type !== 'page_view') {
      pageEvents().forEach(([t, f]) => { const c = clean(t, f); if (c) push(v, t, c, Date.now()); });
    }
    push(v, type, fields, ts);
    save();
    kick();
  }
  function push(v, type, fields, ts) {
    if (type === 'page_view') pageSent = true;
    const e = Object.assign({ id: v.slice(0, 8) + '-' + nonce + '-' + (++seq).toString(36), type, ts }, fields);
    outbox.push({ u: visitorId(), v, e });
    if (outbox.length > OUTBOX_MAX) outbox = outbox.slice(-OUTBOX_MAX);
    emit('event', e);
  }

  function readBox() {
    let o = null;
    try { o = JSON.parse(lsGet(K_OUT) || 'null'); } catch (e) { /* corrupt: start over */ }
    if (!o || typeof o !== 'object') o = {};
    const min = Date.now() - OUTBOX_AGE;
    const e = Array.isArray(o.e) ? o.e.filter((x) => x && HEX32.test(x.u) && HEX32.test(x.v) && x.e &&
      typeof x.e.id === 'string' && has(TYPES, x.e.type) && x.e.ts > min) : [];
    const i = o.i && typeof o.i.customer_id === 'string' && HEX64.test(o.i.signature) ? { customer_id: o.i.customer_id, signature: o.i.signature } : null;
    return { e, i, r: +o.r || 0 };
  }
  // Persist: what other tabs stored, minus what this tab delivered, plus this tab's unsent events.
  function save() {
    if (!granted || off) return;
    const st = readBox();
    const mine = new Set(outbox.map((x) => x.e.id));
    let all = st.e.filter((x) => !mine.has(x.e.id) && !gone.has(x.e.id)).concat(outbox.map((x) => ({ u: x.u, v: x.v, e: x.e })));
    gone.clear();
    all.sort((a, b) => a.e.ts - b.e.ts);
    all = all.slice(-OUTBOX_MAX);
    const same = (a, b) => a && b && a.customer_id === b.customer_id && a.signature === b.signature;
    const i = pendingIdent || (same(st.i, identGone) ? null : st.i);
    lsSet(K_OUT, all.length || i || retryAt > Date.now() ? JSON.stringify({ e: all, i, r: retryAt }) : null);
  }
  // Start (or resume) once tracking is allowed: adopt the stored outbox, then what waited for consent.
  function boot() {
    if (off) return;
    visitorId();
    const st = readBox();
    outbox = st.e.concat(outbox).slice(-OUTBOX_MAX);
    pendingIdent = pendingIdent || st.i;
    retryAt = Math.min(st.r, Date.now() + RETRY_MAX);  // a back-off begun on an earlier page still holds
    pre.splice(0).forEach(([t, f, ts]) => enqueue(t, f, ts));
    if (preIdent) identify(preIdent[0], preIdent[1]);
    preIdent = null;
    save();
    kick();
  }

  // ------------------------------------------------------------------ sending
  let inflight = false, timer = 0, timerAt = 0, retryAt = 0, attempt = 0, netDown = false, flushReq = false;

  function kick() {                                    // make sure waiting events will be sent
    const waiting = outbox.filter((x) => !x.f).length;
    if (waiting) schedule(flushReq || pendingIdent || waiting >= FLUSH_AT ? 0 : FLUSH_MS);
  }
  function schedule(ms) {
    if (off || !granted || inflight) return;
    const at = Math.max(Date.now() + ms, retryAt);
    if (timer && timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => { timer = 0; send(); }, at - Date.now());
  }
  // The next request body: consecutive unsent events of one visitor and visit, within the limits.
  function nextBatch() {
    const list = [];
    let size = 400, head = null;
    for (const x of outbox) {
      if (x.f) continue;
      if (head && (x.u !== head.u || x.v !== head.v)) break;
      const n = bytes(JSON.stringify(x.e)) + 1;
      if (list.length >= BATCH_MAX || (head && size + n > BATCH_BYTES)) break;
      head = head || x;
      list.push(x);
      size += n;
    }
    if (!head) return null;
    const ident = pendingIdent;
    const body = { site_key: siteKey, visitor_id: head.u, visit_id: head.v };
    if (ident) body.identity = { customer_id: ident.customer_id, signature: ident.signature };
    body.events = list.map((x) => x.e);
    return { list, ident, json: JSON.stringify(body) };
  }
  function settle(list, ident) {                       // delivered (or given up): forget these
    list.forEach((x) => { x.done = 1; gone.add(x.e.id); });
    outbox = outbox.filter((x) => !x.done);
    if (ident && ident === pendingIdent) { pendingIdent = null; identGone = ident; }
    save();
  }
  function backoff(header, net) {
    attempt = Math.min(attempt + 1, 30);
    const cap = Math.min(RETRY_MAX, 1000 * Math.pow(2, attempt - 1));
    let ms = cap / 2 + Math.random() * cap / 2;        // exponential, "equal jitter"
    const h = header || '';
    let ra = /^\s*\d+\s*$/.test(h) ? h * 1000 : h ? Date.parse(h) - Date.now() : 0;   // Retry-After
    ra = ra > 0 ? Math.min(ra, 36e5) : 0;
    if (ra > ms) ms = ra + Math.random() * 1000;
    retryAt = Date.now() + ms;
    netDown = net;
    save();
  }
  function stop() {                                    // the server will never accept this site/origin
    off = true;
    clearTimeout(timer);
    outbox = [];
    pendingIdent = null;
    lsSet(K_OUT, null);
  }

  async function send() {
    if (inflight || off || !granted) return;
    const b = nextBatch();
    if (!b) return;
    inflight = true;
    flushReq = false;
    b.list.forEach((x) => { x.f = 1; });
    let res = null, err = {};
    const ac = w.AbortController ? new AbortController() : null;
    const stuck = setTimeout(() => ac && ac.abort(), 15000);   // a hung request must not block the queue
    try {
      res = await fetch(endpoint, {
        method: 'POST', body: b.json, headers: { 'Content-Type': 'text/plain' }, signal: ac ? ac.signal : undefined,
        keepalive: true, credentials: 'omit', mode: 'cors', cache: 'no-store', referrerPolicy: 'no-referrer',
      });
      if (!res.ok) err = ((await res.json().catch(() => null)) || {}).error || {};
    } catch (e) { res = null; }                        // network error, CORS failure, offline, timeout
    clearTimeout(stuck);
    b.list.forEach((x) => { x.f = 0; });
    inflight = false;
    const st = res ? res.status : 0;
    const field = typeof err.field === 'string' ? err.field : '';
    const bad = /^events\[(\d+)\]/.exec(field);
    if (res && res.ok) {
      attempt = 0; retryAt = 0; netDown = false;
      settle(b.list, b.ident);
      res.json().then((j) => emit('sent', j), () => {});
    } else if (!res || st === 408 || st === 429 || st >= 500) {
      backoff(res && res.headers.get('Retry-After'), !res);
    } else if (st === 422 && bad && b.list[+bad[1]]) {
      // One invalid event must not sink the others: drop it and resend the rest.
      warn('server rejected a ' + b.list[+bad[1]].e.type + ' event (' + field + ': ' + (err.message || err.code) + ')');
      settle([b.list[+bad[1]]]);
    } else if (b.ident && (st === 403 || /^identity/.test(field))) {
      // A bad signature must not sink the events: forget the identity and resend without it.
      warn('identify(' + b.ident.customer_id + ') rejected: ' + (err.message || st));
      if (b.ident === pendingIdent) pendingIdent = null;
      save();
    } else {
      warn('events dropped: HTTP ' + st + ' ' + (err.code || '') + (field ? ' (' + field + ')' : '') + ' ' + (err.message || ''));
      settle(b.list);
      if (st === 403 || st === 404) stop();           // unknown site key or origin not allowed
    }
    kick();
  }

  // Page hidden or unloading: hand everything unsent to the browser. sendBeacon outlives the page; a
  // refused beacon (size quota) keeps its events in the outbox for the next page. During a back-off the
  // events wait for the next page instead (a beacon's answer is never seen).
  function beacon() {
    endBurst();
    if (off || !granted) return;
    if (!nav.sendBeacon || retryAt > Date.now()) return;
    clearTimeout(timer);
    timer = 0;
    let b;
    while ((b = nextBatch())) {
      let ok = false;
      try { ok = nav.sendBeacon(endpoint, new Blob([b.json], { type: 'text/plain' })); } catch (e) { /* refused */ }
      if (!ok) break;
      settle(b.list, b.ident);
    }
  }

  // ------------------------------------------------------------------ public API
  function track(type, fields) {
    if (off) return false;
    if (type === 'page_view') fields = Object.assign(pageFields(), fields);   // SPA: Salon.track('page_view')
    const f = clean(type, fields);
    if (!f) return false;
    if (!granted) {                                    // hold a few meaningful events in memory only
      if (NOISE[type] || pre.length >= PRE_MAX) return false;
      pre.push([type, f, Date.now()]);
      return true;
    }
    enqueue(type, f, Date.now());
    return true;
  }

  function identify(customerId, signature) {
    if (off) return false;
    const id = customerId == null ? '' : String(customerId);
    const sig = String(signature || '').toLowerCase();
    if (!id || id.length > 256 || !HEX64.test(sig)) {
      warn('identify(customerId, signature) needs a customer id and its 64-hex HMAC-SHA256 signature');
      return false;
    }
    if (!granted) { preIdent = [id, sig]; return true; }
    pendingIdent = { customer_id: id, signature: sig };
    if (!outbox.some((x) => !x.f)) track('heartbeat');   // a batch needs at least one event
    emit('identify', id);
    flush();
    return true;
  }

  function flush() {
    if (off || !granted) return;
    flushReq = true;
    clearTimeout(timer);
    timer = 0;
    kick();
  }

  function consent(yes) {
    if (off) return;
    if (yes) {
      if (!granted) { granted = true; boot(); }
    } else {                                           // refused or withdrawn: stop and forget
      granted = false;
      clearTimeout(timer);
      timer = 0;
      outbox = [];
      pre = [];
      vid = pendingIdent = preIdent = null;
      [K_VID, K_VISIT].forEach((k) => { cookieSet(k, '', 0); lsSet(k, null); });
      lsSet(K_OUT, null);
    }
    emit('consent', !!yes);
  }

  const methods = {
    track, identify, flush, consent, visitorId,
    visitId: () => (granted && !off ? visit(false)[0] : null),
  };
  const Salon = function (method) {                   // Salon('track', type, fields), like the stub
    if (typeof method === 'string' && has(methods, method)) return methods[method].apply(null, [].slice.call(arguments, 1));
    warn('unknown call Salon(' + JSON.stringify(String(method)) + ')');
  };
  Object.assign(Salon, methods, { version: '1' });
  w.Salon = Salon;

  // ------------------------------------------------------------------ automatic events
  if (off) return;
  if (granted) boot();
  pageEvents().forEach(([t, f]) => track(t, f));
  if (prev && prev.q && prev.q.length) [].slice.call(prev.q).forEach((args) => Salon.apply(null, [].slice.call(args)));

  const opts = { capture: true, passive: true };
  const listen = (target, type, fn) => target.addEventListener(type, fn, opts);

  // idle: 60 s without input, reported once per idle period; heartbeat: every 30 s while visible
  let lastInput = Date.now(), idleSent = false, lastBeat = Date.now();
  function activity() { lastInput = Date.now(); idleSent = false; }
  ['mousedown', 'keydown', 'wheel', 'scroll', 'touchstart'].forEach((t) => listen(w, t, activity));
  setInterval(() => {
    if (d.visibilityState === 'hidden') return;
    const now = Date.now(), quiet = now - lastInput;
    if (!idleSent && quiet >= IDLE_MS) { idleSent = true; track('idle', { seconds: Math.round(quiet / 1000) }); }
    // Heartbeats stop after 30 min without input, so an abandoned open tab lets its visit end.
    if (now - lastBeat >= BEAT_MS && quiet < VISIT_MS) { lastBeat = now; track('heartbeat'); }
  }, 5000);

  // pointer_speed: px/s while moving (pauses > 250 ms excluded), one sample per window of 5 s that
  // starts with the first movement after the previous sample
  let dist = 0, moving = 0, lx = 0, ly = 0, lt = 0, since = 0;
  listen(w, 'PointerEvent' in w ? 'pointermove' : 'mousemove', (e) => {
    activity();
    if (e.pointerType === 'touch') return;
    const t = performance.now(), dt = t - lt;
    if (lt && dt > 0 && dt < 250) {
      if (!moving) since = t;
      dist += Math.hypot(e.clientX - lx, e.clientY - ly);
      moving += dt;
    }
    lx = e.clientX; ly = e.clientY; lt = t;
    if (moving && t - since >= SPEED_MS) {
      track('pointer_speed', { speed: Math.round(dist / moving * 1000) });
      dist = moving = 0;
    }
  });

  // rage_click: ≥ 3 clicks within 700 ms, each within 30 px of the first; reported when the burst ends
  let burst = null, burstTimer = 0;
  function describe(el) {                              // tag#id.class1.class2.class3, never text content
    el = el && el.nodeType === 1 ? el : el && el.parentElement;
    if (!el) return undefined;
    el = el.closest('a,button,input,select,textarea,label,summary,[role=button],[onclick]') || el;
    const cls = (el.getAttribute('class') || '').trim().split(/\s+/).filter(Boolean).slice(0, 3);
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (cls.length ? '.' + cls.join('.') : '');
  }
  function endBurst() {
    clearTimeout(burstTimer);
    const b = burst;
    burst = null;
    if (b && b.rage) track('rage_click', { clicks: Math.min(b.n, 100), target: b.target });
  }
  listen(w, 'click', (e) => {
    activity();
    if (!e.isTrusted || !e.detail) return;             // keyboard or scripted clicks have no position
    const t = Date.now(), x = e.clientX, y = e.clientY;
    if (burst && t - burst.t1 <= RAGE_MS && Math.hypot(x - burst.x, y - burst.y) <= RAGE_PX) {
      burst.n++;
      if (t - burst.t2 <= RAGE_MS) burst.rage = true;  // this click and the two before it within 700 ms
      burst.t2 = burst.t1;
      burst.t1 = t;
    } else {
      endBurst();
      burst = { x, y, n: 1, t1: t, t2: -Infinity, rage: false, target: describe(e.target) };
    }
    clearTimeout(burstTimer);
    burstTimer = setTimeout(endBurst, RAGE_MS);
  });

  // tab_hidden, and the last chance to deliver when the page is hidden or unloaded
  d.addEventListener('visibilitychange', () => {
    const hidden = d.visibilityState === 'hidden';
    track('tab_hidden', { hidden });
    if (hidden) beacon();
    else { activity(); lastBeat = Date.now(); }
  });
  w.addEventListener('pagehide', beacon);
  w.addEventListener('pageshow', (e) => { if (e.persisted) pageEvents().forEach(([t, f]) => track(t, f)); });   // back/forward cache
  w.addEventListener('online', () => { if (netDown) { retryAt = 0; flush(); } });
})();
