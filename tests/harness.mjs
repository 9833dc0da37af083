// Shared helpers for the end-to-end tests of the built Highmem Lab site.
//
//   import { serveDist, launchBrowser, newPage, runHmsim, runXtask } from '../harness.mjs';
//
// Everything runs locally: the site is served on 127.0.0.1 by a small Node server started
// and stopped by the test itself, Chromium is the system one (/usr/bin/chromium, never
// downloaded), and every request that would leave 127.0.0.1 is aborted and recorded.
//
// Environment:
//   DIST_DIR       the built site (default: ../dist, relative to this file)
//   CHROMIUM_PATH  the Chromium executable (default: /usr/bin/chromium)
//   HMSIM          the hmsim binary (default: ../target/debug/hmsim)
//   XTASK          the xtask binary (cargo xtask test sets it; default: cargo run -p xtask)
//   OUTPUT_DIR     where tests may write screenshots and other artefacts (default: ./output)

import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const DIST_DIR = path.resolve(process.env.DIST_DIR ?? path.join(HERE, '..', 'dist'));
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HMSIM = path.resolve(process.env.HMSIM ?? path.join(HERE, '..', 'target', 'debug', 'hmsim'));
export const XTASK = process.env.XTASK ? path.resolve(process.env.XTASK) : undefined;
export const OUTPUT_DIR = path.resolve(process.env.OUTPUT_DIR ?? path.join(HERE, 'output'));

