# The two commands a newcomer needs:  `make run`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 7860

.PHONY: run test install system-deps

$(BIN)/kb-bot: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: takes the local CPU build rather than the CUDA wheels
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/kb-bot

## Start the app on the bundled sample corpus (ingests it on first start). Local try-out only.
## Same home as the kb-bot command ($$KB_BOT_HOME, default ~/.local/share/kb-bot); another port: make run PORT=7871
run: install
	$(BIN)/kb-bot serve --demo --port $(PORT)

## Lint with ruff (rules in pyproject.toml), then run the whole test suite (PostgreSQL and browser tests
## included where the machine has them).
test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest -q

# Debian's headless Chromium and a Japanese font for the browser tests' screenshots; skipped when already
# there or when apt is unavailable (the browser tests then skip locally and fail under CI).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 || \
	    (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1) || \
	    echo "chromium / fonts-noto-cjk not installed: browser tests will be skipped"; \
	  fi; \
	fi
