// What both pages share: asking the admin API, the login form, and the
// small formatting helpers. Plain script, no build step; every value from the
// API reaches the page as text (textContent), never as markup.
'use strict';

const camfleet = (() => {
  // An API error as {status, code, message}, from the JSON error body when
  // there is one.
  async function errorOf(response) {
    let code = 'http_' + response.status;
    let message = response.statusText || 'request failed';
    try {
      const body = await response.json();
      if (body && body.error) {
        code = body.error.code;
        message = body.error.message;
      }
    } catch (ignored) {
      // Not JSON: keep the status line.
    }
    return {status: response.status, code, message};
  }

  let onUnauthorized = () => {};

  // One request to the API. Resolves to {ok: true, body} or {ok: false, error};
  // never throws, so that a poll loop survives a daemon restart.
  async function api(method, path, options = {}) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: options.headers || {},
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (failure) {
      return {ok: false, error: {status: 0, code: 'unreachable',
        message: 'camfleetd does not answer (' + failure.message + ')'}};
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401 && !options.login) onUnauthorized(error);
      return {ok: false, error};
    }
    const type = response.headers.get('Content-Type') || '';
    const body = type.startsWith('application/json') ? await response.json()
                                                     : await response.blob();
    return {ok: true, body};
  }

  // The login form: shown when the API answers 401, it trades the token for
  // a session cookie (HttpOnly, so no script here can read it back) and
  // calls `loggedIn`.
  function setUpLogin(loggedIn) {
    const input = el('input', {id: 'token', name: 'token', type: 'password',
                               autocomplete: 'current-password', required: true});
    const problem = el('p', {id: 'login-error', class: 'error', role: 'alert'});
    const form = el('form', {id: 'login', class: 'login', hidden: true},
                    el('h1', {}, 'Log in'),
                    el('p', {}, 'This camfleetd asks for its admin token. The browser keeps ' +
                                'a session cookie for it, never the token, and never in a ' +
                                'page address.'),
                    el('label', {for: 'token'}, 'Token'), input,
                    el('button', {type: 'submit'}, 'Log in'), problem);
    document.querySelector('main').prepend(form);
    const logout = document.getElementById('logout');
    const ask = (message) => {
      if (form.hidden) {
        form.hidden = false;
        problem.textContent = message;
        input.focus();
      }
      logout.hidden = true;
    };
    // A poll refused after the page was let in: the session ended.
    onUnauthorized = () => ask('The session ended (it expired, you logged out elsewhere, ' +
                               'or camfleetd restarted): log in again.');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      // The configuration's rule for a token; anything else could not even
      // be sent in a header.
      if (!/^[\x21-\x7e]{1,256}$/.test(input.value)) {
        problem.textContent = 'A token is 1 to 256 printable ASCII characters, without spaces.';
        return;
      }
      const result = await api('POST', '/v1/login',
                               {headers: {Authorization: 'Bearer ' + input.value}, login: true});
      input.value = '';
      if (!result.ok) {
        problem.textContent = result.error.status === 401
          ? 'That token is wrong: it is the admin token of camfleetd\'s configuration.'
          : result.error.message;
        return;
      }
      problem.textContent = '';
      form.hidden = true;
      logout.hidden = !result.body.token_required;
      loggedIn();
    });
    logout.addEventListener('click', async () => {
      await api('POST', '/v1/logout');
      location.reload();
    });
    // Whether this browser is let in already (no token set, or a session
    // from an earlier visit): then the pages start at once.
    api('GET', '/v1/login', {login: true}).then((result) => {
      if (!result.ok) {
        if (result.error.status === 401) ask('');
        else setStatus(result.error.code + ': ' + result.error.message, true);
        return;
      }
      logout.hidden = !result.body.token_required;
      loggedIn();
    });
  }

  // "850 ms", "12.3 s", "4 min 05 s", "2 h 10 min".
  function duration(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    const s = ms / 1000;
    if (s < 60) return s.toFixed(1) + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + String(Math.floor(s % 60)).padStart(2, '0') + ' s';
    return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
  }

  // "16:47:20" from an ISO-8601 time with offset, in the daemon's own local
  // time (the offset it wrote), which is what its log lines show.
  function clock(iso) {
    if (!iso) return '-';
    const match = /T(\d\d:\d\d:\d\d)/.exec(iso);
    return match ? match[1] : iso;
  }

  // An element with attributes and children (strings become text nodes).
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function setStatus(text, bad) {
    const status = document.getElementById('status');
    status.textContent = text;
    status.classList.toggle('bad', Boolean(bad));
  }

  // Replaces `img`'s picture with the camera's latest snapshot, fetched as a
  // blob: the snapshot's address never changes, and a blob URL is the one way
  // to show a new one without an address that differs each time.
  async function loadSnapshot(img, id) {
    const result = await api('GET', '/v1/cameras/' + encodeURIComponent(id) + '/snapshot');
    if (!result.ok) return result.error;
    const previous = img.dataset.url;
    img.dataset.url = URL.createObjectURL(result.body);
    img.src = img.dataset.url;
    if (previous) URL.revokeObjectURL(previous);
    return null;
  }

  // Runs `step` now and again `interval_ms` after each run ends, so that a
  // slow answer never piles requests up. A tab in the background asks
  // nothing, and catches up as soon as it is shown again.
  function poll(step, interval_ms) {
    let timer = null;
    const run = async () => {
      clearTimeout(timer);
      try {
        if (!document.hidden) await step();
      } finally {
        timer = setTimeout(run, interval_ms);
      }
    };
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) run();
    });
    run();
    return run;
  }

  return {api, errorOf, setUpLogin, duration, clock, el, setStatus, loadSnapshot, poll};
})();
