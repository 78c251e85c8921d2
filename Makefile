# Two commands on a fresh clone: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
# Loopback: this machine only. ADDRESS=0.0.0.0 (with STATUSBOARD_DISPLAY_KEY) for TVs elsewhere.
ADDRESS ?= 127.0.0.1

.PHONY: run test lint simulate bench wheel clean

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

# The board's wheel for a server or an image (README "Deploying"): dist/service_status_board-*.whl
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --wheel-dir dist .

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-output dist
