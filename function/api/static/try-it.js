// The try-it page: one image in, the model's top classes out. Plain JavaScript, no build step.
// Every URL is relative: behind API Gateway the page lives under its stage (/Prod/).
'use strict';

const KEY_STORAGE = 'imgcls-api-key';
const $ = (id) => document.getElementById(id);
let limits = null; // GET /health's limits, once read
let lastFile = null; // retried after the user gives an API key

class ApiError extends Error {
  constructor(status, code, message, requestId, hint) {
    super(message);
    Object.assign(this, { status, code, requestId, hint });
  }
}

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

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

async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw new ApiError(0, 'network_error', `The API could not be reached (${err.message}).`);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

function showError(err) {
  const known = err instanceof ApiError;
  $('error-code').textContent = known ? `${err.code}${err.status ? ` (HTTP ${err.status})` : ''}:` : 'error:';
  $('error-message').textContent = err.message || String(err);
  $('error-hint').textContent = (known && err.hint) || '';
  $('error-request').textContent = known && err.requestId ? `Request ID ${err.requestId}` : '';
  $('error').hidden = false;
  if (known && err.status === 403) $('key-form').hidden = false; // the API wants a key
}

function showWarning(text) {
  if (!text) return;
  $('warning-text').textContent = text;
  $('warning').hidden = false;
}

function showPredictions(result, cache, milliseconds) {
  const list = $('predictions');
  list.replaceChildren(...result.predictions.map((prediction) => {
    const percent = prediction.probability * 100;
    const item = document.createElement('li');
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = prediction.class;
    const value = document.createElement('span');
    value.className = 'percent';
    value.textContent = `${percent.toFixed(1)}%`;
    const bar = document.createElement('span');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = `${Math.max(percent, 0.5)}%`; // CSSOM, which the CSP allows
    bar.append(fill);
    item.append(label, value, bar);
    return item;
  }));
  $('timing').textContent = `${Math.round(milliseconds)} ms round trip · cache ${cache || 'not used'}`;
  $('status').textContent = `Top ${result.predictions.length} of ${result.model.name}`;
  if (!result.production_ready) showWarning(result.warning);
}

// Past MaxImageBytes: a presigned POST straight to the bucket, then classify by key.
async function classifyLarge(file) {
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
  $('status').textContent = `Uploading ${megabytes(file.size)} to storage…`;
  try {
    // The bucket's answer is unreadable without CORS rules for this origin; /classify below
    // says whether the object arrived.
    await fetch(grant.upload.url, { method: 'POST', body: form, mode: 'no-cors' });
  } catch (err) {
    throw new ApiError(0, 'upload_failed', `The upload to storage failed (${err.message}).`);
  }
  $('status').textContent = 'Classifying…';
  return call('classify', {
    method: 'POST',
    headers: keyedHeaders({ 'content-type': 'application/json' }),
    body: JSON.stringify({ s3_key: grant.key }),
  });
}

async function classify(file) {
  lastFile = file;
  $('error').hidden = true;
  $('result').hidden = false;
  $('predictions').replaceChildren();
  $('timing').textContent = '';
  $('status').textContent = 'Classifying…';
  const preview = $('preview');
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  const started = performance.now();
  try {
    const response = limits && file.size > limits.max_image_bytes
      ? await classifyLarge(file)
      : await call('classify', {
        method: 'POST',
        headers: keyedHeaders({ 'content-type': file.type || 'application/octet-stream' }),
        body: file,
      });
    const result = await response.json();
    showPredictions(result, response.headers.get('x-cache'), performance.now() - started);
  } catch (err) {
    $('status').textContent = '';
    showError(err);
  }
}

function addCardRow(term, detail) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = detail;
  $('card').append(dt, dd);
}

function showModelCard(health) {
  limits = health.limits;
  $('model-line').textContent = `${health.model.name} ${health.model.version}`
    + ` · ${health.architecture}, ${health.num_classes} classes`;
  addCardRow('Architecture', health.architecture);
  addCardRow('Classes', `${health.num_classes} (${health.labels_source || 'labels unknown'})`);
  addCardRow('Weights', `${health.weights_source || health.weights}`);
  const evaluation = health.evaluation;
  addCardRow('Evaluation', evaluation
    ? `${evaluation.images} images, ${evaluation.classes} classes: top-1 ${evaluation.int8.top1}% `
      + `(fp32 ${evaluation.fp32.top1}%), top-5 ${evaluation.int8.top5}% `
      + `(fp32 ${evaluation.fp32.top5}%); int8 agrees with fp32 on ${evaluation.top1_agreement}%`
    : 'none: the model was built without an evaluation set');
  addCardRow('Quantization', `int8 (${health.quantization_backend})`);
  addCardRow('Formats', health.limits.allowed_formats.join(', '));
  $('limits').textContent = `Up to ${megabytes(health.limits.max_image_bytes)} per request; `
    + 'larger images go through S3 when the server has a bucket.';
  if (!health.production_ready) showWarning(health.warning || 'This model is not fit for production.');
}

async function loadModelCard() {
  try {
    showModelCard(await (await call('health')).json());
  } catch (err) {
    $('model-line').textContent = 'The model card could not be read.';
    showError(err);
  }
}

function pick(files) {
  if (files && files.length) classify(files[0]);
}

document.addEventListener('DOMContentLoaded', () => {
  $('pick').addEventListener('change', (event) => pick(event.target.files));
  $('camera').addEventListener('change', (event) => pick(event.target.files));
  const drop = $('drop');
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    pick(event.dataTransfer.files);
  });
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $('api-key').value.trim());
    $('key-form').hidden = true;
    if (lastFile) classify(lastFile);
  });
  loadModelCard();
});
