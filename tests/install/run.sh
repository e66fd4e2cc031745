#!/bin/bash
# tests/install/run.sh -- what `cmake --install` puts on a system, checked
# from the outside, as a user of the tool and of the library sees it.
#
# Installs the build twice into temp DESTDIRs: with --prefix /usr, where the
# file list must be exactly the expected one and libtreesync.so must export
# exactly the ts_* functions the public headers declare (plus the version
# node of cmake/treesync.map); then with --prefix /opt/treesync, another
# prefix than the build was configured for, where a small C program
# (consumer.c) is built once with `pkg-config --cflags --libs treesync` and
# once through the CMake package (find_package(treesync), treesync::treesync)
# and run against the installed library.
#
# Environment (tests/CMakeLists.txt sets it): TS_BUILD_DIR, TS_SOURCE_DIR,
# TS_CONFIG, TS_VERSION, TS_SOVERSION, TS_BINDIR TS_LIBDIR TS_INCLUDEDIR
# TS_DATADIR TS_MANDIR (GNUInstallDirs, relative), CMAKE, CC and
# TS_SANITIZER_FLAGS (the consumer must be linked with the library's
# sanitizer runtime).
#
# Exit 0 when every check passed, 1 when one failed (each failure is named
# and the checks go on), 77 (a CTest skip) only when a command it needs is
# missing: nm, readelf, pkg-config or a C compiler.
set -uo pipefail

for v in TS_BUILD_DIR TS_SOURCE_DIR TS_VERSION TS_SOVERSION TS_BINDIR TS_LIBDIR \
    TS_INCLUDEDIR TS_DATADIR TS_MANDIR CMAKE CC; do
	if [ -z "${!v:-}" ]; then
		echo "FAIL: $v is not set (run this through ctest)"
		exit 1
	fi
done
for d in TS_BINDIR TS_LIBDIR TS_INCLUDEDIR TS_DATADIR TS_MANDIR; do
	case ${!d} in /*)
		echo "FAIL: $d=${!d} is absolute; this test expects GNUInstallDirs' relative paths"
		exit 1
	esac
done
for c in nm readelf pkg-config "$CC"; do
	if ! command -v "$c" >/dev/null; then
		echo "SKIP: '$c' not found (nm and readelf: binutils; pkg-config: pkgconf)"
		exit 77
	fi
done

read -ra san <<<"${TS_SANITIZER_FLAGS:-}"
cfg=${TS_CONFIG:-}
here=$TS_SOURCE_DIR/tests/install
tmp=$(mktemp -d "${TMPDIR:-/tmp}/treesync-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
nfail=0

pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }

# install DESTDIR PREFIX: cmake --install, output shown only on failure.
install_to() {
	if ! DESTDIR=$1 "$CMAKE" --install "$TS_BUILD_DIR" --prefix "$2" \
	    ${cfg:+--config "$cfg"} >"$tmp/install.log" 2>&1; then
		cat "$tmp/install.log"
		fail "cmake --install --prefix $2 (DESTDIR=$1)"
		return 1
	fi
}

# --- 1. --prefix /usr: the file list, the links, the exports -------------
a=$tmp/usr-root
install_to "$a" /usr || { echo "1 failed"; exit 1; }
lib=usr/$TS_LIBDIR
so=libtreesync.so
config_lower=$(tr '[:upper:]' '[:lower:]' <<<"${cfg:-noconfig}")
{
	echo "usr/$TS_BINDIR/treesync"
	echo "usr/$TS_MANDIR/man1/treesync.1"
	echo "usr/$TS_DATADIR/bash-completion/completions/treesync"
	echo "usr/$TS_DATADIR/zsh/vendor-completions/_treesync"
	echo "usr/$TS_DATADIR/fish/vendor_completions.d/treesync.fish"
	echo "$lib/$so"
	echo "$lib/$so.$TS_SOVERSION"
	echo "$lib/$so.$TS_VERSION"
	for h in "$TS_SOURCE_DIR"/include/treesync/*.h; do
		echo "usr/$TS_INCLUDEDIR/treesync/${h##*/}"
	done
	echo "$lib/pkgconfig/treesync.pc"
	echo "$lib/cmake/treesync/treesyncConfig.cmake"
	echo "$lib/cmake/treesync/treesyncConfigVersion.cmake"
	echo "$lib/cmake/treesync/treesyncTargets.cmake"
	echo "$lib/cmake/treesync/treesyncTargets-$config_lower.cmake"
} | sort >"$tmp/expected"
(cd "$a" && find . -mindepth 1 ! -type d | sed 's|^\./||' | sort) >"$tmp/actual"
if diff -u "$tmp/expected" "$tmp/actual" >"$tmp/diff"; then
	pass "the file list ($(wc -l <"$tmp/actual") files)"
