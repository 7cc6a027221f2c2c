#!/usr/bin/env bash
# Builds the libFuzzer targets into .build-fuzz (its own scratch folder and lock, never the main
# .build): every module instrumented for coverage and AddressSanitizer, linked with libFuzzer's
# runtime without its main (SwiftPM gives each executable a main, which calls libFuzzer's driver).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
swiftc=$(command -v swiftc)
runtime=$(ls "$(dirname "$(readlink -f "$swiftc")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1)
[ -n "$runtime" ] || { echo "fuzz: the toolchain has no libclang_rt.fuzzer_no_main (needed for -sanitize=fuzzer on Linux)" >&2; exit 1; }
flags=(
    --scratch-path "$root/.build-fuzz" -c release
    -Xswiftc -sanitize=address
    # HeraldAvro's per-call budgets from a base of 1,024 instead of 1,048,576 (BinaryReader).
    -Xswiftc -DHERALD_FUZZ_BUDGETS
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp,indirect-calls
    -Xswiftc -use-ld=lld -Xlinker "$runtime" -Xlinker -lstdc++
)
for target in "$@"; do
    swift build "${flags[@]}" --product "$target"
done
