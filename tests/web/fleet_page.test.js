// The fleet page against the real camfleetd and camsim: one tile per camera,
// grouped by subnet, each with a decoded snapshot and the API's state; a
// failing camera stands out with its error; tiles refresh without a reload;
// the page fits a phone; and the files are served with their types and
// cache headers.
'use strict';

const assert = require('node:assert/strict');
const test = require('node:test');
const {eventually, request, simCamera, fleet, browser, openPage, artifact} =
    require('./harness');

const scenario = {subnets: [
  {name: 'alpha', prefix: '127.93.1.0/24', cameras: [
    simCamera('alpha-door', '127.93.1.10'),
    simCamera('alpha-yard', '127.93.1.11', {behaviour: 'blackhole'}),
    simCamera('alpha-gate', '127.93.1.12', {model: 'VIGI C340'})]},
  {name: 'beta', prefix: '127.93.2.0/24', cameras: [
    simCamera('beta-dock', '127.93.2.10', {model: 'Hikvision DS-2CD2043'})]},
]};
const healthy = ['alpha-door', 'alpha-gate', 'beta-dock'];

test('web: the fleet page shows every camera as the API does', {timeout: 150000}, async () => {
  const cameras = await fleet.start('fleet_page', scenario);
  const chrome = await browser();
  try {
    // Every healthy camera captured once and the blackhole failed once.
    await eventually('a snapshot of every healthy camera and a failure of the silent one',
                     async () => {
                       const all = (await cameras.api('GET', '/v1/cameras')).cameras;
                       const byId = Object.fromEntries(all.map((c) => [c.id, c]));
                       return healthy.every((id) => byId[id].last_success) &&
                              byId['alpha-yard'].last_error.kind;
                     }, 30000);

    const context = await chrome.newContext({viewport: {width: 1280, height: 800}});
    const page = await openPage(context, cameras.url + '/');
    await page.evaluate(() => { window.notReloaded = true; });

    // One tile per camera, in its subnet's group.
    await page.waitForSelector('#fleet[data-loaded="true"]', {timeout: 10000});
    const groups = await page.$$eval('section.subnet', (sections) => sections.map((s) => ({
      subnet: s.dataset.subnet,
      cameras: [...s.querySelectorAll('.tile')].map((t) => t.dataset.camera).sort(),
    })));
    assert.deepEqual(groups, [
      {subnet: 'alpha', cameras: ['alpha-door', 'alpha-gate', 'alpha-yard']},
      {subnet: 'beta', cameras: ['beta-dock']},
    ]);

    // Each healthy tile shows a decoded picture.
    for (const id of healthy)
      await eventually(id + "'s tile shows a decoded snapshot", () => page.$eval(
          `.tile[data-camera="${id}"] img`, (img) => img.complete && img.naturalWidth > 0));
    const size = await page.$eval('.tile[data-camera="alpha-door"] img',
                                  (img) => [img.naturalWidth, img.naturalHeight]);
    assert.deepEqual(size, [640, 360]);

    // The state each tile shows is the one the API gives. The two are read a
    // moment apart while patrols run, so they are compared until they agree.
    await eventually('every tile shows the API\'s state', async () => {
      const api = (await cameras.api('GET', '/v1/cameras')).cameras;
      const shown = await page.$$eval('.tile', (tiles) => Object.fromEntries(
          tiles.map((t) => [t.dataset.camera, t.querySelector('.pill').textContent])));
      return api.every((c) => shown[c.id] === c.state);
    }, 10000);

    // The silent camera stands out, with the API's error.
    const yard = (await cameras.api('GET', '/v1/cameras/alpha-yard'));
    const tile = await page.$eval('.tile[data-camera="alpha-yard"]', (t) => ({
      failing: t.classList.contains('failing'),
      error: t.querySelector('.error').textContent,
      shot: t.querySelector('img').naturalWidth,
      empty: t.querySelector('.empty').textContent,
    }));
    assert.equal(tile.failing, true);
    assert.equal(yard.last_error.kind, 'connect_timeout');
    assert.match(tile.error, /^connect_timeout: /);
    assert.equal(tile.shot, 0);
    assert.equal(tile.empty, 'no snapshot yet');
    const healthyTile = await page.$eval('.tile[data-camera="alpha-door"]',
                                         (t) => [t.classList.contains('failing'),
                                                 t.querySelector('.error').hidden]);
    assert.deepEqual(healthyTile, [false, true]);
    assert.match(await page.textContent('#summary'), /^4 cameras · \d sessions? open · 1 failing/);

    // A later patrol's snapshot replaces the picture, without a reload.
    const first = await page.$eval('.tile[data-camera="beta-dock"] img', (img) => img.src);
    await eventually('beta-dock\'s picture is replaced by a newer snapshot', () => page.$eval(
        '.tile[data-camera="beta-dock"] img',
        (img, before) => img.src !== before && img.complete && img.naturalWidth > 0, first),
                     15000);
    assert.equal(await page.evaluate(() => window.notReloaded), true);

    await page.screenshot({path: artifact('fleet.png'), fullPage: true});

    // A phone: nothing wider than the screen, tiles two by two.
    await page.setViewportSize({width: 390, height: 844});
    await page.waitForTimeout(300);
    const fit = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
      tile: document.querySelector('.tile').getBoundingClientRect().width,
    }));
    assert.ok(fit.scroll <= fit.width, 'the page scrolls sideways on a phone: ' +
                                       JSON.stringify(fit));
    assert.ok(fit.tile < fit.width / 2, 'tiles do not fit two a row on a phone: ' +
                                        JSON.stringify(fit));
    await page.screenshot({path: artifact('fleet-phone.png'), fullPage: true});
    assert.deepEqual(page.problems, []);
  } finally {
    await chrome.close();
    await cameras.stop();
  }
});

