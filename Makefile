# Two commands matter: `make run` serves the API locally, `make test` runs every check.
# Both create the virtualenvs they need from the pinned requirements files.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .venv-tools
CHECKOV := .venv-checkov
DOCS_VENV := .venv-docs
MODEL_DIR ?= model
PORT ?= 8000
HOST ?= 127.0.0.1
QUANT_BACKEND ?=
# AWS=local: S3 and DynamoDB from moto's server on localhost (scripts/local_aws.py).
AWS ?=
CALIBRATION_DIR ?=
# Your own model (README "Deploy your own model"): ARCH=resnet18|resnet34|resnet50, LABELS=file,
# EVAL_DIR=folder per label, MAX_ACCURACY_DROP=top-1 points; RESIZE, CROP, MEAN=r,g,b, STD=r,g,b.
# Names this generic are often set in shells (ARCH=x86_64): only the command line counts.
CUSTOM_MODEL_VARS := ARCH LABELS EVAL_DIR MAX_ACCURACY_DROP RESIZE CROP MEAN STD
$(foreach var,$(CUSTOM_MODEL_VARS),$(if $(filter environment,$(origin $(var))),$(eval undefine $(var))))
ARCH ?= resnet18
MAX_ACCURACY_DROP ?= 2
# torchscript (default; torch in the image) or onnx (ONNX Runtime int8; no torch in the image)
FORMAT ?= torchscript

# WEIGHTS: imagenet (default, downloads), random (offline, NOT for production), or a path.
ifeq ($(origin WEIGHTS),undefined)
WEIGHTS := imagenet
WEIGHTS_EXPLICIT :=
else
WEIGHTS_EXPLICIT := 1
endif

export MODEL_DIR

.PHONY: help venv tools docs model run test test-onnx-newer-pythons lint typecheck mutate events fuzz audit bench bench-worker bench-cost clean

help:
	@echo "make run      serve the API on http://$(HOST):$(PORT) (uvicorn, builds the model if missing)"
	@echo "              AWS=local adds S3 uploads and the DynamoDB cache, from moto on localhost"
	@echo "make test     lint, type check, unit, functional and template tests"
	@echo "make docs     build the documentation site into .cache/site (MkDocs, --strict)"
	@echo "make mutate   mutation testing of the fast-tested modules (mutmut; docs/MUTATION.md)"
	@echo "make model    build $(MODEL_DIR)/ (WEIGHTS=imagenet|random|PATH, QUANT_BACKEND=fbgemm|x86|qnnpack,"
	@echo "              FORMAT=torchscript|onnx)"
	@echo "              your own: WEIGHTS=ckpt.pt LABELS=labels.txt ARCH=resnet50 CALIBRATION_DIR=... EVAL_DIR=..."
	@echo "make events   regenerate the sample Lambda events in events/"
	@echo "make fuzz     fuzz the decoder for FUZZ_SECONDS (default 300) with atheris"
	@echo "make audit    pip-audit the pinned requirements (needs network)"
	@echo "make bench    measure and rewrite docs/BENCHMARKS.md and docs/BENCHMARKS_BATCH_CACHE.md,"
	@echo "              and the worker's images/s (docs/worker-throughput.json, docs/SCALING.md)"

# PyPI's Linux torch is a CUDA build (about 4 GB with its nvidia-* wheels); this service runs on
# the CPU. So torch and torchvision come first from PyTorch's CPU-only index (about 0.7 GB) when
# it answers within TORCH_INDEX_TIMEOUT seconds, else from the default index. Their own
# dependencies then come from the default index with everything else. TORCH_INDEX_URL= (empty)
# skips the CPU index; set it to a mirror of it to use that instead.
TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
TORCH_INDEX_TIMEOUT ?= 3
TORCH_PINS = $(shell grep -hE '^torch(vision)?==' requirements.txt requirements-dev.txt)

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-onnx-export.txt client/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@index=$$($(PYTHON) scripts/torch_index.py "$(TORCH_INDEX_URL)" $(TORCH_INDEX_TIMEOUT)) && \
	if [ -n "$$index" ]; then \
		$(PY) -m pip install --quiet --disable-pip-version-check --no-deps \
			--index-url "$$index" $(TORCH_PINS); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -e ./client
	touch $@

