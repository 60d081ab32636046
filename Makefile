# Two commands on a fresh machine:  make run  (install + the quickstart global fit)  and  make test  (install + the test suite).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUN    ?= runs/quickstart.yaml

.PHONY: install run test test-fast bench limits compare clean convert notebooks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/globalfit run $(RUN) --force

limits: $(STAMP)
	$(BIN)/globalfit limits $(RUN) --force

compare: $(STAMP)
	$(BIN)/globalfit compare $(RUN) --force

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Everything but the tests marked slow.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

# Execute the reproduction notebooks at full settings and render them to notebooks/rendered/*.html (ignored by git).
NOTEBOOKS := $(filter-out notebooks/quickstart.ipynb,$(wildcard notebooks/*.ipynb))
notebooks: $(STAMP)
	mkdir -p notebooks/rendered
	for nb in $(NOTEBOOKS); do MPLBACKEND=Agg $(BIN)/jupyter nbconvert --to html --execute \
		--ExecutePreprocessor.timeout=-1 --output-dir notebooks/rendered $$nb || exit 1; done

# Regenerate the dataset folders from ../shared/reference and the papers (needs ../shared).
convert: $(STAMP)
	for f in scripts/convert/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info
