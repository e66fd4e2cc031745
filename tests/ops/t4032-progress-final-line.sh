#!/bin/bash
# t4032: what the operator is left with.  On an 80-column terminal with a
# long file name in flight, every redraw must fit the width (a wrapped line
# cannot be redrawn with \r: each redraw then leaves a stale row behind),
# and the final line of a complete run must count every file as done
# ("N/N files ... done").
. "$(dirname "$0")/lib.sh"
desc "--progress: fits an 80-column terminal; final line says N/N files done"
need_treesync
need_cmd script util-linux
throttle_init
long=a_rather_long_directory_name_for_testing/and_a_long_file_name_as_well
mkdir -p "$T/src/${long%/*}"
make_big "$T/src/${long%/*}" "${long#*/}.bin"
for i in 1 2 3; do echo $i >"$T/src/s$i"; done

script -qfec "stty cols 80 rows 24; $SLOW '$TREESYNC' -a --copy-method=readwrite --progress '$T/src/' '$T/dst/' >/dev/null; echo \$? >'$T/rc'" /dev/null </dev/null >"$T/pty" 2>&1
[ "$(cat "$T/rc" 2>/dev/null)" = 0 ] || bad "exit $(cat "$T/rc" 2>/dev/null)"
python3 "$OPS_DIR/pty_progress.py" "$T/pty" 80 >"$T/facts"
while IFS='=' read -r k v; do printf -v "P_$k" '%s' "$v"; done <"$T/facts"
note "last frame: '$P_last'"
note "$P_frames frames, the widest $P_widest columns"

[ "$P_frames" -ge 2 ] || bad "only $P_frames frame(s): the copy was too quick to judge"
if [ "$P_widest" -le 80 ]; then ok "every frame fits 80 columns"
else bad "frames up to $P_widest columns on an 80-column terminal: each redraw wraps and leaves a stale row"
fi
[ "$P_rendered_rows" = 1 ] && ok "an 80-column screen shows one progress row at the end" ||
    bad "an 80-column screen shows $P_rendered_rows progress rows at the end (stale redraws)"
n=${P_last_done%/*} m=${P_last_done#*/}
if [ -n "$n" ] && [ "$n" = "$m" ]; then ok "final line counts every file done: $P_last_done"
else bad "final line of a complete run says '$P_last_done files' (done < seen)"
fi
finish
