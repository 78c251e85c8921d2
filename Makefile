# Two commands on a fresh clone: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
# Loopback: this machine only. ADDRESS=0.0.0.0 (with STATUSBOARD_DISPLAY_KEY) for TVs elsewhere.
ADDRESS ?= 127.0.0.1

# The exact versions every install uses (CI's too): `make lock` refreshes them from PyPI.
LOCK   := constraints.txt
LOCK_VENV := .lock-venv

.PHONY: run test lint lock simulate bench wheel catalogs clean

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test]' -c $(LOCK)
	@touch $(STAMP)

# The newest versions pyproject.toml allows, resolved by pip in a throwaway venv (with this
# Python: run it with the oldest supported one, 3.11), frozen into constraints.txt.
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -qq --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install -qq -e '.[test]'
	{ echo "# Made by \`make lock\` from pyproject.toml with $$($(LOCK_VENV)/bin/python -V); do not edit."; \
	  echo "# \`make test\`, \`make run\` and CI install these exact versions (pip -c)."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --all --exclude-editable | grep -v "^pip=="; } > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)
	rm -rf $(LOCK_VENV)

run: $(STAMP)
	$(BIN)/statusboard serve --port $(PORT) --address $(ADDRESS)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

simulate: $(STAMP)
	$(BIN)/python -m stats_client simulate --port 8087

# The board's wheel for a server or an image (README "Deploying"): dist/service_status_board-*.whl
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --wheel-dir dist .

# The gettext catalogs (statusboard/locales): extract every text of the board from the code (the
# wall's in board/, the alerts' in statusboard/), then bring each language's .po up to date (new
# texts untranslated, changed ones fuzzy, gone ones dropped); tests/test_catalogs.py fails until
# each is translated. A new language: see the README.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -c TRANSLATORS: --no-location --sort-output \
	  --project "Service Status Board" --version 0.1.0 -w 100 \
	  -o statusboard/locales/statusboard.pot board statusboard
	$(BIN)/pybabel update -i statusboard/locales/statusboard.pot -d statusboard/locales \
	  -D statusboard --ignore-obsolete -w 100

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache .mypy_cache test-output dist
