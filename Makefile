# Two commands do all set-up on a fresh machine:
#   make run    start the MCP server on the embedded sandbox (streamable HTTP on 127.0.0.1:8765)
#   make test   lint, type-check, check generated files for drift, run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8765

.PHONY: run test lint typecheck drift validate pytest bench clean browser-deps

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

run: $(BIN)/.installed
	$(BIN)/twilio-skill serve --transport http --port $(PORT)

test: $(BIN)/.installed lint typecheck drift validate pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check skill tests bench
	$(BIN)/ruff format --check skill tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy

drift: $(BIN)/.installed
	$(BIN)/twilio-skill tools snapshot --check
	$(BIN)/twilio-skill docs generate --check

# SKILL.md against the AgentSkills validator (it wants a folder named like the skill), manifest.json against mcpb.
validate: $(BIN)/.installed
	rm -rf .validate && mkdir -p .validate/twilio && cp SKILL.md .validate/twilio/
	$(BIN)/agentskills validate .validate/twilio
	rm -rf .validate
	npx --yes @anthropic-ai/mcpb@2 validate manifest.json

pytest: $(BIN)/.installed browser-deps
	$(BIN)/pytest

# The console's browser tests drive Debian's headless Chromium (never a browser download). Installed here
# when missing and running as root; elsewhere the tests skip naming this command, except in CI where they fail.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	{ [ "$${CI:-}" != true ] && echo "browser tests will skip: install Chromium with apt-get install -y chromium chromium-driver"; }

# The webhook bench drives the servers with wrk (Debian package); `make test` never needs it.
bench: $(BIN)/.installed
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/startup.py
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || echo "wrk not installed: the webhook bench falls back to its Python client"
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/console.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
