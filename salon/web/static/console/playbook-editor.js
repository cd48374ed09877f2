// Salon console — the playbook editor: name, description, hold-out, caps, the trigger builder
// and the actions, read back into the JSON the server validates (salon/playbooks/schemas.py).
//
// The trigger builder shows a flat all/any group of rows [signal][operator][value] built from the
// signals catalogue (GET /playbooks/signals). Anything deeper (not, nested groups) is edited as
// JSON in the "advanced" textarea; the server is the judge either way and its 422 names the node.

import { h } from './floor.js';
import { str } from './chat-api.js';

const arr = (x) => (Array.isArray(x) ? x : []);

const OP_LABEL = {
  lt: '<', lte: '≤', gt: '>', gte: '≥', eq: '=', ne: '≠', between: 'between', is: 'is',
  in: 'is one of', not_in: 'is none of', equals: 'equals', contains: 'contains',
  starts_with: 'starts with', not_contains: 'does not contain',
};

/** The fields of each action type: [name, label, kind, choices?]. */
export const ACTION_FIELDS = {
  alert: [['message', 'Alert text', 'text'], ['to', 'To', 'choice', ['floor', 'customer_associate']]],
  invite: [['message', 'Invitation', 'text']],
  message: [['message', 'Message', 'text']],
  coupon: [['kind', 'Kind', 'choice', ['percent', 'amount']], ['min', 'Min', 'number'], ['max', 'Max', 'number'],
    ['expires_hours', 'Expires (h)', 'number'], ['min_basket', 'Min basket', 'number']],
  tag: [['tag', 'Tag', 'text']],
  follow_up: [['title', 'Task', 'text'], ['due_hours', 'Due in (h)', 'number']],
};
const ACTION_DEFAULTS = {
  alert: { message: '', to: 'floor' }, invite: { message: '' }, message: { message: '' },
  coupon: { kind: 'percent', min: 5, max: 10, expires_hours: 48, min_basket: 0 },
  tag: { tag: '' }, follow_up: { title: '', due_hours: 24 },
};

/** Is the tree a flat group of conditions the row builder can show? */
function flatGroup(tree) {
  if (!tree || typeof tree !== 'object') return null;
  const key = 'all' in tree ? 'all' : 'any' in tree ? 'any' : null;
  if (!key || Object.keys(tree).length !== 1) return null;
  const rows = arr(tree[key]);
  return rows.every((r) => r && typeof r === 'object' && typeof r.signal === 'string') ? { key, rows } : null;
}

function conditionRow(catalogue, leaf, readOnly) {
  const signals = arr(catalogue.signals);
  const ops = catalogue.operators || {};
  const signalSel = h('select', { class: 'pb-cond-signal', 'aria-label': 'Signal' },
    signals.map((s) => h('option', { value: str(s.name), text: str(s.name).replace(/_/g, ' '), title: str(s.help) })));
  const opSel = h('select', { class: 'pb-cond-op', 'aria-label': 'Operator' });
  const valueBox = h('span', { class: 'pb-cond-value' });
  const remove = h('button', { class: 'button button-small button-quiet pb-cond-remove', type: 'button', text: '×', 'aria-label': 'Remove condition' });
  const row = h('div', { class: 'pb-cond', role: 'group' }, signalSel, opSel, valueBox, readOnly ? null : remove);
  remove.addEventListener('click', () => row.remove());

  const kindOf = () => signals.find((s) => s.name === signalSel.value) || { kind: 'number', choices: [] };
  function fillOps(wanted) {
    const list = arr(ops[kindOf().kind]);
    opSel.replaceChildren(...list.map((o) => h('option', { value: o, text: OP_LABEL[o] || o })));
    opSel.value = list.includes(wanted) ? wanted : list[0] || '';
  }
  function fillValue(value) {
    const s = kindOf();
    const op = opSel.value;
    let inputs;
    if (s.kind === 'bool') {
      inputs = [h('select', { class: 'pb-cond-input', 'aria-label': 'Value' },
        h('option', { value: 'true', text: 'true' }), h('option', { value: 'false', text: 'false' }))];
      inputs[0].value = value === false ? 'false' : 'true';
    } else if (s.kind === 'enum' && (op === 'eq' || op === 'ne')) {
      inputs = [h('select', { class: 'pb-cond-input', 'aria-label': 'Value' }, arr(s.choices).map((c) => h('option', { value: str(c), text: str(c) })))];
      if (typeof value === 'string') inputs[0].value = value;
    } else if (op === 'between') {
      const pair = Array.isArray(value) ? value : [];
      inputs = [0, 1].map((i) => h('input', { class: 'pb-cond-input input input-number', type: 'number', step: 'any', 'aria-label': i ? 'High' : 'Low' }));
      inputs.forEach((el, i) => { if (pair[i] !== undefined) el.value = String(pair[i]); });
    } else {
      const list = s.kind === 'enum';
      const el = h('input', { class: 'pb-cond-input input', type: s.kind === 'number' ? 'number' : 'text', step: s.kind === 'number' ? 'any' : null, 'aria-label': 'Value', placeholder: list ? arr(s.choices).join(', ') : null });
      if (value !== undefined && value !== null) el.value = Array.isArray(value) ? value.join(', ') : String(value);
      inputs = [el];
    }
    valueBox.replaceChildren(...inputs);
    for (const el of inputs) el.disabled = readOnly;
  }
  if (leaf && signals.some((s) => s.name === leaf.signal)) signalSel.value = leaf.signal;
  fillOps(leaf?.op);
  fillValue(leaf?.value);
  signalSel.addEventListener('change', () => { fillOps(opSel.value); fillValue(undefined); });
  opSel.addEventListener('change', () => fillValue(undefined));
  signalSel.disabled = readOnly;
  opSel.disabled = readOnly;

  row.read = () => {
    const s = kindOf();
    const op = opSel.value;
    const inputs = Array.from(valueBox.querySelectorAll('.pb-cond-input'));
    let value;
    if (s.kind === 'bool') value = inputs[0].value === 'true';
    else if (op === 'between') value = inputs.map((el) => (el.value.trim() === '' ? null : Number(el.value)));
    else if (op === 'in' || op === 'not_in') value = inputs[0].value.split(',').map((x) => x.trim()).filter(Boolean);
    else if (s.kind === 'number') value = inputs[0].value.trim() === '' ? null : Number(inputs[0].value);
    else value = inputs[0].value;
    return { signal: signalSel.value, op, value };
  };
  return row;
}

