import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from 'lift-ws';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startChatDevServer, type ChatDevServer } from '../../samples/chat/src/dev-server';

// The chat page in a real browser against the local gateway: two people in one room, each sees
// what the other writes. Needs Debian's Chromium (`apt-get install chromium`).

// The SDK warns once per process about Node 20; the warning is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(__dirname, '../../test-results/chat.png');
const ROOM = 'browser-test';

describe('the chat page in Chromium', () => {
  let server: ChatDevServer;
  let profileDir: string;
  let browser: BrowserContext;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    }
    server = await startChatDevServer({
      port: 0,
      host: '127.0.0.1',
      logger: createLogger({ level: 'error' }),
    });
    profileDir = await mkdtemp(join(tmpdir(), 'lift-ws-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
      viewport: { width: 960, height: 720 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
    await server?.close();
  });

  async function openAs(name: string, on: ChatDevServer = server, query = ''): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${name}: ${message.text()}`);
    });
    await page.goto(`${on.url}${query}`);
    await page.getByTestId('name').fill(name);
    await page.getByTestId('room').fill(ROOM);
    await page.getByTestId('join').click();
    // "open" once the server confirmed the join: the socket is up and the room holds us.
    await page.locator('[data-testid="status"][data-state="open"]').waitFor();
    return page;
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.getByTestId('text').fill(text);
    await page.getByTestId('send').click();
  }

  function messageFrom(page: Page, from: string, text: string) {
    return page.locator(`[data-testid="message"][data-from="${from}"]`, { hasText: text });
  }

  it('lets two people in one room see each other’s messages', async () => {
    const alice = await openAs('alice');
    const bob = await openAs('bob');
    await alice.getByTestId('system').filter({ hasText: 'bob joined' }).waitFor();
    await expect(alice.getByTestId('room-title').textContent()).resolves.toBe(`#${ROOM}`);

    await say(alice, 'Hi Bob! This message went through API Gateway, locally.');
    await messageFrom(bob, 'alice', 'Hi Bob!').waitFor();
    await say(bob, 'Hello Alice, got it.');
    await messageFrom(alice, 'bob', 'Hello Alice').waitFor();
    // Each also sees their own message, as it came back from the room fan-out.
    await messageFrom(alice, 'alice', 'Hi Bob!').waitFor();
    await messageFrom(bob, 'bob', 'Hello Alice').waitFor();

    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await alice.screenshot({ path: SCREENSHOT });
    expect(pageErrors).toEqual([]);
  });

  it('reconnects and rejoins the room when the server drops the connection', async () => {
    const dave = await openAs('dave');
    const erin = await openAs('erin');
    const connection = dave.getByTestId('connection');
    await connection.and(dave.locator('[data-connection-id]')).waitFor();
    const firstId = await connection.getAttribute('data-connection-id');

    // DeleteConnection, as a backend (or API Gateway's 2 h limit) would close it.
    const response = await fetch(
      `${server.managementEndpoint}/@connections/${encodeURIComponent(firstId!)}`,
      { method: 'DELETE' },
    );
    expect(response.status).toBe(204);
    await dave.getByTestId('system').filter({ hasText: 'Disconnected' }).waitFor();
    await dave.locator('[data-testid="status"][data-state="open"]').waitFor();
    await dave.locator(`[data-connection-id]:not([data-connection-id="${firstId}"])`).waitFor();

    await say(erin, 'Welcome back, Dave');
    await messageFrom(dave, 'erin', 'Welcome back').waitFor();
  });

  it('shows the error envelope the server sends', async () => {
    const carol = await openAs('carol');
    // The page only sends valid input; a hand-made frame shows how errors are surfaced.
    await carol.evaluate("document.getElementById('text').removeAttribute('maxlength')");
    await carol.getByTestId('text').fill('x'.repeat(2001));
    await carol.getByTestId('send').click();
    const error = carol.locator('[data-testid="error"][data-code="BAD_REQUEST"]');
    await error.waitFor();
    await expect(error.textContent()).resolves.toContain('longer than 2000');
    await carol.screenshot({ path: resolve(SCREENSHOT, '../chat-error.png') });
  });

  async function sayTooLong(page: Page, text = 'y'.repeat(2001)): Promise<void> {
    // The page caps its input; a longer text shows what the server's refusal looks like.
    await page.evaluate("document.getElementById('text').removeAttribute('maxlength')");
    await say(page, text);
  }

  it('marks a refused message in the list; repeated errors count up and can be dismissed', async () => {
    const frank = await openAs('frank');
    await say(frank, 'this one goes through');
    await frank
      .locator('[data-testid="message"][data-state="delivered"]', {
        hasText: 'this one goes through',
      })
      .waitFor();
    const refused = frank.locator('[data-testid="message"][data-state="refused"]');
    for (let sent = 1; sent <= 4; sent += 1) {
      await sayTooLong(frank);
      await refused.nth(sent - 1).waitFor();
    }
    await expect(refused.first().getByTestId('message-note').textContent()).resolves.toBe(
      'not delivered (BAD_REQUEST)',
    );
    const errors = frank.getByTestId('error');
    await expect(errors.count()).resolves.toBe(1);
    await expect(errors.first().textContent()).resolves.toContain('×4');
    await frank.getByTestId('error-dismiss').click();
    await errors.first().waitFor({ state: 'detached' });
    expect(pageErrors).toEqual([]);
  });

  it.each([
    [960, 720],
    [390, 844],
  ])('at %ix%i the error area leaves the composer visible and uncovered', async (width, height) => {
    const page = await openAs(`grace${width}`);
    await page.setViewportSize({ width, height });
    await sayTooLong(page);
    await page.getByTestId('error').waitFor();
    const errors = await page.getByTestId('errors').boundingBox();
    const composer = await page.locator('#send-form').boundingBox();
    if (!errors || !composer) throw new Error('error area or composer not rendered');
    const overlaps =
      errors.x < composer.x + composer.width &&
      composer.x < errors.x + errors.width &&
      errors.y < composer.y + composer.height &&
      composer.y < errors.y + errors.height;
    expect(overlaps).toBe(false);
    expect(composer.y + composer.height).toBeLessThanOrEqual(height);
    await page.screenshot({ path: resolve(SCREENSHOT, `../chat-error-${width}.png`) });
  });

  it('clears stale errors once the page is connected again', async () => {
    const heidi = await openAs('heidi');
    await sayTooLong(heidi);
    await heidi.getByTestId('error').waitFor();
    const connection = heidi.getByTestId('connection');
    await connection.and(heidi.locator('[data-connection-id]')).waitFor();
    const firstId = await connection.getAttribute('data-connection-id');
    const response = await fetch(
      `${server.managementEndpoint}/@connections/${encodeURIComponent(firstId!)}`,
      { method: 'DELETE' },
    );
    expect(response.status).toBe(204);
    await heidi.locator(`[data-connection-id]:not([data-connection-id="${firstId}"])`).waitFor();
    await heidi.locator('[data-testid="status"][data-state="open"]').waitFor();
    await expect(heidi.getByTestId('error').count()).resolves.toBe(0);
  });

  it('request/reply: each message is marked by its own reply, a refusal in the middle included', async () => {
    const kim = await openAs('kim');
    await kim.evaluate("document.getElementById('text').removeAttribute('maxlength')");
    // Sent back to back: the refusal must land on the middle one, not on the newest pending.
    await say(kim, 'first of three');
    await say(kim, 'z'.repeat(2001));
    await say(kim, 'third of three');
    const delivered = kim.locator('[data-testid="message"][data-state="delivered"]');
    await delivered.filter({ hasText: 'first of three' }).waitFor();
    await delivered.filter({ hasText: 'third of three' }).waitFor();
    const refused = kim.locator('[data-testid="message"][data-state="refused"]');
    await refused.waitFor();
    await expect(refused.count()).resolves.toBe(1);
    await expect(refused.getByTestId('message-text').textContent()).resolves.toBe('z'.repeat(2001));
    expect(pageErrors).toEqual([]);
  });

  it('recovers from a server restart on the same port and re-joins the room', async () => {
    const logger = createLogger({ level: 'error' });
    let own = await startChatDevServer({ port: 0, host: '127.0.0.1', logger });
    try {
      const port = Number(new URL(own.url).port);
      const liam = await openAs('liam', own);
      await own.close();
      await liam.locator('[data-testid="status"][data-state="reconnecting"]').waitFor();
      // A new gateway with empty memory: nothing of the old connection or its room survives.
      own = await startChatDevServer({ port, host: '127.0.0.1', logger });
      await liam.locator('[data-testid="status"][data-state="open"]').waitFor();
      const mia = await openAs('mia', own);
      await say(mia, 'are you back, Liam?');
      await messageFrom(liam, 'mia', 'are you back').waitFor();
      await say(liam, 'back and in the room');
      await messageFrom(mia, 'liam', 'back and in the room').waitFor();
      await liam.close();
      await mia.close();
      // Chromium logs each refused reconnect while the port was closed; nothing else is allowed.
      const unexpected = pageErrors.filter(
        // While the server is down the reconnects and the token fetches before them are refused.
        (line) =>
          !/^liam: WebSocket connection to .* failed/.test(line) &&
          !/^liam: Failed to load resource: net::ERR_CONNECTION_REFUSED$/.test(line),
      );
      expect(unexpected).toEqual([]);
      pageErrors.length = 0;
    } finally {
      await own.close();
    }
  });

  it('rotates its connection early (?rotateAfterMs) without losing or repeating a message', async () => {
    const senders = await Promise.all(['nia', 'omar', 'pia', 'quinn'].map((name) => openAs(name)));
    const rotating = await openAs('ruth', server, '?rotateAfterMs=1500');
    const joinedLines = rotating.getByTestId('system').filter({ hasText: 'You joined' });
    const sent: string[] = [];
    // Until the second rotation's join: the first switch, its drain and its close are behind.
    for (let i = 0; (await joinedLines.count()) < 3; i += 1) {
      if (i >= 200) throw new Error('no second rotation after 200 messages');
      const text = `rotation message ${i}`;
      await say(senders[i % senders.length], text);
      await rotating
        .getByTestId('message-text')
        .filter({ hasText: new RegExp(`^${text}$`) })
        .waitFor();
      sent.push(text);
    }
    const received = await rotating
      .locator('[data-testid="message"]:not(.own) [data-testid="message-text"]')
      .allTextContents();
    const fromSenders = received.filter((text) => text.startsWith('rotation message '));
    expect(fromSenders).toEqual(sent);
    // The switch was seamless: the page never showed a lost connection.
    await expect(
      rotating.getByTestId('system').filter({ hasText: 'Disconnected' }).count(),
    ).resolves.toBe(0);
    await expect(
      rotating.locator('[data-testid="message"][data-state="refused"]').count(),
    ).resolves.toBe(0);
    for (const page of [...senders, rotating]) await page.close();
    expect(pageErrors).toEqual([]);
  });
});
