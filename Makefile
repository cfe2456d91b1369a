# Thin wrapper: the two README commands and a few helpers. CMake does the build.
.PHONY: run test build debug bench soak fuzz crash format clean

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# make bench: idle WebSockets beside the 500 voting delegates, one run each.
IDLE ?= 0,10000

run:
	@deploy/deps.sh run
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build/release -j$(JOBS) --target plenumd
	@PLENUMD=build/release/plenumd deploy/run.sh

test:
	@deploy/deps.sh test
	@cmake -S . -B build/debug -DCMAKE_BUILD_TYPE=Debug -DPL_SANITIZE=ON -DPL_WERROR=ON >/dev/null
	@cmake --build build/debug -j$(JOBS)
	@cd build/debug && ctest --output-on-failure -j$(JOBS) $(CTEST_ARGS)

build:
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build/release -j$(JOBS)

fuzz:
	@deploy/deps.sh test
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

# The long mode of the kill -9 test (make test runs 20): CRASH_ITERATIONS
# kills at random moments, under the sanitizers; PL_CRASH_SEED replays one run.
crash:
	@deploy/deps.sh test
	@cmake -S . -B build/debug -DCMAKE_BUILD_TYPE=Debug -DPL_SANITIZE=ON -DPL_WERROR=ON >/dev/null
	@cmake --build build/debug -j$(JOBS) --target plenumd plenumctl
	@cd tests/integration && PL_CRASH_ITERATIONS=$(or $(CRASH_ITERATIONS),200) \
		PLENUMD=$(CURDIR)/build/debug/plenumd PLENUMCTL=$(CURDIR)/build/debug/plenumctl \
		PL_SOURCE_DIR=$(CURDIR) ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		/usr/bin/python3 -m unittest -v test_reliability.CrashTest

bench:
	@deploy/deps.sh bench
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build/release -j$(JOBS) --target plenumd vote_load fanout_load rtc_peer loopback_floor
	@mkdir -p build/bench
	@/usr/bin/python3 tests/bench/vote_bench.py build/release/plenumd build/release/vote_load \
		--delegates $(or $(DELEGATES),500) --rounds $(or $(ROUNDS),20) \
		--idle $(IDLE) --json build/bench/vote.json
	@/usr/bin/python3 tests/bench/media_bench.py build/release/plenumd \
		--seconds $(or $(MEDIA_SECONDS),60) --rounds $(or $(MEDIA_ROUNDS),3) --json build/bench/media.json
	@/usr/bin/python3 tests/bench/fanout_bench.py build/release/plenumd build/release/fanout_load \
		--floor build/release/loopback_floor $(if $(CLIENTS),--clients $(CLIENTS)) \
		--events 20 --slow 10 --json build/bench/fanout.json
	@/usr/bin/python3 tests/bench/rtc_bench.py build/release/plenumd build/release/rtc_peer \
		--seconds $(or $(RTC_SECONDS),20) --json build/bench/rtc.json
	@cd tests/integration && PLENUMD=$(CURDIR)/build/release/plenumd PL_SOURCE_DIR=$(CURDIR) \
		/usr/bin/python3 -m unittest test_nodes 2>&1 | grep "cross-node"
	@echo "figures in build/bench/vote.json, media.json, fanout.json and rtc.json; record them in docs/benchmarks.md"

# The soak (not in make test): a sitting with delegates and observers coming
# and going, turns and votes, for SOAK_SECONDS; fails if plenumd's RSS or
# descriptors grow, or an acknowledged ballot is missing.
soak:
	@deploy/deps.sh soak
	@cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build/release -j$(JOBS) --target plenumd
	@mkdir -p build/soak
	@/usr/bin/python3 tests/soak/soak.py build/release/plenumd \
		--seconds $(or $(SOAK_SECONDS),600) --json build/soak/soak.json

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
