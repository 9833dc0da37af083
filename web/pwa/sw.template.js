// Highmem Lab's service worker: the whole site, precached, so that it works offline.
//
// This is a template. After every Trunk build, cargo xtask (xtask/src/pwa.rs) writes
// dist/sw.js from it, replacing the two marked values below: PRECACHE becomes every file of
// that build with its SHA-256 (as a Subresource Integrity string), and VERSION a hash of them
// all. Any change to any file therefore makes a new sw.js, which the browser notices on the
// next visit, and a new cache.
//
// - install: the new build's files are fetched into a new cache, all of them or none (a file
//   that is missing, or not the one this build listed, fails the install and the old worker
//   stays in charge); only then does the new worker take over.
// - activate: the caches of older builds of this copy of the site are deleted.
// - fetch: same-origin GETs in scope are answered from the cache first; a page (navigation)
//   that is not a precached file gets the cached index.html (the chapters are #/… routes).
//   Other origins are never touched.
//
// Every URL is relative to this script, so the site works from any sub-path.

'use strict';

const VERSION = /* VERSION */ 'template';
const PRECACHE = /* PRECACHE */ [];

// Caches belong to the origin, and two copies of the site may share one (at two sub-paths):
// the scope in the name keeps each copy to its own caches.
const PREFIX = 'highmem-lab-';
const SCOPE = self.registration.scope;
const CACHE = `${PREFIX}${VERSION} ${SCOPE}`;
const isOlderCache = (name) => name.startsWith(PREFIX) && name.endsWith(` ${SCOPE}`) && name !== CACHE;

const here = (path) => new URL(path, self.location.href).href;
const INDEX = here('index.html');

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
});

async function precache() {
  const cache = await caches.open(CACHE);
  try {
    // `no-cache`: revalidate with the server rather than trust an HTTP cache; `integrity`:
    // refuse a file whose bytes are not the ones this build listed.
    await cache.addAll(
      PRECACHE.map(({ url, integrity }) => new Request(here(url), { cache: 'no-cache', integrity })),
    );
  } catch (error) {
    await caches.delete(CACHE);
    throw error;
  }
  // The new build is complete: take over from the old one now rather than when every tab
  // of it has closed. Open tabs keep running the build they loaded (all of it is in memory),
  // and get the new one when they next load.
  await self.skipWaiting();
}

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter(isOlderCache).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || !request.url.startsWith(SCOPE)) {
    return; // another origin, or not this site: the browser handles it as if we were not here
  }
  event.respondWith(respond(request));
});

async function respond(request) {
  const cache = await caches.open(CACHE);
  if (request.mode === 'navigate') {
    const page = (await cache.match(request, { ignoreSearch: true })) ?? (await cache.match(INDEX));
    if (page) return page;
  } else {
    const file = await cache.match(request);
    if (file) return file;
  }
  // Not precached (or the browser evicted the cache): the network, as without a worker.
  return fetch(request);
}
