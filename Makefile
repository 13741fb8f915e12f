# scrubgate - build, test, fuzz and benchmark.
#
#   make deps     install what is missing (Debian 12, apt-get; needs root)
#   make          build ./scrubgate
#   make run      deps + build + the SMTP gateway on 127.0.0.1:2525 (foreground)
#   make check    deps + build + every test, normal build and ASan+UBSan build
#   make fuzz     build the libFuzzer targets (clang)
#   make bench    throughput figures next to reference runs
#   make bench-smtp  scrubgate serve vs. a Postfix relay (smtp-source/-sink)
#
# Objects of each build variant live in build/<variant>/; the variants are
# normal (-O2), asan (ASan+UBSan, -O1) and fuzz (clang, libFuzzer).

CC ?= cc
VARIANT ?= normal
B := build/$(VARIANT)

PKGS := libpcre2-8 libssl libcrypto inih sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ETPAN_LIBS := -letpan

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CSTD := -std=c11 -D_GNU_SOURCE
ifeq ($(VARIANT),asan)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDOPT := -fsanitize=address,undefined
else ifeq ($(VARIANT),fuzz)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -DSCRUBGATE_FUZZ
LDOPT := -fsanitize=address,undefined
else
OPT := -O2 -g
LDOPT :=
endif
CFLAGS_ALL := $(CSTD) $(WARN) $(OPT) -Ifilters -Igateway $(PKG_CFLAGS) $(CFLAGS)
LIBS := $(ETPAN_LIBS) $(PKG_LIBS) -lm

FILTER_SRC := $(sort $(wildcard filters/*.c))
GATEWAY_SRC := $(sort $(filter-out gateway/main.c,$(wildcard gateway/*.c)))
FILTER_OBJ := $(FILTER_SRC:%.c=$(B)/%.o)
GATEWAY_OBJ := $(GATEWAY_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

.PHONY: all build deps run check config-docs test unit-tests asan fuzz fuzz-run bench bench-smtp valgrind clean

all: build

build: scrubgate

scrubgate: $(B)/scrubgate
ifeq ($(VARIANT),normal)
	cp $(B)/scrubgate scrubgate.tmp && mv -f scrubgate.tmp scrubgate
endif

$(B)/scrubgate: $(B)/gateway/main.o $(B)/libgateway.a $(B)/libfilters.a
	$(CC) $(LDOPT) -o $@ $^ $(LIBS)

$(B)/libfilters.a: $(FILTER_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/libgateway.a: $(GATEWAY_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/%.o: %.c $(wildcard filters/*.h gateway/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c tests/unit/harness.h $(B)/libgateway.a $(B)/libfilters.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit $(LDOPT) -o $@ $< $(B)/libgateway.a $(B)/libfilters.a $(LIBS)

unit-tests: $(UNIT_BIN)

# --- installing what is missing (Debian 12) --------------------------------
DEB_PKGS := build-essential clang pkg-config libetpan-dev libpcre2-dev \
	libssl-dev libinih-dev libsqlite3-dev python3 valgrind postfix \
	dovecot-imapd dovecot-lmtpd
# node and npm (only for the redact-pii reference in make bench) count as
# present when the commands are: a NodeSource nodejs bundles npm, and
# Debian's npm package then cannot be installed beside it.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# --- the main job -------------------------------------------------------------
# run: the SMTP gateway on 127.0.0.1:2525 in the foreground (Ctrl-C stops
# it); mail to support@localhost (or any address @localhost) is scrubbed,
# spooled under build/run/spool and delivered to the Maildir
# build/run/Maildir; the ticket store is build/run/tickets.db
RUN_DIR := $(CURDIR)/build/run
run: deps
	$(MAKE) build
	@mkdir -p $(RUN_DIR)
	@printf '%s\n' '; written by make run; a real next hop is one line:' \
	    ';   next_hop = smtp://helpdesk.example.com:25' \
	    '[server]' 'listen = 127.0.0.1:2525' 'hostname = localhost' \
	    '[delivery]' 'spool = spool' '[store]' 'database = tickets.db' \
	    '[route support]' 'mailboxes = support@localhost, localhost' \
	    'next_hop = maildir:$(RUN_DIR)/Maildir' >$(RUN_DIR)/scrubgate.conf
	@echo "scrubgate serve on 127.0.0.1:2525 (config $(RUN_DIR)/scrubgate.conf);"
	@echo "mail to support@localhost lands scrubbed in $(RUN_DIR)/Maildir/new. Ctrl-C stops."
	./scrubgate serve -c $(RUN_DIR)/scrubgate.conf

# --- tests --------------------------------------------------------------------
# check: every test under the normal build, then the same suite under
# ASan+UBSan, a -Werror build of everything with clang, and the fuzzers
check: deps
	@rm -f build/test-totals
	$(MAKE) build unit-tests
	tests/run-all.sh build/normal
	$(MAKE) VARIANT=asan build/asan/scrubgate unit-tests
	tests/run-all.sh build/asan
	$(MAKE) CC=clang VARIANT=clang build/clang/scrubgate unit-tests
	$(MAKE) fuzz
	tests/fuzz/run-fuzz.sh 60
	tests/summary.sh

asan:
	$(MAKE) VARIANT=asan build/asan/scrubgate unit-tests

valgrind: build unit-tests
	tests/run-valgrind.sh build/normal

fuzz:
	$(MAKE) VARIANT=fuzz CC=clang build/fuzz/libgateway.a build/fuzz/libfilters.a
	@mkdir -p build/fuzz/bin
	for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		clang $(CSTD) -O1 -g -fsanitize=fuzzer,address,undefined -DSCRUBGATE_FUZZ -Ifilters -Igateway $(PKG_CFLAGS) \
			-o build/fuzz/bin/$$n $$f build/fuzz/libgateway.a build/fuzz/libfilters.a $(LIBS) || exit 1; \
	done

bench: deps build
	tests/bench/bench.sh

# bench-smtp: scrubgate serve against a loopback Postfix relay, both into
# smtp-sink (docs/performance.md, "SMTP gateway")
bench-smtp: deps build
	tests/bench/bench_smtp.sh

# config-docs: regenerate config/scrubgate.conf and the key reference in
# docs/configuration.md from the key table (run after changing a row)
config-docs: build
	./scrubgate check-config --template > config/scrubgate.conf
	./scrubgate check-config --markdown > build/config-ref.md
	awk 'FNR == NR { ref = ref $$0 "\n"; next } \
	    /^\| section \| key / { printf "%s", ref; skip = 1; next } \
	    skip && /^\|/ { next } { skip = 0; print }' \
	    build/config-ref.md docs/configuration.md > build/configuration.md
	mv build/configuration.md docs/configuration.md

clean:
	rm -rf build scrubgate