else
	fail "the installed files differ from the expected list (-expected +installed):"
	sed 1,2d "$tmp/diff"
fi

link_is() {	# NAME TARGET
	if [ -L "$a/$lib/$1" ] && [ "$(readlink "$a/$lib/$1")" = "$2" ]; then
		pass "$1 -> $2"
	else
		fail "$lib/$1 is not a symlink to $2"
	fi
}
link_is "$so" "$so.$TS_SOVERSION"
link_is "$so.$TS_SOVERSION" "$so.$TS_VERSION"
soname=$(readelf -d "$a/$lib/$so.$TS_VERSION" 2>&1 | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" = "$so.$TS_SOVERSION" ]; then
	pass "SONAME $soname"
else
	fail "SONAME is '$soname', not $so.$TS_SOVERSION"
fi
version=$("$a/usr/$TS_BINDIR/treesync" --version 2>&1)
if [ -x "$a/usr/$TS_BINDIR/treesync" ] && grep -qF "$TS_VERSION" <<<"$version"; then
	pass "the installed treesync --version says $TS_VERSION"
else
	fail "the installed treesync does not run or its --version lacks $TS_VERSION"
fi

# Exports: nm -D lists "ADDR T ts_name@@TREESYNC_N" per function and one
# "0 A TREESYNC_N" for the version node; anything else is a leak.
nm -D --defined-only "$a/$lib/$so.$TS_VERSION" >"$tmp/nm" 2>&1
echo "nm -D --defined-only $so.$TS_VERSION:"
sed 's/^/    /' "$tmp/nm"
node=TREESYNC_$TS_SOVERSION
if leaks=$(grep -vE "^[0-9a-f]+ T ts_[A-Za-z0-9_]+@@$node\$|^0+ A $node\$" "$tmp/nm"); then
	fail "symbols other than ts_* functions (or unversioned) are exported:"
	echo "$leaks"
else
	pass "only ts_* functions are exported, in version $node"
fi
sed -nE 's/^[0-9a-f]+ T (ts_[A-Za-z0-9_]+)@@.*/\1/p' "$tmp/nm" | sort -u >"$tmp/exported"
# The functions the installed public headers declare: the headers
# preprocessed (no comments, no macros), cut into declarations at ; { },
# and the ts_NAME( of each that is neither static nor a typedef.
for h in "$a/usr/$TS_INCLUDEDIR"/treesync/*.h; do
	echo "#include <treesync/${h##*/}>"
done >"$tmp/all.c"
if "$CC" -E -P -I"$a/usr/$TS_INCLUDEDIR" "$tmp/all.c" >"$tmp/all.i" 2>"$tmp/cpp.log"; then
	tr '\n;{}' ' \n\n\n' <"$tmp/all.i" | grep -vE '^[[:space:]]*(static|typedef)\b' |
	    grep -oE '\bts_[A-Za-z0-9_]+[[:space:]]*\(' | sed -E 's/[[:space:]]*\($//' |
	    sort -u >"$tmp/declared"
	if [ ! -s "$tmp/declared" ]; then
		fail "no ts_ function found in the installed headers"
	elif diff -u "$tmp/declared" "$tmp/exported" >"$tmp/diff"; then
		pass "exported = declared: $(tr '\n' ' ' <"$tmp/exported")"
	else
		fail "exported functions differ from the public headers' (-declared +exported):"
		sed 1,2d "$tmp/diff"
	fi
