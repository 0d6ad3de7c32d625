// The chat page, on lift-ws/client and the contract the Lambda validates with. The dev server
// bundles this file with esbuild into /app.js (zod and the client included).
import {
  createClient,
  type ClientError,
  type ClientState,
  type LiftWsClient,
} from 'lift-ws/client';
import { chatContract, type ChatContract } from '../src/chat-contract';
import { page, type PageElement } from './page-dom';

const { document } = page;

const ERROR_SHOWN_MS = 8000;
/** More errors than this at once say nothing new; the oldest make room. */
const MAX_ERRORS = 3;
const NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const ROOM = /^[A-Za-z0-9_-]{1,64}$/;

function byId(id: string): PageElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

const el = {
  status: byId('status'),
  statusText: byId('status-text'),
  joinPanel: byId('join-panel'),
  joinForm: byId('join-form'),
  name: byId('name'),
  room: byId('room'),
  chatPanel: byId('chat-panel'),
  roomTitle: byId('room-title'),
  me: byId('me'),
  connection: byId('connection'),
  leave: byId('leave'),
  messages: byId('messages'),
  sendForm: byId('send-form'),
  text: byId('text'),
  send: byId('send'),
  errors: byId('errors'),
};

interface DevTokenGrant {
  token: string;
  wsUrl: string;
}

/** What the user asked for; the client re-joins the room after every reconnect and rotation. */
const session = { user: '', room: '', client: undefined as LiftWsClient<ChatContract> | undefined };
const hideTimers = new WeakMap<PageElement, ReturnType<typeof setTimeout>>();

// ---- rendering (textContent only: chat text is never HTML) -----------------------------

function setStatus(state: string, text: string): void {
  el.status.dataset.state = state;
  el.statusText.textContent = text;
}

function hideLater(item: PageElement): void {
  clearTimeout(hideTimers.get(item));
  hideTimers.set(
    item,
    setTimeout(() => item.remove(), ERROR_SHOWN_MS),
  );
}

// Errors sit in the open card, in the flow (above the composer in the chat), so they never
// cover what the user types; a repeat of the same error counts up instead of stacking.
function showError(code: string, message: string): void {
  const same = Array.from(el.errors.children).find(
    (item) => item.dataset.code === code && item.dataset.message === message,
  );
  if (same) {
    const count = Number(same.dataset.count) + 1;
    same.dataset.count = String(count);
    const counter = same.querySelector('.error-count');
    if (counter) counter.textContent = `×${count}`;
    hideLater(same);
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
    clearTimeout(hideTimers.get(item));
    item.remove();
  });
  item.append(codeEl, text, count, dismiss);
  el.errors.append(item);
  while (el.errors.children.length > MAX_ERRORS) el.errors.firstElementChild?.remove();
  hideLater(item);
}

function clearErrors(): void {
  for (const item of Array.from(el.errors.children)) clearTimeout(hideTimers.get(item));
  el.errors.replaceChildren();
}

