# Two commands do all set-up on a fresh Debian/Ubuntu machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SAMPLE ?= car-t
APT_PACKAGES := libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 \
	fonts-dejavu-core sqlite3 libcairo2

.PHONY: run test bench soak desktop-entry stress dist system-deps venv clean screenshots reference

# System libraries Qt needs. Installed only when we are root and something is missing.
system-deps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

venv: system-deps $(STAMP)

run: venv
	$(PY) -m atmp_desktop gui --sample $(SAMPLE)

test: venv
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# The reliability suites in full (issue 9): 300 SIGKILLs, 1,000 byte flips, 100 lock races, the full row bomb.
stress: venv
	ATMP_STRESS=1 QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/test_store_reliability.py tests/test_store.py tests/test_store_rows.py

# Golden reference texts of every document of every sample (tests/reference/); review the diff after running.
reference: venv
	$(PY) -m tests.golden

bench: venv
	QT_QPA_PLATFORM=offscreen $(PY) bench/run.py

# 20,000 mixed user actions through the real window (tests/soak.py) on a new, empty project; actions/s and RSS
# growth go to docs/benchmarks.md. SOAK_ACTIONS=... to change the count. SOAK_PROJECT=FILE soaks a copy of that
# project instead and writes nothing (e.g. the bench's 1x project: `python bench/common.py make 1x /tmp/1x.atmp`,
# then `make soak SOAK_PROJECT=/tmp/1x.atmp SOAK_ACTIONS=3000`; docs/reliability.md has its figures).
soak: venv
	QT_QPA_PLATFORM=offscreen $(PY) -m tests.soak --actions $${SOAK_ACTIONS:-20000} \
		$${SOAK_PROJECT:+--project "$$SOAK_PROJECT"}

# Menu entry and icon for this user on Linux (freedesktop): the app's .desktop file, icon and *.atmp file type.
desktop-entry: venv
	mkdir -p ~/.local/share/applications ~/.local/share/icons/hicolor/256x256/apps ~/.local/share/mime/packages
	sed "s|^Exec=atmp-desktop|Exec=$(abspath $(VENV))/bin/atmp-desktop|; s|^TryExec=.*|TryExec=$(abspath $(VENV))/bin/atmp-desktop|" \
	  resources/linux/atmp-desktop.desktop > ~/.local/share/applications/atmp-desktop.desktop
	cp resources/icons/atmp-desktop-256.png ~/.local/share/icons/hicolor/256x256/apps/atmp-desktop.png
	cp resources/linux/atmp-project.xml ~/.local/share/mime/packages/atmp-project.xml
	update-mime-database ~/.local/share/mime 2>/dev/null || true
	update-desktop-database ~/.local/share/applications 2>/dev/null || true

# Frozen onedir build (PyInstaller) in dist/atmp-desktop/; needs objdump (binutils) on Linux.
dist: venv
	$(PY) -m pip install -q -e '.[build]'
	$(VENV)/bin/pyinstaller --noconfirm build.spec
	dist/atmp-desktop/atmp-desktop --version

clean:
	rm -rf $(VENV) build dist .pytest_cache
