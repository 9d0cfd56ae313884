# The two commands: `make run` and `make test`. Both need only Python 3.11 and make.
PYTHON ?= python3.11
VENV   ?= .venv
PORT   ?= 8000
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test fuzz lint fmt bench infra package clean

# The venv is rebuilt whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/devserver.py --port $(PORT)

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadfile tests

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

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Regenerate infra/resources.json and the IAM policy files from the models.
infra: $(STAMP)
	$(BIN)/python infra/generate.py --write

# Package for AWS: Chalice's template merged with infra/, then linted.
package: $(STAMP)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-cn-northwest-1} $(BIN)/chalice package --stage $${STAGE:-dev} \
	  --merge-template infra/resources.json build/
	$(BIN)/cfn-lint --regions cn-northwest-1 -- build/sam.json

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