function timeOf(iso?: string): string {
  const date = iso ? new Date(iso) : new Date();
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function scrollToEnd(): void {
  el.messages.scrollTop = el.messages.scrollHeight;
}

function addSystemLine(text: string): void {
  const item = document.createElement('li');
  item.className = 'system';
  item.dataset.testid = 'system';
  item.textContent = text;
  el.messages.append(item);
  scrollToEnd();
}

function addMessage(message: { from: string; text: string; at?: string }): PageElement {
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

/** Own messages shown as sent until their reply (or the room's echo) arrives, oldest first. */
const pending: PageElement[] = [];

function markDelivered(item: PageElement, at: string): void {
  const index = pending.indexOf(item);
  if (index !== -1) pending.splice(index, 1);
  if (item.dataset.state === 'delivered') return;
  item.dataset.state = 'delivered';
  item.classList.remove('pending');
  const time = item.querySelector('time');
  if (time) time.textContent = timeOf(at);
}

// The reply names the refused request: no guessing which message a refusal was about.
function markRefused(item: PageElement, code: string): void {
  const index = pending.indexOf(item);
  if (index !== -1) pending.splice(index, 1);
  item.dataset.state = 'refused';
  item.classList.remove('pending');
  item.classList.add('refused');
  const note = document.createElement('div');
  note.className = 'message-note';
  note.dataset.testid = 'message-note';
  note.textContent = `not delivered (${code})`;
  item.append(note);
}

function showChat(visible: boolean): void {
  el.joinPanel.hidden = visible;
  el.chatPanel.hidden = !visible;
  // The one error area moves into the card on screen.
  if (visible) el.chatPanel.insertBefore(el.errors, el.sendForm);
  else el.joinPanel.append(el.errors);
  if (visible) {
    el.roomTitle.textContent = `#${session.room}`;
    el.me.textContent = session.user;
    el.text.focus();
  }
}

function setComposerEnabled(enabled: boolean): void {
  el.text.disabled = !enabled;
  el.send.disabled = !enabled;
}

// ---- the connection ------------------------------------------------------------------------

class DevTokenError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** A refusal will not change on retry (bad name, not on this machine). */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

async function fetchToken(user: string): Promise<DevTokenGrant> {
  const response = await fetch(`/dev-token?user=${encodeURIComponent(user)}`);
  // The dev server answers with Cache-Control: no-store: every call gets a fresh token.
  const body = (await response.json().catch(() => ({}))) as Partial<DevTokenGrant> & {
    message?: string;
  };
  if (!response.ok || typeof body.token !== 'string' || typeof body.wsUrl !== 'string') {
    throw new DevTokenError(
      `DEV_TOKEN_${response.status}`,
      body.message ?? `HTTP ${response.status}`,
      response.status >= 400 && response.status < 500,
    );
  }
  return { token: body.token, wsUrl: body.wsUrl };
}

/** Test and demo knobs from the page's URL, e.g. `?rotateAfterMs=2000` (rotation early). */
function tuningFromUrl(): { rotateAfterMs?: number } {
  const raw = new URLSearchParams(page.location.search).get('rotateAfterMs');
  const value = raw === null ? NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? { rotateAfterMs: value } : {};
}

const STATUS_TEXT: Record<ClientState, string> = {
  connecting: 'connecting…',
  open: 'joining…',
  reconnecting: 'reconnecting…',
  closed: 'offline',
};

function watch(client: LiftWsClient<ChatContract>): void {
  let wasOpen = false;
  client.onState((state) => {
    el.status.dataset.clientState = state;
    // "open" (the status the page shows) waits for the server's confirmation of the join.
    if (state !== 'open') setStatus(state === 'closed' ? 'offline' : state, STATUS_TEXT[state]);
    else setStatus('connecting', STATUS_TEXT.open);
    if (state === 'reconnecting') {
      setComposerEnabled(false);
      el.connection.textContent = '';
      delete el.connection.dataset.connectionId;
      if (wasOpen) addSystemLine('Disconnected, reconnecting…');
    }
    wasOpen = state === 'open';
  });
  client.onError((error: ClientError) => {
    showError(error.code, error.message);
    if (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')
      setStatus('offline', 'refused');
  });
  client.onDropped(({ action, reason }) => showError('DROPPED', `${action} not sent (${reason})`));
  client.on('joined', ({ room, user }) => {
    if (room !== session.room) return;
    if (user === session.user) {
      // Joined on a new connection (first connect, reconnect or rotation): whatever went
      // wrong on the way here is over now.
      clearErrors();
      setStatus('open', 'connected');
      setComposerEnabled(true);
      client.send('whoami', {});
    }
    addSystemLine(`${user === session.user ? 'You' : user} joined`);
  });
  client.on('left', ({ room, user }) => {
    if (room === session.room && user !== session.user) addSystemLine(`${user} left`);
  });
  client.on('message', (message) => {
    if (message.room !== session.room) return;
    if (message.from === session.user) {
      const own = pending.find((item) => item.dataset.text === message.text);
      if (own) return markDelivered(own, message.at);
    }
    addMessage(message);
  });
  client.on('whoami', ({ connectionId }) => {
    el.connection.textContent = connectionId;
    el.connection.dataset.connectionId = connectionId;
  });
}

async function joinRoom(user: string, room: string): Promise<void> {
  session.user = user;
  session.room = room;
  el.messages.replaceChildren();
  pending.length = 0;
  clearErrors();
  showChat(true);
  setComposerEnabled(false);
  setStatus('connecting', 'connecting…');
  const url = new URL(page.location.href);
  url.searchParams.set('room', room);
  page.history.replaceState(null, '', url);
  try {
    page.localStorage.setItem('lift-ws-chat-name', user);
  } catch {
    // Storage can be off (private mode); the name is only a convenience.
  }
  let first: DevTokenGrant | undefined;
  try {
    first = await fetchToken(user);
  } catch (error) {
    const failed = error instanceof DevTokenError ? error : undefined;
    showError(failed?.code ?? 'NETWORK', `could not get a dev token: ${(error as Error).message}`);
    if (failed?.permanent !== false) leaveRoom();
    return;
  }
  const client = createClient(chatContract, {
    url: first.wsUrl,
    // A fresh token for every (re)connect: the old one may have expired while we were away.
    token: async () => {
      const grant = first ?? (await fetchToken(user));
      first = undefined;
      return grant.token;
    },
    ...tuningFromUrl(),
  });
  session.client = client;
  watch(client);
  client.join(room);
}

function leaveRoom(): void {
  const client = session.client;
  session.client = undefined;
  if (client) {
    client.leave(session.room);
    client.close();
  }
  setStatus('offline', 'offline');
  showChat(false);
}

async function sendText(client: LiftWsClient<ChatContract>, text: string): Promise<void> {
  const item = addMessage({ from: session.user, text });
  item.dataset.state = 'pending';
  item.classList.add('pending');
  pending.push(item);
  try {
    const reply = await client.request('sendMessage', { room: session.room, text });
    markDelivered(item, reply.at);
  } catch (error) {
    const { code, message } = error as ClientError;
    showError(code, message);
    markRefused(item, code);
  }
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
  void joinRoom(user, room);
});

el.sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = el.text.value;
  const client = session.client;
  if (text.trim() === '' || !client) return;
  void sendText(client, text);
  el.text.value = '';
  el.text.focus();
});

el.leave.addEventListener('click', leaveRoom);

const params = new URLSearchParams(page.location.search);
const roomParam = params.get('room');
if (roomParam) el.room.value = roomParam;
try {
  el.name.value = params.get('name') ?? page.localStorage.getItem('lift-ws-chat-name') ?? '';
} catch {
  el.name.value = params.get('name') ?? '';
}
setStatus('offline', 'offline');
