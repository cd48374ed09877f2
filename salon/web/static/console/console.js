// Salon console — app entry.
//
// GET /api/auth/me → 401: the login form; otherwise the live floor of the first site (or the one
// picked), the associate's name and a logout button. No globals: state lives in this module.
//
// Four views from the top bar (body[data-section]): the floor (home), chats (the full chat
// workspace), sales (attribution) and playbooks. The chat workspace is one piece of DOM: a dock on the right
// beside the floor or the sales view, or the whole workspace in the chats view, so the associate
// can watch the floor and chat at the same time.

import { createFloor } from './floor.js';
import { createStory } from './story.js';
import { createChat } from './chat.js';
import { createAttribution } from './attribution.js';
import { createPlaybooks } from './playbooks.js';
import { createHelpdesk } from './helpdesk.js';
import { createAnalytics } from './analytics.js';
import { createTopics } from './topics.js';
import { createApi } from './chat-api.js';

const $ = (id) => document.getElementById(id);
const SITE_KEY = 'salon.console.site';

const app = {
  me: null,
  csrf: null,
  siteId: null,
  floor: null,
  story: null,
  chat: null,
  attribution: null,
  playbooks: null,
  helpdesk: null,
  analytics: null,
  topics: null,
  section: 'floor',
  checkingAuth: false,
};

const SECTIONS = ['floor', 'chats', 'sales', 'playbooks', 'analytics'];
SECTIONS.push('helpdesk'); // the experts' help desk (helpdesk.js)
SECTIONS.push('topics'); // recurring questions (topics.js)

function setSection(section) {
  const next = SECTIONS.includes(section) ? section : 'floor';
  app.section = next;
  document.body.dataset.section = next;
  for (const b of document.querySelectorAll('.nav-tab[data-section]')) {
    b.setAttribute('aria-pressed', b.dataset.section === next ? 'true' : 'false');
  }
  if (app.attribution) {
    if (next === 'sales') app.attribution.show(); else app.attribution.hide();
  }
  if (app.playbooks) {
    if (next === 'playbooks') app.playbooks.show(); else app.playbooks.hide();
  }
  if (app.helpdesk) {
    if (next === 'helpdesk') app.helpdesk.show(); else app.helpdesk.hide();
  }
  if (app.analytics) {
    if (next === 'analytics') app.analytics.show(); else app.analytics.hide();
  }
  if (app.topics) {
    if (next === 'topics') app.topics.show(); else app.topics.hide();
  }
  if (app.chat) app.chat.sectionChanged(next);
}

function setView(view) {
  document.body.dataset.view = view;
  $('boot').hidden = view !== 'loading' && view !== 'error';
  $('login').hidden = view !== 'login';
  $('console').hidden = view !== 'console';
}

async function errorMessage(res, fallback) {
  try {
    const body = await res.json();
    const msg = body?.error?.message;
    if (typeof msg === 'string' && msg.trim()) return msg;
  } catch { /* not JSON */ }
  return fallback;
}

// ---------------------------------------------------------------- boot

