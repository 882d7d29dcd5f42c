// What the web tests share: camsim and camfleetd started as child processes
// on loopback (and always stopped, by their own pids), headless Chromium
// from Debian driven by playwright-core, and bounded waits.
//
// Paths come from the environment that CTest sets (tests/web/CMakeLists.txt):
// CAMFLEET_CAMSIM, CAMFLEET_CAMFLEETD, CAMFLEET_WEB_WORK (a directory for
// this run) and CAMFLEET_WEB_ARTIFACTS (where screenshots are kept).
'use strict';

const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const {chromium} = require('playwright-core');

const chromiumPath = process.env.CAMFLEET_CHROMIUM || '/usr/bin/chromium';

// playwright-core 1.65 (package-lock.json) needs Node.js 20; Debian 12's own
// nodejs is 18. Say so rather than fail somewhere inside playwright.
if (Number(process.versions.node.split('.')[0]) < 20)
  throw new Error('the web tests need Node.js 20 or later, found ' + process.version);

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(name + ' is not set: run the web tests through ctest -L web');
  return value;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `condition` every 100 ms until it returns a truthy value, which is
// returned; throws with `what` once `budget_ms` has passed.
async function eventually(what, condition, budget_ms = 15000) {
  const until = Date.now() + budget_ms;
  let last;
  for (;;) {
    try {
      last = await condition();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until)
      throw new Error('not within ' + budget_ms + ' ms: ' + what +
                      (last instanceof Error ? ' (' + last.message + ')' : ''));
    await sleep(100);
  }
}

// Every child started here, so that a failing test still leaves none behind.
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(binary, args, logPath) {
  const log = fs.openSync(logPath, 'w');
  const child = spawn(binary, args, {stdio: ['ignore', 'pipe', log]});
  fs.closeSync(log);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

// Sends SIGTERM and waits up to `budget_ms`, then SIGKILL: only this
// process's own children, by their pid.
async function stop(child, budget_ms = 10000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const ended = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), budget_ms);
  await ended;
  clearTimeout(timer);
}

function firstLine(child, budget_ms) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('no line within ' + budget_ms + ' ms')),
                             budget_ms);
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, end));
      }
    });
    child.once('exit', (code) => reject(new Error('exited with ' + code + ' before its line')));
  });
}

// One HTTP request on loopback; resolves to {status, headers, body (Buffer)}.
function request(url, method = 'GET', headers = {}, body = '') {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method, headers, timeout: 10000}, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks)}));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s from ' + url)));
    req.on('error', reject);
    req.end(body);
  });
}

// A camera for camsim's scenario: healthy unless told, a free port.
function simCamera(id, address, extra = {}) {
  return Object.assign({id, address, port: 0, model: 'Tapo C110', session_limit: 8,
                        auth: 'none',
                        stream: {width: 640, height: 360, fps: 15, key_frame_interval: 15}},
                       extra);
}

// camsim with `scenario`, then camfleetd against its cameras. `subnets`
// give each subnet's name and the scenario's camera ids; `token` sets the
// admin token. The configuration's budgets keep the failing cameras' failures
// quick and their patrols frequent.
class fleet {
  static async start(name, scenario, options = {}) {
    const self = new fleet();
    self.dir = path.join(required('CAMFLEET_WEB_WORK'), name);
    fs.rmSync(self.dir, {recursive: true, force: true});
    fs.mkdirSync(self.dir, {recursive: true});
    self.token = options.token || '';

    const scenarioPath = path.join(self.dir, 'scenario.json');
    fs.writeFileSync(scenarioPath, JSON.stringify(scenario, null, 2));
    self.camsim = start(required('CAMFLEET_CAMSIM'),
                        ['--scenario', scenarioPath, '--control', '127.0.0.1:0',
                         '--duration-s', '600'],
                        path.join(self.dir, 'camsim.log'));
    const ready = await firstLine(self.camsim, 30000);
    const control = /^ready control=(\S+)/.exec(ready);
    assert.ok(control, 'camsim did not get ready: ' + ready);
    self.control = 'http://' + control[1];
    const sims = JSON.parse((await request(self.control + '/cameras')).body).cameras;

    const config = {
      snapshot_dir: path.join(self.dir, 'snapshots'),
      patrol_log: path.join(self.dir, 'patrols.jsonl'),
      log: {level: 'debug'},
      admin: Object.assign({listen: '127.0.0.1:0'}, self.token ? {token: self.token} : {}),
      live: options.live || {},
      defaults: {
        subnet: Object.assign({patrol_interval_ms: 2000, patrol_deadline_ms: 10000},
                              options.subnet || {}),
        camera: Object.assign({connect_budget_ms: 800, capture_budget_ms: 4000,
                               backoff_initial_ms: 2000, backoff_max_ms: 4000},
                              options.camera || {}),
      },
      subnets: scenario.subnets.map((subnet) => ({
        name: subnet.name,
        cameras: subnet.cameras.map((camera) => {
          const sim = sims.find((s) => s.id === camera.id);
          const url = new URL(sim.url);
          return {id: camera.id, host: sim.address, port: sim.port, model: camera.model,
                  path: url.pathname + url.search};
        }),
      })),
    };
    const configPath = path.join(self.dir, 'camfleet.json');
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    const portFile = path.join(self.dir, 'admin.port');
    self.logPath = path.join(self.dir, 'camfleetd.log');
    self.daemon = start(required('CAMFLEET_CAMFLEETD'),
                        ['-c', configPath, '--admin-port-file', portFile], self.logPath);
    const port = await eventually('camfleetd writes its admin port', () =>
      fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim(), 15000);
    self.url = 'http://127.0.0.1:' + port;
    return self;
  }

  // GET or POST on the admin API with the token; the parsed JSON for a 2xx.
  async api(method, target) {
    const headers = this.token ? {Authorization: 'Bearer ' + this.token} : {};
    const answer = await request(this.url + target, method, headers);
    assert.ok(answer.status < 300, method + ' ' + target + ' answered ' + answer.status + ': ' +
                                   answer.body.toString());
    return JSON.parse(answer.body.toString());
  }

  async camsimCamera(id) {
    return JSON.parse((await request(this.control + '/cameras/' + id)).body);
  }

  log() {
    return fs.existsSync(this.logPath) ? fs.readFileSync(this.logPath, 'utf8') : '';
  }

  async stop() {
    await stop(this.daemon);
    await stop(this.camsim);
  }
}

// Debian's Chromium, headless, with the flags this machine's closed network
// needs; playwright-core gives each launch a fresh profile directory.
async function browser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30000,
  });
}

// A page that fails the test on any script error or console error it shows.
async function openPage(context, url) {
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push('script error: ' + error.message));
  await page.goto(url, {waitUntil: 'load', timeout: 15000});
  return page;
}

function artifact(name) {
  const dir = required('CAMFLEET_WEB_ARTIFACTS');
  fs.mkdirSync(dir, {recursive: true});
  return path.join(dir, name);
}

module.exports = {eventually, sleep, request, simCamera, fleet, browser, openPage, artifact};
