// The example course page's side of the protocol (docs/EMBEDDING.md): it resizes the iframe,
// sends ops from its buttons, and shows what the lab answers.
const LAB = 'http://127.0.0.1:8080';
const NS = { source: 'highmem-lab', version: 1 };

const frame = document.getElementById('pkmap-frame');
const status = document.getElementById('pkmap-status');
let next = 1;

window.addEventListener('message', (e) => {
  if (e.origin !== LAB || e.source !== frame.contentWindow) return;
  const d = e.data;
  if (d?.subject === 'lti.frameResize') {
    frame.style.height = `${d.height}px`;
    return;
  }
  if (d?.source !== NS.source || d.version !== NS.version) return;
  if (d.type === 'ready') status.textContent = `Ready: Linux ${d.state.profile}.`;
  if (d.type === 'done' && d.request === 'run') status.textContent = `${d.result}${d.value ? ` → ${d.value}` : ''}`;
  if (d.type === 'error') status.textContent = `Refused: ${d.message}`;
});

for (const button of document.querySelectorAll('button[data-op]')) {
  button.addEventListener('click', () => {
    frame.contentWindow.postMessage({ ...NS, type: 'run', id: next++, op: button.dataset.op }, LAB);
  });
}
document.getElementById('reset').addEventListener('click', () => {
  frame.contentWindow.postMessage({ ...NS, type: 'reset', id: next++ }, LAB);
});

const slots = document.getElementById('slots');
const slotsStatus = document.getElementById('slots-status');
document.getElementById('local-unmap').addEventListener('click', () => {
  slots
    .run('kunmap_local A pfn=0x40001')
    .then((d) => (slotsStatus.textContent = `${d.result}: ${d.message || 'unmapped'}`))
    .catch((err) => (slotsStatus.textContent = `Refused: ${err.message}`));
});
