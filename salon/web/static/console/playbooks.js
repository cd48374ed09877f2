// Salon console — the "Playbooks" view: the site's playbooks with their lift, the coupon budget,
// the follow-ups, and one playbook's detail (editor, versions, firing log, personal coupons).
//
// API: salon/playbooks/routes.py. Supervisors and admins write; associates see everything
// read-only. Everything from the server goes in as text (h() and textContent), never as markup.

import { h, formatMoney, formatAgo } from './floor.js';
import { sitePath, str } from './chat-api.js';
import { createEditor } from './playbook-editor.js';
import { liftTable } from './lift.js';
import { createWebhooks } from './webhooks.js';

const arr = (x) => (Array.isArray(x) ? x : []);
const num = (x) => (Number.isFinite(Number(x)) ? Number(x) : 0);
const SUPERVISORS = ['supervisor', 'admin'];

function when(iso) {
  const t = Date.parse(iso);
  const el = h('time', { text: formatAgo(iso) });
  if (Number.isFinite(t)) { el.setAttribute('datetime', new Date(t).toISOString()); el.title = new Date(t).toLocaleString(); }
  return el;
}

function table(cls, columns, rows, empty) {
  return h('table', { class: `data-table ${cls}` },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: String(columns.length), class: 'table-empty', text: empty }))));
}

const couponValue = (c) => (c.kind === 'percent' ? `${num(c.value)}%` : formatMoney(c.value));
const plain = (v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : str(v));

