# capsim: build, test, benchmark, demo. `make help` lists the targets.
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
PKGS    := zlib jansson hwloc libfyaml
DEBS    := build-essential pkg-config zlib1g-dev libjansson-dev libhwloc-dev libuv1-dev \
           libcriterion-dev libfyaml-dev
SHARED  ?= ../shared

BUILD   ?= build
CPPFLAGS_ALL = -Iinclude $(CSTD) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread

LIB_SRC  := $(wildcard sched/*.c) $(filter-out sim/main.c,$(wildcard sim/*.c))
TEST_SRC := $(wildcard tests/*.c)
BENCH_SRC:= $(wildcard benchmarks/*.c)

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILD)/%.o)

.PHONY: all deps test asan run-asan bench demo clean help

all: $(BUILD)/libcapsim.a $(BUILD)/capsim

help:
	@echo "make          build build/libcapsim.a and build/capsim"
	@echo "make deps     install the Debian packages the build needs (as root)"
	@echo "make test     build and run every test (runs deps first)"
	@echo "make asan     the tests under AddressSanitizer + UBSan"
	@echo "make bench    the benchmarks"
	@echo "make demo     replay the bundled KTH-SP2 trace under FCFS and EASY (runs deps first)"

# Install missing Debian packages: apt-get as root, else print the command and stop.
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	else \
	  echo "deps: missing packages:$$missing"; \
	  echo "deps: run as root: apt-get install -y$$missing"; exit 1; \
	fi

$(BUILD)/%.o: %.c $(wildcard include/capsim/*.h sched/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS_ALL) $(EXTRA_CFLAGS) -Isched -c $< -o $@

$(BUILD)/libcapsim.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/capsim: $(BUILD)/sim/main.o $(BUILD)/libcapsim.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $^ $(LDLIBS_ALL) -o $@

$(BUILD)/test_capsim: $(TEST_OBJ) $(BUILD)/libcapsim.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $^ $(LDLIBS_ALL) -lcriterion -o $@

$(BUILD)/bench/%: benchmarks/%.c $(BUILD)/libcapsim.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS_ALL) -Isched $< $(BUILD)/libcapsim.a $(LDLIBS_ALL) -o $@

# Tests find the binary and ../shared through the environment.
TEST_ENV = CAPSIM_BIN=$(abspath $(BUILD)/capsim) CAPSIM_SHARED=$(abspath $(SHARED)) CAPSIM_ROOT=$(CURDIR)

test: deps
	$(MAKE) $(BUILD)/capsim $(BUILD)/test_capsim
	$(TEST_ENV) $(BUILD)/test_capsim $(TEST_ARGS)

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: deps
	$(MAKE) BUILD=build/asan EXTRA_CFLAGS="$(ASAN_FLAGS)" build/asan/capsim build/asan/test_capsim
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(MAKE) --no-print-directory BUILD=build/asan run-asan

# Criterion's forked test processes skip LeakSanitizer's exit check unless
# CRITERION_NO_EARLY_EXIT is set, and even then a leak does not fail the
# test: so the log is checked for any sanitizer report.
run-asan:
	@log=$(BUILD)/asan.log; \
	CRITERION_NO_EARLY_EXIT=1 $(TEST_ENV) $(BUILD)/test_capsim --jobs 2 $(TEST_ARGS) >$$log 2>&1; st=$$?; \
	cat $$log; \
	if grep -q -E 'ERROR: (Leak|Address)Sanitizer|runtime error:' $$log; then \
	  echo "asan: sanitizer reports above"; exit 1; fi; exit $$st

BENCHES = $(BENCH_SRC:benchmarks/%.c=$(BUILD)/bench/%)
bench: deps $(BENCHES) $(BUILD)/capsim
	@for b in $(BENCHES); do CAPSIM_SHARED=$(abspath $(SHARED)) $$b || exit 1; done

demo: deps
	$(MAKE) $(BUILD)/capsim
	@echo "== FCFS =="
	$(BUILD)/capsim run --workload configs/traces/KTH-SP2-1996-2.swf.gz --policy fcfs --out $(BUILD)/demo-fcfs
	@echo "== EASY =="
	$(BUILD)/capsim run --workload configs/traces/KTH-SP2-1996-2.swf.gz --policy easy --out $(BUILD)/demo-easy
	@echo "== EASY (shortest-estimate-first backfilling) =="
	$(BUILD)/capsim run --workload configs/traces/KTH-SP2-1996-2.swf.gz --policy easy --backfill-order sjbf --out $(BUILD)/demo-easy-sjbf
	@sh benchmarks/compare.sh $(BUILD)/demo-fcfs $(BUILD)/demo-easy $(BUILD)/demo-easy-sjbf

clean:
	rm -rf build
