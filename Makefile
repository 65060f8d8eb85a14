# `make demo` and `make test` each set up everything they need on a fresh
# machine (the first run builds MMCV, about 10 minutes on 2 cores).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmgaf-installed

# what `make lint` checks, with the settings of setup.cfg
LINT_PATHS := mmgaf tools tests benchmarks configs

.PHONY: install demo test lint clean-demo

$(STAMP): tools/install.sh tools/build_mmcv.sh pyproject.toml requirements.txt \
		requirements/*.txt
	bash tools/install.sh $(VENV)
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP)
	$(PY) -m pytest tests

# flake8, isort and yapf all run; the target fails if any finds something
lint: $(STAMP)
	@status=0; \
	$(PY) -m flake8 $(LINT_PATHS) || status=1; \
	$(PY) -m isort --check-only --diff $(LINT_PATHS) || status=1; \
	$(PY) -m yapf --diff --recursive $(LINT_PATHS) || status=1; \
	exit $$status

clean-demo:
	rm -rf work_dirs/demo data/synthetic
