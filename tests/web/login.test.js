// The pages behind a token: the API refuses without it, the page shows a
// login form, a wrong token is told, the right one is traded for an
// HttpOnly, SameSite=Strict session cookie that lets the page (its <img>
// requests included) in; the token never lands in a URL or in script reach;
// a cross-site act with the cookie is refused; logging out ends the session.
'use strict';

const assert = require('node:assert/strict');
const test = require('node:test');
const {eventually, request, simCamera, fleet, browser, openPage, artifact} =
    require('./harness');

const token = 'web-test-token-4f1d9c';
const scenario = {subnets: [
  {name: 'gamma', prefix: '127.93.3.0/24', cameras: [
    simCamera('gamma-door', '127.93.3.10'),
    simCamera('gamma-yard', '127.93.3.11')]},
]};

test('web: a token-protected fleet needs a login, kept in an HttpOnly cookie',
     {timeout: 150000}, async () => {
  const cameras = await fleet.start('login', scenario, {token});
  const chrome = await browser();
  try {
    // Without the token the API says no, to a script and to the page alike.
    for (const target of ['/v1/cameras', '/v1/cameras/gamma-door/snapshot', '/v1/login']) {
      const refused = await request(cameras.url + target);
      assert.equal(refused.status, 401, target);
      assert.equal(JSON.parse(refused.body).error.code, 'unauthorized');
    }
    await eventually('both cameras captured', async () =>
      (await cameras.api('GET', '/v1/cameras')).cameras.every((c) => c.last_success), 20000);

    const context = await chrome.newContext({viewport: {width: 1280, height: 720}});
    const page = await openPage(context, cameras.url + '/');
    await page.waitForSelector('#login:not([hidden])', {timeout: 10000});
    assert.equal(await page.$$eval('.tile', (tiles) => tiles.length), 0);
    const pageFetch = await page.evaluate(async () => (await fetch('/v1/cameras')).status);
    assert.equal(pageFetch, 401);
    await page.screenshot({path: artifact('login.png')});

    // A token that cannot be one is told before anything is sent.
    await page.fill('#token', 'two words');
    await page.click('#login button[type=submit]');
    await eventually('the page says what a token is', async () =>
      /printable ASCII characters, without spaces/.test(await page.textContent('#login-error')));

    // A wrong token is told, and lets nothing in.
    await page.fill('#token', 'not-the-token');
    await page.click('#login button[type=submit]');
    await eventually('the page says the token is wrong', async () =>
      /token is wrong/.test(await page.textContent('#login-error')));
    assert.deepEqual(await context.cookies(), []);

    // The right one opens the fleet.
    await page.fill('#token', token);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#login', {state: 'hidden', timeout: 10000});
    for (const id of ['gamma-door', 'gamma-yard'])
      await eventually(id + "'s snapshot shows through the cookie", () => page.$eval(
          `.tile[data-camera="${id}"] img`, (img) => img.complete && img.naturalWidth > 0));
    assert.equal(await page.isVisible('#logout'), true);

    // The cookie: HttpOnly (no script reads it), SameSite=Strict, and not
    // the token; nothing the browser shows or stored holds the token.
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    const [cookie] = cookies;
    assert.equal(cookie.name, 'camfleet_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.match(cookie.value, /^[0-9a-f]{64}$/);
    assert.equal(await page.evaluate(() => document.cookie), '');
    assert.ok(!page.url().includes(token));
    const storage = await page.evaluate(() => JSON.stringify(localStorage) +
                                              JSON.stringify(sessionStorage));
    assert.ok(!storage.includes(token));
    assert.ok(!(await page.content()).includes(token));
    assert.ok(!cameras.log().includes(token), 'the token is in the daemon log');

    // The cookie lets an act in from the page itself ...
    const session = 'camfleet_session=' + cookie.value;
    const host = cameras.url.replace('http://', '');
    const fromPage = await request(cameras.url + '/v1/cameras/gamma-door/reset', 'POST',
                                   {Cookie: session, Origin: cameras.url, Host: host,
                                    'Sec-Fetch-Site': 'same-origin'});
    assert.equal(fromPage.status, 200, fromPage.body.toString());
    // ... and not from another site: a browser would not send a Strict
    // cookie there, and the origin check refuses it even if one did.
    for (const headers of [{Origin: 'http://attacker.example'},
                           {'Sec-Fetch-Site': 'cross-site'}]) {
      const forged = await request(cameras.url + '/v1/cameras/gamma-door/kick', 'POST',
                                   Object.assign({Cookie: session, Host: host}, headers));
      assert.equal(forged.status, 403, JSON.stringify(headers));
      assert.equal(JSON.parse(forged.body).error.code, 'forbidden');
    }
    // Nor does a cookie stand in for a wrong bearer token.
    const wrong = await request(cameras.url + '/v1/cameras', 'GET',
                                {Cookie: session, Authorization: 'Bearer nope'});
    assert.equal(wrong.status, 401);
    // A made-up session is refused.
    const madeUp = await request(cameras.url + '/v1/cameras', 'GET',
                                 {Cookie: 'camfleet_session=' + 'ab'.repeat(32)});
    assert.equal(madeUp.status, 401);

    // A new tab of the same browser is let in by the cookie alone.
    const second = await openPage(context, cameras.url + '/cameras/gamma-yard');
    await second.waitForSelector('#camera:not([hidden])', {timeout: 10000});
    assert.equal(await second.isVisible('#login'), false);
    await second.close();

    // Logging out ends the session, on the server too.
    await page.click('#logout');
    await page.waitForSelector('#login:not([hidden])', {timeout: 10000});
    const after = await request(cameras.url + '/v1/cameras', 'GET', {Cookie: session});
    assert.equal(after.status, 401);
    assert.deepEqual(page.problems, []);
  } finally {
    await chrome.close();
    await cameras.stop();
  }
});
