# Two commands matter: `make run` serves the API locally, `make test` runs every check.
# Both create the virtualenvs they need from the pinned requirements files.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .venv-tools
CHECKOV := .venv-checkov
MODEL_DIR ?= model
PORT ?= 8000
HOST ?= 127.0.0.1
QUANT_BACKEND ?=
CALIBRATION_DIR ?=

# WEIGHTS: imagenet (default, downloads), random (offline, NOT for production), or a path.
ifeq ($(origin WEIGHTS),undefined)
WEIGHTS := imagenet
WEIGHTS_EXPLICIT :=
else
WEIGHTS_EXPLICIT := 1
endif

export MODEL_DIR

.PHONY: help venv tools model run test lint typecheck mutate events fuzz audit bench clean

help:
	@echo "make run      serve the API on http://$(HOST):$(PORT) (uvicorn, builds the model if missing)"
	@echo "make test     lint, type check, unit, functional and template tests"
	@echo "make mutate   mutation testing of the fast-tested modules (mutmut; docs/MUTATION.md)"
	@echo "make model    build $(MODEL_DIR)/ (WEIGHTS=imagenet|random|PATH, QUANT_BACKEND=fbgemm|x86|qnnpack)"
	@echo "make events   regenerate the sample Lambda events in events/"
	@echo "make fuzz     fuzz the decoder for FUZZ_SECONDS (default 300) with atheris"
	@echo "make audit    pip-audit the pinned requirements (needs network)"
	@echo "make bench    measure and rewrite docs/BENCHMARKS.md"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
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

venv: $(VENV)/.installed
tools: $(TOOLS)/.installed $(CHECKOV)/.installed

model: venv
	$(PY) -m modelbuild.export --out $(MODEL_DIR) --weights $(WEIGHTS) \
		$(if $(QUANT_BACKEND),--backend $(QUANT_BACKEND)) \
		$(if $(CALIBRATION_DIR),--calibration-dir $(CALIBRATION_DIR))

# POWERTOOLS_DEV pretty-prints the JSON logs and turns metrics off; our own one-line-per-request
# log replaces uvicorn's access log.
# Without WEIGHTS on the command line, an offline machine falls back to random weights,
# loudly, so that the local server still starts; /health then reports production_ready=false.
run: venv
	@if [ -n "$(WEIGHTS_EXPLICIT)" ] || [ ! -f $(MODEL_DIR)/metadata.json ]; then \
		$(MAKE) --no-print-directory model || { [ -z "$(WEIGHTS_EXPLICIT)" ] && \
		echo "*** ImageNet weights unavailable: serving RANDOM weights, NOT FOR PRODUCTION ***" && \
		$(MAKE) --no-print-directory model WEIGHTS=random; } || exit 1; \
	fi
	POWERTOOLS_DEV=true TORCH_CPP_LOG_LEVEL=ERROR $(PY) -m uvicorn function.handler:app --host $(HOST) --port $(PORT) \
		--no-access-log

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# mypy --strict over function/ (settings in pyproject.toml).
typecheck: venv
	$(PY) -m mypy

test: venv tools lint typecheck
	REQUIRE_TOOLS=1 $(PY) -m pytest

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

# Known vulnerabilities in the pinned requirements. Needs network; never part of `make test`.
audit:
	$(PYTHON) -m venv .venv-audit
	.venv-audit/bin/python -m pip install --quiet --disable-pip-version-check pip-audit==2.10.1
	.venv-audit/bin/python scripts/audit.py requirements.txt requirements-dev.txt

events: venv
	$(PY) tests/make_events.py

clean:
	rm -rf $(VENV) $(TOOLS) $(CHECKOV) .venv-audit $(MODEL_DIR) .pytest_cache .ruff_cache .hypothesis .fuzz \
		.mypy_cache mutants
