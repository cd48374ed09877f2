// Salon console — a visit's story in the right-hand panel.
//
// GET /api/sites/{site_id}/visits/{visit_id} → {visit, pages, products, cart, events, customer}.
// Refetched (debounced) whenever the visit changes in a floor delta. Visitor-controlled strings are
// only ever set as text; page URLs are shown as text, never as links.

import { renderAvatar, describeAvatar } from './avatar.js';
import { h, formatMoney, formatAgo, formatDuration, pageTypeLabel } from './floor.js';

const EVENT_LABEL = {
  page_view: 'Viewed page',
  product_view: 'Viewed product',
  variant_select: 'Picked variant',
  add_to_cart: 'Added to cart',
  remove_from_cart: 'Removed from cart',
  wishlist_add: 'Added to wish list',
  search: 'Searched',
  checkout_step: 'Checkout step',
  purchase: 'Purchased',
  pointer_speed: 'Pointer speed',
  idle: 'Idle',
  tab_hidden: 'Tab hidden',
  rage_click: 'Rage clicks',
  heartbeat: 'Still here',
  identify: 'Identified',
  chat: 'Chat',
};

function eventLabel(type) {
  if (typeof type !== 'string' || !type) return 'Event';
  if (EVENT_LABEL[type]) return EVENT_LABEL[type];
  const t = type.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

const str = (x) => (typeof x === 'string' ? x : x === null || x === undefined ? '' : String(x));
const arr = (x) => (Array.isArray(x) ? x : []);
const num = (x) => (Number.isFinite(Number(x)) ? Number(x) : 0);

function timeEl(iso) {
  const t = Date.parse(iso);
  const el = h('time', { class: 'story-ago', dataset: { at: str(iso) } }, formatAgo(iso));
  if (Number.isFinite(t)) {
    el.setAttribute('datetime', new Date(t).toISOString());
    el.title = new Date(t).toLocaleString();
  }
  return el;
}

function section(title, cls, count, ...content) {
  const head = h('h3', { class: 'story-section-title' }, title);
  if (count !== null && count !== undefined) head.append(h('span', { class: 'story-count', text: count }));
  return h('section', { class: `story-section ${cls}` }, head, ...content);
}

function emptyNote(text) {
  return h('p', { class: 'story-empty', text });
}

function sortByAtDesc(list) {
  return list.slice().sort((a, b) => (Date.parse(b?.at) || 0) - (Date.parse(a?.at) || 0));
}

/**
 * createStory({root, getSiteId, onClose, onAuthProblem, idPrefix?, focusOnOpen?, closable?})
 * → {open(visitId, summary?), close(), visitChanged(summary), visitRemoved(id), get currentId()}
 *
 * idPrefix (default 'story') names the ids inside the panel, so a second story (the chat
 * workspace's) can live on the same page; focusOnOpen: false keeps the focus where it is (the chat
 * composer); closable: false hides the close button and ignores Escape.
 */
export function createStory(options) {
  const root = options.root || document.getElementById('story');
  const getSiteId = options.getSiteId;
  const onClose = options.onClose || (() => {});
  const onAuthProblem = options.onAuthProblem || (() => {});
  const idPrefix = typeof options.idPrefix === 'string' && options.idPrefix ? options.idPrefix : 'story';
  const focusOnOpen = options.focusOnOpen !== false;
  const closable = options.closable !== false;

  let currentId = null;
  let controller = null;
  let debounceTimer = 0;
  let firstPendingAt = 0;
  let lastData = null;
  let gone = false;

  const closeBtn = h('button', { class: 'story-close', id: `${idPrefix}-close`, type: 'button', 'aria-label': 'Close the visit story', title: 'Close (Esc)', hidden: !closable }, '×');
  const headAvatar = h('div', { class: 'story-avatar' });
  const headLabel = h('h2', { class: 'story-label', id: `${idPrefix}-title`, tabindex: '-1' });
  const headSub = h('div', { class: 'story-sub' });
  const statusEl = h('p', { class: 'story-status', role: 'status', hidden: true });
  const bodyEl = h('div', { class: 'story-body' });
  root.replaceChildren(
    h('header', { class: 'story-head' }, headAvatar, h('div', { class: 'story-head-text' }, headLabel, headSub), closeBtn),
    statusEl,
    bodyEl,
  );
  root.setAttribute('aria-labelledby', `${idPrefix}-title`);
  root.hidden = true;

  closeBtn.addEventListener('click', () => close());
  const onKey = (ev) => {
    if (closable && ev.key === 'Escape' && currentId && !root.hidden) {
      ev.preventDefault();
      close();
    }
  };
  document.addEventListener('keydown', onKey);

  const agoTicker = setInterval(() => {
    if (root.hidden) return;
    for (const el of root.querySelectorAll('time[data-at]')) {
      const t = formatAgo(el.dataset.at);
      if (el.textContent !== t) el.textContent = t;
    }
  }, 30000);

  function setStatus(text, kind) {
    statusEl.textContent = text || '';
    statusEl.hidden = !text;
    statusEl.dataset.kind = kind || 'info';
  }

  function renderHeader(visit) {
    const v = visit || {};
    const avatar = { ...(v.avatar || {}), seed: str(v.id) };
    const svg = renderAvatar(avatar);
    svg.setAttribute('width', '88');
    svg.setAttribute('height', '88');
    headAvatar.replaceChildren(svg);
    headLabel.textContent = str(v.label) || 'Visitor';
    const chips = [];
    const c = v.customer && typeof v.customer === 'object' ? v.customer : null;
    if (c && c.tier) chips.push(h('span', { class: `chip chip-tier tier-${/^[a-z]+$/.test(str(c.tier)) ? c.tier : 'other'}`, text: `${str(c.tier).charAt(0).toUpperCase()}${str(c.tier).slice(1)} tier` }));
    if (c && c.lifetime_value !== null && c.lifetime_value !== undefined) chips.push(h('span', { class: 'chip chip-ltv', text: `Lifetime ${formatMoney(c.lifetime_value, v.cart?.currency)}` }));
    if (v.identified) chips.push(h('span', { class: 'chip chip-identified', text: 'Identified' }));
    if (v.returning) chips.push(h('span', { class: 'chip chip-returning', text: 'Returning' }));
    if (v.high_value) chips.push(h('span', { class: 'chip chip-badge', text: 'High value' }));
    headSub.replaceChildren(
      h('p', { class: 'story-mood', text: describeAvatar(avatar) }),
      h('div', { class: 'story-chips' }, chips),
    );
  }

  function fact(label, value, cls) {
    return [h('dt', { text: label }), h('dd', { class: cls || null }, value)];
  }

  function renderBody(data) {
    const v = data.visit || {};
    const parts = [];

    // now
    const page = v.page || {};
    const cartSummary = num(v.cart?.items) > 0 ? `${formatMoney(v.cart?.value, v.cart?.currency)} · ${num(v.cart?.items)} item${num(v.cart?.items) === 1 ? '' : 's'}` : 'Empty';
    const facts = h('dl', { class: 'story-facts' },
      fact('Now on', h('span', { class: 'story-now-title', text: str(page.title) || '—' })),
      fact('Page type', pageTypeLabel(str(page.type))),
      page.url ? fact('Address', h('span', { class: 'story-url', text: str(page.url) })) : null,
      fact('On site', `${formatDuration(v.time_on_site)} · ${num(v.page_count)} page${num(v.page_count) === 1 ? '' : 's'} · ${num(v.products_viewed)} product${num(v.products_viewed) === 1 ? '' : 's'} viewed`),
      fact('Cart', cartSummary),
      v.checkout_step !== null && v.checkout_step !== undefined ? fact('Checkout', `step ${str(v.checkout_step)}`) : null,
      fact('Attention', h('span', { class: 'story-attention' },
        h('span', { class: 'story-attention-meter', 'aria-hidden': 'true' }, meterFill(v.attention)),
        `${Math.round(Math.max(0, Math.min(1, num(v.attention))) * 100)}%`)),
    );
    parts.push(h('section', { class: 'story-section story-now' }, facts));

    // why: the reasons behind the avatar
    const reasons = arr(v.avatar?.reasons).filter((r) => typeof r === 'string' && r);
    parts.push(section('Why', 'story-reasons', null,
      reasons.length
        ? h('ul', { class: 'story-reason-list' }, reasons.map((r) => h('li', { class: 'story-reason', text: r })))
        : emptyNote('Nothing unusual so far.')));

    // scores: each with its top reasons in words (salon/insight)
    const explain = v.explain && typeof v.explain === 'object' ? v.explain : null;
    if (explain) {
      const score = (label, key, value) => h('li', { class: 'story-score', dataset: { score: key } },
        h('span', { class: 'story-score-name', text: value == null ? label : `${label} ${Math.round(num(value) * 100)}%` }),
        h('ul', { class: 'story-score-reasons' },
          arr(explain[key]).filter((r) => typeof r === 'string' && r).slice(0, 3)
            .map((r) => h('li', { class: 'story-score-reason', text: r }))));
      const items = [score('Purchase intent', 'intent', v.intent)];
      if (v.abandonment_risk != null) items.push(score('Abandonment risk', 'abandonment_risk', v.abandonment_risk));
      items.push(score(`Mood: ${str(v.avatar?.mood) || 'neutral'}`, 'mood', null));
      parts.push(section('Scores', 'story-scores', null, h('ul', { class: 'story-score-list' }, items)));
    }

    // cart
    const cart = arr(data.cart);
    let cartTotal = 0;
    const lines = cart.map((line) => {
      const qty = Math.max(1, num(line?.quantity) || 1);
      const price = num(line?.price);
      cartTotal += qty * price;
      return h('li', { class: 'story-cart-line', dataset: { productId: str(line?.product_id) } },
        h('span', { class: 'story-line-name', text: str(line?.name) || str(line?.product_id) || 'Item' }),
        h('span', { class: 'story-line-qty', text: `${qty} × ${formatMoney(price, v.cart?.currency)}` }),
        h('span', { class: 'story-line-total', text: formatMoney(qty * price, v.cart?.currency) }));
    });
    parts.push(section('Cart', 'story-cart', cart.length || null,
      cart.length
        ? [h('ul', { class: 'story-list' }, lines), h('p', { class: 'story-cart-total' }, h('span', { text: 'Total' }), h('strong', { text: formatMoney(num(v.cart?.value) || cartTotal, v.cart?.currency) }))]
        : emptyNote('The cart is empty.')));

    // pages
    const pages = sortByAtDesc(arr(data.pages)).slice(0, 100);
    parts.push(section('Pages', 'story-pages', arr(data.pages).length || null,
      pages.length
        ? h('ol', { class: 'story-list' }, pages.map((p) => h('li', { class: 'story-page', dataset: { pageType: str(p?.type) } },
          h('span', { class: 'story-page-title', text: str(p?.title) || str(p?.url) || '—', title: str(p?.url) }),
          h('span', { class: 'story-page-meta' }, h('span', { class: 'chip chip-type', text: pageTypeLabel(str(p?.type)) }), timeEl(p?.at)))))
        : emptyNote('No pages yet.')));

    // products viewed
    const products = arr(data.products);
    parts.push(section('Products viewed', 'story-products', products.length || null,
      products.length
        ? h('ul', { class: 'story-list' }, products.map((p) => h('li', { class: 'story-product', dataset: { productId: str(p?.product_id) } },
          h('span', { class: 'story-product-name', text: str(p?.name) || str(p?.product_id) || 'Product' }),
          h('span', { class: 'story-product-meta' },
            p?.price !== null && p?.price !== undefined ? h('span', { class: 'story-product-price', text: formatMoney(p.price, v.cart?.currency) }) : null,
            num(p?.views) > 1 ? h('span', { class: 'chip chip-tag', text: `${num(p.views)} views` }) : null))))
        : emptyNote('No products viewed yet.')));

    // timeline
    const events = sortByAtDesc(arr(data.events)).slice(0, 300);
    parts.push(section('Timeline', 'story-timeline', arr(data.events).length || null,
      events.length
        ? h('ol', { class: 'story-events' }, events.map((e) => h('li', { class: 'story-event', dataset: { type: str(e?.type) } },
          timeEl(e?.at),
          h('span', { class: 'story-event-type', text: eventLabel(e?.type) }),
          e?.detail ? h('span', { class: 'story-event-detail', text: str(e.detail) }) : null)))
        : emptyNote('No events yet.')));

    // customer and past orders (identified customers only)
    const c = data.customer && typeof data.customer === 'object' ? data.customer : null;
    if (c) {
      const orders = arr(c.orders);
      parts.push(section('Customer', 'story-customer', null,
        h('dl', { class: 'story-facts' },
          fact('Name', str(c.name) || '—'),
          c.email ? fact('E-mail', h('span', { class: 'story-email', text: str(c.email) })) : null,
          c.tier ? fact('Tier', str(c.tier)) : null,
          fact('Lifetime value', formatMoney(c.lifetime_value, orders[0]?.currency || v.cart?.currency))),
        h('h4', { class: 'story-subtitle', text: 'Past orders' }),
        orders.length
          ? h('ul', { class: 'story-list' }, orders.map((o) => {
            const items = Array.isArray(o?.items) ? o.items : null;
            const itemText = items
              ? items.map((it) => (typeof it === 'string' ? it : str(it?.name) || str(it?.product_id))).filter(Boolean).join(', ') || `${items.length} items`
              : `${num(o?.items)} item${num(o?.items) === 1 ? '' : 's'}`;
            const placed = Date.parse(o?.placed_at);
            return h('li', { class: 'story-order', dataset: { orderId: str(o?.id) } },
              h('span', { class: 'story-order-id', text: `#${str(o?.id)}` }),
              h('span', { class: 'story-order-date', text: Number.isFinite(placed) ? new Date(placed).toLocaleDateString() : '' }),
              h('span', { class: 'story-order-total', text: formatMoney(o?.total, o?.currency) }),
              h('span', { class: 'story-order-items', text: itemText }));
          }))
          : emptyNote('No past orders.')));
    }

    const scroll = root.scrollTop;
    bodyEl.replaceChildren(...parts);
    root.scrollTop = scroll;
  }

  function meterFill(att) {
    const fill = h('span', { class: 'story-attention-fill' });
    fill.style.width = `${Math.round(Math.max(0, Math.min(1, num(att))) * 100)}%`;
    return fill;
  }

  async function load(id) {
    if (controller) controller.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    const siteId = getSiteId();
    root.setAttribute('aria-busy', 'true');
    try {
      const res = await fetch(`/api/sites/${encodeURIComponent(siteId)}/visits/${encodeURIComponent(id)}`, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' },
        signal: ctrl.signal,
      });
      if (currentId !== id || ctrl.signal.aborted) return;
      if (res.status === 401) { onAuthProblem(); return; }
      if (!res.ok) {
        let message = res.status === 404 ? 'This visit is no longer available.' : `Could not load the story (${res.status}).`;
        try {
          const body = await res.json();
          if (res.status !== 404 && typeof body?.error?.message === 'string') message = body.error.message;
        } catch { /* not JSON */ }
        if (currentId !== id) return;
        setStatus(message, 'error');
        if (!lastData) bodyEl.replaceChildren();
        return;
      }
      const data = await res.json();
      if (currentId !== id || ctrl.signal.aborted) return;
      lastData = data;
      renderHeader(data.visit || {});
      renderBody(data);
      root.dataset.visitId = id;
      root.dataset.loaded = String(Date.now());
      setStatus(gone ? 'This visitor has left the floor.' : '', 'info');
    } catch (err) {
      if (err?.name === 'AbortError') return;
      if (currentId === id) setStatus('Could not reach Salon. Retrying when the visit changes.', 'error');
    } finally {
      if (controller === ctrl) {
        controller = null;
        root.removeAttribute('aria-busy');
      }
    }
  }

  function open(id, summary) {
    if (!id) return;
    const switching = currentId !== id;
    currentId = id;
    clearTimeout(debounceTimer);
    debounceTimer = 0;
    firstPendingAt = 0;
    if (switching) {
      gone = false;
      lastData = null;
      bodyEl.replaceChildren(h('p', { class: 'story-loading', text: 'Loading the story…' }));
      setStatus('', 'info');
      delete root.dataset.loaded;
      root.dataset.visitId = id;
      if (summary) renderHeader(summary);
      else { headAvatar.replaceChildren(); headLabel.textContent = 'Visitor'; headSub.replaceChildren(); }
    }
    root.hidden = false;
    if (idPrefix === 'story') document.body.dataset.story = 'open';
    load(id);
    if (focusOnOpen) headLabel.focus({ preventScroll: true });
  }

  function close() {
    if (!currentId && root.hidden) return;
    const id = currentId;
    currentId = null;
    lastData = null;
    clearTimeout(debounceTimer);
    if (controller) controller.abort();
    root.hidden = true;
    delete root.dataset.visitId;
    delete root.dataset.loaded;
    if (idPrefix === 'story') delete document.body.dataset.story;
    onClose(id);
  }

  function visitChanged(summary) {
    if (!summary || summary.id !== currentId) return;
    gone = false;
    renderHeader(summary);
    // debounce: wait for the burst to settle, but never hold back more than 3 s
    const now = Date.now();
    if (!firstPendingAt) firstPendingAt = now;
    clearTimeout(debounceTimer);
    const wait = Math.max(0, Math.min(700, firstPendingAt + 3000 - now));
    const id = currentId;
    debounceTimer = setTimeout(() => {
      firstPendingAt = 0;
      debounceTimer = 0;
      if (currentId === id) load(id);
    }, wait);
  }

  function visitRemoved(id) {
    if (id !== currentId) return;
    gone = true;
    setStatus('This visitor has left the floor.', 'info');
  }

  function destroy() {
    close();
    clearInterval(agoTicker);
    document.removeEventListener('keydown', onKey);
    root.replaceChildren();
  }

  return {
    open, close, visitChanged, visitRemoved, destroy,
    get currentId() { return currentId; },
  };
}
