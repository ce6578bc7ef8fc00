/**
 * Debian's Chromium, headless, driven over the Chrome DevTools Protocol on a pipe
 * (`--remote-debugging-pipe`: commands in on fd 3, answers out on fd 4, each message a
 * NUL-terminated JSON object). A pipe needs no WebSocket client and no npm package, so the
 * repository carries no browser dependency; CI, which has no Chromium, never loads this.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export class ChromiumMissing extends Error {}

export interface Page {
  goto(url: string): Promise<void>;
  /** Evaluates `expression` in the page and returns its (JSON) value. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Polls `expression` until it is truthy; fails with `what` after `timeoutMs`. */
  waitFor(expression: string, what: string, timeoutMs?: number): Promise<void>;
  /** Clicks the first visible element matching `selector`; throws if there is none. */
  click(selector: string): Promise<void>;
  /** Types `text` into the focused element, as a keyboard would (the page sees input events). */
  type(text: string): Promise<void>;
  /** Resizes the window (CSS pixels); the page lays itself out again. */
  setViewport(width: number, height: number): Promise<void>;
  /** A PNG of the window. */
  screenshot(file: string): Promise<void>;
}

export interface Browser {
  page: Page;
  close(): Promise<void>;
}

/** `CHROMIUM` if set, else the first of Debian's and Google's names on PATH. */
export function findChromium(): string {
  const candidates = process.env.CHROMIUM ? [process.env.CHROMIUM] : ['chromium', 'chromium-browser', 'google-chrome'];
  for (const candidate of candidates) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new ChromiumMissing(
    `no Chromium found (tried ${candidates.join(', ')}). Install Debian's: \`apt-get install -y chromium\` as root ` +
      '(or with sudo), or point CHROMIUM at a Chrome or Chromium binary.',
  );
}

export async function launchChromium(options: { width: number; height: number }): Promise<Browser> {
  const binary = findChromium();
  const profile = mkdtempSync(join(tmpdir(), 'cellbridge-chromium-'));
  const child: ChildProcess = spawn(
    binary,
    [
      '--headless=new', '--remote-debugging-pipe', `--user-data-dir=${profile}`, `--window-size=${options.width},${options.height}`,
      '--no-first-run', '--no-default-browser-check', '--disable-gpu', '--hide-scrollbars',
      // Chromium will not start its sandbox as root (containers, CI images).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const cdp = new Cdp(child.stdio[3] as Writable, child.stdio[4] as Readable, () => stderr.join('').slice(-2000));
  child.once('exit', (code, signal) => cdp.closed(`chromium exited (${code ?? signal})`));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await cdp.send('Browser.close').catch(() => child.kill('SIGKILL'));
      await exited;
    }
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const { targetId } = await cdp.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new CdpPage(cdp, sessionId);
    await cdp.send('Page.enable', {}, sessionId);
    await page.setViewport(options.width, options.height);
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One CDP connection: numbered requests, answers matched by id, events by method. */
class Cdp {
  private nextId = 1;
  private buffer = '';
  private pending = new Map<number, { resolve(value: any): void; reject(error: Error): void; method: string }>();
  private listeners = new Map<string, Set<(params: any) => void>>();
  private gone: string | undefined;

  constructor(private readonly input: Writable, output: Readable, private readonly diagnostics: () => string) {
    output.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        this.dispatch(message);
      }
    });
  }

  send<T = any>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    if (this.gone) return Promise.reject(new Error(`${method}: ${this.gone}\n${this.diagnostics()}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  once(method: string, sessionId: string): Promise<any> {
    return new Promise((resolve) => {
      const set = this.listeners.get(method) ?? new Set();
      const listener = (params: any) => {
        if (params.sessionId !== sessionId) return;
        set.delete(listener);
        resolve(params);
      };
      set.add(listener);
      this.listeners.set(method, set);
    });
  }

  closed(reason: string): void {
    this.gone = reason;
    for (const { reject, method } of this.pending.values()) reject(new Error(`${method}: ${reason}\n${this.diagnostics()}`));
    this.pending.clear();
  }

  private dispatch(message: { id?: number; method?: string; params?: any; result?: any; error?: { message: string }; sessionId?: string }): void {
    if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${waiter.method}: ${message.error.message}`));
      else waiter?.resolve(message.result);
      return;
    }
    for (const listener of this.listeners.get(message.method ?? '') ?? []) listener({ ...message.params, sessionId: message.sessionId });
  }
}

class CdpPage implements Page {
  constructor(private readonly cdp: Cdp, private readonly session: string) {}

  async goto(url: string): Promise<void> {
    const loaded = this.cdp.once('Page.loadEventFired', this.session);
    const { errorText } = await this.cdp.send<{ errorText?: string }>('Page.navigate', { url }, this.session);
    if (errorText) throw new Error(`could not open ${url}: ${errorText}`);
    await loaded;
  }

  async evaluate<T = unknown>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.cdp.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.session);
    if (exceptionDetails) throw new Error(`page script failed: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value as T;
  }

  async waitFor(expression: string, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > deadline) throw new Error(`the page did not show ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async click(selector: string): Promise<void> {
    const found = await this.evaluate<boolean>(
      `(() => { const e = [...document.querySelectorAll(${JSON.stringify(selector)})].find((e) => e.offsetParent !== null); e?.click(); return Boolean(e); })()`,
    );
    if (!found) throw new Error(`nothing visible on the page matches ${selector}`);
  }

  async type(text: string): Promise<void> {
    await this.cdp.send('Input.insertText', { text }, this.session);
  }

  async setViewport(width: number, height: number): Promise<void> {
    await this.cdp.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, this.session);
  }

  async screenshot(file: string): Promise<void> {
    // The window as it is, not captureBeyondViewport: that re-lays the page out for the shot,
    // and the Web UI's timeline redraws its rows without their (decoded) summaries meanwhile.
    const { data } = await this.cdp.send<{ data: string }>('Page.captureScreenshot', { format: 'png' }, this.session);
    writeFileSync(file, Buffer.from(data, 'base64'));
  }
}
