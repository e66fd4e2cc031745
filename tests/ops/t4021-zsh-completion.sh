#!/bin/bash
# t4021: zsh completion: completions/_treesync loads after compinit without
# a message, binds treesync, and its _arguments specs hold every option of
# --help with value completion; then, in a real interactive zsh driven
# through tmux, TAB completes --del and --copy-method= as it should.
. "$(dirname "$0")/lib.sh"
desc "zsh completion: loads, binds, specs, interactive TAB"
need_treesync
need_cmd zsh
F=$COMPDIR/_treesync
[ -r "$F" ] || { bad "no $F"; finish; }

# 1. Loads: `zsh -fc 'autoload -U compinit; compinit; source _treesync'`
# (HOME is the temp dir, for .zcompdump) prints nothing, exits 0.
(cd "$T" && HOME=$T zsh -fc "autoload -U compinit; compinit; source '$F'") >"$T/load.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$T/load.out" ]; then ok "zsh -f: compinit; source _treesync: exit 0, no output"
else bad "zsh -f: compinit; source _treesync: exit $rc"; show "$T/load.out"
fi
b=$(zsh -fc "autoload -U compinit; compinit -u -d '$T/zcompdump'; source '$F'; print -r -- \$_comps[treesync]" 2>&1)
[ "$b" = _treesync ] && ok "treesync is bound to _treesync" || bad "treesync bound to '$b', not _treesync"

# 2. The specs: run _treesync with _arguments replaced by a printer.
zsh -fc "autoload -U compinit; compinit -u -d '$T/zcompdump'; source '$F';
    _arguments() { print -rl -- \"\$@\" }; _treesync" >"$T/specs" 2>&1
miss=""
for o in $(help_longs); do grep -qE -- "^(\([^)]*\))?\*?--$o(=-?)?\[" "$T/specs" || miss+=" --$o"; done
for s in $(help_shorts); do grep -qE -- "^(\([^)]*\))?\*?-[$s]\+?\[" "$T/specs" || miss+=" -$s"; done
[ -z "$miss" ] && ok "_arguments specs hold every option of --help ($(grep -c '\[' "$T/specs") specs)" ||
    bad "_arguments specs lack:$miss"
grep -qF -- "--copy-method=[" "$T/specs" && grep -- "--copy-method=" "$T/specs" | grep -q "(auto copy_file_range sendfile readwrite)" &&
    ok "--copy-method= completes auto copy_file_range sendfile readwrite" ||
    bad "--copy-method= has no value list: $(grep -- '--copy-method' "$T/specs")"
grep -- "--log-file=" "$T/specs" | grep -q ":_files" && ok "--log-file= completes files" ||
    bad "--log-file= does not complete files: $(grep -- '--log-file' "$T/specs")"
grep -q "^\*:.*:_files" "$T/specs" && ok "operands complete files and directories" ||
    bad "no operand spec ('*:...:_files')"

# 3. Interactive: tmux + zsh -f, TAB, look at the screen.
if ! command -v tmux >/dev/null; then
	note "tmux not installed: interactive part skipped"
	finish
fi
S=tsops-zsh-$$
mkdir -p "$T/w/srcdir"
tmux -L "$S" new-session -d -s "$S" -x 160 -y 40 -c "$T/w" "env -i HOME=$T TERM=screen PATH=$PATH zsh -f" || { bad "tmux: cannot start zsh"; finish; }
at_exit 'tmux -L "$S" kill-server 2>/dev/null'
sleep 0.5
tmux -L "$S" send-keys -t "$S" "PS1='%% '; autoload -U compinit; compinit -u -d '$T/zcompdump'; source '$F'; clear" Enter
sleep 0.7
# tab LINE: types LINE, TAB, captures the screen into $T/screen, clears.
tab() {
	tmux -L "$S" send-keys -t "$S" -l "$1"
	tmux -L "$S" send-keys -t "$S" Tab
	sleep 1
	tmux -L "$S" capture-pane -p -t "$S" >"$T/screen"
	tmux -L "$S" send-keys -t "$S" C-u
	tmux -L "$S" send-keys -t "$S" "clear" Enter
	sleep 0.3
}
tab "treesync --copy-method="
miss=""
for w in auto copy_file_range sendfile readwrite; do grep -qw -- "$w" "$T/screen" || miss+=" $w"; done
[ -z "$miss" ] && ok "interactive: 'treesync --copy-method=<TAB>' lists the four methods" ||
    { bad "interactive: 'treesync --copy-method=<TAB>' lacks:$miss"; show "$T/screen" 8; }
tab "treesync --del"
miss=""
for w in --delete --delete-after; do grep -qw -- "$w" "$T/screen" || miss+=" $w"; done
help_longs | grep -qx delete-excluded && { grep -qw -- --delete-excluded "$T/screen" || miss+=" --delete-excluded"; }
[ -z "$miss" ] && ok "interactive: 'treesync --del<TAB>' lists --delete and its spellings" ||
    { bad "interactive: 'treesync --del<TAB>' lacks:$miss"; show "$T/screen" 8; }
tab "treesync --verif"
grep -q -- "--verify" "$T/screen" && ok "interactive: 'treesync --verif<TAB>' completes --verify" ||
    { bad "interactive: 'treesync --verif<TAB>' did not complete"; show "$T/screen" 5; }
finish
