# The web chat widget. Included by the main Makefile.
#   make widget   installs the npm packages (when the lockfile changed), writes the texts
#                 (build/widget-texts.json from bot/knowledge/) and builds widget/dist/
#   make browser  installs Debian's Chromium for the widget tests (when it is missing)
WIDGET_DIR := widget
WIDGET_BUNDLE := $(WIDGET_DIR)/dist/lems-chat.js
# the widget's fixed texts, from bot/knowledge/ through its loader (checked as at start-up)
WIDGET_TEXTS := build/widget-texts.json
# bot/limits.py: the bundle carries the server's cap on a message's length
WIDGET_SOURCES := $(wildcard $(WIDGET_DIR)/src/*) $(WIDGET_DIR)/build.mjs $(WIDGET_DIR)/package.json bot/limits.py $(WIDGET_TEXTS)
# npm writes this after every install: newer than package-lock.json means installed
WIDGET_MODULES := $(WIDGET_DIR)/node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium

.PHONY: widget browser

widget: $(WIDGET_BUNDLE) ## Build the web chat widget (widget/dist/) if its sources changed

browser: $(CHROMIUM) ## Install Debian's Chromium for the widget tests (if missing)

$(WIDGET_MODULES): $(WIDGET_DIR)/package-lock.json
	cd $(WIDGET_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# widget.yml, with the disclaimer's short form (facts.yml) and the alert headings
# (phrases.yml); `| install`: the Python packages, without rebuilding on every run
$(WIDGET_TEXTS): bot/knowledge/widget.yml bot/knowledge/facts.yml bot/knowledge/phrases.yml bot/knowledge.py bot/widget_texts.py | install
	$(RUN) python -m bot.widget_texts $@

$(WIDGET_BUNDLE): $(WIDGET_SOURCES) $(WIDGET_DIR)/package-lock.json $(WIDGET_MODULES)
	cd $(WIDGET_DIR) && npm run --silent build

$(CHROMIUM):
	apt-get update && apt-get install -y chromium
