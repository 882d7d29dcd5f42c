// The camera page: its live view, its facts and timeline (GET
// /v1/cameras/{id} every 1.5 s), and the console's acts with their answers.
//
// The live view reads the MJPEG stream (GET /v1/cameras/{id}/live) with
// fetch rather than handing its address to an <img>: an <img> cannot tell a
// refusal (429 viewer_limit, 409 camera_paused ...) from the end of a lease,
// nor say how many frames came. Each JPEG part becomes a blob URL shown in
// the <img>; closing the page or pressing Stop aborts the request, which is
// what ends this viewer's lease.
'use strict';

(() => {
  const {api, el, duration, clock, setStatus, poll} = camfleet;
  const id = decodeURIComponent(location.pathname.replace(/^\/cameras\//, ''));
  const base = '/v1/cameras/' + encodeURIComponent(id);
  let camera = null;

  const $ = (name) => document.getElementById(name);
  document.title = 'camfleet: ' + id;
  $('crumb-camera').textContent = id;
  $('title').textContent = id;

  // -- live view ---------------------------------------------------------------

  const live = {controller: null, frames: 0, url: null};
  // A part's headers are small; a runaway part must not eat the memory.
  const maxPartBytes = 16 * 1024 * 1024;

  function liveStatus(text, kind) {
    const status = $('live-status');
    status.textContent = text;
    status.hidden = !text;
    status.className = 'live-status' + (kind ? ' ' + kind : '');
  }

  function showFrame(bytes) {
    const url = URL.createObjectURL(new Blob([bytes], {type: 'image/jpeg'}));
    const img = $('live');
    const previous = live.url;
    live.url = url;
    img.src = url;
    if (previous) URL.revokeObjectURL(previous);
    live.frames += 1;
    $('live-frames').dataset.frames = String(live.frames);
    $('live-frames').textContent = live.frames + (live.frames === 1 ? ' frame' : ' frames');
  }

  function indexOf(haystack, needle, from) {
    outer: for (let i = from; i <= haystack.length - needle.length; i++) {
      for (let j = 0; j < needle.length; j++)
        if (haystack[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }

  // Splits multipart/x-mixed-replace parts by their Content-Length and
  // shows each JPEG; returns the bytes not yet part of a whole part.
  const blankLine = new Uint8Array([13, 10, 13, 10]);
  function takeParts(buffer) {
    for (;;) {
      const end = indexOf(buffer, blankLine, 0);
      if (end < 0) return buffer;
      const head = new TextDecoder('latin1').decode(buffer.subarray(0, end));
      const length = /content-length:\s*(\d+)/i.exec(head);
      if (!length) throw new Error('a part of the stream has no Content-Length');
      const size = Number(length[1]);
      if (size > maxPartBytes) throw new Error('a part of ' + size + ' bytes is too large');
      const start = end + blankLine.length;
      if (buffer.length < start + size) return buffer;
      showFrame(buffer.slice(start, start + size));
      buffer = buffer.subarray(start + size);
    }
  }

  async function watch() {
    stopWatching();
    const controller = new AbortController();
    live.controller = controller;
    $('watch').textContent = 'Stop';
    liveStatus('connecting to the live view…');
    let response;
    try {
      response = await fetch(base + '/live', {signal: controller.signal, cache: 'no-store'});
    } catch (failure) {
      if (live.controller === controller) ended('camfleetd does not answer: ' + failure.message);
      return;
    }
    if (!response.ok) {
      const problem = await camfleet.errorOf(response);
      ended('live view refused: ' + problem.code + ': ' + problem.message, 'bad');
      return;
    }
    liveStatus('');
    const reader = response.body.getReader();
    let buffer = new Uint8Array(0);
    try {
      for (;;) {
        const {done, value} = await reader.read();
        if (done) break;
        const joined = new Uint8Array(buffer.length + value.length);
        joined.set(buffer);
        joined.set(value, buffer.length);
        buffer = takeParts(joined);
        if (buffer.length > maxPartBytes) throw new Error('no whole frame in 16 MiB');
      }
    } catch (failure) {
      if (live.controller !== controller) return; // stopped here
      ended('the live view broke off: ' + failure.message, 'bad');
      return;
    }
    if (live.controller === controller)
      ended('the live view ended: the lease ran out, or the camera failed. Watch again to ' +
            'start a new one.');
  }

  function ended(text, kind) {
    live.controller = null;
    $('watch').textContent = 'Watch';
    liveStatus(text, kind || 'ended');
  }

  function stopWatching() {
    if (!live.controller) return;
    const controller = live.controller;
    live.controller = null;
    controller.abort();
  }

  $('watch').addEventListener('click', () => {
    if (live.controller) {
      stopWatching();
      ended('stopped: this page holds no lease on the camera.');
    } else {
      watch();
    }
  });
  window.addEventListener('pagehide', stopWatching);

  // -- facts and timeline ------------------------------------------------------

  function fact(list, name, value) {
    if (value === undefined || value === null || value === '') return;
    list.append(el('dt', {}, name), el('dd', {}, String(value)));
  }

  function showLease(lease) {
    const text = !lease ? 'no viewer'
      : lease.viewers + (lease.viewers === 1 ? ' viewer' : ' viewers') + ' since ' +
        clock(lease.since) + ', ' + lease.frames_served + ' frames served';
    $('lease').textContent = text;
  }

  function showCamera(c) {
    camera = c;
    $('crumb-subnet').textContent = c.subnet;
    const state = $('state');
    state.textContent = c.state;
    state.className = 'pill state-' + c.state;
    $('for').textContent = 'for ' + duration(c.time_in_state_ms);
    const flags = [];
    if (c.stuck) flags.push('STUCK');
    if (c.paused) flags.push('PAUSED');
    $('flags').textContent = flags.join(' ');
    $('flags').className = flags.length ? 'badge inline' : '';
    $('pause').textContent = c.paused ? 'Resume' : 'Pause';
    $('pause').dataset.act = c.paused ? 'resume' : 'pause';

    const list = $('facts');
    list.replaceChildren();
    fact(list, 'model', c.model);
    fact(list, 'endpoint', c.endpoint);
    // A live session has no budget: it lasts as long as its lease.
    if (c.capture && c.capture.phase)
      fact(list, 'capture', c.capture.phase + (c.capture.budget_ms > 0
        ? ', ' + duration(c.capture.elapsed_ms) + ' of ' + duration(c.capture.budget_ms)
        : ''));
    fact(list, 'session', c.holds && c.holds.session ? 'open' : 'none');
    fact(list, 'captures', c.successes + ' of ' + c.attempts + ' succeeded, ' + c.failures +
                           ' failed');
    if (c.last_error && c.last_error.kind)
      fact(list, 'last error', c.last_error.kind + ': ' + (c.last_error.message || ''));
    fact(list, 'last success', c.last_success ? clock(c.last_success) : 'never');
    if (c.backoff_left_ms > 0) fact(list, 'backoff', duration(c.backoff_left_ms) + ' left');
    if ('lease' in c) showLease(c.lease);
    if (c.lease && c.lease.holders)
      fact(list, 'viewers', c.lease.holders.map((h) =>
        h.viewer + ' since ' + clock(h.since) + ' (' + h.frames + ' frames)').join(', '));

    const items = (c.transitions || []).slice().reverse().map((t) =>
      el('li', {class: 'to-' + t.to},
         el('time', {datetime: t.at}, clock(t.at)),
         el('span', {class: 'move'}, t.from + ' → ' + t.to),
         el('span', {class: 'reason'}, t.reason || '')));
    $('transitions').replaceChildren(...items);
  }

  async function refresh() {
    const result = await api('GET', base);
    if (!result.ok) {
      if (result.error.status !== 401)
        setStatus(result.error.code + ': ' + result.error.message, true);
      return;
    }
    $('camera').hidden = false;
    showCamera(result.body);
    setStatus('updated ' + new Date().toLocaleTimeString());
  }

  // -- acts --------------------------------------------------------------------

  const actPaths = {
    kick: () => base + '/kick',
    reset: () => base + '/reset',
    pause: () => base + '/pause',
    resume: () => base + '/resume',
    patrol: () => '/v1/subnets/' + encodeURIComponent(camera.subnet) + '/patrol',
    snapshot: () => base + '/snapshot',
  };

  // A snapshot taken now answers with the picture itself: shown in the
  // viewer unless the live view is running there.
  function showSnapshot(blob) {
    if (!live.controller) {
      const previous = live.url;
      live.url = URL.createObjectURL(blob);
      $('live').src = live.url;
      if (previous) URL.revokeObjectURL(previous);
    }
    return 'snapshot: taken at ' + new Date().toLocaleTimeString() + ', ' +
           Math.ceil(blob.size / 1024) + ' KiB' + (live.controller ? '' : ', shown above');
  }

  async function act(button) {
    const name = button.dataset.act;
    if (!camera) return;
    const answer = $('answer');
    button.disabled = true;
    const result = await api('POST', actPaths[name]());
    button.disabled = false;
    answer.dataset.act = name;
    if (result.ok && result.body instanceof Blob) {
      answer.className = 'answer ok';
      answer.textContent = showSnapshot(result.body);
    } else if (result.ok) {
      const body = result.body;
      // An act that changed nothing (a kick with no capture running) is an
      // answer, not an error, but it should not look like a success.
      answer.className = 'answer ' + (body.changed ? 'ok' : 'unchanged');
      answer.textContent = name + ': ' + body.message +
                           (body.patrol_id ? ' (patrol ' + body.patrol_id + ')' : '');
    } else {
      answer.className = 'answer bad';
      answer.textContent = name + ' refused: ' + result.error.code + ': ' + result.error.message;
    }
    refresh();
  }

  for (const button of document.querySelectorAll('button[data-act]'))
    button.addEventListener('click', () => act(button));

  let started = false;
  camfleet.setUpLogin(() => {
    if (started) return;
    started = true;
    poll(refresh, 1500);
    watch();
  });
})();
