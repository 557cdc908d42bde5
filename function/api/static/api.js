// The try-it page's calls to the API. Every URL is relative: behind API Gateway the page
// lives under its stage (/Prod/).

export const KEY_STORAGE = 'imgcls-api-key';

export class ApiError extends Error {
  constructor(status, code, message, requestId, hint) {
    super(message);
    Object.assign(this, { status, code, requestId, hint });
  }
}

export const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function keyedHeaders(extra = {}) {
  const key = sessionStorage.getItem(KEY_STORAGE);
  return key ? { ...extra, 'x-api-key': key } : extra;
}

// The service's error shape, API Gateway's own {"message"}, or at least the status line.
async function errorFrom(response) {
  const requestId = response.headers.get('x-request-id');
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch { /* not JSON: shown as text below */ }
  if (body && body.error && body.error.code) {
    const { code, message, request_id: id } = body.error;
    return new ApiError(response.status, code, message || '(no message)', id || requestId);
  }
  const message = (body && body.message) || text.slice(0, 300) || response.statusText;
  return new ApiError(response.status, `http_${response.status}`, message || 'No message.', requestId);
}

export async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw new ApiError(0, 'network_error', `The API could not be reached (${err.message}).`);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

// Past MaxImageBytes: a presigned POST straight to the bucket, then classify by key.
async function classifyLarge(file, limits, onStatus) {
  const type = file.type.startsWith('image/') ? file.type : 'image/jpeg';
  let grant;
  try {
    const response = await call(`uploads?content_type=${encodeURIComponent(type)}`, {
      method: 'POST', headers: keyedHeaders(),
    });
    grant = await response.json();
  } catch (err) {
    if (err.code === 's3_not_configured') {
      err.hint = `This image is ${megabytes(file.size)}; a request takes at most `
        + `${megabytes(limits.max_image_bytes)}, and this server has no S3 bucket for larger `
        + 'images. Pick a smaller image, or run the server with S3 (make run AWS=local).';
    }
    throw err;
  }
  if (file.size > grant.max_bytes) {
    throw new ApiError(413, 'payload_too_large',
      `This image is ${megabytes(file.size)}; uploads take at most ${megabytes(grant.max_bytes)}.`);
  }
  const form = new FormData();
  Object.entries(grant.upload.fields).forEach(([name, value]) => form.append(name, value));
  form.append('file', file);
  onStatus(`Uploading ${megabytes(file.size)} to storage…`);
  try {
    // The bucket's answer is unreadable without CORS rules for this origin; /classify below
    // says whether the object arrived.
    await fetch(grant.upload.url, { method: 'POST', body: form, mode: 'no-cors' });
  } catch (err) {
    throw new ApiError(0, 'upload_failed', `The upload to storage failed (${err.message}).`);
  }
  onStatus('Classifying…');
  return call('classify', {
    method: 'POST',
    headers: keyedHeaders({ 'content-type': 'application/json' }),
    body: JSON.stringify({ s3_key: grant.key }),
  });
}

// The response of POST /classify, the image sent the cheapest way that works.
export function classifyFile(file, limits, onStatus) {
  if (limits && file.size > limits.max_image_bytes) return classifyLarge(file, limits, onStatus);
  return call('classify', {
    method: 'POST',
    headers: keyedHeaders({ 'content-type': file.type || 'application/octet-stream' }),
    body: file,
  });
}