/** createPlaybooks({root, request, siteId, me}) → {show(), hide(), destroy()} */
export function createPlaybooks({ root, request, siteId, me }) {
  const supervisor = SUPERVISORS.includes(me?.role);
  let catalogue = null;
  let visible = false;
  let timer = 0;
  let openId = null;

  const status = h('p', { class: 'attribution-status pb-status', role: 'status', hidden: true });
  const refresh = h('button', { id: 'pb-refresh', class: 'button button-small', type: 'button', text: 'Refresh' });
  const create = h('button', { id: 'pb-new', class: 'button button-primary button-small', type: 'button', text: 'New playbook', hidden: !supervisor });
  const budgetBox = h('section', { class: 'card pb-budget', id: 'pb-budget' });
  const tasksBox = h('section', { class: 'card pb-tasks', id: 'pb-tasks' });
  const list = h('div', { class: 'pb-list', id: 'pb-list' });
  const detail = h('section', { class: 'pb-detail', id: 'pb-detail', hidden: true });
  const hooksBox = h('section', { class: 'card pb-webhooks', id: 'webhooks', hidden: !supervisor });
  const overview = h('div', { class: 'pb-overview' },
    h('div', { class: 'pb-side' }, budgetBox, tasksBox), list);
  root.replaceChildren(
    h('header', { class: 'attribution-head' },
      h('div', null,
        h('h2', { class: 'attribution-title', id: 'playbooks-title', text: 'Playbooks' }),
        h('p', { class: 'attribution-sub', text: supervisor ? 'What fires when, and whether it helps: treated shoppers against a hold-out.' : 'Read-only: a supervisor changes playbooks.' })),
      h('div', { class: 'pb-head-actions' }, create, refresh)),
    status, overview, detail, hooksBox);
  const hooks = supervisor ? createWebhooks({ root: hooksBox, request, siteId }) : null;

  function setStatus(text, kind = 'info') {
    status.textContent = text || '';
    status.dataset.kind = kind;
    status.hidden = !text;
  }

  // ---- overview: budget, tasks, the list with lift
  async function loadBudget() {
    const b = await request('GET', sitePath(siteId, '/coupon-budget'));
    const cap = h('input', { id: 'pb-budget-cap', class: 'input input-number', type: 'number', min: '0', step: '1', 'aria-label': 'Daily coupon budget' });
    cap.value = String(num(b.daily_cap));
    cap.disabled = !supervisor;
    const save = h('button', { id: 'pb-budget-save', class: 'button button-small', type: 'button', text: 'Save', hidden: !supervisor });
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    save.addEventListener('click', async () => {
      err.hidden = true;
      try {
        await request('PUT', sitePath(siteId, '/coupon-budget'), { daily_cap: cap.value.trim() === '' ? null : Number(cap.value) });
        await loadBudget();
      } catch (e) { err.textContent = str(e.message); err.hidden = false; }
    });
    const used = num(b.daily_cap) ? Math.min(1, num(b.committed_today) / num(b.daily_cap)) : 0;
    const fill = h('span', { class: 'attribution-bar-fill' });
    fill.style.width = `${Math.round(used * 100)}%`;
    budgetBox.replaceChildren(
      h('h3', { class: 'card-title', text: 'Coupon budget today' }),
      h('p', { class: 'pb-budget-line' },
        h('strong', { id: 'pb-budget-committed', text: formatMoney(b.committed_today) }),
        ` committed of ${formatMoney(b.daily_cap)} (${str(b.day)})`),
      h('span', { class: 'attribution-bar', 'aria-hidden': 'true' }, fill),
      h('div', { class: 'pb-budget-edit' }, h('label', { for: 'pb-budget-cap', text: 'Daily cap' }), cap, save), err);
  }

  async function loadTasks() {
    const data = await request('GET', sitePath(siteId, '/tasks?status=open&mine=true'));
    const tasks = arr(data.tasks);
    tasksBox.replaceChildren(
      h('h3', { class: 'card-title', text: `Follow-ups (${tasks.length})` }),
      tasks.length ? h('ul', { class: 'pb-task-list' }, tasks.map((t) => {
        const done = h('button', { class: 'button button-small pb-task-done', type: 'button', text: 'Done' });
        done.addEventListener('click', async () => {
          done.disabled = true;
          try { await request('POST', sitePath(siteId, `/tasks/${encodeURIComponent(t.id)}/done`)); await loadTasks(); } catch (e) { done.disabled = false; setStatus(str(e.message), 'error'); }
        });
        return h('li', { class: 'pb-task', dataset: { taskId: str(t.id) } },
          h('div', { class: 'pb-task-main' },
            h('b', { text: str(t.title) }),
            t.note ? h('span', { class: 'pb-muted', text: str(t.note) }) : null,
            h('span', { class: 'pb-muted' }, 'due ', when(t.due_at), t.associate_id ? '' : ' · unassigned')),
          done);
      })) : h('p', { class: 'pb-muted', text: 'Nothing to follow up.' }));
  }

  function enabledToggle(p) {
    const box = h('input', { type: 'checkbox', class: 'switch-input pb-enabled', role: 'switch', 'aria-label': `Enabled: ${str(p.name)}` });
    box.checked = Boolean(p.enabled);
    box.disabled = !supervisor;
    const label = h('span', { class: 'switch-label', text: box.checked ? 'On' : 'Off' });
    box.addEventListener('change', async () => {
      try {
        await request('POST', sitePath(siteId, `/playbooks/${encodeURIComponent(p.id)}/enabled`), { enabled: box.checked });
      } catch (e) { box.checked = !box.checked; setStatus(str(e.message), 'error'); }
      label.textContent = box.checked ? 'On' : 'Off';
    });
    return h('label', { class: 'switch pb-switch' }, box, label);
  }

  async function loadList() {
    const data = await request('GET', sitePath(siteId, '/playbooks'));
    const playbooks = arr(data.playbooks);
    list.replaceChildren(...(playbooks.length ? playbooks.map((p) => {
      const open = h('button', { class: 'button button-small pb-open', type: 'button', text: supervisor ? 'Open · edit' : 'Open' });
      open.addEventListener('click', () => openPlaybook(p.id));
      return h('article', { class: 'card pb-item', dataset: { playbookId: str(p.id), enabled: String(Boolean(p.enabled)) } },
        h('header', { class: 'pb-item-head' },
          h('div', null,
            h('h3', { class: 'pb-name', text: str(p.name) }),
            h('p', { class: 'pb-trigger-text', text: `When ${str(p.trigger_text)}` }),
            h('p', { class: 'pb-muted', text: `Version ${num(p.version)} · hold-out ${num(p.holdout_percent)}% · ${arr(p.actions).map((a) => str(a?.type).replace(/_/g, ' ')).join(', ')}` })),
          h('div', { class: 'pb-item-actions' }, enabledToggle(p), open)),
        liftTable(p.lift));
    }) : [h('p', { class: 'table-empty', text: 'No playbooks yet.' })]));
  }

  async function loadOverview() {
    root.setAttribute('aria-busy', 'true');
    try {
      await Promise.all([loadBudget(), loadTasks(), loadList()]);
      setStatus('');
      root.dataset.loaded = String(Date.now());
    } catch (e) {
      setStatus(str(e.message) || 'Could not load the playbooks.', 'error');
    } finally {
      root.removeAttribute('aria-busy');
    }
  }

  // ---- detail
  async function signals() {
    if (!catalogue) catalogue = await request('GET', sitePath(siteId, '/playbooks/signals'));
    return catalogue;
  }

  function firingRow(f) {
    const signalsText = Object.entries(f.signals && typeof f.signals === 'object' ? f.signals : {})
      .map(([k, v]) => `${k.replace(/_/g, ' ')} = ${plain(v)}`).join(' · ');
    const actions = arr(f.actions).map((a) => {
      const { type, ...rest } = a && typeof a === 'object' ? a : {};
      const extra = Object.entries(rest).map(([k, v]) => `${k}: ${plain(v)}`).join(', ');
      return h('li', { text: extra ? `${str(type)} — ${extra}` : str(type) });
    });
    return h('tr', { class: 'pb-firing', dataset: { firingId: str(f.id), group: str(f.group), converted: String(Boolean(f.converted)) } },
      h('td', null, when(f.fired_at)),
      h('td', { class: 'num', text: String(num(f.version)) }),
      h('td', null, h('span', { class: `chip chip-group-${str(f.group)}`, text: f.group === 'holdout' ? 'hold-out' : str(f.group) })),
      h('td', { class: 'mono', text: str(f.customer_id) || `visitor ${str(f.visitor_id).slice(0, 8)}` }),
      h('td', { class: 'pb-signals', text: signalsText }),
      h('td', null, h('ul', { class: 'pb-firing-actions' }, actions)),
      h('td', { text: [str(f.offer_status), str(f.coupon_code)].filter(Boolean).join(' · ') || '—' }),
      h('td', { class: 'num pb-converted', text: f.converted ? `yes · ${formatMoney(f.order_total)}` : 'no' }));
  }

  function couponRow(c) {
    return h('tr', { class: 'pb-coupon', dataset: { code: str(c.code), redeemed: String(Boolean(c.redeemed)) } },
      h('td', { class: 'mono', text: str(c.code) }),
      h('td', { class: 'num', text: couponValue(c) }),
      h('td', null, when(c.issued_at)),
      h('td', { class: 'pb-redeemed', text: c.redeemed ? 'yes' : 'no' }),
      h('td', { class: 'mono', text: str(c.order_id) || '—' }),
      h('td', { class: 'num', text: c.redeemed ? formatMoney(c.discount) : '—' }));
  }

  function versionRow(v) {
    const d = v.definition && typeof v.definition === 'object' ? v.definition : {};
    const summary = h('details', { class: 'pb-version-json' }, h('summary', { text: 'definition' }),
      h('pre', { text: JSON.stringify(d, null, 2) }));
    return h('tr', { class: 'pb-version' },
      h('td', { class: 'num', text: String(num(v.version)) }), h('td', null, when(v.created_at)),
      h('td', { text: str(d.name) }), h('td', null, summary));
  }

  async function openPlaybook(id) {
    openId = id;
    overview.hidden = true;
    detail.hidden = false;
    detail.replaceChildren(h('p', { class: 'pb-muted', text: 'Loading…' }));
    try {
      const cat = await signals();
      const [one, firings, coupons] = id ? await Promise.all([
        request('GET', sitePath(siteId, `/playbooks/${encodeURIComponent(id)}`)),
        request('GET', sitePath(siteId, `/playbooks/${encodeURIComponent(id)}/firings?limit=100`)),
        request('GET', sitePath(siteId, `/playbook-coupons?playbook_id=${encodeURIComponent(id)}`)),
      ]) : [{}, {}, {}];
      if (openId !== id) return;
      renderDetail(cat, one, arr(firings.firings), arr(coupons.coupons));
    } catch (e) {
      detail.replaceChildren(backButton(), h('p', { class: 'form-error', role: 'alert', text: str(e.message) }));
    }
  }

  function backButton() {
    const back = h('button', { class: 'button button-quiet button-small pb-back', type: 'button', text: '← All playbooks' });
    back.addEventListener('click', closeDetail);
    return back;
  }

  function renderDetail(cat, one, firings, coupons) {
    const p = one.playbook || null;
    const editor = createEditor({ catalogue: cat, playbook: p, readOnly: !supervisor });
    const save = h('button', { id: 'pb-save', class: 'button button-primary', type: 'submit', text: p ? `Save as version ${num(p.version) + 1}` : 'Create', hidden: !supervisor });
    const check = h('button', { id: 'pb-check', class: 'button', type: 'button', text: 'Check trigger', hidden: !supervisor });
    const checked = h('p', { class: 'pb-muted pb-check-result', role: 'status' });
    const form = h('form', { class: 'pb-form', id: 'pb-form', novalidate: true }, editor.el, h('div', { class: 'pb-form-actions' }, check, save, checked));
    check.addEventListener('click', async () => {
      editor.setError(null);
      try {
        const answer = await request('POST', sitePath(siteId, '/playbooks/preview'), { trigger: editor.readTrigger() });
        checked.textContent = `When ${str(answer.text)} — ${arr(answer.matching_visits).length} shopper(s) on the floor match now.`;
      } catch (e) { editor.setError(e); }
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!supervisor) return;
      editor.setError(null);
      save.disabled = true;
      try {
        const body = editor.read();
        const answer = p
          ? await request('PUT', sitePath(siteId, `/playbooks/${encodeURIComponent(p.id)}?version=${num(p.version)}`), body)
          : await request('POST', sitePath(siteId, '/playbooks'), body);
        setStatus(p ? `Saved version ${num(answer.playbook?.version)}.` : 'Playbook created.');
        await openPlaybook(answer.playbook?.id || p?.id);
      } catch (e) {
        editor.setError(e);
      } finally {
        save.disabled = false;
      }
    });
    const parts = [
      h('header', { class: 'pb-detail-head' }, backButton(),
        h('h3', { class: 'pb-detail-title', text: p ? str(p.name) : 'New playbook' }),
        p ? h('span', { class: 'pb-muted', text: `version ${num(p.version)} · updated ${formatAgo(p.updated_at)}` }) : null),
      h('section', { class: 'card' }, h('h4', { class: 'card-title', text: supervisor ? 'Edit' : 'Definition (read-only)' }), form),
    ];
    if (p) {
      parts.push(
        h('section', { class: 'card', id: 'pb-detail-lift' }, h('h4', { class: 'card-title', text: 'Lift' }), liftTable(one.lift)),
        h('section', { class: 'card' }, h('h4', { class: 'card-title', text: `Firings (${firings.length})` }),
          table('pb-firings', ['When', 'Ver.', 'Group', 'Visitor / customer', 'Signals', 'Actions', 'Offer', 'Converted'], firings.map(firingRow), 'It has not fired yet.')),
        h('section', { class: 'card' }, h('h4', { class: 'card-title', text: `Personal coupons (${coupons.length})` }),
          table('pb-coupons', ['Code', 'Value', 'Issued', 'Redeemed', 'Order', 'Discount'], coupons.map(couponRow), 'No codes issued yet.')),
        h('section', { class: 'card' }, h('h4', { class: 'card-title', text: 'Versions' }),
          table('pb-versions', ['Version', 'Saved', 'Name', ''], arr(one.versions).map(versionRow), '—')));
    }
    detail.replaceChildren(...parts);
    detail.dataset.playbookId = p ? str(p.id) : '';
  }

  function closeDetail() {
    openId = null;
    detail.hidden = true;
    detail.replaceChildren();
    overview.hidden = false;
    loadOverview();
  }

  create.addEventListener('click', () => openPlaybook(null));
  refresh.addEventListener('click', () => {
    if (openId) openPlaybook(openId); else loadOverview();
    if (hooks) hooks.load();
  });

  return {
    show() {
      visible = true;
      root.hidden = false;
      if (openId) openPlaybook(openId); else loadOverview();
      if (hooks) hooks.load();
      clearInterval(timer);
      timer = setInterval(() => { if (visible && !document.hidden && !openId) loadOverview(); }, 30000);
    },
    hide() {
      visible = false;
      root.hidden = true;
      clearInterval(timer);
    },
    destroy() {
      this.hide();
      root.replaceChildren();
      delete root.dataset.loaded;
    },
  };
}
