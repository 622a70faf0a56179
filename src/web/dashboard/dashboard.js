// slumber's dashboard: polls the daemon's JSON API (the schema of `slumber
// status --json` and `slumber journal --json`) and draws it. Every text that
// comes from Slurm, a BMC or the journal is untrusted: it reaches the page
// only through textContent and attributes, never as markup. The action token
// lives in this page's memory only: never in storage, a cookie or a URL.
'use strict';

const POLL_MS = 2000;
const EVENTS_KEPT = 500;
const POWER_POINTS_KEPT = 300;
const SLOW_BOOT_SHARE = 0.8;  // a boot past this share of ResumeTimeout is slow
const PHASES = [
  ['off', 'off'], ['booting', 'booting'], ['idle', 'up, idle'],
  ['busy', 'up, busy'], ['failing', 'failing'], ['drained', 'drained'],
];
const PROBLEM_KINDS = new Set(['failed', 'refused', 'drained', 'resume-failed', 'blocked', 'power-lost',
  'hook-failed', 'reload-refused', 'diagnosis']);
const CREDENTIAL_ERRORS = new Set(['auth_failed', 'permission']);
// What each button asks of the daemon (its token-protected POST routes).
const ACTIONS = {
  'on': { label: 'power on', path: node => `/api/nodes/${encodeURIComponent(node)}/power`, body: { action: 'on' } },
  'off': { label: 'power off', path: node => `/api/nodes/${encodeURIComponent(node)}/power`, body: { action: 'off' } },
  'clear-drain': { label: 'clear drain', path: node => `/api/nodes/${encodeURIComponent(node)}/unblock`, body: {} },
  'recheck': { label: 're-check BMC', path: node => `/api/nodes/${encodeURIComponent(node)}/unblock`, body: {} },
};

const state = {
  token: '',
  selected: null,
  nodes: [],
  warnings: [],
  overview: null,
  events: [],
  eventKeys: new Set(),
  lastEventMs: 0,
  power: [],      // {time: ms, watts}
  savedJoules: null,
};

