// The camera page against the real camfleetd and camsim: the API's state,
// facts and timeline; the console's acts pressed as buttons, each answer
// shown and its effect visible in the API; an unknown camera told clearly;
// the live view's frames, its lease in the API and its end when the page
// stops; a viewer past the limit refused, and a lease's end, both told.
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
    assert.match(await press(page, 'snapshot'), /^snapshot: taken at .+, \d+ KiB/);
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

test('web: the camera page shows live frames while it holds a lease', {timeout: 120000},
     async () => {
  const cameras = await fleet.start('camera_live', scenario);
  const chrome = await browser();
  try {
    const context = await chrome.newContext({viewport: {width: 1280, height: 860}});
    const page = await openPage(context, cameras.url + '/cameras/delta-door');
    await page.waitForSelector('#camera:not([hidden])', {timeout: 10000});

    // Frames come, and the picture changes from one to a later one.
    await eventually('three live frames', async () =>
      Number(await page.getAttribute('#live-frames', 'data-frames')) >= 3, 20000);
    const pixels = () => page.$eval('#live', (img) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context2d = canvas.getContext('2d');
      context2d.drawImage(img, 0, 0);
      const data = context2d.getImageData(0, 0, canvas.width, canvas.height).data;
      let sum = 0;
      for (let i = 0; i < data.length; i += 97) sum = (sum * 31 + data[i]) % 1000000007;
      return {width: canvas.width, sum};
    });
    const before = await pixels();
    assert.equal(before.width, 640);
    await eventually('the live picture changes', async () => (await pixels()).sum !== before.sum,
                     10000);

    // The API shows this page's lease.
    const lease = await eventually('the API shows one viewer', async () => {
      const camera = await cameras.api('GET', '/v1/cameras/delta-door');
      return camera.lease && camera.lease.viewers === 1 && camera.lease;
    });
    assert.match(lease.holders[0].viewer, /^127\.0\.0\.1:\d+$/);
    assert.ok(lease.frames_served >= 3);
    await page.waitForFunction(() => /1 viewer since/.test(
        document.getElementById('lease').textContent), null, {timeout: 5000});
    await page.screenshot({path: artifact('camera-live.png')});

    // Stop ends the lease.
    await page.click('#watch');
    await eventually('the lease ends once the page stops watching', async () =>
      (await cameras.api('GET', '/v1/cameras/delta-door')).lease === null, 3000);
    assert.equal(await page.textContent('#watch'), 'Watch');
    assert.deepEqual(page.problems, []);
  } finally {
    await chrome.close();
    await cameras.stop();
  }
});

test('web: the live view tells a refusal past the viewer limit and the end of a lease',
     {timeout: 120000}, async () => {
  const cameras = await fleet.start('camera_live_limits', scenario,
                                    {live: {max_viewers_per_camera: 1, max_lease_ms: 4000}});
  const chrome = await browser();
  try {
    const context = await chrome.newContext({viewport: {width: 1280, height: 860}});
    const first = await openPage(context, cameras.url + '/cameras/delta-door');
    await eventually('the first page receives frames', async () =>
      Number(await first.getAttribute('#live-frames', 'data-frames')) >= 1, 20000);

    // A second viewer of the same camera is one too many.
    const second = await openPage(context, cameras.url + '/cameras/delta-door');
    await second.waitForSelector('#live-status.bad', {timeout: 10000});
    assert.match(await second.textContent('#live-status'), /^live view refused: viewer_limit: /);
    assert.equal(await second.getAttribute('#live-frames', 'data-frames'), '0');
    assert.equal(await second.textContent('#watch'), 'Watch');
    await second.close();

    // The lease's maximum duration ends the first page's stream, and the
    // page says so and offers to watch again.
    await first.waitForSelector('#live-status.ended', {timeout: 10000});
    assert.match(await first.textContent('#live-status'), /^the live view ended/);
    assert.equal(await first.textContent('#watch'), 'Watch');
    const frames = Number(await first.getAttribute('#live-frames', 'data-frames'));
    await first.click('#watch');
    await eventually('watching again brings new frames', async () =>
      Number(await first.getAttribute('#live-frames', 'data-frames')) > frames, 10000);
    assert.deepEqual(first.problems, []);
  } finally {
    await chrome.close();
    await cameras.stop();
  }
});
