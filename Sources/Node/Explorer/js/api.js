// The node's public HTTP API (docs/api.md), read-only. Same origin as the page, so a node
// serving the explorer answers its own API; every answer is treated as hostile input.

const MAX_ANSWER_BYTES = 8 << 20;

export class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

export async function getJSON(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (e) {
    throw new APIError(0, 'unreachable', `node unreachable: ${e.message}`);
  }
  const text = await response.text();
  if (text.length > MAX_ANSWER_BYTES) {
    throw new APIError(response.status, 'too_large', 'answer too large');
  }
  let body;
  try { body = JSON.parse(text); } catch (_) {
    throw new APIError(response.status, 'not_json', `answer to ${path} is not JSON`);
  }
  if (!response.ok) {
    const error = body && body.error ? body.error : {};
    throw new APIError(response.status, String(error.code || 'error'),
      String(error.message || `HTTP ${response.status}`));
  }
  if (body === null || typeof body !== 'object') {
    throw new APIError(200, 'not_object', 'not an object');
  }
  return body;
}

export async function getText(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new APIError(response.status, 'error', `HTTP ${response.status}`);
  return (await response.text()).slice(0, MAX_ANSWER_BYTES);
}

export const enc = encodeURIComponent;
