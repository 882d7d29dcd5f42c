// The README's pictures of the two pages (docs/screenshots/fleet.png and
// camera.png), taken against the demo fleet (tools/demo/camsim-fleet.json,
// its sick cameras included) by tools/screenshots.sh. Not a test: it asserts
// only what it needs to take a meaningful picture.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {eventually, sleep, fleet, browser, openPage} = require('./harness');

async function main() {
  const out = process.argv[2];
  const source = path.join(__dirname, '..', '..', 'tools', 'demo', 'camsim-fleet.json');
  const scenario = JSON.parse(fs.readFileSync(source, 'utf8'));
  // Free ports, so that a demo running beside it is not disturbed; no
  // accounts, since the pictures do not show them.
  for (const subnet of scenario.subnets)
    for (const camera of subnet.cameras) {
      camera.port = 0;
      camera.auth = 'none';
      delete camera.credentials;
    }
  // The demo's own patrol settings (tools/demo/camfleet.json).
  const cameras = await fleet.start('screenshots', scenario, {
    subnet: {patrol_interval_ms: 5000, parallel_captures: 2, patrol_deadline_ms: 15000},
    camera: {connect_budget_ms: 3000, capture_budget_ms: 6000, backoff_initial_ms: 2000,
             backoff_max_ms: 20000},
  });
  const chrome = await browser();
  try {
    // Until gate-vigi has gone dark (25 s into the demo) and dock-c310 is
    // still refused (its slots free up at 60 s).
    await eventually('gate-vigi failing, dock-c310 refused', async () => {
      const all = (await cameras.api('GET', '/v1/cameras')).cameras;
      const byId = Object.fromEntries(all.map((c) => [c.id, c]));
      return byId['gate-vigi'].consecutive_failures > 0 &&
             byId['dock-c310'].last_error.kind === 'session_limit';
    }, 55000);
    const context = await chrome.newContext({viewport: {width: 1280, height: 900},
                                             deviceScaleFactor: 1});
    const page = await openPage(context, cameras.url + '/');
    await page.waitForSelector('#fleet[data-loaded="true"]');
    await sleep(2500);
    await page.screenshot({path: path.join(out, 'fleet.png'), fullPage: true});

    await page.goto(cameras.url + '/cameras/gate-c100');
    await page.waitForSelector('#camera:not([hidden])');
    // A few live frames.
    await eventually('live frames or a refusal', async () =>
      Number(await page.getAttribute('#live-frames', 'data-frames')) >= 3 ||
      await page.isVisible('#live-status.bad'), 20000);
    // An act that leaves the live view running (a kick would end it), once
    // the subnet's running patrol is over, so that it is taken.
    await eventually('gate between patrols', async () =>
      (await cameras.api('GET', '/v1/subnets/gate')).patrol === null, 20000);
    await page.click('button[data-act="patrol"]');
    await sleep(1500);
    await page.screenshot({path: path.join(out, 'camera.png')});
    console.log('screenshots: wrote ' + path.join(out, 'fleet.png') + ' and camera.png');
  } finally {
    await chrome.close();
    await cameras.stop();
  }
}

main().catch((error) => {
  console.error('screenshots: ' + error.message);
  process.exit(1);
});
