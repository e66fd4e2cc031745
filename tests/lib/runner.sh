# shellcheck shell=bash
# tests/lib/runner.sh -- the loop of every harness's run.sh.
#
# A run.sh sets a few variables, may define hooks, and calls runner_main:
#
#     here=$(cd -- "$(dirname -- "$0")" && pwd)
#     . "$here/../lib/runner.sh"
#     RUN_TIMEOUT=${TEST_TIMEOUT:-120}
#     runner_main "$@"
#
# Arguments select tests: a path to a test script runs exactly that script
# (CTest runs each one so); any other argument is a bash regular expression
# that selects the tests whose name (without .sh) it matches -- a plain
# word matches the names that contain it ('delete', 't1030',
# 't1010|t1130').  No argument: every test of the harness, in name order.
#
# Each test runs alone under `timeout` (RUN_TIMEOUT seconds, or what the
# hook run_timeout_of NAME prints) with stdin /dev/null, its output in a log.
# Its exit status is the verdict: 0 pass, 77 skip, anything else a failure
# (124/137: timed out).  The runner prints one line per test
#     PASS  t1030-delete                     1.2s  <its PASS/FAIL/SKIP message>
# and the tail of a failing test's log (FAIL_TAIL lines; default
# RUN_FAIL_TAIL, 60, or 400 when one test runs, as under CTest; through the
# hook run_tail_filter), then "failed: ..." and "time: ..." lines and,
# as its very last line,
#     N passed, N failed, N skipped
# Exit status: 0 if nothing failed and something passed, 77 if every
# selected test skipped, 1 if any failed, 2 if no test matched.
#
# Variables: RUN_GLOB (test scripts, default t[0-9][0-9][0-9][0-9]-*.sh),
# RUN_TIMEOUT, RUN_FAIL_TAIL, RUN_KEEP_LOGS=1 (keep the logs and say where),
# VERBOSE=1 (show a passing test's output too).
# Hooks (define before runner_main; all optional):
#   run_setup            once before the tests; non-zero: stop, one failure
#   run_timeout_of NAME  the timeout of one test
#   run_after_test NAME RESULT SECS LOG MESSAGE   (RESULT: PASS/FAIL/SKIP)
#   run_tail_filter      filters a failing test's log (stdin to stdout)
#   run_finish           before the summary line (tables); may call
#                        runner_count RESULT to count one more row

# The runner shares common.sh's binary lookup and timing helpers.
. "$(dirname -- "${BASH_SOURCE[0]}")/common.sh"
set +o pipefail

RUN_GLOB=${RUN_GLOB:-'t[0-9][0-9][0-9][0-9]-*.sh'}
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
RUN_FAIL_TAIL=${RUN_FAIL_TAIL:-60}
_run_npass=0 _run_nfail=0 _run_nskip=0
_run_failed=()

runner_count() {
    case $1 in
    PASS) _run_npass=$((_run_npass + 1)) ;;
    SKIP) _run_nskip=$((_run_nskip + 1)) ;;
    *) _run_nfail=$((_run_nfail + 1)) ;;
    esac
}

# runner_select DIR ARGS...: the selected scripts, one per line.
runner_select() {
    local dir=$1 t name p want files=0
    shift
    for p; do [ -f "$p" ] && files=1; done
    if [ "$files" = 1 ]; then
        for p; do
            [ -f "$p" ] || { echo "runner: not a test script: $p" >&2; return 1; }
            echo "$(cd -- "$(dirname -- "$p")" && pwd)/$(basename -- "$p")"
        done
        return 0
    fi
    shopt -s nullglob
    for t in "$dir"/$RUN_GLOB; do
        name=$(basename -- "$t" .sh)
        if [ $# -gt 0 ]; then
            want=0
            for p; do [[ $name =~ $p ]] && { want=1; break; }; done
            [ "$want" = 1 ] || continue
        fi
        echo "$t"
    done
}

runner_main() {
    local here tests t name log t0 rc secs res msg lim start_all tail_n
    here=$(cd -- "$(dirname -- "$0")" && pwd)
    mapfile -t tests < <(runner_select "$here" "$@")
    if [ ${#tests[@]} -eq 0 ]; then
        echo "no test matches: $*"
        echo "0 passed, 0 failed, 0 skipped"
        return 2
    fi
    # Global: the EXIT trap and the hooks see it (reliability keeps it).
    logdir=$(mktemp -d "${TMPDIR:-/tmp}/treesync-$(basename -- "$here")-logs.XXXXXX") || return 2
    [ "${RUN_KEEP_LOGS:-0}" = 1 ] || trap 'rm -rf -- "$logdir"' EXIT
    _run_logs=
    [ "${RUN_KEEP_LOGS:-0}" = 1 ] && _run_logs="; logs in $logdir"
    if declare -F run_setup >/dev/null && ! run_setup; then
        echo "run_setup failed"
        echo "0 passed, 1 failed, 0 skipped"
        return 1
    fi
    tail_n=${FAIL_TAIL:-$RUN_FAIL_TAIL}
    [ ${#tests[@]} -eq 1 ] && tail_n=${FAIL_TAIL:-400}
    start_all=$(now)
    for t in "${tests[@]}"; do
        name=$(basename -- "$t" .sh)
        lim=$RUN_TIMEOUT
        declare -F run_timeout_of >/dev/null && lim=$(run_timeout_of "$name")
        log=$logdir/$name.log
        t0=$(now)
        timeout -k 10 "$lim" bash "$t" </dev/null >"$log" 2>&1
        rc=$?
        secs=$(elapsed "$t0" 1)
        msg=$(grep -E '^(PASS|FAIL|SKIP): ' "$log" | tail -n1)
        msg=${msg#*: }
        msg=${msg#"$name: "}
        case $rc in
        0) res=PASS ;;
        77) res=SKIP ;;
        124 | 137) res=FAIL msg="timed out after ${lim}s${msg:+ ($msg)}" ;;
        *) res=FAIL msg="exit $rc${msg:+: $msg}" ;;
        esac
        runner_count "$res"
        [ "$res" = FAIL ] && _run_failed+=("$name")
        printf '%-4s  %-36s %6ss  %s\n' "$res" "$name" "$secs" "${msg:0:200}"
        if [ "$res" = FAIL ]; then
            if declare -F run_tail_filter >/dev/null; then run_tail_filter <"$log"; else cat -- "$log"; fi |
                tail -n "$tail_n" | cut -c1-300 | sed 's/^/      /'
        elif [ "${VERBOSE:-0}" = 1 ]; then
            sed 's/^/      /' -- "$log"
        fi
        declare -F run_after_test >/dev/null && run_after_test "$name" "$res" "$secs" "$log" "$msg"
    done
    declare -F run_finish >/dev/null && run_finish
    [ ${#_run_failed[@]} -eq 0 ] || echo "failed: ${_run_failed[*]}"
    echo "time: $(elapsed "$start_all" 1)s$_run_logs"
    echo "$_run_npass passed, $_run_nfail failed, $_run_nskip skipped"
    [ "$_run_nfail" -gt 0 ] && return 1
    [ "$_run_npass" -eq 0 ] && [ "$_run_nskip" -gt 0 ] && return 77
    return 0
}
