// Registers the service worker that keeps the site working offline (sw.js, which cargo xtask
// writes into dist/ after each Trunk build; see web/pwa/sw.template.js). A classic script, so
// that it runs (and does nothing) where module scripts do not load either.
//
// Where there are no service workers — a file:// page, an insecure origin, a browser or
// policy that turns them off — the site simply works online only.
(function registerServiceWorker() {
  if (!navigator.serviceWorker || !window.isSecureContext || !/^https?:$/.test(location.protocol)) {
    return;
  }
  const register = () => {
    // Relative to the page, so the site works from any sub-path; updateViaCache 'none' makes
    // the browser look for a new build on every visit, past any HTTP cache.
    navigator.serviceWorker
      .register('sw.js', { scope: './', updateViaCache: 'none' })
      .catch((error) => console.warn('Highmem Lab will not work offline:', error));
  };
  // After the page has loaded, so that precaching never competes with the first render.
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
})();
