# Pecete: the two commands of the README, and a few more.
#   make run    install what is missing, build, initialise ./var, serve
#   make test   install what is missing, build with ASan+UBSan, run every test
#   make bench  build a release and run the benchmarks in bench/
#   make fuzz   run every libFuzzer target FUZZ_SECONDS (default 60) each

NPROC := $(shell nproc 2>/dev/null || echo 2)
DATA ?= var
# make run PORT=9090: the port and the public URL (links in e-mails) move
# together.
PORT ?= 8080
WERROR ?= OFF

FUZZ_SECONDS ?= 60

.PHONY: all deps build release run test bench fuzz format check clean \
	csc-conformance

all: build

deps:
	@bash scripts/deps.sh test

build: deps
	cmake --preset debug-asan -DPECETE_WERROR=$(WERROR) >/dev/null
	cmake --build build/debug-asan -j$(NPROC)

release:
	@bash scripts/deps.sh build
	cmake --preset release -DPECETE_WERROR=$(WERROR) >/dev/null
	cmake --build build/release -j$(NPROC) --target pecete

run: release
	@if [ ! -f $(DATA)/pecete.conf ]; then \
		build/release/pecete init --data $(DATA) --dev \
		    --public-url http://127.0.0.1:$(PORT); \
	fi
	@# A data dir made before the e-seal gets one (kept when there).
	build/release/pecete pki eseal --data $(DATA)
	PECETE_SERVER_PUBLIC_URL=http://127.0.0.1:$(PORT) \
	    build/release/pecete serve --data $(DATA) --listen 127.0.0.1:$(PORT)

test: build
	bash tests/run-all.sh build/debug-asan

bench:
	@bash scripts/deps.sh test
	cmake --preset release >/dev/null
	cmake --build build/release -j$(NPROC)
	bash bench/run-all.sh build/release

# The CSC conformance suite against any CSC server (tests/csc/conformance.py):
#   make csc-conformance CSC_BASE_URL=... CSC_USER=... CSC_PASSWORD=... \
#       CSC_TOTP_SECRET=...
csc-conformance:
	CSC_BASE_URL="$(CSC_BASE_URL)" CSC_USER="$(CSC_USER)" \
	    CSC_PASSWORD="$(CSC_PASSWORD)" CSC_TOTP_SECRET="$(CSC_TOTP_SECRET)" \
	    /usr/bin/python3 tests/csc/conformance.py

# Every libFuzzer target for FUZZ_SECONDS each (clang, the fuzz preset).
fuzz:
	@bash scripts/deps.sh test
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j$(NPROC)
	bash tests/fuzz/run-all.sh build/fuzz $(FUZZ_SECONDS)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

check:
	bash tools/checksrc.sh

clean:
	rm -rf build
