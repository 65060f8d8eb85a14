# `make demo` and `make test` each set up everything they need on a fresh
# machine (the first run builds MMCV, about 10 minutes on 2 cores).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmgaf-installed

.PHONY: install demo test clean-demo

$(STAMP): tools/install.sh tools/build_mmcv.sh pyproject.toml requirements/*.txt
	bash tools/install.sh $(VENV)
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP)
	$(PY) -m pytest tests

clean-demo:
	rm -rf work_dirs/demo data/synthetic