// ---- small helpers: elements built with text, never markup -----------------

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function svgElement(tag, attributes, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function byId(id) { return document.getElementById(id); }

function seconds(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  return ms < 10000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function clock(ms) {
  if (!Number.isFinite(ms)) return '–';
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

function dateTime(ms) {
  if (!Number.isFinite(ms)) return '–';
  return new Date(ms).toLocaleString([], { hour12: false });
}

async function getJson(path) {
  const answer = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!answer.ok) throw new Error(`${path}: HTTP ${answer.status}`);
  return answer.json();
}

// ---- what a node is doing ---------------------------------------------------

function flags(node) { return String(node.slurm || '').toUpperCase().split('+'); }

// One of PHASES' names, from Slurm's state, the power controller's answer and
// the journal's phase: drained first (an admin must act), then failing, then
// waking, off, busy and idle.
function phaseOf(node) {
  const slurm = flags(node);
  const base = slurm[0];
  const has = flag => slurm.includes(flag);
  const journalPhase = node.phase ? node.phase.name : '';
  const power = String(node.power || '');
  if (has('DRAIN') || has('DRAINED') || has('DRAINING')) return 'drained';
  if ((node.blocked && node.blocked.length > 0) || base === 'DOWN' || base === 'FAIL' || has('FAIL') ||
      journalPhase === 'failed' || power.startsWith('error')) return 'failing';
  const busy = base === 'ALLOCATED' || base === 'MIXED' || has('COMPLETING');
  if (has('POWERING_UP') || journalPhase === 'powering-on' || journalPhase === 'booting' ||
      (busy && has('POWERED_DOWN'))) return 'booting';
  if (has('POWERED_DOWN') || has('POWERING_DOWN') || power === 'off') return 'off';
  if (busy) return 'busy';
  if (base === 'IDLE') return 'idle';
  return 'unknown';
}

function lastAction(node) {
  const request = node.last_request;
  if (!request) return 'none journaled';
  const outcome = request.outcome ? `: ${request.outcome}` : '';
  return `${request.action} (${request.source}, ${request.state}) at ${dateTime(request.time_ms)}${outcome}`;
}

function bootText(node) {
  const boots = node.boots;
  if (!boots || !boots.count) return 'no boot measured';
  return `median ${seconds(boots.median_ms)}, p95 ${seconds(boots.p95_ms)}, longest ${seconds(boots.max_ms)} ` +
    `(${boots.count} boot${boots.count === 1 ? '' : 's'})`;
}

function resumeTimeoutMs() {
  const overview = state.overview;
  return overview && Number.isFinite(overview.resume_timeout_ms) ? overview.resume_timeout_ms : null;
}

// ---- drawing ----------------------------------------------------------------

function drawLegend() {
  const legend = byId('legend');
  for (const [name, words] of PHASES) legend.append(element('li', `phase-${name}`, words));
}

function drawTiles() {
  const tiles = byId('tiles');
  const seen = new Set();
  for (const node of state.nodes) {
    const name = String(node.node);
    seen.add(name);
    let tile = tiles.querySelector(`[data-node="${CSS.escape(name)}"]`);
    if (!tile) {
      tile = element('button', 'tile');
      tile.type = 'button';
      tile.dataset.node = name;
      tile.setAttribute('role', 'listitem');
      tile.append(element('span', 'name', name), element('span', 'state'), element('span', 'state reason'));
      tile.addEventListener('click', () => select(name));
      tiles.append(tile);
    }
    const phase = phaseOf(node);
    tile.className = `tile phase-${phase}${state.selected === name ? ' selected' : ''}`;
    tile.dataset.phase = phase;
    tile.children[1].textContent = `${node.sinfo || node.slurm || '?'} · ${node.power || '-'}`;
    tile.children[2].textContent = node.reason || '';
    tile.title = `${name}: ${phase}\nSlurm: ${node.slurm || '?'}${node.reason ? ` (${node.reason})` : ''}\n` +
      `Last action: ${lastAction(node)}\nBoot: ${bootText(node)}`;
  }
  for (const tile of [...tiles.children]) {
    if (!seen.has(tile.dataset.node)) tile.remove();
  }
}

function field(list, term, value) {
  list.append(element('dt', null, term), element('dd', null, value));
}

function drawDetail() {
  const box = byId('detail');
  const node = state.nodes.find(item => item.node === state.selected);
  if (!node) { box.hidden = true; return; }
  box.hidden = false;
  byId('detail-name').textContent = node.node;
  const list = byId('detail-fields');
  list.replaceChildren();
  field(list, 'Phase', phaseOf(node) + (node.phase ? ` (journal: ${node.phase.name} since ${dateTime(node.phase.since_ms)})` : ''));
  field(list, 'Slurm', node.slurm || '?');
  field(list, 'Reason', node.reason || '–');
  field(list, 'Power', node.power || '-');
  if (node.disagreement) field(list, 'Disagreement', node.disagreement);
  field(list, 'Last action', lastAction(node));
  field(list, 'Boot time', bootText(node));
  for (const block of node.blocked || []) {
    field(list, 'Blocked', `${block.action}: ${block.kind}: ${block.error} (since ${dateTime(block.since_ms)})`);
  }
  // The buttons stay live without a token: the daemon refuses, and its
  // refusal (like one for a node that runs a job) is shown as it comes.
  const busy = phaseOf(node) === 'busy';
  for (const button of byId('actions').querySelectorAll('button')) {
    button.title = !state.token ? 'read-only: the daemon refuses actions without the token' :
      busy ? 'the node runs a job: the daemon refuses to switch it' : '';
  }
}

function select(name) {
  state.selected = state.selected === name ? null : name;
  byId('action-result').textContent = '';
  drawTiles();
  drawDetail();
}

function attentionItems() {
  const items = [];
  const limit = resumeTimeoutMs();
  const crossed = new Set();  // both nodes of a pair carry the same words: said once
  // Slurm's state is "?" when slumber's look at Slurm failed, or when Slurm does not list the node.
  const slurmDown = state.overview && state.overview.slurm_up === false;
  if (slurmDown) items.push("Slurm did not answer slumber's last look (scontrol show node): the nodes' Slurm states are not known");
  for (const node of state.nodes) {
    const phase = phaseOf(node);
    if (!slurmDown && node.slurm === '?') items.push(`${node.node}: Slurm does not list it (is it in slurm.conf?)`);
    if (phase === 'drained') items.push(`${node.node} is drained: ${node.reason || 'no reason given'}`);
    else if (phase === 'failing') items.push(`${node.node} is failing: ${node.slurm}${node.reason ? ` (${node.reason})` : ''}`);
    for (const block of node.blocked || []) {
      if (CREDENTIAL_ERRORS.has(block.kind)) items.push(`the BMC of ${node.node} refused its credentials: ${block.error}`);
      if (block.kind === 'crossed' && !crossed.has(block.error)) {
        crossed.add(block.error);
        items.push(`${block.error}; slumber leaves both alone until \`slumber unblock\``);
      }
    }
    // Only while one of its latest boots is slow: one slow boot long ago is not news.
    if (limit && node.boots && node.boots.recent_max_ms > SLOW_BOOT_SHARE * limit) {
      items.push(`${node.node} boots slowly: ${seconds(node.boots.recent_max_ms)} of a ${seconds(limit)} ResumeTimeout (slowest of its latest boots)`);
    }
    if (node.disagreement) items.push(`${node.node}: ${node.disagreement}`);
  }
  const hold = state.overview && state.overview.thermal_hold;
  if (hold) items.push(`power-ons are held by the thermal guard: ${hold}`);
  for (const warning of state.warnings) items.push(String(warning));
  return items;
}

function drawAttention() {
  const list = byId('attention');
  const items = attentionItems();
  list.replaceChildren(...items.map(text => element('li', null, text)));
  if (items.length === 0) list.append(element('li', 'calm', 'Nothing: every node is where it should be.'));
}

function drawSummary() {
  const counts = new Map();
  for (const node of state.nodes) counts.set(phaseOf(node), (counts.get(phaseOf(node)) || 0) + 1);
  const parts = PHASES.filter(([name]) => counts.has(name)).map(([name, words]) => `${counts.get(name)} ${words}`);
  if (counts.has('unknown')) parts.push(`${counts.get('unknown')} not known`);
  byId('summary').textContent = `${state.nodes.length} nodes: ${parts.join(', ') || 'none'}`;
}

function drawDevices() {
  const body = byId('devices').tBodies[0];
  const devices = state.overview && Array.isArray(state.overview.devices) ? state.overview.devices : [];
  body.replaceChildren();
  if (devices.length === 0) {
    const row = element('tr');
    const cell = element('td', null, 'No devices configured.');
    cell.colSpan = 5;
    row.append(cell);
    body.append(row);
    return;
  }
  for (const device of devices) {
    const row = element('tr');
    row.dataset.device = String(device.name);
    const offAfter = Number.isFinite(device.off_after_ms) ? seconds(device.off_after_ms) : '–';
    for (const text of [device.name, device.driver, device.power || '-', offAfter, (device.nodes || []).join(', ')]) {
      row.append(element('td', null, text));
    }
    body.append(row);
  }
}

function drawBoots() {
  const svg = byId('boots');
  svg.replaceChildren();
  const limit = resumeTimeoutMs();
  const measured = state.nodes.filter(node => node.boots && node.boots.count > 0);
  byId('boot-note').textContent = measured.length === 0 ? 'No boot measured yet.' :
    `Median (blue) and longest (amber) boot per node, power-on to registration` +
    (limit ? `; the dashed line is Slurm's ResumeTimeout (${seconds(limit)}).` : '.');
  svg.classList.toggle('empty', measured.length === 0);
  if (measured.length === 0) return;
  const width = svg.clientWidth || 600;
  const rowHeight = 18;
  const height = Math.max(60, measured.length * rowHeight + 30);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.style.height = `${height}px`;
  const left = 80;
  const scaleMax = Math.max(limit || 0, ...measured.map(node => node.boots.max_ms)) * 1.05;
  const x = ms => left + (width - left - 10) * (ms / scaleMax);
  measured.forEach((node, index) => {
    const y = 10 + index * rowHeight;
    svg.append(svgElement('text', { x: 4, y: y + 12 }, node.node));
    svg.append(svgElement('rect', { class: 'worst', x: left, y, width: x(node.boots.max_ms) - left, height: rowHeight - 4 }));
    svg.append(svgElement('rect', { class: 'median', x: left, y, width: x(node.boots.median_ms) - left, height: rowHeight - 4 }));
  });
  if (limit) {
    svg.append(svgElement('line', { class: 'limit', x1: x(limit), x2: x(limit), y1: 4, y2: height - 16 }));
    svg.append(svgElement('text', { x: x(limit) - 70, y: height - 4 }, `ResumeTimeout ${seconds(limit)}`));
  }
}

function drawPower() {
  const svg = byId('power');
  svg.replaceChildren();
  const points = state.power;
  const saved = state.savedJoules;
  const savedText = saved === null ? 'Energy saved: not reported by this daemon.' :
    `Energy saved since the daemon started: ${(saved / 3.6e6).toFixed(3)} kWh, net of what boots and shutdowns cost.`;
  svg.classList.toggle('empty', points.length === 0);
  if (points.length === 0) {
    byId('energy-note').textContent = `No power readings reported yet. ${savedText}`;
    return;
  }
  const last = points[points.length - 1];
  byId('energy-note').textContent = `Power drawn now: ${last.watts.toFixed(0)} W (all nodes; the chart since this page opened). ${savedText}`;
  const width = svg.clientWidth || 600;
  const height = 160;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const first = points[0].time;
  const span = Math.max(1, last.time - first);
  const top = Math.max(1, ...points.map(point => point.watts)) * 1.1;
  const x = time => 40 + (width - 50) * ((time - first) / span);
  const y = watts => height - 20 - (height - 30) * (watts / top);
  svg.append(svgElement('line', { class: 'axis', x1: 40, x2: width - 10, y1: height - 20, y2: height - 20 }));
  svg.append(svgElement('text', { x: 2, y: y(top / 1.1) + 10 }, `${Math.round(top / 1.1)} W`));
  svg.append(svgElement('text', { x: 40, y: height - 4 }, clock(first)));
  svg.append(svgElement('text', { x: width - 60, y: height - 4 }, clock(last.time)));
  svg.append(svgElement('polyline', { class: 'watts', points: points.map(p => `${x(p.time)},${y(p.watts)}`).join(' ') }));
}

// ---- the journal as a timeline ---------------------------------------------

function eventKey(event) { return `${event.time_ms}|${event.node}|${event.kind}|${event.request}|${event.detail}`; }

function isProblem(event) { return PROBLEM_KINDS.has(event.kind) || event.outcome === 'error' || event.outcome === 'refused'; }

function addEvents(list) {
  for (const event of list) {
    const key = eventKey(event);
    if (state.eventKeys.has(key)) continue;
    state.eventKeys.add(key);
    state.events.push(event);
    if (Number.isFinite(event.time_ms)) state.lastEventMs = Math.max(state.lastEventMs, event.time_ms);
  }
  state.events.sort((a, b) => b.time_ms - a.time_ms);
  while (state.events.length > EVENTS_KEPT) state.eventKeys.delete(eventKey(state.events.pop()));
  const kinds = byId('filter-kind');
  const known = new Set([...kinds.options].map(option => option.value));
  for (const event of state.events) {
    if (!known.has(event.kind)) {
      const option = element('option', null, event.kind);
      option.value = String(event.kind);
      kinds.append(option);
      known.add(event.kind);
    }
  }
}

function drawTimeline() {
  const wantNode = byId('filter-node').value.trim();
  const wantKind = byId('filter-kind').value;
  const problemsOnly = byId('filter-problems').checked;
  const rows = [];
  for (const event of state.events) {
    if (wantNode && !String(event.node).includes(wantNode)) continue;
    if (wantKind && event.kind !== wantKind) continue;
    if (problemsOnly && !isProblem(event)) continue;
    const row = element('li', isProblem(event) ? 'problem' : null);
    row.dataset.kind = String(event.kind);
    const outcome = event.outcome ? ` (${event.outcome})` : '';
    row.append(element('span', null, clock(event.time_ms)), element('span', null, event.node || 'cluster'),
      element('span', null, event.kind + outcome), element('span', 'detail-text', event.detail));
    rows.push(row);
  }
  byId('timeline').replaceChildren(...rows);
}

// ---- power readings: from the nodes' JSON when it has them, else /metrics ---

// /api/overview's energy: [{node, watts, joules, saved_joules}], empty until
// the daemon samples power. Nothing when no node has a reading.
function overviewEnergy() {
  const energy = state.overview && Array.isArray(state.overview.energy) ? state.overview.energy : [];
  let watts = null;
  let saved = null;
  for (const reading of energy) {
    if (Number.isFinite(reading.watts)) watts = (watts || 0) + reading.watts;
    if (Number.isFinite(reading.saved_joules)) saved = (saved || 0) + reading.saved_joules;
  }
  return { watts, saved };
}

// Prometheus text format: `name{labels} value`. Only the series the page
// draws are read; an unknown or missing series leaves the chart empty.
function readMetrics(text) {
  let watts = null;
  let saved = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    if (match[1] === 'slumber_node_power_watts') watts = (watts || 0) + value;
    if (match[1] === 'slumber_node_energy_saved_joules_total') saved = (saved || 0) + value;
    // The net saving, as the overview and `slumber report` give it.
    if (match[1] === 'slumber_node_energy_switching_cost_joules_total') saved = (saved || 0) - value;
  }
  return { watts, saved };
}

async function pollEnergy(now) {
  let { watts, saved } = overviewEnergy();
  if (watts === null && saved === null) {
    try {
      const answer = await fetch('/metrics', { cache: 'no-store' });
      if (answer.ok) ({ watts, saved } = readMetrics(await answer.text()));
    } catch (error) {
      // The chart says what is missing; the nodes go on without it.
    }
  }
  state.savedJoules = saved;
  if (watts !== null) {
    state.power.push({ time: now, watts });
    if (state.power.length > POWER_POINTS_KEPT) state.power.shift();
  }
}

// ---- polling ------------------------------------------------------------------

function showApiState(problem) {
  const line = byId('api-state');
  line.textContent = problem ? `API: ${problem}` : `updated ${clock(Date.now())}`;
  line.classList.toggle('bad', Boolean(problem));
}

async function pollOnce() {
  const now = Date.now();
  try {
    const answer = await getJson('/api/nodes');
    state.nodes = Array.isArray(answer) ? answer : (answer.nodes || []);
    state.warnings = Array.isArray(answer.warnings) ? answer.warnings : [];
    showApiState(null);
  } catch (error) {
    showApiState(error.message);
  }
  try {
    state.overview = await getJson('/api/overview');
  } catch (error) {
    state.overview = null;
  }
  try {
    const since = state.lastEventMs > 0 ? state.lastEventMs : now - 6 * 3600 * 1000;
    const answer = await getJson(`/api/events?since_ms=${since}`);
    addEvents(Array.isArray(answer) ? answer : (answer.events || []));
  } catch (error) {
    // The node tiles still show; the timeline keeps what it had.
  }
  await pollEnergy(now);
  drawSummary();
  drawTiles();
  drawDetail();
  drawAttention();
  drawDevices();
  drawBoots();
  drawPower();
  drawTimeline();
}

async function pollForever() {
  for (;;) {
    await pollOnce();
    await new Promise(resolve => setTimeout(resolve, POLL_MS));
  }
}

// ---- actions ------------------------------------------------------------------

async function act(name) {
  const node = state.selected;
  const action = ACTIONS[name];
  const result = byId('action-result');
  if (!node || !action) return;
  result.className = 'action-result';
  result.textContent = `${action.label} ${node}: asking…`;
  const headers = { 'Content-Type': 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  try {
    const answer = await fetch(action.path(node), { method: 'POST', headers, body: JSON.stringify(action.body), cache: 'no-store' });
    let words = '';
    try {
      const body = await answer.json();
      words = body.error || body.words || body.outcome || body.result || JSON.stringify(body);
    } catch (error) {
      words = answer.statusText;
    }
    result.classList.add(answer.ok ? 'done' : 'refused');
    result.textContent = `${action.label} ${node}: ${answer.ok ? 'done' : `refused (HTTP ${answer.status})`}: ${words}`;
    // A wrong token is known only once the daemon refuses it: the field
    // said "token set" for any text until then.
    if (state.token && (answer.status === 401 || answer.status === 403)) setToken('', 'read-only: that token was refused');
  } catch (error) {
    result.classList.add('refused');
    result.textContent = `${action.label} ${node}: ${error.message}`;
  }
  pollOnce();
}

// The token the actions send (kept in this page's memory only), and what
// the field says of it: it is checked by the daemon at the first action.
function setToken(token, emptyWords = 'read-only') {
  state.token = token;
  byId('token').value = '';
  byId('token-form').classList.toggle('unlocked', Boolean(token));
  byId('token').placeholder = token ? 'token set: the daemon checks it at the first action' : emptyWords;
  drawDetail();
}

function setUp() {
  drawLegend();
  byId('token-form').addEventListener('submit', event => {
    event.preventDefault();
    setToken(byId('token').value.trim());
  });
  byId('token-clear').addEventListener('click', () => setToken(''));
  for (const button of byId('actions').querySelectorAll('button')) {
    button.addEventListener('click', () => act(button.dataset.action));
  }
  for (const id of ['filter-node', 'filter-kind', 'filter-problems']) {
    byId(id).addEventListener('input', drawTimeline);
  }
  byId('filters').addEventListener('submit', event => event.preventDefault());
  pollForever();
}

document.addEventListener('DOMContentLoaded', setUp);