test('web: pages and files carry their types, cache and security headers',
     {timeout: 60000}, async () => {
  const cameras = await fleet.start('fleet_headers', {subnets: [scenario.subnets[1]]});
  try {
    const page = await request(cameras.url + '/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(page.headers['content-security-policy'], /default-src 'none'/);
    assert.match(page.headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.match(page.body.toString(), /<div id="fleet"/);
    // Nothing the page loads comes from elsewhere.
    assert.doesNotMatch(page.body.toString(), /(src|href)="(https?:)?\/\//);

    const types = {'/web/style.css': 'text/css; charset=utf-8',
                   '/web/fleet.js': 'text/javascript; charset=utf-8',
                   '/web/camera.js': 'text/javascript; charset=utf-8',
                   '/web/icon.svg': 'image/svg+xml',
                   '/cameras/beta-dock': 'text/html; charset=utf-8'};
    for (const [target, type] of Object.entries(types)) {
      const answer = await request(cameras.url + target);
      assert.equal(answer.status, 200, target);
      assert.equal(answer.headers['content-type'], type, target);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', target);
      // Revalidated with its ETag: the same file is not sent twice.
      const again = await request(cameras.url + target, 'GET',
                                  {'If-None-Match': answer.headers.etag});
      assert.equal(again.status, 304, target);
      assert.equal(again.body.length, 0, target);
    }
    assert.match((await request(cameras.url + '/cameras/beta-dock')).body.toString(),
                 /id="live"/);

    // The API's answers are never cached; bad page paths are clear errors.
    const api = await request(cameras.url + '/v1/cameras');
    assert.equal(api.headers['cache-control'], 'no-store');
    const missing = await request(cameras.url + '/web/nothing.js');
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).error.code, 'no_route');
    const badId = await request(cameras.url + '/cameras/..%2Fetc');
    assert.equal(badId.status, 400);
    assert.match(JSON.parse(badId.body).error.message, /camera names are/);
    // Without a token too, an act from another site's page is refused,
    // while one from the interface's own pages (or from a script, which
    // sends no Origin) is taken.
    const host = cameras.url.replace('http://', '');
    const forged = await request(cameras.url + '/v1/cameras/beta-dock/reset', 'POST',
                                 {Host: host, Origin: 'http://attacker.example'});
    assert.equal(forged.status, 403);
    assert.equal(JSON.parse(forged.body).error.code, 'forbidden');
    const own = await request(cameras.url + '/v1/cameras/beta-dock/reset', 'POST',
                              {Host: host, Origin: cameras.url});
    assert.equal(own.status, 200, own.body.toString());
    assert.equal((await request(cameras.url + '/v1/cameras/beta-dock/reset', 'POST')).status,
                 200);

    const post = await request(cameras.url + '/', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET');
  } finally {
    await cameras.stop();
  }
});