async function boot() {
  let res;
  try {
    res = await fetch('/api/auth/me', { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch {
    showBootError('Could not reach Salon. Check your connection and try again.');
    return;
  }
  if (res.status === 401) {
    teardown();
    showLogin();
    return;
  }
  if (!res.ok) {
    showBootError(await errorMessage(res, `Salon answered ${res.status}. Try again in a moment.`));
    return;
  }
  let me;
  try { me = await res.json(); } catch { showBootError('Salon sent an unreadable answer.'); return; }
  showConsole(me);
}

function showBootError(text) {
  setView('error');
  const boot = $('boot');
  const retry = document.createElement('button');
  retry.type = 'button';
  retry.className = 'button';
  retry.textContent = 'Try again';
  retry.addEventListener('click', () => { setView('loading'); $('boot').textContent = 'Loading…'; start(); });
  const p = document.createElement('p');
  p.textContent = text;
  boot.replaceChildren(p, retry);
}

// ---------------------------------------------------------------- login

let retryTimer = 0;

function showLogin(message) {
  setView('login');
  const err = $('login-error');
  err.textContent = message || '';
  err.hidden = !message;
  const email = $('login-email');
  if (!email.value) email.focus(); else $('login-password').focus();
}

async function onLoginSubmit(ev) {
  ev.preventDefault();
  const email = $('login-email').value.trim();
  const password = $('login-password').value;
  const err = $('login-error');
  const submit = $('login-submit');
  if (!email || !password) {
    err.textContent = 'Enter your e-mail address and password.';
    err.hidden = false;
    return;
  }
  submit.disabled = true;
  err.hidden = true;
  $('login-form').setAttribute('aria-busy', 'true');
  try {
    const res = await fetch('/api/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.ok) {
      $('login-password').value = '';
      await boot();
      return;
    }
    let message = await errorMessage(res, res.status === 401 ? 'Wrong e-mail address or password.' : res.status === 429 ? 'Too many sign-in attempts. Try again later.' : `Sign-in failed (${res.status}).`);
    if (res.status === 429) {
      const after = parseInt(res.headers.get('Retry-After') || '', 10);
      if (Number.isFinite(after) && after > 0) {
        if (!/\d/.test(message)) message += ` Try again in ${after} s.`;
        holdSubmit(Math.min(after, 600));
      }
    }
    err.textContent = message;
    err.hidden = false;
    err.dataset.status = String(res.status);
  } catch {
    err.textContent = 'Could not reach Salon. Check your connection and try again.';
    err.hidden = false;
  } finally {
    $('login-form').removeAttribute('aria-busy');
    if (!retryTimer) submit.disabled = false;
  }
}

function holdSubmit(seconds) {
  const submit = $('login-submit');
  clearTimeout(retryTimer);
  submit.disabled = true;
  retryTimer = setTimeout(() => { retryTimer = 0; submit.disabled = false; }, seconds * 1000);
}

// ---------------------------------------------------------------- console

function showConsole(me) {
  app.me = me;
  app.csrf = typeof me.csrf_token === 'string' ? me.csrf_token : '';
  const associate = me.associate || {};
  $('associate-name').textContent = typeof associate.name === 'string' && associate.name ? associate.name : (associate.email || 'Associate');
  $('associate-name').title = typeof associate.email === 'string' ? associate.email : '';
  if (associate.role) $('associate-role').textContent = String(associate.role);

  const sites = Array.isArray(me.sites) ? me.sites.filter((s) => s && typeof s.id === 'string') : [];
  const picker = $('site-picker');
  const nameEl = $('site-name');
  setView('console');

  if (!sites.length) {
    teardown();
    picker.hidden = true;
    nameEl.hidden = false;
    nameEl.textContent = 'No site';
    const banner = $('floor-banner');
    banner.textContent = 'Your account does not have access to any site yet. Ask an administrator to add you to one.';
    banner.hidden = false;
    return;
  }

  let stored = null;
  try { stored = localStorage.getItem(SITE_KEY); } catch { /* storage disabled */ }
  const wanted = sites.find((s) => s.id === app.siteId) || sites.find((s) => s.id === stored) || sites[0];

  if (sites.length > 1) {
    picker.replaceChildren(...sites.map((s) => {
      const o = document.createElement('option');
      o.value = s.id;
      o.textContent = typeof s.name === 'string' && s.name ? s.name : s.id;
      return o;
    }));
    picker.value = wanted.id;
    picker.hidden = false;
    nameEl.hidden = true;
  } else {
    picker.hidden = true;
    nameEl.hidden = false;
    nameEl.textContent = typeof wanted.name === 'string' && wanted.name ? wanted.name : wanted.id;
  }

  if (app.floor && app.siteId === wanted.id) return; // already showing it (e.g. re-checked the session)
  openSite(wanted.id);
}

function openSite(siteId) {
  teardown();
  app.siteId = siteId;
  try { localStorage.setItem(SITE_KEY, siteId); } catch { /* storage disabled */ }
  document.body.dataset.siteId = siteId;
  $('floor-banner').hidden = true;

  app.story = createStory({
    root: $('story'),
    getSiteId: () => app.siteId,
    onClose: (id) => {
      if (app.floor) {
        app.floor.setSelected(null);
        if (id) app.floor.focusTile(id);
      }
    },
    onAuthProblem: recheckAuth,
  });
  app.floor = createFloor({
    siteId,
    csrf: app.csrf,
    onOpen: (id) => {
      app.floor.setSelected(id);
      app.story.open(id, app.floor.getVisit(id));
    },
    onVisitChanged: (v) => { app.story?.visitChanged(v); app.chat?.visitChanged(v); },
    onVisitRemoved: (id) => { app.story?.visitRemoved(id); app.chat?.visitRemoved(id); },
    onAuthProblem: recheckAuth,
  });
  app.chat = createChat({
    siteId,
    csrf: app.csrf,
    me: app.me?.associate || {},
    getVisit: (id) => app.floor?.getVisit(id) || null,
    onOpenVisit: (visitId) => {
      // from the chat dock (or a narrow chats view): show the shopper's story beside the floor
      if (app.section !== 'floor') setSection('floor');
      if (app.floor) app.floor.setSelected(visitId);
      if (app.story) app.story.open(visitId, app.floor?.getVisit(visitId) || null);
    },
    onAuthProblem: recheckAuth,
  });
  app.attribution = createAttribution({
    root: $('attribution'),
    request: createApi({ csrf: app.csrf, onAuthProblem: recheckAuth }),
    siteId,
  });
  app.helpdesk = createHelpdesk({
    root: $('helpdesk'),
    request: createApi({ csrf: app.csrf, onAuthProblem: recheckAuth }),
    siteId,
    csrf: app.csrf,
    me: app.me?.associate || {},
    navCount: $('helpdesk-count'),
    chatButton: $('tool-expert'),
    chatPanel: $('chat-panel'),
    expertPanel: $('expert-panel'),
  });
  app.playbooks = createPlaybooks({
    root: $('playbooks'),
    request: createApi({ csrf: app.csrf, onAuthProblem: recheckAuth }),
    siteId,
    me: app.me?.associate || {},
  });
  const manager = ['supervisor', 'admin'].includes(app.me?.associate?.role);
  $('nav-analytics').hidden = !manager;
  app.analytics = manager ? createAnalytics({
    root: $('analytics'),
    request: createApi({ csrf: app.csrf, onAuthProblem: recheckAuth }),
    siteId,
  }) : null;
  app.topics = createTopics({
    root: $('topics'),
    request: createApi({ csrf: app.csrf, onAuthProblem: recheckAuth }),
    siteId,
    helpdesk: Boolean($('helpdesk')),
  });
  setSection(app.section === 'analytics' && !manager ? 'floor' : app.section);
  routeHash();
}

function teardown() {
  if (app.chat) { app.chat.stop(); app.chat = null; }
  if (app.attribution) { app.attribution.destroy(); app.attribution = null; }
  if (app.playbooks) { app.playbooks.destroy(); app.playbooks = null; }
  if (app.helpdesk) { app.helpdesk.destroy(); app.helpdesk = null; }
  if (app.analytics) { app.analytics.destroy(); app.analytics = null; }
  if (app.topics) { app.topics.destroy(); app.topics = null; }
  if (app.floor) { app.floor.stop(); app.floor = null; }
  if (app.story) { app.story.destroy(); app.story = null; }
  delete document.body.dataset.siteId;
}

/** The floor socket or a story fetch hit an auth problem: is the session still valid? */
async function recheckAuth() {
  if (app.checkingAuth) return;
  app.checkingAuth = true;
  try {
    const res = await fetch('/api/auth/me', { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (res.status === 401) {
      teardown();
      app.siteId = null;
      showLogin('Your session has ended. Please sign in again.');
    } else if (res.ok) {
      const me = await res.json();
      const sites = Array.isArray(me.sites) ? me.sites : [];
      if (typeof me.csrf_token === 'string' && me.csrf_token !== app.csrf) {
        // a new CSRF token: reopen the floor with it
        app.csrf = me.csrf_token;
        if (app.siteId) openSite(app.siteId);
      }
      if (app.siteId && !sites.some((s) => s && s.id === app.siteId)) {
        app.siteId = null;
        showConsole(me);
      }
    }
  } catch { /* offline: the floor keeps retrying */ } finally {
    app.checkingAuth = false;
  }
}

async function logout() {
  const btn = $('logout');
  btn.disabled = true;
  try {
    await fetch('/api/auth/logout', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': app.csrf || '' },
    });
  } catch { /* we leave the console anyway */ }
  teardown();
  app.siteId = null;
  app.me = null;
  app.csrf = null;
  setSection('floor');
  btn.disabled = false;
  showLogin();
}

// ---------------------------------------------------------------- links into the console

/**
 * /console#topics, #chats/{conversation id}, #helpdesk/{thread id} (the Topics page links here). A
 * chat opens in its tab when it is one of the associate's, else as a read-only transcript on the
 * Topics page. The hash is consumed, so the same link works again.
 */
function routeHash() {
  const match = /^#(topics|chats|helpdesk)(?:\/([A-Za-z0-9_-]{1,64}))?$/.exec(location.hash);
  if (!match || !app.siteId || !app.topics) return; // not signed in yet: openSite() routes it
  const [, section, id] = match;
  history.replaceState(null, '', location.pathname + location.search);
  if (section === 'chats' && id) {
    const tab = Array.from(document.querySelectorAll('#chat-tabs .chat-tab')).find((t) => t.dataset.conversationId === id);
    if (tab) { setSection('chats'); tab.querySelector('.chat-tab-main')?.click(); return; }
    setSection('topics');
    app.topics.openChat(id);
  } else if (section === 'helpdesk' && id) {
    setSection('helpdesk');
    if (typeof app.helpdesk?.openThread === 'function') app.helpdesk.openThread(id);
    else document.querySelector(`#helpdesk .hd-item[data-thread-id="${CSS.escape(id)}"]`)?.click();
  } else {
    setSection(section);
  }
}

// ---------------------------------------------------------------- start

function start() {
  boot();
}

$('login-form').addEventListener('submit', onLoginSubmit);
$('logout').addEventListener('click', logout);
for (const b of document.querySelectorAll('.nav-tab[data-section]')) {
  b.addEventListener('click', () => setSection(b.dataset.section));
}
$('site-picker').addEventListener('change', (ev) => {
  const id = ev.target.value;
  if (id && id !== app.siteId) openSite(id);
});
window.addEventListener('hashchange', routeHash);
setView('loading');
start();
