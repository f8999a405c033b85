// Gatehouse status console: a read-only view of one node, built from the console's JSON API.
//
// Rules this file keeps (the page runs under a CSP without 'unsafe-inline'):
// - every piece of data reaches the DOM through textContent or a text node, never parsed as markup:
//   tenant names, display names, issuers and error messages are tenant-controlled and hostile;
// - the token lives in sessionStorage (this tab only) and leaves the page only as an
//   Authorization header to this origin; a 401 clears it and shows the login form again.

const TOKEN_KEY = 'gatehouse.console.token';
const EXPIRY_WARNING_DAYS = 30;
const CERT_PAGE = 1000;
const CERT_PAGES_MAX = 20; // at most 20000 rows in the table; the count says when there are more
const REFRESH_MS = 30000;

const state = { sortAscending: true, certificates: [], certsTruncated: false, domains: [], managed: null,
  tenants: [], timer: null };

const $ = (id) => document.getElementById(id);

class Unauthorized extends Error {}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem && typeof problem.detail === 'string' ? problem.detail : 'HTTP ' + status);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    throw new Unauthorized('no token');
  }
  const res = await fetch(path, {
    headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
    cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
  });
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    body = null;
  }
  if (res.status === 401) {
    throw new Unauthorized(body && body.detail ? body.detail : 'token refused');
  }
  if (!res.ok) {
    throw new ApiError(res.status, body);
  }
  return body;
}

/** Every item of a paged list, following `next` cursors (bounded, like the certificate pages). */
async function apiAll(path) {
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const q = new URLSearchParams({ limit: '1000' });
    if (cursor) {
      q.set('cursor', cursor);
    }
    const page = await api(path + '?' + q.toString());
    items.push(...page.items);
    cursor = page.next;
    pages++;
  } while (cursor && pages < CERT_PAGES_MAX);
  return { items, next: cursor || null };
}

// ---- DOM helpers (text only) ---------------------------------------------------------------

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) {
    e.className = className;
  }
  if (text !== undefined && text !== null) {
    e.textContent = String(text);
  }
  return e;
}

function row(cells, attrs) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof Node) {
      td.append(c);
    } else if (c && typeof c === 'object') {
      td.textContent = c.text === null || c.text === undefined ? '' : String(c.text);
      if (c.className) {
        td.className = c.className;
      }
    } else {
      td.textContent = c === null || c === undefined ? '' : String(c);
    }
    tr.append(td);
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    tr.dataset[k] = v;
  }
  return tr;
}

function fill(tableId, rows, emptyText) {
  const tbody = $(tableId).tBodies[0];
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = el('td', 'empty', emptyText);
    td.colSpan = $(tableId).tHead.rows[0].cells.length;
    tr.append(td);
    tbody.replaceChildren(tr);
  } else {
    tbody.replaceChildren(...rows);
  }
}

function fact(dl, name, value) {
  dl.append(el('dt', null, name), el('dd', null, value === null || value === undefined ? '-' : value));
}

