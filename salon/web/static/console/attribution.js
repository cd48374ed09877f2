// Salon console — the "Sales" view: orders credited to associates after a chat.
//
// GET /api/sites/{site}/chat/attribution → {window_days, associates: [{id, name, orders, revenue}],
// orders: [{order_id, total, associate, conversation_reference, placed_at}]}. Rendered into
// #attribution as text only; refreshed when shown and every minute while visible.

import { h, formatMoney, formatAgo } from './floor.js';
import { sitePath, str } from './chat-api.js';

const num = (x) => (Number.isFinite(Number(x)) ? Number(x) : 0);

/** createAttribution({root, request, siteId, currency?}) → {show(), hide(), destroy()} */
export function createAttribution(options) {
  const { root, request, siteId } = options;
  const currency = typeof options.currency === 'string' ? options.currency : undefined;
  let controller = null;
  let timer = 0;
  let visible = false;

  const refresh = h('button', { id: 'attribution-refresh', class: 'button button-small', type: 'button', text: 'Refresh' });
  const sub = h('p', { class: 'attribution-sub', id: 'attribution-window' });
  const status = h('p', { class: 'attribution-status', role: 'status', hidden: true });
  const content = h('div', { class: 'attribution-content' });
  root.replaceChildren(
    h('header', { class: 'attribution-head' },
      h('div', null,
        h('h2', { class: 'attribution-title', id: 'attribution-title', text: 'Sales from chat' }),
        sub),
      refresh),
    status,
    content,
  );
  refresh.addEventListener('click', () => load());

  function setStatus(text, kind = 'info') {
    status.textContent = text || '';
    status.dataset.kind = kind;
    status.hidden = !text;
  }

  function stat(label, value, cls) {
    return h('div', { class: `attribution-stat ${cls || ''}` }, h('span', { class: 'attribution-stat-value', text: value }), h('span', { class: 'attribution-stat-label', text: label }));
  }

  function render(data) {
    const days = num(data.window_days) || 7;
    sub.textContent = `Orders placed within ${days} day${days === 1 ? '' : 's'} of a chat, credited to the associate who helped.`;
    const people = (Array.isArray(data.associates) ? data.associates : []).filter((a) => a && typeof a === 'object');
    people.sort((a, b) => num(b.revenue) - num(a.revenue) || num(b.orders) - num(a.orders));
    const orders = (Array.isArray(data.orders) ? data.orders : []).filter((o) => o && typeof o === 'object');
    orders.sort((a, b) => (Date.parse(b.placed_at) || 0) - (Date.parse(a.placed_at) || 0));
    const totalRevenue = people.reduce((s, a) => s + num(a.revenue), 0);
    const totalOrders = people.reduce((s, a) => s + num(a.orders), 0);
    const top = Math.max(1, ...people.map((a) => num(a.revenue)));

    const stats = h('div', { class: 'attribution-stats' },
      stat('Attributed revenue', formatMoney(totalRevenue, currency), 'is-primary'),
      stat('Orders after a chat', String(totalOrders)),
      stat('Average order', totalOrders ? formatMoney(totalRevenue / totalOrders, currency) : '—'),
      stat('Associates credited', String(people.filter((a) => num(a.orders) > 0).length)));

    const peopleTable = h('table', { class: 'data-table attribution-associates', id: 'attribution-associates' },
      h('caption', { class: 'visually-hidden', text: 'Revenue per associate' }),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col', text: 'Associate' }),
        h('th', { scope: 'col', class: 'num', text: 'Orders' }),
        h('th', { scope: 'col', class: 'num', text: 'Revenue' }),
        h('th', { scope: 'col', class: 'bar-col', text: 'Share' }))),
      h('tbody', null, people.length ? people.map((a, i) => {
        const bar = h('span', { class: 'attribution-bar-fill' });
        bar.style.width = `${Math.round((num(a.revenue) / top) * 100)}%`;
        return h('tr', { class: 'attribution-row', dataset: { associateId: str(a.id) } },
          h('td', { class: 'attribution-name' },
            h('span', { class: 'attribution-rank', text: String(i + 1) }),
            h('span', { text: str(a.name) || 'Associate' })),
          h('td', { class: 'num', text: String(num(a.orders)) }),
          h('td', { class: 'num strong', text: formatMoney(num(a.revenue), currency) }),
          h('td', { class: 'bar-col' }, h('span', { class: 'attribution-bar', 'aria-hidden': 'true' }, bar)));
      }) : h('tr', null, h('td', { colspan: '4', class: 'table-empty', text: 'No associate has been credited with an order yet.' }))));

    const ordersTable = h('table', { class: 'data-table attribution-orders', id: 'attribution-orders' },
      h('caption', { class: 'visually-hidden', text: 'Recent attributed orders' }),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col', text: 'Order' }),
        h('th', { scope: 'col', text: 'Associate' }),
        h('th', { scope: 'col', text: 'Chat' }),
        h('th', { scope: 'col', text: 'Placed' }),
        h('th', { scope: 'col', class: 'num', text: 'Total' }))),
      h('tbody', null, orders.length ? orders.slice(0, 100).map((o) => {
        const placed = Date.parse(o.placed_at);
        const when = h('time', { text: formatAgo(o.placed_at) });
        if (Number.isFinite(placed)) {
          when.setAttribute('datetime', new Date(placed).toISOString());
          when.title = new Date(placed).toLocaleString();
        }
        return h('tr', { class: 'attribution-order', dataset: { orderId: str(o.order_id) } },
          h('td', { class: 'mono', text: str(o.order_id) }),
          h('td', { text: str(o.associate) || '—' }),
          h('td', { class: 'mono muted', text: str(o.conversation_reference) || '—' }),
          h('td', { class: 'muted' }, when),
          h('td', { class: 'num strong', text: formatMoney(num(o.total), currency) }));
      }) : h('tr', null, h('td', { colspan: '5', class: 'table-empty', text: 'No orders followed a chat in this window yet.' }))));

    content.replaceChildren(
      stats,
      h('div', { class: 'attribution-grid' },
        h('section', { class: 'card' }, h('h3', { class: 'card-title', text: 'By associate' }), peopleTable),
        h('section', { class: 'card' }, h('h3', { class: 'card-title', text: 'Recent orders' }), ordersTable)));
    root.dataset.loaded = String(Date.now());
  }

  async function load() {
    if (controller) controller.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    refresh.disabled = true;
    root.setAttribute('aria-busy', 'true');
    if (!root.dataset.loaded) setStatus('Loading…');
    try {
      const data = await request('GET', sitePath(siteId, '/chat/attribution'), undefined, { signal: ctrl.signal });
      if (ctrl.signal.aborted) return;
      setStatus('');
      render(data);
    } catch (err) {
      if (err?.name === 'AbortError') return;
      setStatus(err?.message || 'Could not load the sales figures.', 'error');
    } finally {
      if (controller === ctrl) {
        controller = null;
        refresh.disabled = false;
        root.removeAttribute('aria-busy');
      }
    }
  }

  return {
    show() {
      visible = true;
      root.hidden = false;
      load();
      clearInterval(timer);
      timer = setInterval(() => { if (visible && !document.hidden) load(); }, 60000);
    },
    hide() {
      visible = false;
      root.hidden = true;
      clearInterval(timer);
      if (controller) controller.abort();
    },
    destroy() {
      this.hide();
      root.replaceChildren();
      delete root.dataset.loaded;
    },
  };
}
