// Models from a URL: fetched with progress (bytes received of Content-Length) and kept in
// IndexedDB, so a second visit loads them without the network.
const DB = 'wasm-vae-demo', STORE = 'models';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transaction(mode, run) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const request = run(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

/** The model file's bytes: from IndexedDB if cached, else fetched (onProgress(received, total or 0)) and cached. */
export async function fetchModel(url, onProgress) {
  const cached = await transaction('readonly', (store) => store.get(url)).catch(() => undefined);
  if (cached) return { bytes: new Uint8Array(cached), source: 'cache' };
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length')) || 0, chunks = [];
  let received = 0;
  for (const reader = response.body.getReader(); ;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value); received += value.length;
    onProgress(received, total);
  }
  const bytes = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  await transaction('readwrite', (store) => store.put(bytes.buffer, url)).catch(() => undefined); // a full or private store: still loads
  return { bytes, source: 'network' };
}

/** Forgets every cached model. */
export function clearModels() {
  return transaction('readwrite', (store) => store.clear());
}