function when(iso) {
  if (!iso) {
    return '-';
  }
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function list(values) {
  return Array.isArray(values) && values.length ? values.join(', ') : '-';
}

function className(prefix, value) {
  // only a fixed set of known values becomes a class name
  return /^[a-z-]{1,20}$/.test(String(value)) ? prefix + value : '';
}

// ---- views ---------------------------------------------------------------------------------

function showLogin(message) {
  stopTimer();
  document.body.dataset.state = 'login';
  $('dashboard').hidden = true;
  $('logout').hidden = true;
  $('refresh').hidden = true;
  $('node-name').textContent = '';
  $('updated').textContent = '';
  $('login-view').hidden = false;
  const error = $('login-error');
  error.textContent = message || '';
  error.hidden = !message;
  $('token').value = '';
  $('token').focus();
}

function showDashboard() {
  $('login-view').hidden = true;
  $('dashboard').hidden = false;
  $('logout').hidden = false;
  $('refresh').hidden = false;
}

function renderStatus(s) {
  $('node-name').textContent = (s.node ? 'node ' + s.node : '') + (s.version ? ' \u00b7 ' + s.version : '');
  const dl = $('node-facts');
  dl.replaceChildren();
  fact(dl, 'Node', s.node);
  fact(dl, 'Ready', s.ready === undefined ? null : (s.ready ? 'yes' : 'no'));
  fact(dl, 'Version', s.version);
  fact(dl, 'Uptime', s.uptimeSeconds === undefined ? null : Math.floor(s.uptimeSeconds / 60) + ' min');
  fact(dl, 'TLS', s.tls);
  if (s.listeners) {
    fact(dl, 'Listeners', Object.entries(s.listeners).map(([k, v]) => k + ' ' + v).join(', '));
  }
  fact(dl, 'Certificates served', s.certificates);
  fact(dl, 'Certificates stored', s.storedCertificates);
  if (s.expiringCertificates) {
    fact(dl, 'Expiring certificates', s.expiringCertificates.count + ' (within ' + s.expiringCertificates.threshold + ')');
  }

  const cluster = s.cluster;
  const membership = cluster && cluster.membership;
  const members = membership ? membership.members || [] : (cluster ? cluster.members || [] : []);
  $('cluster-summary').textContent = !cluster ? 'Single node (no cluster configured).'
    : 'Cluster ' + cluster.name + (membership ? ', view ' + membership.view : '') + ', '
      + members.length + ' member(s)' + (cluster.syncedAt ? ', grid synced ' + when(cluster.syncedAt) : '');
  fill('members-table', members.map((m) => row([m, membership && membership.coordinator === m ? 'coordinator'
    : 'member'], { member: m })), cluster ? 'No members' : 'Not clustered');

  const ha = cluster && cluster.ha;
  $('vips-summary').textContent = !ha ? 'No virtual IPs managed by this node.'
    : 'Driver ' + ha.driver + ', this node ' + (ha.health && ha.health.healthy ? 'healthy' : 'not healthy'
      + (ha.health && ha.health.problem ? ' (' + ha.health.problem + ')' : '')) + ', failback ' + ha.failback;
  const vips = ha && Array.isArray(ha.vips) ? ha.vips : [];
  fill('vips-table', vips.map((v) => row([v.address + (v.prefixLength !== undefined ? '/' + v.prefixLength : ''),
    v.owner || '(none)', v.preferredOwner || '-', { text: v.heldHere ? 'yes' : 'no', className: v.heldHere ? 'yes' : '' },
    when(v.since), v.lastError || ''], { vip: v.address })), 'No virtual IPs');

  const acme = s.acme;
  $('acme-summary').textContent = !acme || !acme.enabled ? 'ACME is disabled on this node.'
    : 'Directory ' + acme.directory + ', scheduler on ' + (acme.schedulerNode || '?')
      + (acme.lastTick ? ', last run ' + when(acme.lastTick) : '');
}

function expiryCell(notAfter) {
  const t = Date.parse(notAfter);
  const days = Math.floor((t - Date.now()) / 86400000);
  if (isNaN(t)) {
    return { text: notAfter, className: '' };
  }
  if (t < Date.now()) {
    return { text: when(notAfter) + ' (expired)', className: 'expired' };
  }
  return { text: when(notAfter) + ' (' + days + ' d)', className: days < EXPIRY_WARNING_DAYS ? 'expiring' : '' };
}

function renderCertificates() {
  const certs = state.certificates.slice().sort((a, b) => {
    const d = Date.parse(a.notAfter) - Date.parse(b.notAfter);
    return state.sortAscending ? d : -d;
  });
  $('sort-arrow').textContent = state.sortAscending ? '\u25b2' : '\u25bc';
  $('expiry-header').setAttribute('aria-sort', state.sortAscending ? 'ascending' : 'descending');
  $('certs-count').textContent = '(' + certs.length + (state.certsTruncated ? '+, first ' + certs.length + ' shown' : '')
    + ')';
  fill('certs-table', certs.map((c) => row([c.tenant, list(c.names), expiryCell(c.notAfter), c.issuer, c.keyType,
    c.notServedNames && c.notServedNames.length ? list(c.servedNames) + ' (waiting: ' + list(c.notServedNames) + ')'
      : list(c.servedNames), c.managed ? 'ACME' : 'uploaded', el('code', null, c.id)],
  { tenant: c.tenant, id: c.id, notAfter: c.notAfter })), 'No certificates');
}

function tenantFilter() {
  return $('tenant-filter').value;
}

function renderDomains() {
  const t = tenantFilter();
  const domains = state.domains.filter((d) => !t || d.tenant === t);
  fill('domains-table', domains.map((d) => row([d.name, d.tenant,
    { text: d.status, className: className('status-', d.status) }, d.verifiedBy || '-', d.reason || '',
    when(d.lastCheckAt), when(d.nextCheckAt)], { name: d.name, tenant: d.tenant, status: d.status })), 'No domains');
}

function renderManaged() {
  if (state.managed === null) {
    fill('acme-table', [], 'ACME is disabled on this node');
    return;
  }
  const t = tenantFilter();
  const items = state.managed.filter((m) => !t || m.tenant === t);
  fill('acme-table', items.map((m) => row([m.name, m.tenant, { text: m.state, className: className('state-', m.state) },
    m.attempts, when(m.nextAttemptAt), when(m.nextRenewalAt), when(m.notAfter), m.lastError || ''],
  { name: m.name, tenant: m.tenant })), 'No managed certificates');
}

function renderPools(pools) {
  if (pools === null) {
    fill('pools-table', [], 'Only an admin token may list pools');
    return;
  }
  fill('pools-table', pools.map((p) => row([p.name, p.policy, list(p.servers), p.healthPath || '-', p.proxyProtocol || 'off'], { pool: p.name })),
    'No pools');
}

function renderTenants() {
  const select = $('tenant-filter');
  const current = select.value;
  const options = [new Option('All tenants', '')];
  for (const t of state.tenants) {
    // Option(text, value) sets text, never markup
    options.push(new Option(t.displayName && t.displayName !== t.id ? t.id + ' \u2014 ' + t.displayName : t.id, t.id));
  }
  select.replaceChildren(...options);
  select.value = state.tenants.some((t) => t.id === current) ? current : '';
  fill('tenants-table', state.tenants.map((t) => row([t.id, t.displayName, list(t.domains), list(t.pendingDomains)],
    { tenant: t.id })), 'No tenants');
}

// ---- loading -------------------------------------------------------------------------------

async function loadCertificates() {
  const tenant = tenantFilter();
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const q = new URLSearchParams({ limit: String(CERT_PAGE) });
    if (tenant) {
      q.set('tenant', tenant);
    }
    if (cursor) {
      q.set('cursor', cursor);
    }
    const page = await api('/v1/certificates?' + q.toString());
    items.push(...page.items);
    cursor = page.next;
    pages++;
  } while (cursor && pages < CERT_PAGES_MAX);
  state.certificates = items;
  state.certsTruncated = Boolean(cursor);
}

