#!/usr/bin/env bash
# Builds compare.c against Debian's libsqlite3-dev, liblmdb-dev and librocksdb-dev and runs each candidate on N
# keys (default 2,000,000) in a scratch directory; prints one line per store and the file sizes.
set -euo pipefail
n=${1:-2000000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/compare" "$here/compare.c" -lsqlite3 -llmdb -lrocksdb
for store in ${STORES:-sqlite lmdb rocksdb}; do
  mkdir "$work/$store"
  "$work/compare" "$store" "$n" "$work/$store"
  du -sh "$work/$store"/live* | sed "s|$work/||"
done
