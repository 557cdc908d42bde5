// The try-it page: one image in, the model's top classes out. Plain JavaScript, no build step.
import {
  ApiError, KEY_STORAGE, call, classifyFile, megabytes,
} from './api.js';

const $ = (id) => document.getElementById(id);
let limits = null; // GET /health's limits, once read
let lastFile = null; // sent again after the user gives an API key

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
    const response = await classifyFile(file, limits, (text) => { $('status').textContent = text; });
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

function start() {
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
}

start(); // a module script runs once the document is parsed
