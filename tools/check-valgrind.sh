#!/bin/sh
# The whole test suite under valgrind's memcheck (`make check-valgrind`):
# every unit test program, every run of app/thunder by the script tests
# and every fuzz replay goes through tools/valgrind-run. Run from the
# build directory by make, with BUILDDIR and SRCDIR set. Reports of
# errors are collected in valgrind-logs/ and shown at the end.
# tests/tui.test and tests/tui-signals.test are left out (VALGRIND_TESTS):
# they give the workbench in tmux seconds to draw, which valgrind's pace
# does not meet.
set -u
build=${BUILDDIR:?} src=${SRCDIR:?}
logs=$build/valgrind-logs
rm -rf "$logs" && mkdir -p "$logs" || exit 2
wrap=$src/tools/valgrind-run
cat >"$build/valgrind-thunder" <<EOS
#!/bin/sh
exec "$wrap" "$build/app/thunder" "\$@"
EOS
chmod +x "$build/valgrind-thunder"
export THUNDER_LIBTOOL="$build/libtool" VALGRIND_LOG_DIR="$logs"
${MAKE:-make} check TESTS="${TESTS:-$VALGRIND_TESTS}" \
    LOG_COMPILER="${SHELL:-/bin/sh} $src/tests/cmocka-tap.sh $wrap" \
    TESTS_ENVIRONMENT="THUNDER_BIN=$build/valgrind-thunder; export THUNDER_BIN; \
THUNDER_BUILDDIR=$build; export THUNDER_BUILDDIR; \
REPLAY_WRAPPER=$wrap; export REPLAY_WRAPPER; THUNDER_TEST_SLOW=1; export THUNDER_TEST_SLOW;"
status=$?
bad=$(find "$logs" -type f -size +0 | sort)
if [ -n "$bad" ]; then
    echo "valgrind reported errors in $(echo "$bad" | wc -l) runs:"
    for f in $bad; do
        echo "=== $f"
        head -n 60 "$f"
    done
    status=1
else
    echo "valgrind: no errors, no definite leaks"
fi
exit $status
