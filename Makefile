# The bot's tasks. `make help` lists them. Each installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := uv
RUN := $(UV) run --frozen
SPACY_MODEL := build/spacy-en-lemma
BACKSTOP := build/safety-backstop.pkl

include widget/build.mk

.PHONY: help install build train run shell gaps test lint bench hops clean

help: ## List the tasks
	@grep -hE '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-8s %s\n", $$1, $$2}'

install: ## Install uv (if missing) and the locked Python packages
	@command -v $(UV) >/dev/null 2>&1 && $(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

$(SPACY_MODEL)/meta.json: bot/spacy_model.py uv.lock
	$(RUN) python -m bot.spacy_model $(SPACY_MODEL)

$(BACKSTOP): $(SPACY_MODEL)/meta.json bot/safety_backstop.py bot/text_features.py bot/knowledge/red_flag_cases.yml $(wildcard data/nlu/*.yml)
	$(RUN) python -m bot.safety_backstop $(BACKSTOP)

build: install $(SPACY_MODEL)/meta.json $(BACKSTOP) ## Build the local spaCy pipeline (blank English + lemmas) and the safety backstop

train: build ## Train the model if its inputs changed
	$(RUN) python -m bot.launch.train

run: train widget ## Run the bot: action server, Rasa server and the web widget's demo page
	$(RUN) python -m bot.launch.run

gaps: install ## Write the content-gap report from stored conversations (reports/)
	$(RUN) python -m bot.gaps

shell: install ## Chat with the running bot in this terminal
	$(RUN) python -m bot.launch.shell

lint: install ## ruff and mypy on the Python code
	$(RUN) ruff check bot actions tests bench harness
	$(RUN) ruff format --check bot actions tests bench harness
	$(RUN) mypy
	$(RUN) mypy bench harness

test: train lint widget browser ## Run every test (unit, data, stories, end to end, browser)
	$(RUN) pytest

bench: train ## Benchmark ours against Rasa's defaults; writes docs/benchmarks.md (~25 min)
	$(RUN) python -m bench

hops: train ## Count the modules and hops one message passes, now and at 476adfa; writes docs/hops.md (~2 min with trained models cached)
	$(RUN) python -m bench.hops

clean: ## Remove the built pipeline, models, widget bundle and local conversations
	rm -rf build models .rasa results widget/dist
