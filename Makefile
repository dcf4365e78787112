# fantel: `make test` and `make run` bring up everything they need themselves
# (Debian packages, a virtualenv with the project installed) on a fresh machine.

PYTHON      ?= python3
VENV        ?= .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
SCENARIO    ?= failure
TOPOLOGY    ?= small
HEADLESS    ?=
QUICK       ?=
PYTEST_ARGS ?=

# Debian packages: binary that must exist -> package that provides it.
APT_NEEDS := cpp:cpp ip:iproute2 tcpdump:tcpdump mnexec:mininet brctl:bridge-utils

.PHONY: test run bench lint clean clean-net deps-apt venv

test: deps-apt $(STAMP)
	@# pytest exits 5 when it collected no test: that is a failure here, not a pass.
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

run: deps-apt $(STAMP)
	$(PY) -m topologies.run --scenario $(SCENARIO) --topology $(TOPOLOGY) $(if $(HEADLESS),--headless) $(if $(QUICK),--quick)

bench: deps-apt $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check softswitch controller topologies tests bench
	$(VENV)/bin/ruff format --check softswitch controller topologies tests bench
	$(VENV)/bin/mypy

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,testbed]'
	touch $@

# Installs only what is missing, and only when we may (root); otherwise says what to install.
deps-apt:
	@missing=""; for need in $(APT_NEEDS); do \
	  bin=$${need%%:*}; pkg=$${need##*:}; \
	  command -v $$bin >/dev/null 2>&1 || [ -x /usr/sbin/$$bin ] || [ -x /usr/bin/$$bin ] || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "missing Debian packages:$$missing (install them as root)" >&2; fi; \
	fi

# Removes the namespaces, interfaces and processes that testbed runs recorded, nothing else.
clean-net: $(STAMP)
	$(PY) -m topologies.cleanup

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis runs
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