/** A section that may be refused (403 for a tenant token, acme-disabled): null instead of an error. */
async function optional(path, refusals) {
  try {
    return await apiAll(path);
  } catch (e) {
    if (e instanceof ApiError && refusals.includes(e.status)) {
      return null;
    }
    throw e;
  }
}

async function loadAll() {
  document.body.dataset.state = 'loading';
  try {
    const status = await api('/v1/status');
    showDashboard();
    renderStatus(status);
    const [tenants, domains, managed, pools] = await Promise.all([
      apiAll('/v1/tenants'), apiAll('/v1/domains'),
      // only asked when ACME runs here (an admin's status says so): otherwise it is a 409 acme-disabled
      status.acme && status.acme.enabled ? optional('/v1/managed-certificates', [409]) : Promise.resolve(null),
      optional('/v1/pools', [403])]);
    state.tenants = tenants.items;
    renderTenants();
    await loadCertificates();
    state.domains = domains.items;
    state.managed = managed === null ? null : managed.items;
    renderCertificates();
    renderDomains();
    renderManaged();
    renderPools(pools === null ? null : pools.items);
    $('load-error').hidden = true;
    $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.state = 'ready';
    startTimer();
  } catch (e) {
    failed(e);
  }
}

function failed(e) {
  if (e instanceof Unauthorized) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('The token was refused: ' + e.message);
    return;
  }
  const message = e instanceof ApiError && e.status === 429
    ? 'Too many failed logins from this address; ' + e.message
    : 'Could not load: ' + e.message;
  if ($('dashboard').hidden) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(message);
  } else {
    const err = $('load-error');
    err.textContent = message;
    err.hidden = false;
    document.body.dataset.state = 'error';
  }
}

function startTimer() {
  stopTimer();
  state.timer = setTimeout(loadAll, REFRESH_MS);
}

function stopTimer() {
  if (state.timer !== null) {
    clearTimeout(state.timer);
    state.timer = null;
  }
}

// ---- wiring --------------------------------------------------------------------------------

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token').value.trim();
  if (!token) {
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  loadAll();
});

$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  state.certificates = [];
  state.domains = [];
  state.tenants = [];
  for (const id of ['certs-table', 'domains-table', 'acme-table', 'pools-table', 'tenants-table', 'members-table',
    'vips-table']) {
    $(id).tBodies[0].replaceChildren();
  }
  $('node-facts').replaceChildren();
  showLogin('');
});

$('refresh').addEventListener('click', () => loadAll());

$('sort-expiry').addEventListener('click', () => {
  state.sortAscending = !state.sortAscending;
  renderCertificates();
});

$('tenant-filter').addEventListener('change', async () => {
  document.body.dataset.state = 'loading';
  try {
    await loadCertificates();
    renderCertificates();
    renderDomains();
    renderManaged();
    document.body.dataset.state = 'ready';
  } catch (e) {
    failed(e);
  }
});

if (sessionStorage.getItem(TOKEN_KEY)) {
  loadAll();
} else {
  showLogin('');
}