export const CHROMIUM_ARGS = [
  '--no-sandbox', // we run as root in CI; Chromium refuses to start sandboxed as root
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The Content-Type for a file name. */
export function mimeType(file) {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Serve `root` (default DIST_DIR) on 127.0.0.1 with an ephemeral port.
 * Returns { url, port, close() }; `url` ends with '/'.
 * Options: { port } to listen on that port instead (e.g. to serve another build at the same
 * origin after closing the first server); { headers } added to every response (e.g. the
 * Content-Security-Policy that `cargo xtask serve` sends).
 */
export async function serveDist(root = DIST_DIR, { port: listenPort = 0, headers = {} } = {}) {
  root = path.resolve(root);
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) {
    throw new Error(`serveDist: ${root} is not a directory; build the site first (cargo xtask test does)`);
  }

  const server = http.createServer(async (req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const send = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');

    let rel;
    let requested;
    try {
      requested = new URL(req.url, 'http://127.0.0.1');
      rel = decodeURIComponent(requested.pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (rel.includes('\0')) return send(400, 'bad request\n');
    let file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
    if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'forbidden\n');

    let st = await stat(file).catch(() => null);
    if (st?.isDirectory()) {
      if (!requested.pathname.endsWith('/')) {
        // Redirect so that relative URLs resolve inside the directory.
        res.writeHead(301, { Location: `${requested.pathname}/${requested.search}`, 'Cache-Control': 'no-cache' });
        return res.end();
      }
      file = path.join(file, 'index.html');
      st = await stat(file).catch(() => null);
    }
    if (!st?.isFile()) return send(404, 'not found\n');

    res.writeHead(200, {
      'Content-Type': mimeType(file),
      'Content-Length': st.size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Launch the system Chromium, headless, through playwright-core (never `playwright install`). */
export async function launchBrowser(options = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

/** True when `url` may be fetched by the page: loopback (127.0.0.1) or local schemes. */
export function isAllowedUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (['data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  return u.hostname === '127.0.0.1';
}

/**
 * A fresh browser context and page that record what went wrong:
 *   consoleErrors     console.error messages (text and location)
 *   pageErrors        uncaught exceptions
 *   blockedRequests   URLs of requests that tried to leave 127.0.0.1 (aborted)
 *   failedRequests    loopback requests that failed at the network level (URL and error);
 *                     HTTP error statuses show up as console errors instead
 * `problems()` returns all of the above as one list of strings (empty when all is well).
 * `options` are passed to browser.newContext (e.g. { viewport: { width: 320, height: 800 } }).
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const consoleErrors = [];
  const pageErrors = [];
  const blockedRequests = [];
  const failedRequests = [];
  const block = (url) => {
    if (!blockedRequests.includes(url)) blockedRequests.push(url);
  };

  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isAllowedUrl(url)) return route.continue();
    block(url);
    return route.abort('blockedbyclient');
  });
  // Belt and braces: anything that reaches the network layer without passing the route
  // (e.g. from a worker) is still recorded.
  context.on('request', (request) => {
    const url = request.url();
    if (!isAllowedUrl(url)) block(url);
  });
  const pageError = (err) => {
    const text = String(err?.stack ?? err);
    if (!pageErrors.includes(text)) pageErrors.push(text);
  };
  context.on('weberror', (webError) => pageError(webError.error()));

  const page = await context.newPage();
  // The site's Content-Security-Policy refuses inline scripts, and so Playwright's
  // addScriptTag({ path }) or ({ content }), which inserts one (the accessibility tests bring
  // in axe-core that way). Such test tooling is evaluated through the DevTools protocol
  // instead, which the policy does not govern; it resolves to null rather than to the
  // <script> element. With { url } (a same-origin file is allowed) it is Playwright's own.
  const addScriptTag = page.addScriptTag.bind(page);
  page.addScriptTag = async (options = {}) => {
    if (options.url !== undefined || options.type === 'module') return addScriptTag(options);
    const source = options.content ?? (await readFile(options.path, 'utf8'));
    const name = options.path ?? 'test-tooling.js';
    await page.evaluate(`${source}\n;void 0;\n//# sourceURL=${name}`);
    return null;
  };
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      consoleErrors.push(loc?.url ? `${msg.text()} (${loc.url}:${loc.lineNumber})` : msg.text());
    }
  });
  page.on('pageerror', pageError);
  page.on('requestfailed', (request) => {
    if (!isAllowedUrl(request.url())) return; // already in blockedRequests
    failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`);
  });

  return {
    page,
    context,
    consoleErrors,
    pageErrors,
    blockedRequests,
    failedRequests,
    problems: () => [
      ...consoleErrors.map((e) => `console error: ${e}`),
      ...pageErrors.map((e) => `page error: ${e}`),
      ...blockedRequests.map((u) => `request left 127.0.0.1: ${u}`),
      ...failedRequests.map((r) => `request failed: ${r}`),
    ],
    close: () => context.close(),
  };
}

/**
 * Wait until the Trunk-built app has started: Trunk's loader sets `window.wasmBindings`
 * once the wasm module is instantiated and its `main` has run.
 */
export async function waitForApp(page, { timeout = 30_000 } = {}) {
  await page.waitForFunction(() => window.wasmBindings !== undefined, null, { timeout });
}

/**
 * Run hmsim with `args` (an array). Options: { input } written to stdin, { cwd }.
 * Resolves to { code, stdout, stderr }; never rejects for a non-zero exit.
 */
export function runHmsim(args, { input, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(HMSIM, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', (err) =>
      reject(new Error(`cannot run ${HMSIM}: ${err.message} (build it: cargo build -p highmem-engine)`)),
    );
    child.on('close', (code, signal) => resolve({ code: code ?? `signal ${signal}`, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * Run `cargo xtask` with `args` (an array), e.g. ['sw', dir] to write dir/sw.js the way the
 * build does. Uses the XTASK binary when set (cargo xtask test sets it), else `cargo run`.
 * Resolves to { code, stdout, stderr }; never rejects for a non-zero exit.
 */
export function runXtask(args, { cwd = path.join(HERE, '..') } = {}) {
  const [program, ...pre] = XTASK ? [XTASK] : ['cargo', 'run', '--quiet', '--package', 'xtask', '--'];
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...pre, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', (err) => reject(new Error(`cannot run ${program}: ${err.message}`)));
    child.on('close', (code, signal) => resolve({ code: code ?? `signal ${signal}`, stdout, stderr }));
  });
}

/** A path under OUTPUT_DIR for an artefact (screenshots etc.), creating the directory. */
export async function outputPath(name) {
  await mkdir(OUTPUT_DIR, { recursive: true });
  return path.join(OUTPUT_DIR, name);
}
