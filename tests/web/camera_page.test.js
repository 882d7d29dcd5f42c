// The camera page against the real camfleetd and camsim: the API's state,
// facts and timeline; the console's acts pressed as buttons, each answer
// shown and its effect visible in the API; an unknown camera told clearly.
'use strict';

const assert = require('node:assert/strict');
const test = require('node:test');
const {eventually, simCamera, fleet, browser, openPage, artifact} = require('./harness');

const scenario = {subnets: [
  {name: 'delta', prefix: '127.93.4.0/24', cameras: [
    simCamera('delta-door', '127.93.4.10', {model: 'Tapo C210'}),
    simCamera('delta-yard', '127.93.4.11', {behaviour: 'blackhole'})]},
]};

// Presses the act button `act` and returns the answer the page shows.
async function press(page, act) {
  const before = await page.textContent('#answer');
  await page.click(`button[data-act="${act}"]`);
  return eventually('the page shows the answer to ' + act, async () => {
    const text = await page.textContent('#answer');
    return text !== before && (await page.getAttribute('#answer', 'data-act')) === act && text;
  }, 10000);
}

test('web: the camera page shows the API\'s camera and runs the console\'s acts',
     {timeout: 150000}, async () => {
  const cameras = await fleet.start('camera_page', scenario);
  const chrome = await browser();
  try {
    await eventually('delta-door captured, delta-yard failed', async () => {
      const all = (await cameras.api('GET', '/v1/cameras')).cameras;
      return all[0].last_success && all[1].last_error.kind;
    }, 20000);
    const context = await chrome.newContext({viewport: {width: 1280, height: 860}});
    const page = await openPage(context, cameras.url + '/cameras/delta-door');
    await page.waitForSelector('#camera:not([hidden])', {timeout: 10000});
    assert.equal(await page.textContent('#title'), 'delta-door');
    assert.equal(await page.textContent('#crumb-subnet'), 'delta');

    // State and timeline as the API has them (read until the two agree,
    // since patrols go on meanwhile).
    await eventually('the page shows the API\'s state and its newest transition', async () => {
      const api = await cameras.api('GET', '/v1/cameras/delta-door');
      const newest = api.transitions[api.transitions.length - 1];
      const shown = await page.evaluate(() => ({
        state: document.getElementById('state').textContent,
        count: document.querySelectorAll('#transitions li').length,
        first: document.querySelector('#transitions li .move').textContent,
      }));
      return shown.state === api.state && shown.count === api.transitions.length &&
             shown.first === newest.from + ' → ' + newest.to;
    }, 10000);
    assert.match(await page.textContent('#facts'), /endpoint127\.93\.4\.10:\d+\/stream1/);

    // Pause: the answer is shown, the API agrees, the button offers Resume.
    assert.match(await press(page, 'pause'), /^pause: /);
    assert.equal((await cameras.api('GET', '/v1/cameras/delta-door')).paused, true);
    await eventually('the page shows the camera paused', async () =>
      (await page.textContent('button[data-act="resume"]')) === 'Resume' &&
      /PAUSED/.test(await page.textContent('#flags')));
    await page.screenshot({path: artifact('camera-paused.png')});
    assert.match(await press(page, 'resume'), /^resume: /);
    assert.equal((await cameras.api('GET', '/v1/cameras/delta-door')).paused, false);

    // Kick and patrol now: each answers, as the console would print it. A
    // patrol already running makes the second a clear refusal.
    const kick = await press(page, 'kick');
    assert.match(kick, /^kick: .+/);
    assert.match(await page.getAttribute('#answer', 'class'), /^answer (ok|unchanged)$/);
    const patrol = await press(page, 'patrol');
    assert.match(patrol, /^patrol: .*\(patrol \d+\)$|^patrol refused: conflict: .+/);
    await page.screenshot({path: artifact('camera.png')});

    // The failing camera: its error among the facts, reset answered.
    await page.goto(cameras.url + '/cameras/delta-yard');
    await page.waitForSelector('#camera:not([hidden])', {timeout: 10000});
    await eventually('delta-yard shows its last error', async () =>
      /last errorconnect_timeout: /.test(await page.textContent('#facts')));
    assert.match(await press(page, 'reset'), /^reset: .+/);

    // A phone: one column, nothing wider than the screen.
    await page.setViewportSize({width: 390, height: 844});
    await page.waitForTimeout(300);
    const fit = await page.evaluate(() => [document.documentElement.scrollWidth,
                                           window.innerWidth]);
    assert.ok(fit[0] <= fit[1], 'the camera page scrolls sideways on a phone: ' + fit);
    await page.screenshot({path: artifact('camera-phone.png'), fullPage: true});

    // An unknown camera is told, not shown empty.
    await page.goto(cameras.url + '/cameras/no-such-camera');
    await eventually('the page says the camera does not exist', async () =>
      /^not_found: no camera "no-such-camera"/.test(await page.textContent('#status')));
    assert.equal(await page.isVisible('#camera'), false);
    assert.deepEqual(page.problems, []);
  } finally {
    await chrome.close();
    await cameras.stop();
  }
});
