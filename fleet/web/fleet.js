// The fleet page: a tile per camera, grouped by subnet, refreshed from
// GET /v1/cameras every 1.5 s without reloading. A tile's picture is fetched
// again only when the camera reports a newer snapshot (its last_success),
// and only while the tile is on screen or close to it.
'use strict';

(() => {
  const {api, el, duration, clock, setStatus, loadSnapshot, poll} = camfleet;
  const root = document.getElementById('fleet');
  const tiles = new Map(); // camera id -> {tile, parts, lastSuccess, loading}
  const groups = new Map(); // subnet name -> {section, grid, count}

  // A camera that is failing: its last capture failed (it backs off, or
  // tries again), or it is down.
  function failing(camera) {
    return camera.state === 'down' || camera.consecutive_failures > 0;
  }

  function group(subnet) {
    let entry = groups.get(subnet);
    if (!entry) {
      const count = el('span', {class: 'count'});
      const grid = el('div', {class: 'grid'});
      const section = el('section', {class: 'subnet', 'data-subnet': subnet},
                         el('h2', {}, subnet, count), grid);
      entry = {section, grid, count};
      groups.set(subnet, entry);
      root.append(section);
    }
    return entry;
  }

  function makeTile(camera) {
    const img = el('img', {alt: 'latest snapshot of ' + camera.id});
    const parts = {
      img,
      empty: el('span', {class: 'empty'}, 'no snapshot yet'),
      badge: el('span', {class: 'badge'}),
      age: el('span', {class: 'age'}),
      state: el('span', {class: 'pill'}),
      since: el('span', {class: 'since'}),
      error: el('p', {class: 'error'}),
      model: el('span', {class: 'model'}),
    };
    const tile = el('a', {class: 'tile', href: '/cameras/' + encodeURIComponent(camera.id),
                          'data-camera': camera.id},
                    el('div', {class: 'shot'}, img, parts.empty, parts.badge, parts.age),
                    el('div', {class: 'info'},
                       el('div', {class: 'name'}, el('strong', {}, camera.id), parts.model),
                       el('div', {class: 'state-line'}, parts.state, parts.since),
                       parts.error));
    img.addEventListener('load', () => tile.classList.add('has-shot'));
    const entry = {tile, parts, lastSuccess: undefined, loading: false, visible: false,
                   camera};
    visibility.observe(tile);
    tile.entry = entry;
    return entry;
  }

  // Only tiles on screen (or about to be) fetch their pictures: a fleet of
  // hundreds of cameras does not download hundreds of JPEGs per patrol.
  const visibility = new IntersectionObserver((changes) => {
    for (const change of changes) {
      const entry = change.target.entry;
      entry.visible = change.isIntersecting;
      if (entry.visible) refreshShot(entry, entry.camera);
    }
  }, {rootMargin: '600px 0px'});

  async function refreshShot(entry, camera) {
    if (!entry.visible || entry.loading || entry.lastSuccess === camera.last_success) return;
    entry.loading = true;
    const wanted = camera.last_success;
    const problem = await loadSnapshot(entry.parts.img, camera.id);
    entry.loading = false;
    // A 404 before the first capture is expected; try again with the next
    // success. Any other failure is retried at the next poll.
    if (!problem || problem.status === 404) entry.lastSuccess = wanted;
  }

  function update(camera) {
    let entry = tiles.get(camera.id);
    if (!entry) {
      entry = makeTile(camera);
      tiles.set(camera.id, entry);
    }
    entry.camera = camera;
    const {tile, parts} = entry;
    const home = group(camera.subnet).grid;
    if (tile.parentNode !== home) home.append(tile);

    const sick = failing(camera);
    tile.dataset.state = camera.state;
    tile.classList.toggle('stuck', camera.stuck);
    tile.classList.toggle('failing', sick);
    tile.classList.toggle('paused', camera.paused);
    parts.model.textContent = camera.model || '';
    parts.state.textContent = camera.state;
    parts.state.className = 'pill state-' + camera.state;
    parts.since.textContent = 'for ' + duration(camera.time_in_state_ms);
    parts.badge.textContent = camera.stuck ? 'STUCK' : camera.paused ? 'PAUSED' : '';
    parts.badge.hidden = !camera.stuck && !camera.paused;
    const error = camera.last_error && camera.last_error.kind;
    parts.error.textContent = error ? error + ': ' + (camera.last_error.message || '') : '';
    parts.error.hidden = !error;
    parts.error.title = parts.error.textContent;
    // When the picture is that of the last success, say when that was.
    parts.age.textContent = camera.last_success ? clock(camera.last_success) : '';
    refreshShot(entry, camera);
  }

  function summarize(cameras) {
    const stuck = cameras.filter((c) => c.stuck).length;
    const sick = cameras.filter(failing).length;
    const sessions = cameras.filter((c) => c.holds && c.holds.session).length;
    let text = cameras.length + ' cameras · ' + sessions + ' sessions open';
    if (sick) text += ' · ' + sick + ' failing';
    if (stuck) text += ' · ' + stuck + ' stuck';
    const summary = document.getElementById('summary');
    summary.textContent = text;
    summary.classList.toggle('bad', stuck > 0);
  }

  async function refresh() {
    const result = await api('GET', '/v1/cameras');
    if (!result.ok) {
      if (result.error.status !== 401)
        setStatus(result.error.code + ': ' + result.error.message, true);
      return;
    }
    const cameras = result.body.cameras;
    const seen = new Set();
    for (const camera of cameras) {
      seen.add(camera.id);
      update(camera);
    }
    // Cameras a reload removed leave the page; so do emptied subnets.
    for (const [id, entry] of tiles) {
      if (seen.has(id)) continue;
      visibility.unobserve(entry.tile);
      entry.tile.remove();
      tiles.delete(id);
    }
    for (const [name, entry] of groups) {
      const n = entry.grid.children.length;
      const sick = [...entry.grid.children].filter((t) => t.classList.contains('failing')).length;
      entry.count.textContent = n + (n === 1 ? ' camera' : ' cameras') +
                                (sick ? ' · ' + sick + ' failing' : '');
      if (n === 0) {
        entry.section.remove();
        groups.delete(name);
      }
    }
    summarize(cameras);
    root.dataset.loaded = 'true';
    setStatus('updated ' + new Date().toLocaleTimeString());
  }

  let started = false;
  camfleet.setUpLogin(() => {
    if (started) return;
    started = true;
    poll(refresh, 1500);
  });
})();
