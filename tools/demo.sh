#!/bin/bash
# Installs what is missing, builds treesync, and shows it at work on a
# sample tree made on the fly: an initial copy, a dry-run diff after a few
# changes, and the real resync.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/deps.sh"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" >/dev/null
ts="$top/build/treesync"

work=$(mktemp -d /tmp/treesync-demo.XXXXXX)
src=$work/src dst=$work/mirror
mkdir -p "$src/docs/drafts" "$src/data" "$src/empty"
for i in $(seq 1 50); do head -c $((i * 997)) /dev/urandom >"$src/data/f$i.bin"; done
echo "hello" >"$src/docs/readme.txt"
echo "draft" >"$src/docs/drafts/plan.md"
ln -s docs/readme.txt "$src/README"

echo "== initial copy: treesync -a -i --stats $src/ $dst/"
"$ts" -a -i --stats "$src/" "$dst/"
echo
echo "== changes in the source: one file edited, one removed, one added"
echo "edited" >>"$src/docs/readme.txt"
rm "$src/data/f7.bin"
echo "new" >"$src/docs/new.txt"
echo "== dry run: treesync -a -n -i --delete $src/ $dst/"
"$ts" -a -n -i --delete "$src/" "$dst/"
echo
echo "== real resync: treesync -a -i --delete $src/ $dst/"
"$ts" -a -i --delete "$src/" "$dst/"
echo
echo "== a second resync has nothing to do (no output, exit 0):"
"$ts" -a -i --delete "$src/" "$dst/" && echo "exit status $?"
diff -r "$src" "$dst" && echo "== $dst is identical to $src"
rm -rf "$work"
