// bench/console.sh's console user: signs in with the admin key and pages through every console
// page (and the variants that make the store work hardest: long ranges, groupings, rare filters,
// the second page of the audit trail, the CSV), one request at a time, as one operator would.
//   node bench/console-pages.mjs BASE ADMIN_KEY measure ROUNDS   -> a Markdown table, p50/p95/max per page
//   node bench/console-pages.mjs BASE ADMIN_KEY loop SECONDS     -> pages until the time is up, prints the count
// A 429 (the console's page budget per operator, admin.console.pages_per_second) is honoured as a
// person's browser would: wait for its Retry-After, then ask again; only the answer that comes is
// timed. Any other answer but 200 fails the run (a slow page must not hide behind an error page).
const [base, adminKey, mode, amount] = process.argv.slice(2);
if (!base || !adminKey || !['measure', 'loop'].includes(mode)) {
  console.error('usage: node bench/console-pages.mjs BASE ADMIN_KEY measure ROUNDS | loop SECONDS');
  process.exit(2);
}

let cookie = '';
let waits = 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function get(path) {
  let t0 = process.hrtime.bigint();
  let r = await fetch(base + path, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  while (r.status === 429) {
    await r.text();
    waits++;
    await sleep(1000 * Number(r.headers.get('retry-after') || 1));
    t0 = process.hrtime.bigint();
    r = await fetch(base + path, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  }
  const set = r.headers.getSetCookie ? r.headers.getSetCookie() : [];
  for (const c of set) {
    if (c.startsWith('portcullis_console=')) cookie = c.split(';')[0];
  }
  const body = await r.text();
  return { status: r.status, body, location: r.headers.get('location'), ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

async function signIn() {
  const form = await get('/ui/login');
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)[1];
  const r = await fetch(base + '/ui/login', {
    method: 'POST', redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, key: adminKey }).toString(),
  });
  for (const c of r.headers.getSetCookie()) {
    if (c.startsWith('portcullis_console=')) cookie = c.split(';')[0];
  }
  if (r.status !== 303) throw new Error('sign-in failed: HTTP ' + r.status);
}

const pages = [
  '/ui/overview', '/ui/overview?window=1h', '/ui/overview?window=7d', '/ui/overview/numbers?window=24h',
  '/ui/keys', '/ui/keys?page=3', '/ui/keys?q=bench+key+17', '/ui/teams',
  '/ui/usage', '/ui/usage?group_by=key', '/ui/usage?group_by=model&group_by=key',
  '/ui/usage?group_by=day&group_by=persona', '/ui/usage?group_by=key&model=model-3', '/ui/usage.csv?group_by=key',
  '/ui/mcp', '/ui/audit', 'AUDIT_PAGE_2', '/ui/audit?principal=key%3Akey-7', '/ui/audit?outcome=refused',
  '/ui/audit?target=tool-3', '/ui/audit?principal=nobody', '/ui/config',
];

let page2 = null;
async function visit(p) {
  const path = p === 'AUDIT_PAGE_2' ? page2 : p;
  const r = await get(path);
  const ms = r.ms;
  if (r.status !== 200) throw new Error(path + ': HTTP ' + r.status + ' ' + (r.location || r.body.slice(0, 300)));
  if (p === '/ui/audit') {
    const m = /rel="next" href="([^"]+)"/.exec(r.body);
    if (!m) throw new Error('the audit page has no next page');
    page2 = m[1].replaceAll('&amp;', '&');
  }
  return ms;
}

function pct(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

await signIn();
if (mode === 'loop') {
  const end = Date.now() + Number(amount) * 1000;
  let n = 0;
  while (Date.now() < end) {
    for (const p of pages) {
      await visit(p);
      n++;
      if (Date.now() >= end) break;
    }
  }
  console.log(n);
  console.error('pages: ' + n + ', waits for the page budget (429): ' + waits);
} else {
  const times = Object.fromEntries(pages.map((p) => [p, []]));
  await visit('/ui/overview'); // a first look at each store table: not counted
  for (let round = 0; round < Number(amount); round++) {
    for (const p of pages) times[p].push(await visit(p));
  }
  const all = [];
  console.log('| page | p50 ms | p95 ms | max ms |');
  console.log('|---|---:|---:|---:|');
  for (const p of pages) {
    const s = times[p].sort((a, b) => a - b);
    all.push(...s);
    const name = p === 'AUDIT_PAGE_2' ? '/ui/audit?cursor=… (second page)' : p;
    console.log(`| \`${name}\` | ${pct(s, 0.5).toFixed(1)} | ${pct(s, 0.95).toFixed(1)} | ${s[s.length - 1].toFixed(1)} |`);
  }
  all.sort((a, b) => a - b);
  console.log(`| **every page** | ${pct(all, 0.5).toFixed(1)} | **${pct(all, 0.95).toFixed(1)}** | ${all[all.length - 1].toFixed(1)} |`);
}
