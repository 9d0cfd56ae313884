# The two commands: `make run` and `make test`. Both need only Python 3.11 and make.
PYTHON ?= python3.11
VENV   ?= .venv
PORT   ?= 8000
PORT_B ?= 8001
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed


.PHONY: run run-two urls cli test fuzz lint fmt bench load infra package clean browser-deps screenshots

# The venv is rebuilt whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip<26.3"  # chalice 1.34 declares pip<26.3
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/devserver.py --port $(PORT)

# Two regions that recognise each other's codes: A (610100) on PORT, B (440100) on PORT_B.
run-two: $(STAMP)
	$(BIN)/python scripts/run_two.py --port $(PORT) --port-b $(PORT_B)

# The running stack's URLs as shell variables (API, PAGES, STANDINS), from .local/stack.json:
# eval "$$(make -s urls)". YIMA_LOCAL_STACK=.local/stack-local-b.json for run-two's region B.
urls: $(STAMP)
	@$(BIN)/python scripts/stack_urls.py

test: $(STAMP) lint browser-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile tests

# tests/browser drives Debian's Chromium through Playwright (never `playwright install`,
# which downloads its own build), with a CJK font for the screenshots; installed once,
# skipped when they are already there.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
browser-deps:
	@test -x /usr/bin/chromium -a -e $(CJK_FONT) || { SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq chromium fonts-wqy-microhei; }

# Re-take the README's screenshots of the pages (docs/screenshots/*.png) with the browser tests.
screenshots: $(STAMP) browser-deps
	YIMA_SCREENSHOTS=docs $(BIN)/python -m pytest tests/browser

# The API fuzz and the parser properties with many more examples than `make test` gives
# them (docs/testing.md). FUZZ_EXAMPLES=1000 for a longer hunt.
FUZZ_EXAMPLES ?= 200
fuzz: $(STAMP)
	YIMA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -n 2 --dist load \
	  tests/fuzz tests/unit/test_parsers_fuzz.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every benchmark in bench/, the bounded load test included; writes bench/results.json.
bench: $(STAMP)
	$(BIN)/python bench/run.py

# The load test alone, larger if asked: make load LOAD_ARGS="--requests 20000 --seconds 300"
# (add --url http://127.0.0.1:8000 to aim it at a `make run` already going).
load: $(STAMP)
	$(BIN)/python bench/load.py $(LOAD_ARGS)

# Regenerate infra/resources.json and the IAM policy files from the models.
infra: $(STAMP)
	$(BIN)/python infra/generate.py --write

# Package for AWS: Chalice's template merged with infra/, the zip slimmed of what the
# Lambda runtime provides (boto3, botocore: scripts/slim_package.py), then linted.
# BUILD=<dir> writes elsewhere (bench/package.py builds into a temporary one).
BUILD ?= build
package: $(STAMP)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-cn-northwest-1} $(BIN)/chalice package --stage $${STAGE:-dev} \
	  --merge-template infra/resources.json $(BUILD)/
	$(BIN)/python scripts/slim_package.py $(BUILD)/deployment.zip
	@# Lint what CloudFormation deploys: the SAM transform expanded (aws-sam-translator),
	@# with the serverless rules (cfn-lint-serverless); waivers: scripts/expand_sam.py.
	$(BIN)/python scripts/expand_sam.py $(BUILD)/sam.json $(BUILD)/expanded.json
	$(BIN)/cfn-lint --regions cn-northwest-1 cn-north-1 \
	  --append-rules cfn_lint_serverless.rules -- $(BUILD)/expanded.json

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache

# An operator command against the stack `make run` is running (found through
# .local/stack.json): make cli ARGS='issue-token --role official --subject wang.li'
cli: $(STAMP)
	$(BIN)/python -m chalicelib.cli $(ARGS)