# cfn-lint and the SAM CLI pin versions of boto3, pydantic and click that clash with the
# app's, and checkov pins an older boto3 than the SAM CLI: each gets its own virtualenv.
$(TOOLS)/.installed: requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-tools.txt
	touch $@

$(CHECKOV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV)
	$(CHECKOV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

$(DOCS_VENV)/.installed: requirements-docs.txt
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-docs.txt
	touch $@

venv: $(VENV)/.installed
tools: $(TOOLS)/.installed $(CHECKOV)/.installed

model: venv
	$(PY) -m modelbuild.export --out $(MODEL_DIR) --weights $(WEIGHTS) --arch $(ARCH) \
		--format $(FORMAT) --max-accuracy-drop $(MAX_ACCURACY_DROP) \
		$(if $(QUANT_BACKEND),--backend $(QUANT_BACKEND)) \
		$(if $(CALIBRATION_DIR),--calibration-dir $(CALIBRATION_DIR)) \
		$(if $(LABELS),--labels $(LABELS)) \
		$(if $(EVAL_DIR),--eval-dir $(EVAL_DIR)) \
		$(if $(RESIZE),--resize $(RESIZE)) $(if $(CROP),--crop $(CROP)) \
		$(if $(MEAN),--mean $(MEAN)) $(if $(STD),--std $(STD))

# POWERTOOLS_DEV pretty-prints the JSON logs and turns metrics off; our own one-line-per-request
# log replaces uvicorn's access log.
# `exec`: the server (or local_aws.py) replaces the recipe's shell, so the SIGTERM that make
# passes on when it is stopped reaches it, and it stops what it started.
# Without WEIGHTS on the command line, an offline machine falls back to random weights,
# loudly, so that the local server still starts; /health then reports production_ready=false.
run: venv
	@if [ -n "$(WEIGHTS_EXPLICIT)" ] || [ ! -f $(MODEL_DIR)/metadata.json ]; then \
		$(MAKE) --no-print-directory model || { [ -z "$(WEIGHTS_EXPLICIT)" ] && \
		echo "*** ImageNet weights unavailable: serving RANDOM weights, NOT FOR PRODUCTION ***" && \
		$(MAKE) --no-print-directory model WEIGHTS=random; } || exit 1; \
	fi
	exec env POWERTOOLS_DEV=true TORCH_CPP_LOG_LEVEL=ERROR \
		$(if $(filter local,$(AWS)),$(PY) scripts/local_aws.py --) \
		$(PY) -m uvicorn function.handler:app --host $(HOST) --port $(PORT) --no-access-log

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# mypy --strict over function/ (settings in pyproject.toml).
typecheck: venv
	$(PY) -m mypy

# The site, --strict: a broken link, anchor or missing page fails. The API reference page is
# rendered from the schema the app serves, written first with the app's virtualenv.
docs: venv $(DOCS_VENV)/.installed
	PYTHONPATH=$(CURDIR) $(PY) scripts/openapi_json.py .cache/openapi.json
	NO_MKDOCS_2_WARNING=1 OPENAPI_JSON=$(CURDIR)/.cache/openapi.json $(DOCS_VENV)/bin/mkdocs build --strict

test: venv tools lint typecheck docs
	REQUIRE_TOOLS=1 $(PY) -m pytest
	$(MAKE) --no-print-directory test-onnx-newer-pythons

# The ONNX-format and SnapStart tests again on every Python 3.12+ that pyenv has (Lambda's
# SnapStart runtimes are 3.12+), each in a small virtualenv with requirements-onnx-test.txt:
# no torch there, so an import of it fails the run. The model is built by .venv (it needs
# torch). Nothing to do where no such Python is installed.
PYENV_ROOT ?= $(HOME)/.pyenv
NEWER_PYTHONS := $(wildcard $(PYENV_ROOT)/versions/3.1[2-9].*/bin/python3)
ONNX_TEST_MODEL := .cache/onnx-test-model

$(ONNX_TEST_MODEL)/metadata.json: $(VENV)/.installed modelbuild/export.py modelbuild/onnx_export.py
	$(PY) -m modelbuild.export --out $(ONNX_TEST_MODEL) --weights random --format onnx

test-onnx-newer-pythons: $(if $(NEWER_PYTHONS),$(ONNX_TEST_MODEL)/metadata.json)
	@for python in $(NEWER_PYTHONS); do \
		version=$$($$python -c 'import platform; print(platform.python_version())'); \
		venv=.venv-onnx-$$version; \
		if [ ! -f $$venv/.installed ] || [ requirements-onnx-test.txt -nt $$venv/.installed ] \
			|| [ requirements-onnx.txt -nt $$venv/.installed ]; then \
			$$python -m venv $$venv && $$venv/bin/python -m pip install --quiet \
				--disable-pip-version-check -r requirements-onnx-test.txt && touch $$venv/.installed \
				|| exit 1; \
		fi; \
		echo "ONNX-format tests on Python $$version (no torch)"; \
		ONNX_MODEL_DIR=$(CURDIR)/$(ONNX_TEST_MODEL) $$venv/bin/python -m pytest -q \
			-p no:cacheprovider --confcutdir=tests/onnx tests/onnx tests/unit/test_snapstart.py \
			|| exit 1; \
	done

# Mutation testing with mutmut over the modules whose tests are fast (pyproject.toml
# [tool.mutmut]); minutes, not part of `make test`. Results: docs/MUTATION.md.
mutate: venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-mutate.txt
	rm -rf mutants
	$(PY) -m mutmut run --max-children 2
	$(PY) -m mutmut results

# Coverage-guided fuzzing of the decoder, bounded in time; not part of `make test`.
# Findings (crash-*, timeout-*, oom-*) land in .fuzz/; copy each into tests/fuzz/regressions/.
FUZZ_SECONDS ?= 300
fuzz: venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-fuzz.txt
	mkdir -p .fuzz/corpus .fuzz/seeds
	$(PY) tests/hostile_corpus.py .fuzz/seeds
	cp tests/fuzz/regressions/* .fuzz/seeds/
	cd .fuzz && PYTHONPATH=$(CURDIR) $(CURDIR)/$(PY) $(CURDIR)/tests/fuzz/fuzz_decode.py \
		-max_total_time=$(FUZZ_SECONDS) -max_len=100000 -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 corpus seeds

# Cold start, latency, memory, footprint and cost, compared with the tutorial and ONNX Runtime;
# rewrites docs/BENCHMARKS.md. About five minutes; never part of `make test`.
bench: venv
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	$(PY) bench/run.py
	$(PY) bench/batch_cache.py
	$(PY) bench/added_cold_start.py
	$(PY) bench/batch_cache_report.py
	$(MAKE) --no-print-directory bench-worker
	$(MAKE) --no-print-directory bench-cost

# What a bulk job costs per million images, from every AWS request counted against moto;
# writes docs/cost.json and docs/COST.md. COST_IMAGES (default 2000) sets the job's size.
bench-cost: venv
	@[ -f $(MODEL_DIR)/metadata.json ] || $(MAKE) --no-print-directory model WEIGHTS=random
	$(PY) bench/cost_run.py

# The SQS worker's images per second for SQS batch sizes 1, 5 and 10, and its init time;
# writes docs/worker-throughput.json (quoted in docs/SCALING.md). About four minutes.
bench-worker: venv
	@[ -f $(MODEL_DIR)/metadata.json ] || $(MAKE) --no-print-directory model WEIGHTS=random
	$(PY) bench/worker_throughput.py

# Known vulnerabilities in the pinned requirements. Needs network; never part of `make test`.
audit:
	$(PYTHON) -m venv .venv-audit
	.venv-audit/bin/python -m pip install --quiet --disable-pip-version-check pip-audit==2.10.1
	.venv-audit/bin/python scripts/audit.py requirements.txt requirements-dev.txt

events: venv
	$(PY) tests/make_events.py

clean:
	rm -rf $(VENV) $(TOOLS) $(CHECKOV) $(DOCS_VENV) .venv-audit .venv-onnx-* .cache $(MODEL_DIR) .pytest_cache .ruff_cache \
		.hypothesis .fuzz .mypy_cache mutants
