// Salon console — the associate's chat tools: product cards, page push, canned replies, transfer.
//
// One popover (#tool-panel) above the composer shows the open tool. Each tool is built fresh when it
// opens; everything from the server (product names, canned replies, associate names) goes in as
// text. Images load only from the console's own origin (its CSP allows nothing else).

import { h, formatMoney } from './floor.js';
import { sitePath, httpUrl, sameOriginImage, str } from './chat-api.js';

/** Fill a canned reply's placeholders: {visitor_name}, {associate_name}, {reference}. */
export function fillPlaceholders(body, ctx) {
  const values = {
    visitor_name: str(ctx.visitorName).trim() || 'there',
    associate_name: str(ctx.associateName).trim(),
    reference: str(ctx.reference).trim(),
  };
  return str(body).replace(/\{(visitor_name|associate_name|reference)\}/g, (_, key) => values[key]);
}

/** A product image (same origin only) or a lettered placeholder. */
export function productThumb(image, name, cls = 'product-thumb') {
  const src = sameOriginImage(image);
  if (src) {
    const img = h('img', { class: cls, alt: '', loading: 'lazy', decoding: 'async', width: '48', height: '48' });
    img.src = src;
    img.addEventListener('error', () => img.replaceWith(placeholder()), { once: true });
    return img;
  }
  return placeholder();

  function placeholder() {
    const letter = str(name).trim().charAt(0).toUpperCase() || '·';
    return h('span', { class: `${cls} product-thumb-empty`, 'aria-hidden': 'true', text: letter });
  }
}

const TITLES = {
  product: 'Send a product',
  push: 'Push a page',
  canned: 'Canned replies',
  transfer: 'Transfer the chat',
};

/**
 * createTools({request, siteId, panel, buttons, getContext, sendProduct, sendPush, fill, transfer, onClosed})
 * getContext() → {conv: ConsoleConversation, me: {id, name}} for the active chat.
 */
