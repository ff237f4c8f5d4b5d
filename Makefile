# Two commands do all set-up on a fresh machine:
#   make run         start the MCP server on the embedded sandbox (streamable HTTP on 127.0.0.1:8765)
#   make test        lint, type-check, check generated files for drift, validate the manifests, run every test
#   make test-fast   the tests without those marked slow (processes spawned, long drills), for the inner loop
#   make test-postgresql  those tests with the services in PostgreSQL rather than SQLite
# Debian packages it needs (python3-venv, nodejs and npm) are installed when run as root or in CI;
# anywhere else a missing one is named with its install command.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8765
WORKERS ?= 2
MCPB := @anthropic-ai/mcpb@2

# $(call apt_install,packages): install them as root or in CI; elsewhere fail, naming the command.
define apt_install
{ if [ "$$(id -u)" = 0 ] || [ "$$CI" = true ]; then \
    echo "installing $(1) (apt-get)"; apt-get update -qq && apt-get install -y -qq $(1) >/dev/null; \
  else echo "$(1) missing: install with: sudo apt-get install $(1)" >&2; false; fi; }
endef

.PHONY: run test test-fast test-postgresql lint typecheck drift validate pytest bench clean browser-deps postgres-deps

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || $(call apt_install,python3-venv)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

run: $(BIN)/.installed
	$(BIN)/twilio-skill serve --transport http --port $(PORT)

test: $(BIN)/.installed lint typecheck drift validate pytest

# The tests on WORKERS processes (WORKERS=0: in this one), then the slow ones (timed drills, spawned servers)
# one at a time so no other test competes with them for the CPU; each pass lists its slowest tests and its time.
pytest: $(BIN)/.installed browser-deps postgres-deps
	$(BIN)/pytest -n $(WORKERS) -m "not slow" --durations=10
	$(BIN)/pytest -m slow --durations=5

test-fast: $(BIN)/.installed browser-deps postgres-deps
	$(BIN)/pytest -n $(WORKERS) -m "not slow"

# The same tests with every test's services in PostgreSQL instead of SQLite (the store tests run on both
# backends in every pass; this one takes the tools, server, webhooks and core through PostgreSQL too).
test-postgresql: $(BIN)/.installed browser-deps postgres-deps
	TWILIO_SKILL_TEST_BACKEND=postgresql $(BIN)/pytest -n $(WORKERS) -m "not slow"

lint: $(BIN)/.installed
	$(BIN)/ruff check skill tests bench
	$(BIN)/ruff format --check skill tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy

drift: $(BIN)/.installed
	$(BIN)/twilio-skill tools snapshot --check
	$(BIN)/twilio-skill docs generate --check
	$(BIN)/python -m skill.specs.build --check

# SKILL.md against the AgentSkills validator (it wants a folder named like the skill), manifest.json against
# mcpb (Node.js, npm and the npm registry). Without Node.js, off CI and not root, the mcpb check is skipped, saying so.
validate: $(BIN)/.installed
	rm -rf .validate && mkdir -p .validate/twilio && cp SKILL.md .validate/twilio/
	$(BIN)/agentskills validate .validate/twilio
	rm -rf .validate
	@if ! command -v npx >/dev/null 2>&1; then \
	  if [ "$$(id -u)" != 0 ] && [ "$$CI" != true ]; then \
	    echo "SKIPPED: manifest.json not validated: mcpb needs Node.js and npm (sudo apt-get install nodejs npm)"; exit 0; \
	  fi; \
	  $(call apt_install,nodejs) || exit 1; \
	  command -v npx >/dev/null 2>&1 || $(call apt_install,npm) || exit 1; \
	fi; \
	echo "npx --yes $(MCPB) validate manifest.json"; npx --yes $(MCPB) validate manifest.json

# The console's browser tests drive Debian's headless Chromium (never a browser download). Installed here
# when missing and running as root; elsewhere the tests skip naming this command, except in CI where they fail.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	{ [ "$${CI:-}" != true ] && echo "browser tests will skip: install Chromium with apt-get install -y chromium chromium-driver"; }

# The store tests run on SQLite and on a throwaway PostgreSQL cluster (initdb + pg_ctl, Debian's server
# package; no service is started). Installed here when missing and running as root; elsewhere the PostgreSQL
# half skips naming this command, except in CI where it fails.
postgres-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || \
	{ [ "$${CI:-}" != true ] && echo "PostgreSQL tests will skip: install the server with apt-get install -y postgresql"; }

# The webhook bench drives the servers with wrk (Debian package); `make test` never needs it.
bench: $(BIN)/.installed
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/operations.py
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || echo "wrk not installed: the webhook bench falls back to its Python client"
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/webhooks_app.py
	$(BIN)/python bench/console.py
	$(BIN)/python bench/notify.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