else
	cat "$tmp/cpp.log"
	fail "the installed headers do not preprocess"
fi

pc() {	# pkg-config ARGS... with only the installation in $PCDIR
	PKG_CONFIG_PATH=$PCDIR PKG_CONFIG_LIBDIR=$PCDIR pkg-config "$@"
}
PCDIR=$a/$lib/pkgconfig
got=$(pc --modversion treesync 2>&1)/$(pc --variable=prefix treesync 2>&1)/$(pc --variable=libdir treesync 2>&1)/$(pc --variable=includedir treesync 2>&1)
want=$TS_VERSION//usr//usr/$TS_LIBDIR//usr/$TS_INCLUDEDIR
if [ "$got" = "$want" ]; then
	pass "treesync.pc: version $TS_VERSION, prefix /usr, libdir, includedir"
else
	fail "treesync.pc says version/prefix/libdir/includedir '$got', want '$want'"
fi

# --- 2. --prefix /opt/treesync: build and run users of the library -------
b=$tmp/opt-root
p=/opt/treesync
install_to "$b" "$p" || { echo "$nfail failed"; exit 1; }
export PKG_CONFIG_SYSROOT_DIR=$b	# -I/-L flags point into the DESTDIR
PCDIR=$b$p/$TS_LIBDIR/pkgconfig
flags=$(pc --cflags --libs treesync 2>&1 | sed 's/ *$//')	# pkgconf ends with a space
want="-I$b$p/$TS_INCLUDEDIR -L$b$p/$TS_LIBDIR -ltreesync"
if [ "$flags" = "$want" ]; then
	pass "pkg-config --cflags --libs treesync: $flags"
else
	fail "pkg-config --cflags --libs treesync says '$flags', want '$want'"
fi
unset PKG_CONFIG_SYSROOT_DIR

# run_consumer WHAT BINARY: runs it against the library in $b and checks
# that this library, not another installed one, was loaded.
run_consumer() {
	local out loaded
	out=$(LD_LIBRARY_PATH=$b$p/$TS_LIBDIR "$2" 2>&1)
	loaded=$(LD_TRACE_LOADED_OBJECTS=1 LD_LIBRARY_PATH=$b$p/$TS_LIBDIR "$2" 2>&1)
	if [ "$out" != "consumer: ok" ]; then
		fail "$1: the consumer says: $out"
	elif ! grep -qF "$so.$TS_SOVERSION => $b$p/$TS_LIBDIR/$so.$TS_SOVERSION" <<<"$loaded"; then
		fail "$1: the consumer did not load $b$p/$TS_LIBDIR/$so.$TS_SOVERSION"
	else
		pass "$1: the consumer builds and runs"
	fi
}

# shellcheck disable=SC2086	# $flags is a list of words
if "$CC" -std=c11 -Wall -Wextra -pedantic -Werror "${san[@]}" "$here/consumer.c" \
    -o "$tmp/consumer-pc" $flags >"$tmp/cc.log" 2>&1; then
	run_consumer "pkg-config" "$tmp/consumer-pc"
else
	cat "$tmp/cc.log"
	fail "pkg-config: consumer.c does not compile and link (strict C11) against the installation"
fi

cb=$tmp/consumer-cmake
if "$CMAKE" -S "$here" -B "$cb" -DCMAKE_PREFIX_PATH="$b$p" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_C_FLAGS="${san[*]}" -DCMAKE_EXE_LINKER_FLAGS="${san[*]}" \
    >"$tmp/cmake.log" 2>&1 && "$CMAKE" --build "$cb" >>"$tmp/cmake.log" 2>&1; then
	if grep -qF "treesync_DIR=$b$p/$TS_LIBDIR/cmake/treesync" "$tmp/cmake.log"; then
		run_consumer "CMake package" "$cb/consumer"
	else
		grep 'treesync_DIR' "$tmp/cmake.log"
		fail "CMake package: find_package(treesync) found another installation"
	fi
else
	cat "$tmp/cmake.log"
	fail "CMake package: find_package(treesync) + treesync::treesync does not build"
fi

echo "$nfail failed"
[ "$nfail" = 0 ]
