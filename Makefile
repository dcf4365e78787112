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
# p4c's public test corpus, kept outside the repository (tests/corpus reads it when present).
P4C_CORPUS  ?= ../p4c-corpus

# Debian packages: binary that must exist -> package that provides it.
APT_NEEDS := cpp:cpp ip:iproute2 tcpdump:tcpdump mnexec:mininet brctl:bridge-utils

.PHONY: test run bench lint clean clean-net deps-apt venv corpus

test: deps-apt $(STAMP)
	@# pytest exits 5 when it collected no test: that is a failure here, not a pass.
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

run: deps-apt $(STAMP)
	$(PY) -m topologies.run --scenario $(SCENARIO) --topology $(TOPOLOGY) $(if $(HEADLESS),--headless) $(if $(QUICK),--quick)

bench: deps-apt $(STAMP)
	$(PY) -m bench

# Fetches p4c's testdata (sparse, shallow) beside the repository, then checks the embedded
# target against it: every in-scope sample compiles, P4Info matches, STF passes, errors rejected.
corpus: deps-apt $(STAMP)
	@if [ ! -d $(P4C_CORPUS)/testdata ]; then \
	  git clone --depth 1 --filter=blob:none --sparse https://github.com/p4lang/p4c $(P4C_CORPUS) && \
	  git -C $(P4C_CORPUS) sparse-checkout set testdata/p4_16_samples testdata/p4_16_samples_outputs \
	    testdata/p4_16_errors testdata/p4_16_errors_outputs; \
	fi
	FANTEL_P4C_CORPUS=$(abspath $(P4C_CORPUS)) $(PY) -m pytest -q tests/corpus $(PYTEST_ARGS)

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
