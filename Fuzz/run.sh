#!/usr/bin/env bash
# Runs each libFuzzer target built by Fuzz/build.sh for a fixed time, starting from its committed
# seed corpus (Fuzz/Corpus/<target>) plus what earlier runs found (.build-fuzz/corpus/<target>),
# then, if it ran fewer than FUZZ_MIN_RUNS inputs in that time (a busy machine), on until it has;
# prints the executions per target. Fails when a target crashes (the input is kept under
# .build-fuzz/crashes/).
#   Fuzz/run.sh [target[:seconds]…]   seconds default to FUZZ_SECONDS (60); FUZZ_MIN_RUNS (1000000)
set -uo pipefail
cd "$(dirname "$0")/.."
# A trap is libFuzzer's to report (with the input that caused it): Swift's own backtracer would
# take the signal first, and reads memory AddressSanitizer reports as freed.
export SWIFT_BACKTRACE=enable=no
default_seconds=${FUZZ_SECONDS:-60}
min_runs=${FUZZ_MIN_RUNS:-1000000}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls Fuzz/Corpus))
status=0
report=()
for entry in "${targets[@]}"; do
    target=${entry%%:*}
    seconds=$default_seconds
    [ "$entry" = "$target" ] || seconds=${entry#*:}
    binary=.build-fuzz/release/$target
    [ -x "$binary" ] || { echo "fuzz: $binary is not built (Fuzz/build.sh $target)" >&2; exit 1; }
    corpus=.build-fuzz/corpus/$target
    crashes=.build-fuzz/crashes/$target
    log=.build-fuzz/logs/$target.log
    mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
    echo "fuzz: $target for ${seconds}s"
    "$binary" "$corpus" "Fuzz/Corpus/$target" -max_total_time="$seconds" -print_final_stats=1 \
        -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$crashes/" >"$log" 2>&1
    code=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "$code" -eq 0 ] && [ "${runs:-0}" -lt "$min_runs" ]; then
        # A machine busy with other work runs fewer inputs in the fixed time: the target goes on
        # from the corpus it built until it has run the minimum.
        echo "fuzz: $target ran ${runs:-0} in ${seconds}s; going on to $min_runs"
        "$binary" "$corpus" "Fuzz/Corpus/$target" -runs=$((min_runs - ${runs:-0})) -print_final_stats=1 \
            -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$crashes/" >>"$log" 2>&1
        code=$?
        more=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        runs=$(( ${runs:-0} + ${more:-0} ))
    fi
    verdict=ok
    if [ "$code" -ne 0 ]; then
        verdict="CRASH (exit $code, see $log and $crashes)"; status=1
        grep -m1 -A12 -E '^==[0-9]+==ERROR|Fatal error|fuzz invariant|deadly signal|timeout' "$log" >&2
    elif [ "${runs:-0}" -lt "$min_runs" ]; then
        verdict="fewer than $min_runs executions"; status=1
    fi
    report+=("$(printf '%-20s %12s %10s  %s' "$target" "${runs:-?}" "${rate:-?}" "$verdict")")
done
printf '\n%-20s %12s %10s  %s\n' target executions "exec/s" result
printf '%s\n' "${report[@]}"
exit $status
