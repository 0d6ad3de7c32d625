// The chat page: plain browser JavaScript, no build step.
// Flow: GET /dev-token?user=NAME -> WebSocket with the token -> {"action":"join"} -> messages.
(function chatPage() {
  'use strict';

  const PING_EVERY_MS = 30000;
  /** No pong for this long: the socket is dead even if the browser has not noticed. */
  const PONG_TIMEOUT_MS = 10000;
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 30000;
  const ERROR_SHOWN_MS = 8000;
  /** More errors than this at once say nothing new; the oldest make room. */
  const MAX_ERRORS = 3;
  const NAME = /^[A-Za-z0-9_.-]{1,32}$/;
  const ROOM = /^[A-Za-z0-9_-]{1,64}$/;

  const el = {
    status: document.getElementById('status'),
    statusText: document.getElementById('status-text'),
    joinPanel: document.getElementById('join-panel'),
    joinForm: document.getElementById('join-form'),
    name: document.getElementById('name'),
    room: document.getElementById('room'),
    joinButton: document.getElementById('join'),
    chatPanel: document.getElementById('chat-panel'),
    roomTitle: document.getElementById('room-title'),
    me: document.getElementById('me'),
    connection: document.getElementById('connection'),
    leave: document.getElementById('leave'),
    messages: document.getElementById('messages'),
    sendForm: document.getElementById('send-form'),
    text: document.getElementById('text'),
    send: document.getElementById('send'),
    errors: document.getElementById('errors'),
  };

  /** What the user asked for; survives reconnects. */
  const session = { user: '', room: '', active: false };
  let socket = null;
  let attempt = 0;
  let reconnectTimer = null;
  let pingTimer = null;
  let pongTimer = null;

  // ---- rendering (textContent only: chat text is never HTML) -----------------------------

  function setStatus(state, text) {
    el.status.dataset.state = state;
    el.statusText.textContent = text;
  }

  // Errors sit in the open card, in the flow (above the composer in the chat), so they never
  // cover what the user types; a repeat of the same error counts up instead of stacking.
  function showError(code, message) {
    const same = Array.from(el.errors.children).find(
      (item) => item.dataset.code === code && item.dataset.message === message,
    );
    if (same) {
      const count = Number(same.dataset.count) + 1;
      same.dataset.count = String(count);
      same.querySelector('.error-count').textContent = '×' + count;
      clearTimeout(same.hideTimer);
      same.hideTimer = setTimeout(() => same.remove(), ERROR_SHOWN_MS);
      return;
    }
    const item = document.createElement('div');
    item.className = 'error';
    item.dataset.testid = 'error';
    item.dataset.code = code;
    item.dataset.message = message;
    item.dataset.count = '1';
    item.setAttribute('role', 'alert');
    const codeEl = document.createElement('span');
    codeEl.className = 'error-code';
    codeEl.textContent = code;
    const text = document.createElement('span');
    text.className = 'error-text';
    text.textContent = message;
    const count = document.createElement('span');
    count.className = 'error-count';
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.className = 'error-dismiss';
    dismiss.dataset.testid = 'error-dismiss';
    dismiss.setAttribute('aria-label', 'Dismiss');
    dismiss.textContent = '×';
    dismiss.addEventListener('click', () => {
      clearTimeout(item.hideTimer);
      item.remove();
    });
    item.append(codeEl, text, count, dismiss);
    el.errors.append(item);
    while (el.errors.children.length > MAX_ERRORS) el.errors.firstElementChild.remove();
    item.hideTimer = setTimeout(() => item.remove(), ERROR_SHOWN_MS);
  }

  function clearErrors() {
    for (const item of Array.from(el.errors.children)) clearTimeout(item.hideTimer);
    el.errors.replaceChildren();
  }

  function timeOf(iso) {
    const date = iso ? new Date(iso) : new Date();
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function scrollToEnd() {
    el.messages.scrollTop = el.messages.scrollHeight;
  }

  function addSystemLine(text) {
    const item = document.createElement('li');
    item.className = 'system';
    item.dataset.testid = 'system';
    item.textContent = text;
    el.messages.append(item);
    scrollToEnd();
  }

  /** Own messages shown as sent, oldest first, until the room echoes them or they are refused. */
  const pending = [];

  function addPending(text) {
    const item = addMessage({ from: session.user, text });
    item.dataset.state = 'pending';
    item.classList.add('pending');
    pending.push(item);
  }

  // The room's echo of an own message confirms the oldest pending one with that text, or
  // corrects one marked refused by a guess (below).
  function confirmPending(message) {
    const index = pending.findIndex((item) => item.dataset.text === message.text);
    let item;
    if (index !== -1) {
      [item] = pending.splice(index, 1);
    } else {
      item = Array.from(el.messages.querySelectorAll('.message.refused')).find(
        (refused) => refused.dataset.text === message.text,
      );
      if (!item) return false;
      item.classList.remove('refused');
      item.querySelector('.message-note').remove();
    }
    item.dataset.state = 'delivered';
    item.classList.remove('pending');
    item.querySelector('time').textContent = timeOf(message.at);
    return true;
  }

  // An error frame names no message, and a connection's messages run concurrently in AWS: the
  // newest pending one is the best guess (a rate limit refuses the latest), and an echo that
  // arrives later corrects it.
  function refuseNewestPending(code) {
    const item = pending.pop();
    if (!item) return;
    item.dataset.state = 'refused';
    item.classList.remove('pending');
    item.classList.add('refused');
    const note = document.createElement('div');
    note.className = 'message-note';
    note.dataset.testid = 'message-note';
    note.textContent = 'not delivered (' + code + ')';
    item.append(note);
  }

  function addMessage(message) {
    const item = document.createElement('li');
    const own = message.from === session.user;
    item.className = own ? 'message own' : 'message';
    item.dataset.testid = 'message';
    item.dataset.from = message.from;
    const meta = document.createElement('div');
    meta.className = 'message-meta';
    const from = document.createElement('span');
    from.className = 'message-from';
    from.textContent = own ? 'you' : message.from;
    const at = document.createElement('time');
    at.textContent = timeOf(message.at);
    meta.append(from, at);
    const text = document.createElement('div');
    text.className = 'message-text';
    text.dataset.testid = 'message-text';
    text.textContent = message.text;
    item.append(meta, text);
    item.dataset.text = message.text;
    el.messages.append(item);
    scrollToEnd();
    return item;
  }

  function showChat(visible) {
    el.joinPanel.hidden = visible;
    el.chatPanel.hidden = !visible;
    // The one error area moves into the card on screen.
    if (visible) el.chatPanel.insertBefore(el.errors, el.sendForm);
    else el.joinPanel.append(el.errors);
    if (visible) {
      el.roomTitle.textContent = '#' + session.room;
      el.me.textContent = session.user;
      el.text.focus();
    }
  }

  function setComposerEnabled(enabled) {
    el.text.disabled = !enabled;
    el.send.disabled = !enabled;
  }

  // ---- the connection ------------------------------------------------------------------------

  async function fetchToken(user) {
    const response = await fetch('/dev-token?user=' + encodeURIComponent(user), {
      cache: 'no-store',
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.message || 'HTTP ' + response.status);
      error.code = 'DEV_TOKEN_' + response.status;
      // A refusal will not change on retry (bad name, not on this machine).
      error.permanent = response.status >= 400 && response.status < 500;
      throw error;
    }
    return body;
  }

  function send(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      showError('OFFLINE', 'not connected; the message was not sent');
      return false;
    }
    socket.send(JSON.stringify(message));
    return true;
  }

  function stopTimers() {
    clearTimeout(pingTimer);
    clearTimeout(pongTimer);
    pingTimer = null;
    pongTimer = null;
  }

  // API Gateway closes a connection after 10 idle minutes; a ping now and then keeps it open and
  // proves it is alive (the framework answers {"type":"pong"}).
  function schedulePing() {
    clearTimeout(pingTimer);
    pingTimer = setTimeout(() => {
      if (!send({ action: 'ping' })) return;
      clearTimeout(pongTimer);
      pongTimer = setTimeout(() => {
        if (socket) socket.close(4000, 'no pong');
      }, PONG_TIMEOUT_MS);
      schedulePing();
    }, PING_EVERY_MS);
  }

  function onFrame(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      showError('BAD_FRAME', 'the server sent something that is not JSON');
      return;
    }
    if (frame && frame.error) {
      const code = frame.error.code || 'ERROR';
      showError(code, frame.error.message || 'something went wrong');
      refuseNewestPending(code);
      return;
    }
    // API Gateway's own frames: {"message":"Internal server error" | "Forbidden", ...}.
    if (frame && typeof frame.message === 'string' && !frame.type) {
      showError('GATEWAY', frame.message);
      return;
    }
    switch (frame && frame.type) {
      case 'pong':
        clearTimeout(pongTimer);
        break;
      case 'message':
        if (frame.room !== session.room) break;
        if (frame.from === session.user && confirmPending(frame)) break;
        addMessage(frame);
        break;
      case 'joined':
        if (frame.room !== session.room) break;
        if (frame.user === session.user) {
          attempt = 0;
          // Whatever went wrong on the way here is over now.
          clearErrors();
          setStatus('open', 'connected');
          setComposerEnabled(true);
        }
        addSystemLine((frame.user === session.user ? 'You' : frame.user) + ' joined');
        break;
      case 'whoami':
        el.connection.textContent = frame.connectionId;
        el.connection.dataset.connectionId = frame.connectionId;
        break;
      case 'left':
        if (frame.room === session.room && frame.user !== session.user) {
          addSystemLine(frame.user + ' left');
        }
        break;
      default:
        break;
    }
  }

  function scheduleReconnect(reason) {
    if (!session.active) return;
    // Exponential backoff with full jitter: many tabs do not all come back at once.
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    attempt += 1;
    setStatus('reconnecting', reason + ', retrying in ' + Math.ceil(delay / 1000) + ' s');
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }

  async function connect() {
    reconnectTimer = null;
    if (!session.active) return;
    setStatus('connecting', attempt === 0 ? 'connecting…' : 'reconnecting…');
    setComposerEnabled(false);
    let grant;
    try {
      // A fresh token every time: the old one may have expired while we were away.
      grant = await fetchToken(session.user);
    } catch (error) {
      showError(error.code || 'NETWORK', 'could not get a dev token: ' + error.message);
      if (error.permanent) {
        leaveRoom();
        return;
      }
      scheduleReconnect('server unreachable');
      return;
    }
    if (!session.active) return;
    // Browsers cannot set headers on a WebSocket: the token travels as a subprotocol, and the
    // server echoes "bearer" (not the token) in the handshake answer.
    const ws = new WebSocket(grant.wsUrl, ['bearer', grant.token]);
    socket = ws;
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      ws.send(JSON.stringify({ action: 'join', room: session.room }));
      ws.send(JSON.stringify({ action: 'whoami' }));
      schedulePing();
    });
    ws.addEventListener('message', (event) => onFrame(event.data));
    ws.addEventListener('close', (event) => {
      if (socket !== ws) return;
      socket = null;
      stopTimers();
      setComposerEnabled(false);
      el.connection.textContent = '';
      delete el.connection.dataset.connectionId;
      if (!session.active) return;
      // A refused handshake (401) looks like close code 1006 to a page: the browser hides why.
      const reason = opened ? 'connection closed (' + event.code + ')' : 'could not connect';
      if (opened) addSystemLine('Disconnected (' + event.code + '), reconnecting…');
      scheduleReconnect(reason);
    });
  }

  function joinRoom(user, room) {
    session.user = user;
    session.room = room;
    session.active = true;
    attempt = 0;
    el.messages.replaceChildren();
    pending.length = 0;
    clearErrors();
    showChat(true);
    setComposerEnabled(false);
    const url = new URL(window.location.href);
    url.searchParams.set('room', room);
    window.history.replaceState(null, '', url);
    try {
      window.localStorage.setItem('lift-ws-chat-name', user);
    } catch {
      // Storage can be off (private mode); the name is only a convenience.
    }
    void connect();
  }

  function leaveRoom() {
    session.active = false;
    clearTimeout(reconnectTimer);
    stopTimers();
    if (socket) {
      const ws = socket;
      socket = null;
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ action: 'leave', room: session.room }));
      }
      ws.close(1000, 'bye');
    }
    setStatus('offline', 'offline');
    showChat(false);
  }

  // ---- wiring ----------------------------------------------------------------------------

  el.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const user = el.name.value.trim();
    const room = el.room.value.trim();
    if (!NAME.test(user)) {
      showError('BAD_NAME', 'a name is 1 to 32 letters, digits, ".", "-" or "_"');
      return;
    }
    if (!ROOM.test(room)) {
      showError('BAD_ROOM', 'a room is 1 to 64 letters, digits, "-" or "_"');
      return;
    }
    joinRoom(user, room);
  });

  el.sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = el.text.value;
    if (text.trim() === '') return;
    if (send({ action: 'sendMessage', room: session.room, text })) {
      addPending(text);
      el.text.value = '';
      el.text.focus();
    }
  });

  el.leave.addEventListener('click', leaveRoom);

  const params = new URLSearchParams(window.location.search);
  if (params.get('room')) el.room.value = params.get('room');
  try {
    el.name.value = params.get('name') || window.localStorage.getItem('lift-ws-chat-name') || '';
  } catch {
    el.name.value = params.get('name') || '';
  }
  setStatus('offline', 'offline');
})();
