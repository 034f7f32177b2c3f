# opencloud: `make run` installs everything and starts the server; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run install clients test check lint typecheck imports unit bench clean

run: install
	@$(BIN)/opencloud init --if-missing
	$(BIN)/opencloud server

install: $(STAMP)

$(STAMP): pyproject.toml drivers/posix/pyproject.toml scripts/install-system-deps.sh
	./scripts/install-system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]' -e drivers/posix
	touch $(STAMP)

# The one test command (README, CI): style, types, import contracts, then every test.
test: install clients lint typecheck imports unit

# The real third-party clients tests/clients/ drives (litmus, owncloudcmd, rclone, ...).
clients:
	./scripts/install-clients.sh

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

unit:
	$(BIN)/pytest -q

# The peers the WebDAV benchmark runs beside ours (nginx, rclone, wrk, wsgidav, granian).
bench: install
	./scripts/install-bench-deps.sh $(VENV)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