export function createTools(options) {
  const { request, siteId, panel } = options;
  const buttons = options.buttons.filter(Boolean);
  const getContext = options.getContext;
  const onClosed = options.onClosed || (() => {});

  let current = null;
  let controller = null;
  let searchTimer = 0;
  let cannedCache = null;

  function setExpanded() {
    for (const b of buttons) b.setAttribute('aria-expanded', b.dataset.tool === current ? 'true' : 'false');
    if (current) panel.dataset.tool = current; else delete panel.dataset.tool;
  }

  function abort() {
    if (controller) controller.abort();
    controller = null;
    clearTimeout(searchTimer);
  }

  function close({ focus = true } = {}) {
    if (!current) return;
    abort();
    current = null;
    panel.hidden = true;
    panel.replaceChildren();
    setExpanded();
    if (focus) onClosed();
  }

  function toggle(tool) {
    if (current === tool) close();
    else open(tool);
  }

  function frame(tool, ...content) {
    const x = h('button', { class: 'tool-panel-close', type: 'button', 'aria-label': 'Close', title: 'Close (Esc)', text: '×' });
    x.addEventListener('click', () => close());
    return [
      h('div', { class: 'tool-panel-head' }, h('h3', { class: 'tool-panel-title', id: 'tool-panel-title', text: TITLES[tool] }), x),
      ...content,
    ];
  }

  function statusLine(text, kind = 'info') {
    return h('p', { class: 'tool-status', dataset: { kind }, text });
  }

  function open(tool) {
    abort();
    current = tool;
    panel.hidden = false;
    panel.setAttribute('aria-labelledby', 'tool-panel-title');
    setExpanded();
    if (tool === 'product') openProduct();
    else if (tool === 'push') openPush();
    else if (tool === 'canned') openCanned();
    else if (tool === 'transfer') openTransfer();
  }

  // ---------------------------------------------------------------- product cards

  function openProduct() {
    const input = h('input', {
      id: 'product-search', class: 'input tool-search', type: 'search', placeholder: 'Search the catalogue by name or category',
      autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Search products',
    });
    const list = h('ul', { id: 'product-results', class: 'product-results', 'aria-label': 'Products' });
    const status = h('div', { class: 'tool-status-slot' });
    panel.replaceChildren(...frame('product', input, status, list));
    input.addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => search(input.value.trim(), list, status), 200);
    });
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowDown') {
        const first = list.querySelector('.product-result-main');
        if (first) { ev.preventDefault(); first.focus(); }
      }
    });
    list.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
      const mains = Array.from(list.querySelectorAll('.product-result-main'));
      const i = mains.indexOf(document.activeElement);
      if (i < 0) return;
      ev.preventDefault();
      if (ev.key === 'ArrowUp' && i === 0) input.focus();
      else mains[Math.max(0, Math.min(mains.length - 1, i + (ev.key === 'ArrowDown' ? 1 : -1)))].focus();
    });
    input.focus();
    search('', list, status);
  }

  async function search(q, list, status) {
    if (controller) controller.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    list.setAttribute('aria-busy', 'true');
    try {
      const data = await request('GET', sitePath(siteId, `/products?q=${encodeURIComponent(q)}`), undefined, { signal: ctrl.signal });
      if (ctrl.signal.aborted || current !== 'product') return;
      const products = (Array.isArray(data.products) ? data.products : []).filter((p) => p && typeof p.product_id === 'string');
      list.replaceChildren(...products.map(productItem));
      status.replaceChildren(products.length ? '' : statusLine(q ? `No products match “${q}”.` : 'Type to search the catalogue.'));
    } catch (err) {
      if (err?.name === 'AbortError') return;
      if (current !== 'product') return;
      list.replaceChildren();
      status.replaceChildren(statusLine(q ? err.message : 'Type to search the catalogue.', q ? 'error' : 'info'));
    } finally {
      if (controller === ctrl) controller = null;
      list.removeAttribute('aria-busy');
    }
  }

  function productItem(p) {
    const name = str(p.name) || str(p.product_id);
    const price = p.price !== null && p.price !== undefined ? formatMoney(p.price, p.currency) : '';
    const main = h('button', { class: 'product-result-main', type: 'button', title: 'Send this product as a card' },
      productThumb(p.image, name),
      h('span', { class: 'product-result-text' },
        h('span', { class: 'product-result-name', text: name }),
        h('span', { class: 'product-result-meta' },
          price ? h('span', { class: 'product-result-price', text: price }) : null,
          p.category ? h('span', { class: 'product-result-category', text: str(p.category) }) : null)));
    const li = h('li', { class: 'product-result', dataset: { productId: p.product_id } }, main);
    const url = httpUrl(p.url);
    if (url) {
      const push = h('button', { class: 'product-result-push', type: 'button', title: 'Push this product page to the shopper', text: 'Push page' });
      push.addEventListener('click', (ev) => {
        ev.stopPropagation();
        options.sendPush(url, name);
        close();
      });
      li.append(push);
    }
    li.addEventListener('click', () => {
      options.sendProduct(p);
      close();
    });
    return li;
  }

  // ---------------------------------------------------------------- page push

  function openPush() {
    const url = h('input', { id: 'push-url', class: 'input', type: 'url', placeholder: 'https://your-store.example/page', autocomplete: 'off', spellcheck: 'false', required: true });
    const title = h('input', { id: 'push-title', class: 'input', type: 'text', placeholder: 'Title shown to the shopper (optional)', maxlength: '300', autocomplete: 'off' });
    const error = h('p', { id: 'push-error', class: 'tool-status', dataset: { kind: 'error' }, role: 'alert', hidden: true });
    const submit = h('button', { id: 'push-send', class: 'button button-primary', type: 'submit', text: 'Push page' });
    const form = h('form', { id: 'push-form', class: 'push-form', novalidate: true },
      h('label', { class: 'tool-label', for: 'push-url', text: 'Page address' }), url,
      h('label', { class: 'tool-label', for: 'push-title', text: 'Title' }), title,
      error,
      h('div', { class: 'tool-actions' },
        h('p', { class: 'tool-hint', text: 'The shopper’s browser opens the page (or shows it as a card to tap).' }),
        submit));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const href = httpUrl(url.value);
      if (!href) {
        error.textContent = 'Enter a full web address starting with https://';
        error.hidden = false;
        url.focus();
        return;
      }
      options.sendPush(href, title.value.trim());
      close();
    });
    panel.replaceChildren(...frame('push', form));
    url.focus();
  }

  // ---------------------------------------------------------------- canned replies

  async function openCanned() {
    const filter = h('input', { id: 'canned-filter', class: 'input tool-search', type: 'search', placeholder: 'Filter replies', autocomplete: 'off', 'aria-label': 'Filter canned replies' });
    const list = h('ul', { id: 'canned-list', class: 'canned-list' });
    const status = h('div', { class: 'tool-status-slot' });
    panel.replaceChildren(...frame('canned', filter, status, list));
    filter.focus();
    let replies = cannedCache;
    const render = () => {
      const q = filter.value.trim().toLowerCase();
      const ctx = getContext();
      const fillCtx = { visitorName: ctx.conv?.name, associateName: ctx.me?.name, reference: ctx.conv?.reference };
      const shown = (replies || []).filter((r) => !q || `${str(r.title)}\n${str(r.body)}`.toLowerCase().includes(q));
      list.replaceChildren(...shown.map((r) => {
        const filled = fillPlaceholders(r.body, fillCtx);
        const b = h('button', { class: 'canned-item', type: 'button', dataset: { replyId: str(r.id) } },
          h('span', { class: 'canned-title', text: str(r.title) || 'Reply' }),
          h('span', { class: 'canned-body', text: filled }));
        b.addEventListener('click', () => {
          options.fill(fillPlaceholders(r.body, fillCtx));
          close({ focus: false });
        });
        return h('li', null, b);
      }));
      status.replaceChildren(replies && !shown.length ? statusLine(replies.length ? 'No reply matches.' : 'No canned replies yet. An administrator can add them.') : '');
    };
    filter.addEventListener('input', render);
    filter.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        const first = list.querySelector('.canned-item');
        if (first) { ev.preventDefault(); first.click(); }
      }
    });
    if (replies) { render(); return; }
    status.replaceChildren(statusLine('Loading…'));
    const ctrl = new AbortController();
    controller = ctrl;
    try {
      const data = await request('GET', sitePath(siteId, '/chat/canned'), undefined, { signal: ctrl.signal });
      replies = (Array.isArray(data.replies) ? data.replies : []).filter((r) => r && typeof r.body === 'string');
      cannedCache = replies;
      if (current === 'canned' && !ctrl.signal.aborted) render();
    } catch (err) {
      if (err?.name === 'AbortError' || current !== 'canned') return;
      status.replaceChildren(statusLine(err.message, 'error'));
    } finally {
      if (controller === ctrl) controller = null;
    }
  }

  // ---------------------------------------------------------------- transfer

  async function openTransfer() {
    const list = h('ul', { id: 'transfer-list', class: 'transfer-list' });
    const status = h('div', { class: 'tool-status-slot' }, statusLine('Loading your colleagues…'));
    panel.replaceChildren(...frame('transfer', status, list));
    const ctrl = new AbortController();
    controller = ctrl;
    try {
      const data = await request('GET', sitePath(siteId, '/chat/associates'), undefined, { signal: ctrl.signal });
      if (current !== 'transfer' || ctrl.signal.aborted) return;
      const me = getContext().me || {};
      const all = (Array.isArray(data.associates) ? data.associates : []).filter((a) => a && typeof a.id === 'string' && a.id !== me.id);
      all.sort((a, b) => (a.availability === 'available' ? 0 : 1) - (b.availability === 'available' ? 0 : 1) || str(a.name).localeCompare(str(b.name)));
      list.replaceChildren(...all.map((a) => {
        const available = a.availability === 'available';
        const active = Number(a.active) || 0;
        const max = Number(a.max_chats) || 0;
        const full = max > 0 && active >= max;
        const b = h('button', { class: 'transfer-item', type: 'button', dataset: { associateId: a.id, availability: available ? 'available' : 'away' } },
          h('span', { class: 'transfer-initial', 'aria-hidden': 'true', text: str(a.name).trim().charAt(0).toUpperCase() || '?' }),
          h('span', { class: 'transfer-text' },
            h('span', { class: 'transfer-name', text: str(a.name) || 'Associate' }),
            h('span', { class: 'transfer-meta' },
              h('span', { class: 'presence-dot', dataset: { availability: available ? 'available' : 'away' } }),
              `${available ? 'Available' : 'Away'} · ${active}${max ? ` / ${max}` : ''} chat${active === 1 && !max ? '' : 's'}${full ? ' · full' : ''}`)));
        b.addEventListener('click', async () => {
          for (const x of list.querySelectorAll('button')) x.disabled = true;
          b.dataset.state = 'busy';
          try {
            await options.transfer(a);
            close({ focus: false });
          } catch (err) {
            if (current !== 'transfer') return;
            for (const x of list.querySelectorAll('button')) x.disabled = false;
            delete b.dataset.state;
            status.replaceChildren(statusLine(err?.message || 'The transfer failed.', 'error'));
          }
        });
        return h('li', null, b);
      }));
      status.replaceChildren(all.length ? statusLine('Pick who takes over. The shopper sees that you handed the chat on.') : statusLine('Nobody else is on this site yet.'));
    } catch (err) {
      if (err?.name === 'AbortError' || current !== 'transfer') return;
      status.replaceChildren(statusLine(err.message, 'error'));
    } finally {
      if (controller === ctrl) controller = null;
    }
  }

  // ---------------------------------------------------------------- wiring

  const onButton = (ev) => toggle(ev.currentTarget.dataset.tool);
  for (const b of buttons) b.addEventListener('click', onButton);
  const onKey = (ev) => {
    if (ev.key === 'Escape' && current) {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  };
  panel.addEventListener('keydown', onKey);

  return {
    open, close, toggle,
    get current() { return current; },
    setEnabled(enabled) {
      for (const b of buttons) b.disabled = !enabled;
      if (!enabled) close({ focus: false });
    },
    destroy() {
      close({ focus: false });
      for (const b of buttons) b.removeEventListener('click', onButton);
      panel.removeEventListener('keydown', onKey);
    },
  };
}