function actionRow(action, readOnly) {
  const type = ACTION_FIELDS[action.type] ? action.type : 'alert';
  const values = { ...ACTION_DEFAULTS[type], ...action };
  const fields = ACTION_FIELDS[type].map(([name, label, kind, choices]) => {
    let input;
    if (kind === 'choice') {
      input = h('select', { name }, choices.map((c) => h('option', { value: c, text: c.replace(/_/g, ' ') })));
    } else {
      input = h('input', { name, class: `input${kind === 'number' ? ' input-number' : ''}`, type: kind === 'number' ? 'number' : 'text', step: kind === 'number' ? 'any' : null, autocomplete: 'off' });
    }
    input.dataset.kind = kind;
    if (values[name] !== undefined && values[name] !== null) input.value = String(values[name]);
    input.disabled = readOnly;
    return h('label', { class: `pb-field pb-field-${name}` }, h('span', { text: label }), input);
  });
  const remove = h('button', { class: 'button button-small button-quiet pb-action-remove', type: 'button', text: 'Remove' });
  const row = h('div', { class: 'pb-action', dataset: { type } },
    h('b', { class: 'pb-action-type', text: type.replace(/_/g, ' ') }), ...fields, readOnly ? null : remove);
  remove.addEventListener('click', () => row.remove());
  row.read = () => {
    const out = { type };
    for (const input of row.querySelectorAll('input, select')) {
      const raw = input.value.trim();
      if (input.dataset.kind === 'number') out[input.name] = raw === '' ? null : Number(raw);
      else out[input.name] = raw;
    }
    return out;
  };
  return row;
}

/**
 * createEditor({catalogue, playbook|null, readOnly}) → {el, read(): body, setError(err|null)}
 * read() throws Error(message) when the advanced JSON does not parse.
 */
