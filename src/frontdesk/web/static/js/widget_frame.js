// The website widget's frame (served by Frontdesk inside the business's site): call the
// company from the browser over WebRTC, or ask to be called back. Everything here talks only
// to Frontdesk's own origin. See docs/widget.md.

const data = JSON.parse(document.getElementById('widget-data').textContent);
const t = data.texts;
const base = `/api/widget/${encodeURIComponent(data.key)}`;
const POLL_MS = 800;
const GATHER_MS = 2500;

class WidgetApiError extends Error {
  constructor(status, errorId, message) {
    super(message);
    this.status = status;
    this.errorId = errorId;
  }
}

async function request(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(base + path, options);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new WidgetApiError(response.status, answer.error_id || 'http_error',
                             answer.message || response.statusText);
  }
  return answer;
}

function reasonOf(error) {
  return t[error.errorId] || error.message || String(error);
}

// -- calling ------------------------------------------------------------------------------------
const callButton = document.getElementById('call');
if (callButton) setUpCall();

function setUpCall() {
  const stateEl = document.getElementById('call-state');
  const hangupButton = document.getElementById('hangup');
  const muteButton = document.getElementById('mute');
  const keypad = document.getElementById('keypad');
  const audio = document.getElementById('widget-audio');
  let pc = null;
  let mic = null;
  let token = null;
  let poll = null;

  function show(state, text) {
    stateEl.dataset.state = state;
    stateEl.textContent = text || t[`state_${state}`] || state;
  }

  function controls(up) {
    callButton.disabled = up;
    hangupButton.disabled = !up;
    muteButton.disabled = !up;
    keypad.hidden = !up;
    if (!up) muteButton.setAttribute('aria-pressed', 'false');
  }

  function audioConstraints() {
    // Browser audio processing stays on for visitors (echo cancellation matters on laptop
    // speakers); a stored setting may turn it off, as on the agent desk.
    try {
      return JSON.parse(localStorage.getItem('frontdesk.audio')) || true;
    } catch {
      return true;
    }
  }

  function gathered(connection) {
    return new Promise((resolve) => {
      if (connection.iceGatheringState === 'complete') return resolve();
      const done = () => {
        if (connection.iceGatheringState === 'complete') resolve();
      };
      connection.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, GATHER_MS);  // host candidates are enough on a reachable server
    });
  }

  function finish() {
    clearInterval(poll);
    poll = null;
    token = null;
    if (pc) pc.close();
    pc = null;
    if (mic) mic.getTracks().forEach((track) => track.stop());
    mic = null;
    controls(false);
  }

  async function start() {
    controls(true);
    show('microphone');
    try {
      mic = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints() });
    } catch {
      finish();
      show('idle', t.no_microphone);
      return;
    }
    show('connecting');
    pc = new RTCPeerConnection({ iceServers: data.ice_servers.map((url) => ({ urls: url })) });
    mic.getTracks().forEach((track) => pc.addTrack(track, mic));
    pc.addEventListener('track', (event) => {
      audio.srcObject = event.streams[0] || new MediaStream([event.track]);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    try {
      const answer = await request('POST', '/call', { sdp: pc.localDescription.sdp });
      token = answer.call;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    } catch (error) {
      finish();
      show('idle', reasonOf(error));
      return;
    }
    poll = setInterval(refresh, POLL_MS);
  }

  async function refresh() {
    if (!token) return;
    try {
      const status = await request('GET', `/call/${encodeURIComponent(token)}`);
      show(status.state);
      if (status.state === 'ended') finish();
    } catch (error) {
      if (error.status === 404) {
        finish();
        show('ended');
      }
    }
  }

  function hangUp() {
    // The hang-up goes out before the connection closes, so the server hears it as such.
    if (token) request('POST', `/call/${encodeURIComponent(token)}/hangup`).catch(() => {});
    finish();
    show('ended');
  }

  callButton.addEventListener('click', () => start().catch((error) => {
    finish();
    show('idle', reasonOf(error));
  }));
  hangupButton.addEventListener('click', hangUp);
  muteButton.addEventListener('click', () => {
    const muted = muteButton.getAttribute('aria-pressed') !== 'true';
    muteButton.setAttribute('aria-pressed', String(muted));
    // Muting here means the sound never leaves the visitor's computer.
    if (mic) mic.getAudioTracks().forEach((track) => { track.enabled = !muted; });
  });
  keypad.addEventListener('click', (event) => {
    const key = event.target.closest('button[data-key]');
    if (key && token) {
      request('POST', `/call/${encodeURIComponent(token)}/keys`, { digits: key.dataset.key })
        .catch((error) => show(stateEl.dataset.state, reasonOf(error)));
    }
  });
  // Closing the panel, the tab or leaving the page hangs up (a beacon survives the unload).
  window.addEventListener('pagehide', () => {
    if (token) navigator.sendBeacon(`${base}/call/${encodeURIComponent(token)}/hangup`);
  });
}

// -- call me back -------------------------------------------------------------------------------
const form = document.getElementById('callback-form');
if (form) setUpCallback();

function setUpCallback() {
  const daySelect = document.getElementById('cb-day');
  const timeSelect = document.getElementById('cb-time');
  const result = document.getElementById('callback-result');
  const submit = document.getElementById('cb-submit');
  const dayName = new Intl.DateTimeFormat(data.language, {
    weekday: 'long', day: 'numeric', month: 'long', timeZone: data.timezone,
  });
  // Slots are ISO times with the team's offset: their date and clock are the team's local ones.
  const days = new Map();
  for (const slot of data.slots) {
    const day = slot.slice(0, 10);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(slot);
  }
  for (const [day, slots] of days) {
    const option = document.createElement('option');
    option.value = day;
    option.textContent = dayName.format(new Date(slots[0]));
    daySelect.append(option);
  }
  function fillTimes() {
    timeSelect.replaceChildren();
    const slots = days.get(daySelect.value) || [];
    for (const slot of slots) {
      const option = document.createElement('option');
      option.value = slot;
      option.textContent = slot.slice(11, 16);
      timeSelect.append(option);
    }
    timeSelect.disabled = slots.length === 0;
  }
  daySelect.addEventListener('change', fillTimes);
  fillTimes();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    result.dataset.kind = '';
    result.textContent = '';
    const when = daySelect.value === 'asap' ? 'asap' : timeSelect.value;
    submit.disabled = true;
    try {
      const answer = await request('POST', '/callback', {
        name: document.getElementById('cb-name').value,
        number: document.getElementById('cb-number').value,
        when,
        note: document.getElementById('cb-note').value,
        language: data.language,
      });
      result.textContent = t.booked.replace('{promise}', answer.promise);
      form.reset();
      fillTimes();
    } catch (error) {
      result.dataset.kind = 'error';
      result.textContent = t.failed.replace('{reason}', reasonOf(error));
    } finally {
      submit.disabled = false;
    }
  });
}
