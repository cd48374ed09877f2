/*!
 * Salon widget — the shopper-side tracker and chat. Plain JavaScript, no dependencies, no build step.
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
 *   Salon.chat.open() / .close() / .state()  the shopper's chat (docs/chat-api.md): a "Want help?" launcher
 *                                          in a shadow root; data-chat="off" leaves the launcher out (the
 *                                          page opens the chat itself), while a chat in progress shows it.
 *   Salon.offers()                         the playbook offers shown on this page (read-only copies)
 *
 * Playbook offers (docs/api.md): an /api/track answer may carry `engage` offers ({id, kind: invite |
 * message, message, coupon: null | {code, label, kind, value, min_basket, expires_at}}). Each is shown
 * once per tab (ids remembered in sessionStorage salon_offers_seen) as a card by the launcher, in its
 * own shadow root (#salon-offers; hooks .salon-offer[data-offer-id][data-kind], .salon-offer-message,
 * .salon-offer-label, .salon-offer-code, .salon-offer-terms, .salon-offer-apply, .salon-offer-chat,
 * .salon-offer-dismiss, .salon-offer-close, .salon-offer-note). The widget reports `engagement` events:
 * shown, accepted ("Chat with us" opens the chat), dismissed ("No thanks", close, Escape), applied.
 * "Apply code" tells the store's checkout, which listens for it:
 *   window.addEventListener('salon:coupon', (e) => { apply(e.detail.code); e.preventDefault(); });
 *   e.detail = {code, label, kind, value, min_basket, expires_at}; preventDefault() = "applied", and the
 *   card says so (otherwise it tells the shopper to use the code at checkout).
 * An answer's `beat_ms` (a playbook watches this visit) makes the heartbeat come that many ms after the
 * last answer instead of every 30 s, also while the shopper is idle (up to 30 min without input), until
 * an answer comes without it.
 *
 * Delivery: events are batched (1 s / 20 events / 100 per request / < 60 KB), POSTed as text/plain
 * (no CORS preflight) to <widget origin>/api/track, kept in localStorage (salon_outbox) until the server
 * answers 2xx, retried with jittered exponential back-off on network errors, 5xx and 429 (Retry-After),
 * and sent with sendBeacon when the page is hidden or unloaded (to /api/track?beacon=1: nobody reads that
 * answer, so the server keeps any offer for the next one). The server deduplicates by event id.
 * Privacy: no request but /api/track until the shopper opens the chat (or has one in progress), ids only
 * in request bodies, the chat token only in an Authorization header, sensitive query parameters redacted.
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
    purchase: { order_id: S(64, 1), total: N(0, 1e7, 1), currency: { k: 'c' }, coupon: { k: 'r', re: /^[A-Za-z0-9-]{1,64}$/ }, discount: N(0, 1e7) },
    pointer_speed: { speed: N(0, 1e5, 1, 1) },
    idle: { seconds: N(0, 86400, 1, 1) },
    tab_hidden: { hidden: { k: 'b', req: 1 } },
    rage_click: { clicks: N(3, 100, 1, 1), target: S(200) },
    heartbeat: {},
    // what the shopper did with a playbook offer (sent by the offer card below)
    engagement: { offer_id: { k: 'r', re: HEX32, req: 1 }, action: { k: 'e', list: ['shown', 'accepted', 'dismissed', 'applied'], req: 1 } },
    // a store app says the shopper is near or in a store: Salon.track('presence', {state, location_id})
    presence: { state: { k: 'e', list: ['near', 'in_store', 'left'], req: 1 }, location_id: S(64), latitude: N(-90, 90), longitude: N(-180, 180) },
  };
  const NOISE = { pointer_speed: 1, idle: 1, tab_hidden: 1, heartbeat: 1, presence: 1 };   // not kept while awaiting consent (presence: a location)

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
      case 'r': return typeof v === 'string' && f.re.test(v) ? v : f.def;
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
  const on = (name, fn) => { (hooks[name] = hooks[name] || []).push(fn); };
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
      try { ok = nav.sendBeacon(endpoint + '?beacon=1', new Blob([b.json], { type: 'text/plain' })); } catch (e) { /* refused */ }
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

  // ------------------------------------------------------------------ chat (docs/chat-api.md)
  // The shopper's chat: a launcher and a panel in one open shadow root (#salon-widget), styled by a
  // constructed stylesheet (allowed under style-src 'self'); every text from the server or the page
  // is set with textContent. localStorage salon_chat = {conversation_id, token, last_seq, open,
  // status, pending: [{client_id, body, after}], email, vid, visit, closedAt}; it survives navigation,
  // and unacknowledged messages are re-sent after a reconnect (the server dedupes by client_id).
  // Before tracking consent a chat still works, with visitor and visit ids made for that chat only.
  Salon.chat = chatUI();
  Salon.offers = offersUI();

  function chatUI() {
    const K_CHAT = 'salon_chat', TITLE = 'Chat with us', ID = /^[\w-]{1,64}$/;
    const CSS = `
:host{all:initial!important;--a:var(--salon-accent,#1f1d1b);--f:var(--salon-accent-text,#fff);--m:#8a8277;--b:#ece5d9;--g:#b08d57}
*{box-sizing:border-box}
[hidden]{display:none!important}
#salon-launcher,#salon-panel{position:fixed;right:20px;z-index:2147483000;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f1d1b}
button,input,textarea{font:inherit;color:inherit;margin:0}
button{cursor:pointer}
button:disabled{cursor:default;opacity:.45}
:focus-visible{outline:2px solid var(--g);outline-offset:2px}
svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
#salon-launcher,.btn,#salon-send,.cb a,[data-sender=visitor] .salon-bubble,.hd{background:var(--a);color:var(--f)}
#salon-launcher{bottom:20px;display:flex;align-items:center;gap:8px;padding:12px 20px 12px 16px;border:0;border-radius:99px;font-weight:600;box-shadow:0 8px 24px #0003;transition:transform .15s}
#salon-launcher:hover{transform:translateY(-2px)}
.badge{min-width:20px;padding:0 6px;border-radius:10px;background:var(--g);font-size:12px;line-height:20px;text-align:center}
#salon-panel{bottom:86px;width:376px;max-width:calc(100vw - 24px);height:min(620px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;border-radius:18px;overflow:hidden;box-shadow:0 24px 60px #0004,0 4px 12px #0001;animation:up .2s ease-out}
@keyframes up{from{opacity:0;transform:translateY(10px)}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
.hd{display:flex;align-items:center;gap:8px;padding:16px 12px 14px 20px}
.tt{flex:1;min-width:0}
h2{margin:0;font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#salon-reference{display:block;font-size:12px;opacity:.65}
#salon-end{padding:5px 12px;border:1px solid #fff6;border-radius:99px;background:none;font-size:12.5px}
#salon-end:hover,.ib:hover{background:#fff2}
.ib{display:grid;place-items:center;width:34px;height:34px;border:0;border-radius:50%;background:none}
#salon-queue{padding:10px 20px;background:#f7f3ec;border-bottom:1px solid var(--b);color:#5c5448;font-size:13px}
.bd{flex:1;overflow-y:auto;padding:18px 16px;overscroll-behavior:contain}
.intro{margin:0 0 4px;font-size:15px}
.wait,.hint,.who,.sys,#salon-typing,.salon-push span{color:var(--m);font-size:12.5px}
.wait{margin:0 0 6px}
label{display:block;margin:14px 0 5px;color:#5c5448;font-size:12.5px;font-weight:600}
input,textarea{display:block;width:100%;padding:10px 12px;border:1px solid #ddd5c8;border-radius:10px;background:#fff;resize:none}
input:focus,textarea:focus{outline:0;border-color:var(--g);box-shadow:0 0 0 3px #b08d572e}
.hint{margin:5px 0 0}
.btn{display:block;width:100%;margin-top:16px;padding:11px;border:0;border-radius:10px;font-weight:600}
.err{margin:10px 0 0;color:#a8322a;font-size:13px}
#salon-queue:empty,.wait:empty,.err:empty,.note:empty,.salon-msg:empty{display:none}
#salon-messages{display:flex;flex-direction:column;gap:6px}
.salon-msg{display:flex;flex-direction:column;align-items:flex-start}
[data-sender=visitor]{align-items:flex-end}
.salon-bubble{max-width:82%;padding:9px 13px;border-radius:18px 18px 18px 6px;background:#f3efe8;white-space:pre-wrap;overflow-wrap:anywhere}
[data-sender=visitor] .salon-bubble{border-radius:18px 18px 6px 18px}
.pending .salon-bubble{opacity:.6}
.pending:after,.failed:after{margin:3px 4px 0;color:var(--m);font-size:11px;content:"Sending…"}
.failed:after{color:#a8322a;content:"Not sent"}
.who{margin:8px 0 3px 6px}
.sys{align-items:center;margin:6px 0;text-align:center}
.salon-card,.salon-push{width:82%;border:1px solid var(--b);border-radius:14px;box-shadow:0 1px 3px #0001}
.salon-card{display:flex;gap:12px;padding:10px}
.salon-card img{flex:none;width:72px;height:72px;border-radius:10px;object-fit:cover;background:#f3efe8}
.cb{display:flex;flex-direction:column;min-width:0;gap:2px}
b{font-weight:600;overflow-wrap:anywhere}
.pr{color:#5c5448;font-size:13px}
.cb a{align-self:flex-start;margin-top:4px;padding:4px 14px;border-radius:99px;font-size:12.5px;font-weight:600;text-decoration:none}
.salon-push{display:flex;flex-direction:column;padding:11px 14px;background:#fbf8f3;color:inherit;text-decoration:none}
.salon-tool{width:88%;max-width:100%;padding:12px 14px;border:1px solid var(--b);border-radius:14px;background:#fff;box-shadow:0 1px 3px #0001;box-sizing:border-box}
.salon-tool .tt{display:block;font-size:14.5px;letter-spacing:.01em}
.salon-tool p{margin:4px 0 8px;color:#5c5448;font-size:13px}
.salon-tool ul{margin:6px 0 0;padding:0;list-style:none}
.salon-tool .ti{display:flex;gap:10px;padding:8px 0;border-top:1px solid var(--b)}
.salon-tool .ti img{flex:none;width:56px;height:56px;border-radius:8px;object-fit:cover;background:#f3efe8}
.salon-tool .nt{color:#7a6f60;font-size:12px}
.salon-tool .tw{margin-top:8px;overflow-x:auto;-webkit-overflow-scrolling:touch}
.salon-tool table{border-collapse:collapse;font-size:12.5px;min-width:100%}
.salon-tool th,.salon-tool td{padding:5px 8px;border-bottom:1px solid var(--b);text-align:left;vertical-align:top;white-space:nowrap}
.salon-tool thead th{font-weight:600}
.salon-tool tbody th{font-weight:500;color:#5c5448}
.salon-tool .tl{display:inline-block;background:var(--a);color:var(--f);margin-top:10px;padding:8px 16px;min-height:32px;border-radius:99px;font-size:12.5px;font-weight:600;text-decoration:none;box-sizing:border-box}
.salon-push:hover{border-color:var(--g)}
.salon-push b:after{content:" →";color:var(--g)}
#salon-typing{padding:8px 6px 0;font-style:italic}
.end{margin-top:18px;padding:18px;border:1px solid var(--b);border-radius:16px;background:#fbf8f3;text-align:center}
h3{margin:0 0 4px;font-size:15px;font-weight:600}
.end p{margin:4px 0}
.end label{margin-top:18px;text-align:left}
.stars{display:flex;justify-content:center;margin:4px 0 10px}
.salon-star{padding:0 3px;border:0;background:none;color:#d9cfbe;font-size:30px;line-height:1.1}
.salon-star.on,.stars:hover .salon-star{color:var(--g)}
.stars .salon-star:hover~.salon-star{color:#d9cfbe}
.note{color:#5c5448;font-size:13px}
.row{display:flex;gap:8px}
#salon-transcript-send{flex:none;padding:0 16px;border:1px solid var(--a);border-radius:10px;background:#fff;font-weight:600}
.link{margin-top:16px;padding:4px;border:0;background:none;color:#5c5448;font-size:13px;text-decoration:underline}
.ft{display:flex;align-items:flex-end;gap:8px;padding:12px;border-top:1px solid var(--b)}
#salon-input{flex:1;min-height:42px;max-height:132px;padding:10px 14px;border-radius:20px;field-sizing:content}
#salon-send{display:grid;place-items:center;flex:none;width:42px;height:42px;border:0;border-radius:50%}
@media (max-width:480px){#salon-panel{right:0;bottom:0;width:100%;max-width:none;height:100%;border-radius:0}}
`;
    const BUSY = 'Everyone is busy right now — we\'ll answer as soon as someone is free';
    let origin = '';
    try { origin = new URL(tag.src).origin; } catch (e) { /* no tag */ }
    const ok = !off && !!origin && !!w.WebSocket;
    const showLauncher = !tag || tag.getAttribute('data-chat') !== 'off';
    let st = null;              // the stored conversation (see above); null when there is none
    let spare = null;           // {conversation_id, token} of a closed chat, for rating and transcript
    let ui = null, cur = '', statusInfo = null, ids = null;
    let ws = null, ready = false, tries = 0, retryTimer = 0, downSince = 0, lastFrame = 0, pingAt = 0;
    let authErr = false, needHistory = false, posting = false, pollAt = 0, ticker = 0;
    let typingAt = 0, typingOn = false, typingIdle = 0, typingHide = 0;
    let score = 0, rated = false, unread = 0, busy = false, agent = '';
    const byId = new Map(), pendEl = new Map(), done = new Set();

    // ---------------------------------------------------------------- storage and requests
    function load() {
      let s = null;
      try { s = JSON.parse(lsGet(K_CHAT) || 'null'); } catch (e) { /* corrupt */ }
      if (!s || typeof s !== 'object' || !ID.test(s.conversation_id) || typeof s.token !== 'string' || !s.token) return null;
      s.last_seq = Math.max(0, +s.last_seq || 0);
      s.pending = (Array.isArray(s.pending) ? s.pending : []).filter((p) => p && /^[\w-]{8,64}$/.test(p.client_id) && typeof p.body === 'string').slice(-50);
      return s;
    }
    // Write our state; keep what another tab of the same chat is still sending, and the highest seq.
    function persist() {
      if (!st) return;
      const old = load(), out = Object.assign({}, st);
      if (old && old.conversation_id === st.conversation_id) {
        const mine = new Set(st.pending.map((p) => p.client_id));
        out.pending = st.pending.concat(old.pending.filter((p) => !mine.has(p.client_id) && !done.has(p.client_id)));
        out.last_seq = Math.max(st.last_seq, old.last_seq);
      } else if (!old && st.status === 'closed') return;      // another tab finished this chat
      lsSet(K_CHAT, JSON.stringify(out));
    }
    const path = (c) => '/api/chat/conversations/' + (c || st).conversation_id;
    async function req(method, url, body, auth) {
      const h = {}, t = auth || st;
      if (body) h['Content-Type'] = 'application/json';
      if (t && t.token) h.Authorization = 'Bearer ' + t.token;
      try {
        const r = await fetch(origin + url, {
          method, headers: h, body: body ? JSON.stringify(body) : undefined,
          credentials: 'omit', mode: 'cors', cache: 'no-store', referrerPolicy: 'no-referrer',
        });
        const j = await r.json().catch(() => null);
        return { s: r.status, j: j && typeof j === 'object' ? j : {} };
      } catch (e) { return { s: 0, j: {} }; }
    }
    const okay = (r) => r.s >= 200 && r.s < 300;
    const conv = (j) => (j && j.conversation) || j;

    // ---------------------------------------------------------------- DOM
    function el(name, attrs, kids) {
      const e = d.createElement(name);
      for (const k in attrs || {}) {
        const v = attrs[k];
        if (v == null || v === false) continue;
        if (k === 'text') e.textContent = v; else e.setAttribute(k, v === true ? '' : v);
      }
      (kids || []).forEach((c) => c && e.append(c));
      return e;
    }
    function icon(p) {
      const NS = 'http://www.w3.org/2000/svg', s = d.createElementNS(NS, 'svg'), q = d.createElementNS(NS, 'path');
      s.setAttribute('viewBox', '0 0 24 24');
      s.setAttribute('aria-hidden', 'true');
      q.setAttribute('d', p);
      s.append(q);
      return s;
    }
    const tap = (e, fn) => e.addEventListener('click', fn);
    const field = (id, label, input, hint) => [el('label', { for: id, text: label }), input, hint && el('p', { class: 'hint', id: id + '-hint', text: hint })];

    function build() {
      if (ui || !d.body) return;
      const host = el('div', { id: 'salon-widget' });
      const root = host.attachShadow({ mode: 'open' });
      try { const s = new CSSStyleSheet(); s.replaceSync(CSS); root.adoptedStyleSheets = [s]; } catch (e) { root.append(el('style', { text: CSS })); }
      const u = ui = { root };
      const q = (k, e) => (u[k] = e);
      q('launch', el('button', { id: 'salon-launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'salon-panel', hidden: !showLauncher }, [
        icon('M21 11.5a8.4 8.4 0 0 1-9 8.4 8.6 8.6 0 0 1-3.8-.9L3 21l1.9-5.2A8.4 8.4 0 0 1 12 3a8.5 8.5 0 0 1 9 8.5z'),
        q('label', el('span', { text: 'Want help?' })), q('badge', el('span', { class: 'badge', hidden: true }))]));
      const stars = [1, 2, 3, 4, 5].map((n) => el('button', { type: 'button', class: 'salon-star', 'data-score': n, 'aria-pressed': 'false', 'aria-label': n + (n > 1 ? ' stars' : ' star'), text: '★' }));
      u.stars = stars;
      q('panel', el('div', { id: 'salon-panel', role: 'dialog', 'aria-labelledby': 'salon-title', hidden: true }, [
        el('div', { class: 'hd' }, [
          el('div', { class: 'tt' }, [q('title', el('h2', { id: 'salon-title', text: TITLE })), q('ref', el('span', { id: 'salon-reference' }))]),
          q('end', el('button', { id: 'salon-end', type: 'button', hidden: true, text: 'End chat' })),
          q('min', el('button', { id: 'salon-close', class: 'ib', type: 'button', 'aria-label': 'Minimise chat' }, [icon('M6 9l6 6 6-6')]))]),
        q('queue', el('div', { id: 'salon-queue', role: 'status' })),
        q('body', el('div', { class: 'bd' }, [
          q('form', el('form', { id: 'salon-form', hidden: true }, [
            q('intro', el('p', { class: 'intro', text: 'Hello! Ask us anything — a real person from our team will answer here.' })),
            q('wait', el('p', { class: 'wait' })),
            ...field('salon-first-message', 'Your question', q('first', el('textarea', { id: 'salon-first-message', rows: 3, maxlength: 10000, placeholder: 'How can we help?' }))),
            ...field('salon-name', 'Name (optional)', q('name', el('input', { id: 'salon-name', autocomplete: 'name', maxlength: 100 }))),
            ...field('salon-email', 'E-mail (optional)', q('email', el('input', { id: 'salon-email', type: 'email', autocomplete: 'email', maxlength: 254, 'aria-describedby': 'salon-email-hint' })), 'Only needed if you want a copy of the chat by e-mail.'),
            q('start', el('button', { id: 'salon-start', class: 'btn', type: 'submit', text: 'Start chat' })),
            q('err', el('p', { class: 'err', role: 'alert' }))])),
          q('msgs', el('div', { id: 'salon-messages', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' })),
          q('typing', el('div', { id: 'salon-typing', hidden: true })),
          q('closed', el('div', { id: 'salon-closed', class: 'end', hidden: true }, [
            el('h3', { text: 'Thanks for chatting with us' }),
            q('rateBox', el('div', {}, [
              el('p', { id: 'salon-rate-q', text: 'How did we do?' }),
              el('div', { class: 'stars', role: 'group', 'aria-labelledby': 'salon-rate-q' }, stars),
              q('comment', el('textarea', { id: 'salon-rating-comment', rows: 2, maxlength: 2000, placeholder: 'Anything to add? (optional)', 'aria-label': 'Comment (optional)' })),
              q('rate', el('button', { id: 'salon-rate', class: 'btn', type: 'button', disabled: true, text: 'Send rating' }))])),
            q('rateNote', el('p', { class: 'note', role: 'status' })),
            el('label', { for: 'salon-transcript-email', text: 'E-mail me the transcript' }),
            el('div', { class: 'row' }, [
              q('temail', el('input', { id: 'salon-transcript-email', type: 'email', autocomplete: 'email', placeholder: 'you@example.com' })),
              q('tsend', el('button', { id: 'salon-transcript-send', type: 'button', text: 'Send' }))]),
            q('tnote', el('p', { class: 'note', role: 'status' })),
            q('again', el('button', { id: 'salon-new', class: 'link', type: 'button', text: 'Start a new chat' }))]))])),
        q('composer', el('div', { class: 'ft', hidden: true }, [
          q('input', el('textarea', { id: 'salon-input', rows: 1, maxlength: 10000, placeholder: 'Write a message…', 'aria-label': 'Your message' })),
          q('send', el('button', { id: 'salon-send', type: 'button', 'aria-label': 'Send' }, [icon('M12 19V5M5 12l7-7 7 7')]))]))]));
      root.append(u.launch, u.panel);

      tap(u.launch, () => (u.panel.hidden ? open(true) : hide()));
      tap(u.min, hide);
      u.panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); hide(); } });
      u.form.addEventListener('submit', start);
      tap(u.send, () => { sendText(u.input.value) && (u.input.value = ''); grow(); u.input.focus(); });
      u.input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); u.send.click(); }
      });
      u.input.addEventListener('input', () => { grow(); typed(); });
      tap(u.end, endChat);
      stars.forEach((b) => tap(b, () => pick(+b.dataset.score)));
      tap(u.rate, rate);
      tap(u.tsend, transcript);
      tap(u.again, () => { forget(); clear(); view('start'); status(); u.first.focus(); });
      d.body.append(host);
    }
    function grow() { ui.input.rows = Math.min(5, ui.input.value.split('\n').length); }

    function view(v) {
      cur = v;
      ui.form.hidden = v !== 'start';
      ui.msgs.hidden = v === 'start';
      ui.composer.hidden = ui.end.hidden = v !== 'chat';
      ui.closed.hidden = v !== 'closed';
      if (v !== 'chat') typing(false);
      if (v !== 'start') ui.launch.hidden = false;
      ui.label.textContent = v === 'start' ? 'Want help?' : 'Your chat';
    }
    function open(focus) {
      if (!ok) return;
      build();
      if (!ui) return;
      if (!st && cur !== 'start' && (rated || !spare)) { clear(); view('start'); }
      if (cur === 'start' && !statusInfo) status();
      ui.panel.hidden = false;
      ui.launch.setAttribute('aria-expanded', 'true');
      unread = 0;
      badge();
      if (st && !st.open) { st.open = true; persist(); }
      ui.body.scrollTop = 1e9;
      if (focus) (cur === 'start' ? ui.first : cur === 'chat' ? ui.input : rated ? ui.temail : ui.stars[0]).focus();
    }
    function hide() {
      if (!ui || ui.panel.hidden) return;
      ui.panel.hidden = true;
      ui.launch.setAttribute('aria-expanded', 'false');
      if (st) { st.open = false; persist(); }
      ui.launch.focus();
    }
    function badge() {
      ui.badge.hidden = !unread;
      ui.badge.textContent = unread > 9 ? '9+' : String(unread);
      if (unread) ui.launch.setAttribute('aria-label', 'Your chat: ' + unread + ' new'); else ui.launch.removeAttribute('aria-label');
    }
    function clear() {                                 // empty the panel for a new chat
      ui.msgs.replaceChildren();
      byId.clear(); pendEl.clear(); done.clear();
      ui.queue.textContent = ui.ref.textContent = ui.err.textContent = ui.rateNote.textContent = ui.tnote.textContent = '';
      ui.title.textContent = TITLE;
      ui.rateBox.hidden = false;
      ui.comment.value = '';
      pick(0);
      rated = false;
      spare = null;
    }

    // ---------------------------------------------------------------- starting
    async function status() {
      const r = await req('GET', '/api/chat/status?site_key=' + encodeURIComponent(siteKey), null, {});
      statusInfo = r.s === 200 ? r.j : { open: true };
      const away = statusInfo.open === false, eta = statusInfo.eta_seconds;
      ui.intro.textContent = away ? 'Our team is away right now. Leave a message and we\'ll answer as soon as we\'re back.'
        : 'Hello! Ask us anything — a real person from our team will answer here.';
      ui.wait.textContent = away ? '' : statusInfo.available === 0 || (r.s === 200 && eta == null) ? BUSY
        : typeof eta === 'number' ? 'Typical wait: ' + wait(eta) : '';
      ui.start.textContent = away ? 'Leave a message' : 'Start chat';
    }
    function wait(s) {
      const m = Math.round(s / 60);
      return s < 45 ? 'less than a minute' : 'about ' + Math.max(1, m) + (m > 1 ? ' minutes' : ' minute');
    }
    async function start(e) {
      e.preventDefault();
      if (busy || st) return;
      const val = (x) => x.value.trim();
      ids = ids || [randomHex(16), randomHex(16)];  // without tracking consent: ids for this chat only
      const body = { site_key: siteKey, visitor_id: visitorId() || ids[0], visit_id: methods.visitId() || ids[1] };
      const name = val(ui.name), email = val(ui.email), text = val(ui.first);
      if (name) body.name = cut(name, 100);
      if (email) body.email = email;
      if (text) body.message = cut(text, 10000);
      busy = ui.start.disabled = true;
      ui.err.textContent = '';
      let r = await req('POST', '/api/chat/conversations', body, {}), token = r.j.token, back = false;
      const held = load() || spare;
      if (r.s === 409 && held && ((r.j.error || {}).code === 'open_conversation')) {
        delete body.message;                           // sent below as an ordinary message instead
        r = await req('POST', '/api/chat/conversations', body, held);
        token = r.j.token || held.token;
        back = true;
      }
      busy = ui.start.disabled = false;
      const c = conv(r.j);
      if (okay(r) && c && ID.test(c.id) && token) {
        ui.form.reset();
        spare = null;
        adopt({ conversation_id: c.id, token, last_seq: 0, open: true, pending: [], status: c.status,
          email: c.email || email || null, vid: body.visitor_id, visit: body.visit_id }, c, back);
        if (back && text) sendText(text);
        ui.input.focus();
        return;
      }
      const f = (r.j.error || {}).field || '';
      ui.err.textContent = r.s === 409 ? 'You already have a chat open — please continue it in your other window.'
        : r.s === 429 ? 'Too many chats started from here — please try again in a minute.'
          : r.s === 0 ? 'We couldn\'t connect. Please check your connection and try again.'
            : r.s === 422 && /email/.test(f) ? 'Please check your e-mail address.' : 'Something went wrong — please try again.';
    }

    // Take over a conversation (new, recovered, or from storage on a new page) and connect to it.
    function adopt(s, c, hist) {
      st = s;
      persist();
      build();
      view(st.status === 'closed' ? 'closed' : 'chat');
      st.pending.forEach(bubble);
      if (c) state(c);
      if (hist) history(0);
      downSince = Date.now();
      if (st.status === 'closed') check(); else connect();
      if (st.open) open(false);
      if (!ticker) ticker = setInterval(tick, 3000);
    }
    function drop() {                                  // let go of the chat in this page
      if (st) spare = { conversation_id: st.conversation_id, token: st.token };
      st = null;
      stopSocket();
    }
    function forget() { drop(); lsSet(K_CHAT, null); }   // ...and everywhere: it is over (or gone)
    function lost() {                                  // 404: wrong token or erased conversation
      forget();
      clear();
      view('start');
      ui.err.textContent = 'This chat is no longer available. You can start a new one.';
    }

    // ---------------------------------------------------------------- the socket
    function connect() {
      clearTimeout(retryTimer);
      if (!st || ws || st.status === 'closed') return;
      let s;
      try { s = new WebSocket(origin.replace(/^http/, 'ws') + '/ws/chat'); } catch (e) { later(); return; }
      ws = s;
      ready = authErr = false;
      s.onopen = () => ws === s && st && s.send(JSON.stringify({ type: 'hello', site_key: siteKey, conversation_id: st.conversation_id, token: st.token, last_seq: st.last_seq }));
      s.onmessage = (e) => {
        if (ws !== s) return;
        lastFrame = Date.now();
        let f = null;
        try { f = JSON.parse(e.data); } catch (x) { /* not JSON */ }
        if (f && typeof f === 'object') frame(f);
      };
      s.onclose = (e) => {
        if (ws !== s) return;
        const was = ready;
        ws = null;
        ready = false;
        if (was) downSince = Date.now();
        if (!st || st.status === 'closed') return;
        if (authErr || e.code === 1008 || e.code >= 4000) check(); else later();
      };
    }
    function stopSocket() {
      clearTimeout(retryTimer);
      const s = ws;
      ws = null;
      ready = false;
      if (s) try { s.close(1000); } catch (e) { /* already closed */ }
    }
    function later() {                                 // exponential back-off with jitter, cap 30 s
      clearTimeout(retryTimer);
      if (!st || st.status === 'closed') return;
      const cap = Math.min(30000, 500 * Math.pow(2, Math.min(tries++, 8)));
      retryTimer = setTimeout(connect, cap / 2 + Math.random() * cap / 2);
    }
    async function check() {                           // after an auth error: is the chat still ours?
      if (!st) return;
      const id = st.conversation_id, r = await req('GET', path());
      if (!st || st.conversation_id !== id) return;
      if (r.s === 404) { lost(); return; }
      if (r.s === 200) state(conv(r.j));
      later();
    }
    function wsSend(o) {
      if (!ws || !ready) return false;
      try { ws.send(JSON.stringify(o)); return true; } catch (e) { return false; }
    }
    function frame(f) {
      switch (f.type) {
        case 'state':
          state(f.conversation);
          if (!ready && ws) {
            ready = true;
            tries = 0;
            if (needHistory) history(0);
            flush(true);
          }
          break;
        case 'message': msg(f.message, f.replay !== false); break;
        case 'ack': if (typeof f.client_id === 'string') acked(f.client_id, f.id, f.seq); break;
        case 'typing': typing(!!f.on, f.name); break;
        case 'resync': history(0); break;
        case 'error':
          if (f.code === 'resync') history(0);
          else if (typeof f.client_id === 'string') failed(f.client_id);
          else authErr = true;
      }
    }
    // (Re-)send what is not acknowledged: all of it after a (re)connect, else what waited 15 s.
    function flush(all) {
      const now = Date.now();
      if (st) st.pending.forEach((p) => { if ((all || now - (p.t || 0) > 15000) && wsSend({ type: 'send', client_id: p.client_id, body: p.body })) p.t = now; });
    }
    // Every 3 s: keep the socket alive; when it has been down for a while, send and poll over HTTP.
    function tick() {
      const now = Date.now();
      if (!st || st.status === 'closed') return;
      if (ready) {
        if (now - lastFrame > 70000) ws.close();
        else if (now - pingAt > 25000) { pingAt = now; wsSend({ type: 'ping' }); }
        flush(false);
        return;
      }
      if (now - downSince < 8000) return;
      if (st.pending.length && !posting) post();
      if (now - pollAt > 10000) { pollAt = now; history(st.last_seq); }
    }
    async function post() {
      posting = true;
      while (st && !ready && st.pending.length) {
        const p = st.pending[0], id = st.conversation_id;
        const r = await req('POST', path() + '/messages', { client_id: p.client_id, body: p.body });
        if (!st || st.conversation_id !== id) break;
        if (okay(r)) acked(p.client_id, r.j.id, r.j.seq);
        else if (r.s === 404) { lost(); break; } else if (r.s >= 400 && r.s < 500 && r.s !== 408 && r.s !== 429) failed(p.client_id);
        else break;
      }
      posting = false;
    }
    async function history(after) {
      if (!st) return;
      const id = st.conversation_id, r = await req('GET', path() + '/messages?after=' + after);
      if (!st || st.conversation_id !== id) return;
      if (r.s === 404) { lost(); return; }
      needHistory = !(r.s === 200 && Array.isArray(r.j.messages));
      if (!needHistory) r.j.messages.forEach((m) => msg(m, true));
    }

    // ---------------------------------------------------------------- rendering
    function state(c) {
      if (!c || typeof c !== 'object' || !st) return;
      st.status = c.status === 'closed' || c.status === 'active' ? c.status : 'queued';
      if (c.email && !st.email) st.email = c.email;
      const a = agent = c.associate && c.associate.name ? String(c.associate.name) : '', q = c.queue;
      ui.ref.textContent = c.reference ? 'Ref. ' + c.reference : '';
      ui.title.textContent = a || TITLE;
      ui.queue.textContent = st.status === 'closed' ? 'This chat has ended.'
        : a && st.status === 'active' ? a + ' has joined'
          : c.offline ? 'We\'re away right now — we\'ll answer here as soon as we\'re back' + (st.email ? ', and by e-mail.' : '.')
            : q && q.position ? 'You are number ' + q.position + ' in line — '
              + (q.eta_seconds != null ? wait(q.eta_seconds) : 'everyone is busy, we\'ll answer as soon as someone is free') : BUSY;
      if (st.status === 'closed') {
        if (c.rating && !rated) { forget(); clear(); view('start'); return; }   // finished on another page
        st.closedAt = st.closedAt || Date.now();
        spare = { conversation_id: st.conversation_id, token: st.token };
        stopSocket();
        const moveFocus = [ui.input, ui.end, ui.send].indexOf(ui.root.activeElement) >= 0;
        view('closed');
        if (moveFocus) ui.stars[0].focus();
        ui.temail.value = ui.temail.value || st.email || '';
        ui.body.scrollTop = 1e9;
      }
      persist();
    }
    const atEnd = () => ui.body.scrollHeight - ui.body.scrollTop - ui.body.clientHeight < 60;
    function msg(m, replay) {
      if (!m || typeof m !== 'object' || !st || m.kind === 'note') return;
      const seq = +m.seq || 0, near = atEnd();
      if (seq > st.last_seq) { st.last_seq = seq; persist(); }
      if (!ID.test(m.id) || byId.has(m.id)) return;
      if (m.sender === 'visitor') {                    // our own message coming back: match the pending one
        const p = st.pending.find((x) => (m.client_id ? x.client_id === m.client_id : x.body === m.body && seq > x.after));
        if (p && acked(p.client_id, m.id, seq)) return;
      }
      const e = render(m);
      byId.set(m.id, e);
      place(e, seq);
      const prev = e.previousElementSibling;
      if (m.sender === 'associate' && m.author && m.kind !== 'page_push' && !(prev && prev.dataset.author === String(m.author))) {
        e.prepend(el('div', { class: 'who', text: m.author }));
      }
      if (near) ui.body.scrollTop = 1e9;
      if (replay || m.sender === 'visitor') return;
      typing(false);
      if (ui.panel.hidden) { unread++; badge(); }
      const data = m.data || {}, url = safe(data.url);
      if (m.kind === 'page_push' && data.mode === 'navigate' && url && !d.hidden) {
        persist();
        location.assign(url);
      }
    }
    function render(m) {
      const data = m.data && typeof m.data === 'object' ? m.data : {}, kind = String(m.kind || 'text');
      const url = safe(data.url), img = picture(data.image);
      const e = el('div', { class: 'salon-msg' + (kind === 'system' ? ' sys' : ''), 'data-seq': m.seq, 'data-kind': kind,
        'data-sender': String(m.sender || 'system'), 'data-id': m.id, 'data-author': m.author, title: when(m.created_at) });
      if (kind === 'product_card') {
        e.append(el('div', { class: 'salon-card' }, [
          img && el('img', { src: img, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' }),
          el('div', { class: 'cb' }, [el('b', { text: data.name || m.body || 'Product' }),
            el('span', { class: 'pr', text: money(data) }), url && el('a', { href: url, text: 'View' })])]));
      } else if (kind === 'card' && data.card && typeof data.card === 'object') {
        e.append(toolCard(data.card));
      } else if (kind === 'page_push' && url) {
        e.append(el('a', { class: 'salon-push', href: url }, [
          el('span', { text: (m.author || 'We') + ' suggests:' }), el('b', { text: data.title || m.body || url })]));
      } else if (m.body) e.append(el('div', { class: kind === 'system' ? 'line' : 'salon-bubble', text: m.body }));
      return e;
    }
    function toolCard(c) {                             // any tool's card: every string as text, links http(s) only
      const str = (v) => (v == null ? '' : String(v)), link = safe(c.link_url);
      const items = (Array.isArray(c.items) ? c.items : []).slice(0, 8).map((it) => {
        const im = picture(it && it.image), u = safe(it && it.url);
        return el('li', { class: 'ti' }, [im && el('img', { src: im, alt: '', loading: 'lazy', referrerpolicy: 'no-referrer' }),
          el('div', { class: 'cb' }, [el('b', { text: str(it && it.name) }), el('span', { class: 'pr', text: money(it || {}) }),
            it && it.note && el('span', { class: 'nt', text: str(it.note) }), u && el('a', { href: u, text: 'View' })])]);
      });
      const t = c.table && Array.isArray(c.table.columns) ? c.table : null;
      const table = t && el('div', { class: 'tw', tabindex: '0', role: 'region', 'aria-label': str(c.title) }, [el('table', {}, [
        el('thead', {}, [el('tr', {}, t.columns.map((h) => el('th', { scope: 'col', text: str(h) })))]),
        el('tbody', {}, (Array.isArray(t.rows) ? t.rows : []).slice(0, 40).map((r) =>
          el('tr', {}, (Array.isArray(r) ? r : []).map((v, i) => el(i ? 'td' : 'th', i ? { text: str(v) } : { scope: 'row', text: str(v) })))))])]);
      return el('div', { class: 'salon-tool', 'data-card-kind': str(c.kind) }, [el('b', { class: 'tt', text: str(c.title) }),
        c.text && el('p', { text: str(c.text) }), items.length && el('ul', {}, items), table,
        link && el('a', { class: 'tl', href: link, text: str(c.link_label) || 'View' })]);
    }
    function place(e, seq) {                           // in seq order, before the pending ones
      let ref = null;
      for (const c of ui.msgs.children) {
        if (c !== e && (c.classList.contains('pending') || +c.dataset.seq > seq)) { ref = c; break; }
      }
      ui.msgs.insertBefore(e, ref);
    }
    function bubble(p) {
      const e = el('div', { class: 'salon-msg pending', 'data-kind': 'text', 'data-sender': 'visitor', 'data-client-id': p.client_id },
        [el('div', { class: 'salon-bubble', text: p.body })]);
      pendEl.set(p.client_id, e);
      ui.msgs.append(e);
    }
    function safe(u) {                                 // http(s) links only
      try { const x = new URL(String(u), location.href); return /^https?:$/.test(x.protocol) ? x.href : ''; } catch (e) { return ''; }
    }
    function picture(u) {                              // https, or from the page's or Salon's origin
      const x = u ? safe(u) : '';
      return x && (/^https:/.test(x) || [location.origin, origin].indexOf(new URL(x).origin) >= 0) ? x : '';
    }
    function money(x) {
      if (x.price == null || x.price === '' || !isFinite(x.price)) return '';
      const n = +x.price, f = n % 1 ? 2 : 0;
      try { return new Intl.NumberFormat(nav.language || undefined, { style: 'currency', currency: String(x.currency || 'EUR'), minimumFractionDigits: f, maximumFractionDigits: f }).format(n); } catch (e) { return x.price + ' ' + (x.currency || ''); }
    }
    function when(t) { const x = new Date(t); return t && !isNaN(x) ? x.toLocaleString() : null; }
    function typing(on, name) {
      clearTimeout(typingHide);
      if (!ui) return;
      const near = atEnd();
      ui.typing.hidden = !on;
      if (!on) return;
      ui.typing.textContent = String(name || agent || 'Someone') + ' is typing…';
      typingHide = setTimeout(() => typing(false), 8000);
      if (near) ui.body.scrollTop = 1e9;
    }

    // ---------------------------------------------------------------- sending
    function sendText(text) {
      text = cut(String(text || '').trim(), 10000);
      if (!text || !st || st.status === 'closed') return false;
      const p = { client_id: randomHex(12), body: text, after: st.last_seq };
      st.pending.push(p);
      persist();
      bubble(p);
      ui.body.scrollTop = 1e9;
      quiet();
      flush(false);                                    // sends this one (never sent) and any stale ones
      return true;
    }
    // The server has the message (ack, HTTP answer, or the message itself came back): no longer pending.
    function acked(cid, id, seq) {
      if (!st) return null;
      const i = st.pending.findIndex((p) => p.client_id === cid);
      if (i >= 0) st.pending.splice(i, 1);
      done.add(cid);
      persist();
      const e = pendEl.get(cid);
      pendEl.delete(cid);
      if (!e) return null;
      if (!ID.test(id) || byId.has(id)) { e.remove(); return e; }
      e.classList.remove('pending');
      e.dataset.seq = seq;
      e.dataset.id = id;
      byId.set(id, e);
      place(e, +seq || 0);
      return e;
    }
    function failed(cid) {                             // rejected for good (4xx): say so, stop re-sending
      const e = pendEl.get(cid);
      pendEl.delete(cid);
      acked(cid);
      if (e) { e.classList.remove('pending'); e.classList.add('failed'); }
    }
    function typed() {                                 // typing on: at most every 2 s; off after 3 s idle
      const now = Date.now();
      if (now - typingAt > 2000 && wsSend({ type: 'typing', on: true })) { typingAt = now; typingOn = true; }
      clearTimeout(typingIdle);
      typingIdle = setTimeout(quiet, 3000);
    }
    function quiet() {
      clearTimeout(typingIdle);
      if (typingOn) wsSend({ type: 'typing', on: false });
      typingOn = false;
      typingAt = 0;
    }

    // ---------------------------------------------------------------- ending, rating, transcript
    async function endChat() {
      if (!st || busy) return;
      busy = true;
      const r = await req('POST', path() + '/close', {});
      busy = false;
      if (okay(r)) state(conv(r.j)); else if (r.s === 404) lost();
    }
    function pick(n) {
      score = n;
      ui.stars.forEach((b) => { const s = +b.dataset.score; b.classList.toggle('on', s <= n); b.setAttribute('aria-pressed', String(s === n)); });
      ui.rate.disabled = !n;
    }
    async function rate() {
      if (!score || !spare || busy) return;
      busy = ui.rate.disabled = true;
      const comment = ui.comment.value.trim(), body = { score };
      if (comment) body.comment = cut(comment, 2000);
      const r = await req('POST', path(spare) + '/rating', body, spare);
      busy = ui.rate.disabled = false;
      if (okay(r) || r.s === 409) {
        rated = true;
        ui.rateBox.hidden = true;
        ui.rateNote.textContent = 'Thank you for your feedback.';
        ui.body.scrollTop = 1e9;
        if (st) forget();
        ui.tsend.focus();
      } else ui.rateNote.textContent = 'We couldn\'t send your rating — please try again.';
    }
    async function transcript() {
      if (!spare || busy) return;
      const email = ui.temail.value.trim();
      if (!email) { ui.tnote.textContent = 'Please enter your e-mail address.'; return; }
      busy = ui.tsend.disabled = true;
      const r = await req('POST', path(spare) + '/transcript', email ? { email } : {}, spare);
      busy = ui.tsend.disabled = false;
      ui.tnote.textContent = okay(r) ? 'We\'ve sent the transcript to ' + (r.j.sent_to || email) + '.'
        : r.s === 422 ? 'Please check your e-mail address.' : 'We couldn\'t send it — please try again.';
      ui.body.scrollTop = 1e9;
    }

    // ---------------------------------------------------------------- page life
    function boot() {
      let s = load();
      if (s && s.status === 'closed' && !(Date.now() - (s.closedAt || 0) < 36e5)) { lsSet(K_CHAT, null); s = null; }
      if (s) adopt(s, null, true); else if (showLauncher) { build(); view('start'); }
    }
    if (ok) {
      if (d.body) boot(); else d.addEventListener('DOMContentLoaded', boot);
      w.addEventListener('pagehide', () => { if (ws) { stopSocket(); downSince = Date.now(); } });
      w.addEventListener('pageshow', (e) => { if (e.persisted && st) connect(); });
      w.addEventListener('online', () => { if (st && !ws) connect(); });
      d.addEventListener('visibilitychange', () => { if (!d.hidden && st && !ws) connect(); });
      w.addEventListener('storage', (e) => {           // another tab started, ended or finished a chat
        if (e.key !== K_CHAT && e.key !== null) return;
        const s = load();
        if (s ? st && s.conversation_id === st.conversation_id : !st || st.status === 'closed') return;
        if (st) drop();
        if (ui) clear();
        if (s) adopt(s, null, true); else if (ui) view('start');
      });
    }
    return {
      open: () => { if (d.body) open(true); else d.addEventListener('DOMContentLoaded', () => open(true)); },
      close: hide,
      state: () => ({ status: st ? st.status : 'none', conversation_id: st ? st.conversation_id : null, last_seq: st ? st.last_seq : 0 }),
    };
  }

  // ------------------------------------------------------------------ playbook offers (see the header)
  // A card per offer by the launcher, in its own open shadow root; every string from the answer is
  // text (textContent), since a store writes the messages and a playbook fills them in.
  function offersUI() {
    const K_SEEN = 'salon_offers_seen', KINDS = ['invite', 'message'];
    const shown = [], mine = new Set();
    let host = null, stack = null;
    const CSS = `
:host{all:initial!important}
*{box-sizing:border-box}
[hidden]{display:none!important}
.stack{position:fixed;right:20px;bottom:86px;z-index:2147483001;display:flex;flex-direction:column;gap:10px;width:330px;max-width:calc(100vw - 24px);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f1d1b}
.salon-offer{position:relative;padding:16px 18px;border:1px solid #ece5d9;border-radius:16px;background:#fff;box-shadow:0 18px 48px #0003,0 3px 10px #0001;animation:up .2s ease-out}
@keyframes up{from{opacity:0;transform:translateY(10px)}}
@media (prefers-reduced-motion:reduce){*{animation:none!important}}
button{font:inherit;margin:0;cursor:pointer}
:focus-visible{outline:2px solid #b08d57;outline-offset:2px}
.salon-offer-message{margin:0 26px 0 0;white-space:pre-wrap;overflow-wrap:anywhere}
.cp{margin-top:12px;padding:12px;border:1px dashed #b08d57;border-radius:12px;background:#fbf8f3}
.salon-offer-label{display:block;font-size:16px;font-weight:700}
.salon-offer-code{display:inline-block;margin:6px 0 2px;padding:4px 10px;border-radius:8px;background:#fff;border:1px solid #ddd5c8;font:600 15px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.06em;user-select:all;overflow-wrap:anywhere}
.salon-offer-terms,.salon-offer-note{margin:4px 0 0;color:#5c5448;font-size:12.5px}
.salon-offer-note:empty{display:none}
.acts{display:flex;gap:8px;margin-top:12px}
.pri,.sec{flex:1;padding:9px 12px;border-radius:10px;font-weight:600}
.pri{border:0;background:var(--salon-accent,#1f1d1b);color:var(--salon-accent-text,#fff)}
.sec{border:1px solid #ddd5c8;background:#fff;color:#1f1d1b}
.salon-offer-apply{width:100%;margin-top:8px}
.salon-offer-close{position:absolute;top:8px;right:8px;width:30px;height:30px;border:0;border-radius:50%;background:none;color:#5c5448;font-size:20px;line-height:1}
.salon-offer-close:hover{background:#f3efe8}
`;
    function el(name, attrs, kids) {
      const e = d.createElement(name);
      for (const k in attrs) if (attrs[k] != null) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); }
      (kids || []).forEach((c) => c && e.append(c));
      return e;
    }
    function seen() {
      try { const a = JSON.parse(w.sessionStorage.getItem(K_SEEN) || '[]'); return Array.isArray(a) ? a : []; } catch (e) { return []; }
    }
    function remember(id) {
      mine.add(id);
      try { w.sessionStorage.setItem(K_SEEN, JSON.stringify(seen().concat(id).slice(-100))); } catch (e) { /* blocked: this page still knows */ }
    }
    const text = (v, max) => (typeof v === 'string' ? cut(v, max) : typeof v === 'number' && isFinite(v) ? String(v) : '');
    const num = (v) => (typeof v === 'number' && isFinite(v) ? v : typeof v === 'string' && v.trim() && isFinite(+v) ? +v : null);
    // The offer as we keep it: known fields only, strings cut, a coupon without a code is no coupon.
    function tidy(o) {
      if (!o || typeof o !== 'object' || !HEX32.test(o.id) || KINDS.indexOf(o.kind) < 0) return null;
      const c = o.coupon && typeof o.coupon === 'object' ? o.coupon : null;
      const code = c ? text(c.code, 64).trim() : '';
      const coupon = code ? { code, label: text(c.label, 80), kind: text(c.kind, 32), value: num(c.value),
        min_basket: num(c.min_basket), expires_at: typeof c.expires_at === 'string' ? cut(c.expires_at, 40) : num(c.expires_at),
        currency: /^[A-Z]{3}$/.test(c.currency || '') ? c.currency : null } : null;
      return { id: o.id, kind: o.kind, message: text(o.message, 1000), coupon };
    }
    function copy(o) {                                 // a frozen deep copy: the page cannot change ours
      const x = JSON.parse(JSON.stringify(o));
      if (x.coupon) { delete x.coupon.currency; Object.freeze(x.coupon); }
      return Object.freeze(x);
    }
    function amount(v, cur) {
      const f = v % 1 ? 2 : 0;
      try {
        return new Intl.NumberFormat(nav.language || undefined, cur ? { style: 'currency', currency: cur, minimumFractionDigits: f, maximumFractionDigits: f }
          : { minimumFractionDigits: f, maximumFractionDigits: f }).format(v);
      } catch (e) { return String(v); }
    }
    function expiry(at) {                              // [words, expired]
      if (at == null) return ['', false];
      const t = typeof at === 'number' ? (at < 1e12 ? at * 1000 : at) : Date.parse(at);
      if (!isFinite(t)) return ['', false];
      const left = t - Date.now();
      if (left <= 0) return ['This code has expired', true];
      if (left < 36e5) { const m = Math.max(1, Math.round(left / 6e4)); return ['Valid for ' + m + (m > 1 ? ' more minutes' : ' more minute'), false]; }
      try {
        return ['Valid until ' + new Date(t).toLocaleString(nav.language || undefined, { day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }), false];
      } catch (e) { return ['Valid until ' + new Date(t).toLocaleString(), false]; }
    }
    function engaged(o, action) {
      if (o.done[action]) return;
      o.done[action] = 1;
      track('engagement', { offer_id: o.id, action });
      if (action !== 'shown') flush();
    }
    function ensureStack() {
      if (stack) return true;
      if (!d.body) return false;
      host = el('div', { id: 'salon-offers' });
      const root = host.attachShadow({ mode: 'open' });
      try { const sh = new CSSStyleSheet(); sh.replaceSync(CSS); root.adoptedStyleSheets = [sh]; } catch (e) { root.append(el('style', { text: CSS })); }
      stack = el('div', { class: 'stack', 'aria-live': 'polite' });
      root.append(stack);
      d.body.append(host);
      return true;
    }
    function close(o, action) {
      if (!o.card) return;
      const inside = o.card.contains(host.shadowRoot.activeElement);
      o.card.remove();
      o.card = null;
      engaged(o, action);
      if (inside && d.activeElement === host) host.blur();
    }
    function render(o) {
      const c = o.coupon, idm = 'salon-offer-' + o.id;
      const card = el('section', { class: 'salon-offer', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': idm, 'data-offer-id': o.id, 'data-kind': o.kind });
      card.append(el('p', { class: 'salon-offer-message', id: idm, text: o.message || (c ? 'A code for you' : 'Can we help?') }));
      if (o.kind === 'message') {
        const x = el('button', { type: 'button', class: 'salon-offer-close', 'aria-label': 'Close', text: '×' });
        x.addEventListener('click', () => close(o, 'dismissed'));
        card.append(x);
      }
      if (c) {
        const [until, expired] = expiry(c.expires_at);
        const terms = [c.min_basket ? 'On orders of ' + amount(c.min_basket, c.currency) + ' or more' : '', until].filter(Boolean).join(' · ');
        const note = el('p', { class: 'salon-offer-note', role: 'status' });
        const apply = !expired && el('button', { type: 'button', class: 'pri salon-offer-apply', text: 'Apply code' });
        card.append(el('div', { class: 'cp' }, [
          c.label && el('b', { class: 'salon-offer-label', text: c.label }),
          el('code', { class: 'salon-offer-code', 'aria-label': 'Coupon code ' + c.code, text: c.code }),
          terms && el('p', { class: 'salon-offer-terms', text: terms }), apply, note]));
        if (apply) {
          apply.addEventListener('click', () => {
            const detail = { code: c.code, label: c.label, kind: c.kind, value: c.value, min_basket: c.min_basket, expires_at: c.expires_at };
            let taken = false;
            try { taken = !w.dispatchEvent(new CustomEvent('salon:coupon', { detail: Object.freeze(detail), cancelable: true })); } catch (e) { /* old browser */ }
            note.textContent = taken ? 'We have added the code to your checkout.' : 'Enter this code at checkout.';
            engaged(o, 'applied');
          });
        }
      }
      if (o.kind === 'invite') {
        const chat = el('button', { type: 'button', class: 'pri salon-offer-chat', text: 'Chat with us' });
        const no = el('button', { type: 'button', class: 'sec salon-offer-dismiss', text: 'No thanks' });
        chat.addEventListener('click', () => { close(o, 'accepted'); Salon.chat.open(); });
        no.addEventListener('click', () => close(o, 'dismissed'));
        card.append(el('div', { class: 'acts' }, [chat, no]));
      }
      card.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); close(o, 'dismissed'); } });
      o.card = card;
      stack.append(card);
    }
    function show(raw) {
      const o = tidy(raw);
      if (!o || mine.has(o.id) || seen().indexOf(o.id) >= 0) return;
      if (!ensureStack()) { d.addEventListener('DOMContentLoaded', () => show(raw)); return; }
      remember(o.id);
      o.done = {};
      shown.push(o);
      render(o);
      engaged(o, 'shown');
    }
    on('sent', (j) => { if (j && Array.isArray(j.engage)) j.engage.slice(0, 10).forEach(show); });
    on('consent', (yes) => { if (!yes) shown.forEach((o) => { if (o.card) { o.card.remove(); o.card = null; } }); });
    // Escape with the focus on the page itself (not in a field of the store's) closes the newest card.
    d.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || e.defaultPrevented || !(d.activeElement === d.body || d.activeElement === host)) return;
      const o = shown.slice().reverse().find((x) => x.card);
      if (o) close(o, 'dismissed');
    });
    return () => shown.map((o) => copy({ id: o.id, kind: o.kind, message: o.message, coupon: o.coupon }));
  }

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

  // Fast heartbeat: while answers carry beat_ms (a playbook watches this visit), the next heartbeat
  // goes beat_ms after the last answer, idle or not, so an offer arrives seconds after its moment.
  // It is sent at once (no batching delay) but never during a back-off: a failed send brings no
  // answer, so no next fast beat either; the 30 s heartbeat and send()'s retries carry on as before.
  let fastBeat = 0, fastTimer = 0;
  function fastLater() {
    clearTimeout(fastTimer);
    fastTimer = fastBeat && granted && !off && d.visibilityState !== 'hidden' ? setTimeout(fastTick, fastBeat) : 0;
  }
  function fastTick() {
    fastTimer = 0;
    if (!fastBeat || !granted || off || d.visibilityState === 'hidden') return;
    if (Date.now() - lastInput >= VISIT_MS) return;   // an abandoned tab lets its visit end
    lastBeat = Date.now();
    track('heartbeat');
    flush();
  }
  on('sent', (j) => {
    const ms = j && typeof j.beat_ms === 'number' && isFinite(j.beat_ms) ? Math.min(Math.max(j.beat_ms, 1000), 6e5) : 0;
    fastBeat = ms;
    fastLater();
  });
  on('consent', (yes) => { if (!yes) { fastBeat = 0; fastLater(); } });

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
    fastLater();                                       // paused while hidden, again when back
  });
  w.addEventListener('pagehide', beacon);
  w.addEventListener('pageshow', (e) => { if (e.persisted) pageEvents().forEach(([t, f]) => track(t, f)); });   // back/forward cache
  w.addEventListener('online', () => { if (netDown) { retryAt = 0; flush(); } });
})();
