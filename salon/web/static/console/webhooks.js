// Salon console — webhooks (supervisors): endpoints, their signing secret (shown once, on create),
// enable/disable, "Send test", and the delivery log with Retry (salon/webhooks/routes.py).

import { h, formatAgo } from './floor.js';
import { sitePath, str } from './chat-api.js';

const arr = (x) => (Array.isArray(x) ? x : []);

/** createWebhooks({root, request, siteId}) → {load()} */
export function createWebhooks({ root, request, siteId }) {
  const status = h('p', { class: 'form-error wh-error', role: 'alert', hidden: true });
  const secretBox = h('div', { class: 'wh-secret-box', role: 'status', hidden: true });
  const endpoints = h('div', { class: 'wh-endpoints', id: 'wh-endpoints' });
  const deliveries = h('div', { class: 'wh-deliveries', id: 'wh-deliveries' });
  const url = h('input', { id: 'wh-url', class: 'input', type: 'url', placeholder: 'https://example.com/hooks/salon', autocomplete: 'off' });
  const description = h('input', { id: 'wh-description', class: 'input', type: 'text', maxlength: '200', placeholder: 'What it is for', autocomplete: 'off' });
  const events = h('div', { class: 'wh-events', role: 'group', 'aria-label': 'Events' });
  const add = h('button', { id: 'wh-create', class: 'button button-primary button-small', type: 'submit', text: 'Add endpoint' });
  const form = h('form', { class: 'wh-form', id: 'wh-form', novalidate: true },
    h('label', { class: 'pb-field', for: 'wh-url' }, h('span', { text: 'URL' }), url),
    h('label', { class: 'pb-field', for: 'wh-description' }, h('span', { text: 'Description' }), description),
    events, add);
  root.replaceChildren(h('h3', { class: 'card-title', text: 'Webhooks' }), form, status, secretBox, endpoints,
    h('h4', { class: 'card-title', text: 'Delivery log' }), deliveries);

  function fail(err) {
    status.textContent = err ? str(err.message) : '';
    status.hidden = !err;
  }

  async function act(button, method, path, body) {
    button.disabled = true;
    fail(null);
    try { await request(method, path, body); await load(); } catch (e) { fail(e); button.disabled = false; }
  }

  function endpointRow(e) {
    const toggle = h('button', { class: 'button button-small wh-toggle', type: 'button', text: e.active ? 'Disable' : 'Enable' });
    toggle.addEventListener('click', () => act(toggle, 'PATCH', sitePath(siteId, `/webhooks/${encodeURIComponent(e.id)}`), { active: !e.active }));
    const test = h('button', { class: 'button button-small wh-test', type: 'button', text: 'Send test' });
    test.addEventListener('click', () => act(test, 'POST', sitePath(siteId, `/webhooks/${encodeURIComponent(e.id)}/test`)));
    const remove = h('button', { class: 'button button-small button-quiet wh-delete', type: 'button', text: 'Delete' });
    remove.addEventListener('click', () => act(remove, 'DELETE', sitePath(siteId, `/webhooks/${encodeURIComponent(e.id)}`)));
    return h('li', { class: 'wh-endpoint', dataset: { endpointId: str(e.id), active: String(Boolean(e.active)) } },
      h('div', { class: 'wh-endpoint-main' },
        h('span', { class: 'mono wh-url', text: str(e.url) }),
        h('span', { class: 'pb-muted', text: `${e.active ? 'active' : 'disabled'} · ${arr(e.events).join(', ')}${e.description ? ` · ${str(e.description)}` : ''}` })),
      toggle, test, remove);
  }

  function deliveryRow(d) {
    const retry = h('button', { class: 'button button-small wh-retry', type: 'button', text: 'Retry' });
    retry.addEventListener('click', () => act(retry, 'POST', sitePath(siteId, `/webhooks/deliveries/${encodeURIComponent(d.id)}/retry`)));
    const last = [d.last_status_code ? `HTTP ${d.last_status_code}` : '', str(d.last_error)].filter(Boolean).join(' · ');
    return h('tr', { class: 'wh-delivery', dataset: { deliveryId: str(d.id), status: str(d.status) } },
      h('td', { text: str(d.event) }),
      h('td', { class: 'mono', text: str(d.id) }),
      h('td', null, h('span', { class: `chip chip-wh-${str(d.status)}`, text: str(d.status) })),
      h('td', { class: 'num', text: String(Number(d.attempt_count) || 0) }),
      h('td', { text: last || '—' }),
      h('td', { class: 'muted', text: formatAgo(d.created_at) }),
      h('td', null, d.status === 'delivered' ? null : retry));
  }

  async function load() {
    try {
      const [list, log] = await Promise.all([
        request('GET', sitePath(siteId, '/webhooks')),
        request('GET', sitePath(siteId, '/webhooks/deliveries?limit=50')),
      ]);
      const known = arr(list.events);
      if (events.childElementCount !== known.length) {
        events.replaceChildren(...known.map((name) => {
          const box = h('input', { type: 'checkbox', value: str(name), class: 'wh-event' });
          box.checked = true;
          return h('label', { class: 'pb-field-check' }, box, h('span', { text: str(name) }));
        }));
      }
      const found = arr(list.endpoints);
      endpoints.replaceChildren(found.length ? h('ul', { class: 'wh-endpoint-list' }, found.map(endpointRow))
        : h('p', { class: 'pb-muted', text: 'No endpoints yet.' }));
      const rows = arr(log.deliveries).map(deliveryRow);
      deliveries.replaceChildren(h('table', { class: 'data-table wh-log' },
        h('thead', null, h('tr', null, ['Event', 'Delivery', 'Status', 'Attempts', 'Last answer', 'Created', ''].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: '7', class: 'table-empty', text: 'Nothing sent yet.' })))));
    } catch (e) { fail(e); }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fail(null);
    add.disabled = true;
    try {
      const chosen = Array.from(events.querySelectorAll('.wh-event:checked'), (b) => b.value);
      const answer = await request('POST', sitePath(siteId, '/webhooks'), { url: url.value.trim(), events: chosen, description: description.value.trim() });
      const secret = str(answer.endpoint?.secret);
      secretBox.replaceChildren(h('span', { text: 'Signing secret — copy it now, it is shown only here: ' }), h('code', { class: 'wh-secret', text: secret }));
      secretBox.hidden = !secret;
      url.value = '';
      description.value = '';
      await load();
    } catch (e) { fail(e); } finally { add.disabled = false; }
  });

  return { load };
}
