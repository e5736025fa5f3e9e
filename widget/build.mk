# The web chat widget. Included by the main Makefile.
#   make widget   installs the npm packages (when the lockfile changed) and builds widget/dist/
#   make browser  installs Debian's Chromium for the widget tests (when it is missing)
WIDGET_DIR := widget
WIDGET_BUNDLE := $(WIDGET_DIR)/dist/lems-chat.js
# bot/limits.py: the bundle carries the server's cap on a message's length
WIDGET_SOURCES := $(wildcard $(WIDGET_DIR)/src/*) $(WIDGET_DIR)/build.mjs $(WIDGET_DIR)/package.json bot/limits.py
# npm writes this after every install: newer than package-lock.json means installed
WIDGET_MODULES := $(WIDGET_DIR)/node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium

.PHONY: widget browser

widget: $(WIDGET_BUNDLE) ## Build the web chat widget (widget/dist/) if its sources changed

browser: $(CHROMIUM) ## Install Debian's Chromium for the widget tests (if missing)

$(WIDGET_MODULES): $(WIDGET_DIR)/package-lock.json
	cd $(WIDGET_DIR) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(WIDGET_BUNDLE): $(WIDGET_SOURCES) $(WIDGET_DIR)/package-lock.json $(WIDGET_MODULES)
	cd $(WIDGET_DIR) && npm run --silent build

$(CHROMIUM):
	apt-get update && apt-get install -y chromium