export function createEditor({ catalogue, playbook, readOnly }) {
  const p = playbook || {
    name: '', description: '', enabled: false, holdout_percent: 10,
    caps: { per_visitor_days: 0, coupon_per_customer_days: 30 },
    trigger: { all: [{ signal: 'checkout_idle_seconds', op: 'gte', value: 45 }] }, actions: [{ type: 'alert', message: '', to: 'floor' }],
  };
  const caps = p.caps || {};
  const input = (id, label, value, attrs = {}) => {
    const el = h('input', { id, class: 'input', autocomplete: 'off', ...attrs });
    el.value = value === null || value === undefined ? '' : String(value);
    el.disabled = readOnly;
    return [el, h('label', { class: 'pb-field', for: id }, h('span', { text: label }), el)];
  };
  const [name, nameField] = input('pb-name', 'Name', p.name, { maxlength: '120' });
  const [description, descField] = input('pb-description', 'Description', p.description, { maxlength: '500' });
  const [holdout, holdoutField] = input('pb-holdout', 'Hold-out %', p.holdout_percent, { type: 'number', min: '0', max: '50' });
  const [perVisitor, perVisitorField] = input('pb-cap-visitor', 'Once per visitor every (days, 0 = per visit)', caps.per_visitor_days ?? 0, { type: 'number', min: '0', max: '365' });
  const [perCustomer, perCustomerField] = input('pb-cap-coupon', 'One coupon per customer every (days)', caps.coupon_per_customer_days ?? 30, { type: 'number', min: '0', max: '365' });
  const enabled = h('input', { id: 'pb-enabled-edit', type: 'checkbox' });
  enabled.checked = Boolean(p.enabled);
  enabled.disabled = readOnly;

  // trigger
  const group = flatGroup(p.trigger);
  const joinSel = h('select', { id: 'pb-join', 'aria-label': 'Match' },
    h('option', { value: 'all', text: 'all of' }), h('option', { value: 'any', text: 'any of' }));
  joinSel.value = group ? group.key : 'all';
  joinSel.disabled = readOnly;
  const rows = h('div', { class: 'pb-conds', id: 'pb-conds' });
  for (const leaf of group ? group.rows : []) rows.append(conditionRow(catalogue, leaf, readOnly));
  const addCond = h('button', { class: 'button button-small', type: 'button', id: 'pb-add-cond', text: '+ Condition', hidden: readOnly });
  addCond.addEventListener('click', () => rows.append(conditionRow(catalogue, null, readOnly)));
  const advanced = h('input', { id: 'pb-advanced', type: 'checkbox' });
  advanced.checked = !group;
  const json = h('textarea', { id: 'pb-trigger-json', class: 'input pb-json', rows: '8', spellcheck: 'false', 'aria-label': 'Trigger as JSON' });
  json.value = JSON.stringify(p.trigger || {}, null, 2);
  json.readOnly = readOnly;
  const simple = h('div', { class: 'pb-simple' }, h('p', { class: 'pb-join-line' }, 'Fire when ', joinSel, ' these hold:'), rows, addCond);
  function syncMode() {
    simple.hidden = advanced.checked;
    json.hidden = !advanced.checked;
  }
  advanced.addEventListener('change', () => {
    if (advanced.checked) json.value = JSON.stringify(readTrigger(false), null, 2);
    else {
      let tree = null;
      try { tree = JSON.parse(json.value); } catch { /* stays advanced */ }
      const g = flatGroup(tree);
      if (!g) { advanced.checked = true; setError({ message: 'This trigger has nested groups: keep editing it as JSON.' }); }
      else {
        joinSel.value = g.key;
        rows.replaceChildren(...g.rows.map((leaf) => conditionRow(catalogue, leaf, readOnly)));
      }
    }
    syncMode();
  });
  syncMode();

  function readTrigger(fromJson = advanced.checked) {
    if (fromJson) {
      try { return JSON.parse(json.value); } catch { throw new Error('trigger: the JSON does not parse'); }
    }
    return { [joinSel.value]: Array.from(rows.children).map((r) => r.read()) };
  }

  // actions
  const actions = h('div', { class: 'pb-actions', id: 'pb-actions' }, arr(p.actions).map((a) => actionRow(a, readOnly)));
  const addType = h('select', { id: 'pb-add-action-type', 'aria-label': 'Action type' },
    Object.keys(ACTION_FIELDS).map((t) => h('option', { value: t, text: t.replace(/_/g, ' ') })));
  const addAction = h('button', { class: 'button button-small', type: 'button', id: 'pb-add-action', text: '+ Action' });
  addAction.addEventListener('click', () => actions.append(actionRow({ type: addType.value }, false)));

  const error = h('p', { class: 'form-error pb-form-error', id: 'pb-form-error', role: 'alert', hidden: true });
  function setError(err) {
    error.textContent = err ? (err.field ? `${err.message}` : str(err.message)) : '';
    if (err?.field) error.dataset.field = err.field; else delete error.dataset.field;
    error.hidden = !err;
  }

  const el = h('div', { class: 'pb-editor' },
    h('div', { class: 'pb-row' }, nameField, descField),
    h('div', { class: 'pb-row' }, holdoutField, perVisitorField, perCustomerField,
      h('label', { class: 'pb-field pb-field-check', for: 'pb-enabled-edit' }, enabled, h('span', { text: 'Enabled' }))),
    h('fieldset', { class: 'pb-fieldset' }, h('legend', { text: 'Trigger' }), simple, json,
      h('label', { class: 'pb-field-check', for: 'pb-advanced' }, advanced, h('span', { text: 'Advanced (JSON)' }))),
    h('fieldset', { class: 'pb-fieldset' }, h('legend', { text: 'Actions' }), actions,
      readOnly ? null : h('div', { class: 'pb-add' }, addType, addAction)),
    error);

  const numberOr = (el, fallback) => (el.value.trim() === '' ? fallback : Number(el.value));
  return {
    el,
    setError,
    readTrigger: () => readTrigger(),
    read() {
      return {
        name: name.value.trim(),
        description: description.value.trim(),
        enabled: enabled.checked,
        holdout_percent: numberOr(holdout, 0),
        caps: { per_visitor_days: numberOr(perVisitor, 0), coupon_per_customer_days: numberOr(perCustomer, 30) },
        trigger: readTrigger(),
        actions: Array.from(actions.children).map((r) => r.read()),
      };
    },
  };
}
