// The explorer's shell: loads the trusted genesis once, routes `#/view/argument` to a view,
// and searches by licence id, bill id (M… medical, T… tax e-invoice), claim
// (<reimburser>/<id>), grant id, tx id, height or holder/payer commitment.

import { getJSON, enc } from './api.js';
import { h, errorBox } from './dom.js';
import { Verifier } from './verify.js';
import { blockView, chainView, transactionView } from './views-chain.js';
import { billView, grantView, holderView, licenceView, payerView } from './views-records.js';
import {
  evidenceView, operationsView, organisationsView, validatorsView,
} from './views-network.js';

const verifier = new Verifier();
const main = document.getElementById('main');

const routes = {
  '': (q) => chainView(verifier, main),
  block: (q, arg) => blockView(verifier, main, arg),
  tx: (q, arg) => transactionView(verifier, main, arg),
  licence: (q, arg) => licenceView(verifier, main, arg),
  bill: (q, arg) => billView(verifier, main, arg),
  claim: (q, arg) => claimRedirect(arg),
  grant: (q, arg) => grantView(verifier, main, arg),
  holder: (q, arg) => holderView(verifier, main, arg),
  payer: (q, arg) => payerView(verifier, main, arg),
  orgs: () => organisationsView(verifier, main),
  validators: () => validatorsView(verifier, main),
  evidence: () => evidenceView(verifier, main),
  ops: (q) => operationsView(verifier, main, q),
  search: (q, arg) => search(arg),
};

let generation = 0;

async function render() {
  const mine = ++generation;
  const [path, queryText = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [view, ...rest] = path.split('/');
  main.replaceChildren();
  let argument;
  try { argument = decodeURIComponent(rest.join('/')); } catch (_) {
    main.append(errorBox('the address is not well formed'));
    return;
  }
  const handler = routes[view];
  if (!handler) { main.append(errorBox(`no view ${view}`)); return; }
  try {
    await handler(new URLSearchParams(queryText), argument);
  } catch (e) {
    if (mine === generation) main.append(errorBox(e));
  }
}

/** A claim is named by its reimburser and its id (claim ids are scoped by reimburser). */
function claimPath(q) {
  const slash = q.indexOf('/');
  if (slash <= 0 || slash === q.length - 1) return null;
  return `/v1/reimbursers/${enc(q.slice(0, slash))}/claims/${enc(q.slice(slash + 1))}`;
}

async function claimRedirect(id) {
  const path = claimPath(id);
  if (!path) throw new Error('name a claim as <reimburser>/<claim id>');
  const answer = await getJSON(path);
  const billID = answer.record?.bill_id;
  if (typeof billID !== 'string' || !billID) throw new Error('the node\u2019s claim names no bill');
  location.hash = `#/bill/${enc(billID)}`;
}

const exists = (path) => getJSON(path).then(() => true, () => false);

/** Tries what the text can be, most specific first. */
async function search(raw) {
  const q = raw.trim();
  main.append(h('p', {}, `searching for ${q}…`));
  if (/^\d{1,19}$/.test(q)) { location.hash = `#/block/${q}`; return; }
  if (/^[0-9a-fA-F]{64}$/.test(q)) {
    const id = q.toLowerCase();
    if (await exists(`/v1/transactions/${id}`)) { location.hash = `#/tx/${id}`; return; }
    const wallet = await getJSON(`/v1/payers/${id}/bills?limit=1`).catch(() => null);
    const isPayer = Array.isArray(wallet?.items) && wallet.items.length > 0;
    location.hash = isPayer ? `#/payer/${id}` : `#/holder/${id}`;
    return;
  }
  const claim = claimPath(q);
  if (claim && await exists(claim)) { location.hash = `#/claim/${enc(q)}`; return; }
  for (const [kind, path] of [['bill', '/v1/bills/'], ['licence', '/v1/licences/'],
    ['grant', '/v1/grants/']]) {
    if (await exists(path + enc(q))) { location.hash = `#/${kind}/${enc(q)}`; return; }
  }
  main.replaceChildren(errorBox(`nothing found for ${q}`));
}

function shell() {
  const form = document.getElementById('search');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = document.getElementById('q').value.trim();
    if (value) location.hash = `#/search/${enc(value)}`;
  });
  document.getElementById('forget').addEventListener('click', () => {
    Verifier.forgetPin();
    location.reload();
  });
}

function showTrust() {
  const box = document.getElementById('trust');
  box.replaceChildren();
  if (verifier.genesisHash) {
    const how = verifier.pinnedOnFirstUse
      ? ' (pinned on first use: compare it with the hash your operator gave you)'
      : ' (pinned)';
    const label = verifier.failure ? 'genesis the node serves ' : 'trusted genesis ';
    box.append(h('span', {}, label), h('code', { id: 'genesis-hash' }, verifier.genesisHash));
    if (!verifier.failure) box.append(h('span', { class: 'muted' }, how));
    const g = verifier.genesis;
    if (g) {
      const validators = g.validators.length ? `${g.validators.length} validators, ` : '';
      box.append(h('span', { class: 'muted' },
        ` chain ${g.chainID}, ${validators}suite ${g.cryptoSuite}`));
    }
  }
  if (verifier.failure) {
    box.append(h('div', { class: 'badge bad' }, `NOT verified: ${verifier.failure}`));
  }
}

async function start() {
  shell();
  try {
    await verifier.init();
  } catch (e) {
    verifier.failure = `cannot load genesis: ${e.message}`;
  }
  showTrust();
  window.addEventListener('hashchange', render);
  await render();
}

start();
