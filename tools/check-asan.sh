#!/bin/sh
# The whole test suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer (`make check-asan`): a separate build in
# BUILDDIR/asan-build (configured once, then rebuilt as sources change),
# where any report stops the program that made it (-fno-sanitize-recover),
# so that the test running it fails. Leaks are reported at exit
# (LeakSanitizer). CC may name another compiler (gcc by default).
# detect_stack_use_after_return stays off: its frames live on the heap,
# which the interpreter's stack-depth guard would take for a deep stack.
set -u
build=${BUILDDIR:?} src=${SRCDIR:?}
dir=$build/asan-build
flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
mkdir -p "$dir" && cd "$dir" || exit 2
if [ ! -f Makefile ]; then
    "$src/configure" -q CC="${CC:-gcc}" CFLAGS="-g -O1 $flags" LDFLAGS="$flags" || exit 2
fi
${MAKE:-make} || exit 2
ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1 \
    ${MAKE:-make} check ${TESTS:+TESTS="$TESTS"}
