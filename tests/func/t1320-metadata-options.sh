#!/bin/bash
. "$(dirname "$0")/lib.sh"
describe "--chmod (symbolic, octal, D/F), --chown, -J, --numeric-ids, --min-size/--max-size (K/M suffixes, +1/-1) equal rsync"
need_treesync
need_root

mkdir -p "$SRC/d/sub"
echo a >"$SRC/f"; chmod 640 "$SRC/f"; chmod 700 "$SRC/d"
head -c 2000 /dev/zero >"$SRC/d/two-k"; head -c 1024 /dev/zero >"$SRC/d/one-k"
head -c 5000 /dev/zero >"$SRC/d/sub/five-k"; chmod 750 "$SRC/d/sub/five-k"
ln -s f "$SRC/l"
touch -h -d @1500000000 "$SRC/l"
touch -d @1500000000 "$SRC/f" "$SRC/d/two-k" "$SRC/d/one-k" "$SRC/d/sub/five-k" "$SRC/d/sub" "$SRC/d" "$SRC"

for args in "-r --chown=1234:5678" "-a --chown=:5678" "-r --chmod=D2775,F664" \
	"-a --chmod=g+w,o-rwx,Dg+s" "-a --chmod=u=rwX,go=rX" "-a --chmod=Fo+t,Da-x,+X" \
	"-a --max-size=1k" "-a --min-size=1k --max-size=1.5k" "-a --max-size=1k-1" \
	"-a --min-size=1KB" "-aJ" "-a --numeric-ids"; do
	rm -rf "$DST"
	# shellcheck disable=SC2086
	run_both $args -i -- "$SRC/" "$DST"
	case $args in
	-r*) assert_same_result --no-mtime ;;	# no -t: transfer times
	-aJ) assert_same_result --no-mtime-links ;;	# -J: link times are not kept
	*) assert_same_result ;;
	esac
done

# A stale destination: -J leaves a symlink's time alone, --chmod fixes modes.
rm -rf "$DST"; cp -a "$SRC" "$DST"
touch -h -d @1600000000 "$DST/l"
run_both -aiJ --chmod=go-rwx -- "$SRC/" "$DST"
assert_same_result
[ "$(stat -c %Y "$TS_DST/l")" = 1600000000 ] || ts_is_rsync || fail "-J changed a symlink's time"

rm -rf "$DST"
run_both -a --chmod=u+q -- "$SRC/" "$DST"
[ "$TS_RC" = 1 ] || fail "bad --chmod: exit $TS_RC, want 1"
pass
