# Two commands on a fresh clone: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
# Loopback: this machine only. ADDRESS=0.0.0.0 (with STATUSBOARD_DISPLAY_KEY) for TVs elsewhere.
ADDRESS ?= 127.0.0.1

.PHONY: run test lint simulate bench catalogs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/statusboard serve --port $(PORT) --address $(ADDRESS)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

simulate: $(STAMP)
	$(BIN)/python -m stats_client simulate --port 8087

# The gettext catalogs (board/locales): extract every text of the board from the code, then bring
# each language's .po up to date (new texts untranslated, changed ones fuzzy, gone ones dropped);
# tests/test_catalogs.py fails until each is translated. A new language: see the README.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -c TRANSLATORS: --no-location --sort-output \
	  --project "Service Status Board" --version 0.1.0 -w 100 \
	  -o board/locales/statusboard.pot board
	$(BIN)/pybabel update -i board/locales/statusboard.pot -d board/locales -D statusboard \
	  --ignore-obsolete -w 100

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-output
