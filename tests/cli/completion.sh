#!/usr/bin/env bash
# Shell completion: the bash script loads (also under bash-completion) and
# registers itself; the zsh function loads through compinit in a clean
# ZDOTDIR.  Both are then driven for real -- bash by calling the function
# with COMP_WORDS set, zsh through a pseudo-terminal (zsh/zpty) pressing TAB
# -- and must offer profile ids, rule ids, commands and every option each
# command's --help lists.
set -euo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v zsh >/dev/null || fail "zsh missing (scripts/deps/ux.txt installs it)"
comp=$VG_SOURCE_DIR/completions
# The scripts call `vmxguard`, as an installed copy would.
mkdir "$tmp/bin"
ln -s "$VMXGUARD" "$tmp/bin/vmxguard"
export PATH=$tmp/bin:$PATH
cmds=$(vmxguard --list-commands)

# --- bash -------------------------------------------------------------------
cat >"$tmp/bash_driver.sh" <<'DRIVER'
set -e
source "$1"
complete -p vmxguard
c() {
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _vmxguard
    printf '%s\n' "== $*" "${COMPREPLY[@]}"
}
c vmxguard audit --profile disa-vsphere8
c vmxguard explain isolation-tools-cop
c vmxguard au
c vmxguard fix --color = al
c vmxguard audit --fail-on h
for cmd in $(vmxguard --list-commands); do c vmxguard "$cmd" --; done
DRIVER
bash --norc --noprofile "$tmp/bash_driver.sh" "$comp/vmxguard.bash" >"$tmp/bash.out" 2>"$tmp/bash.err" ||
    fail "bash driver exited $?: $(cat "$tmp/bash.err")"
[ ! -s "$tmp/bash.err" ] || fail "bash printed errors: $(cat "$tmp/bash.err")"
grep -qx 'complete -o filenames -F _vmxguard vmxguard' "$tmp/bash.out" || fail "complete -p vmxguard"

# candidates after the line "== LINE" (up to the next "==")
after() { awk -v want="== $2" '$0 == want {on=1; next} /^== /{on=0} on' "$1"; }
want() { # file line candidate...
    local f=$1 l=$2; shift 2
    local got; got=$(after "$f" "$l")
    for w in "$@"; do
        grep -qx -- "$w" <<<"$got" || fail "$(basename "$f" .out): '$l<TAB>' lacks '$w' (got: $(echo $got))"
    done
}
want_only() { # file line candidate: exactly one candidate
    local got; got=$(after "$1" "$2")
    [ "$got" = "$3" ] || fail "$(basename "$1" .out): '$2<TAB>' want only '$3', got: $(echo $got)"
}
check_common() {
    local f=$1
    want_only "$f" "vmxguard audit --profile disa-vsphere8" disa-vsphere8-vm
    want_only "$f" "vmxguard explain isolation-tools-cop" isolation-tools-copy-disable
    want_only "$f" "vmxguard au" audit
    want "$f" "vmxguard audit --fail-on h" high
    for cmd in $cmds; do
        for o in $(vmxguard "$cmd" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
            want "$f" "vmxguard $cmd --" "$o"
        done
    done
}
want_only "$tmp/bash.out" "vmxguard fix --color = al" always
check_common "$tmp/bash.out"

# ...and with bash-completion loaded, as on a real system, in an interactive shell
if [ -f /usr/share/bash-completion/bash_completion ]; then
    bash --norc --noprofile -i -c "source /usr/share/bash-completion/bash_completion
        source '$comp/vmxguard.bash' && complete -p vmxguard" >"$tmp/bc.out" 2>"$tmp/bc.err" ||
        fail "bash-completion + vmxguard.bash: $(cat "$tmp/bc.err")"
    grep -q '_vmxguard vmxguard' "$tmp/bc.out" || fail "not registered under bash-completion"
else
    fail "bash-completion missing (scripts/deps/ux.txt installs it)"
fi

# --- zsh --------------------------------------------------------------------
# Load through compinit in a clean ZDOTDIR: no errors, and _vmxguard is bound.
mkdir "$tmp/zdot"
ZDOTDIR=$tmp/zdot zsh -f -c "fpath=('$comp' \$fpath); autoload -U compinit
    compinit -u -d '$tmp/zcompdump'; print -r -- \$_comps[vmxguard]" >"$tmp/zload" 2>"$tmp/zload.err" ||
    fail "zsh compinit failed: $(cat "$tmp/zload.err")"
[ ! -s "$tmp/zload.err" ] || fail "zsh printed errors: $(cat "$tmp/zload.err")"
[ "$(cat "$tmp/zload")" = _vmxguard ] || fail "compinit did not bind _vmxguard: $(cat "$tmp/zload")"

# Press TAB in an interactive zsh on a pty; compadd is wrapped to log what
# would be offered, and a post-function marks the end of each completion.
cat >"$tmp/zsh_driver.zsh" <<'DRIVER'
zmodload zsh/zpty
compdir=$1 out=$2; shift 2
for cmdline in "$@"; do
    : >$out.part
    zpty z zsh -f -i
    zpty -w z "PS1='' PROMPT_EOL_MARK=''; fpath=(${(q)compdir} \$fpath); autoload -U compinit; compinit -u -d ${(q)out}.dump"
    zpty -w z "compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"\$@\"; return; fi; local -a __h; builtin compadd -O __h \"\$@\"; print -rl -- \${__h} >> ${(q)out}.part; builtin compadd \"\$@\"; }"
    zpty -w z "comppostfuncs=( _vg_done ); _vg_done() { print ZDONE >> ${(q)out}.part }"
    zpty -w -n z "$cmdline"$'\t'
    for i in {1..200}; do grep -q ZDONE $out.part 2>/dev/null && break; sleep 0.05; done
    zpty -d z
    grep -q ZDONE $out.part || print -r -- "TIMEOUT $cmdline" >>$out
    print -r -- "== $cmdline" >>$out
    grep -v ZDONE $out.part >>$out
done
DRIVER
lines=("vmxguard audit --profile disa-vsphere8" "vmxguard explain isolation-tools-cop" "vmxguard au"
       "vmxguard audit --fail-on h")
for cmd in $cmds; do lines+=("vmxguard $cmd --"); done
ZDOTDIR=$tmp/zdot zsh -f "$tmp/zsh_driver.zsh" "$comp" "$tmp/zsh.out" "${lines[@]}" 2>"$tmp/zsh.err" ||
    fail "zsh driver: $(cat "$tmp/zsh.err")"
! grep -q '^TIMEOUT' "$tmp/zsh.out" || fail "zsh completion did not finish: $(grep TIMEOUT "$tmp/zsh.out")"
check_common "$tmp/zsh.out"
echo "ok: bash and zsh complete commands, profile ids, rule ids and the options of $(echo $cmds | wc -w) commands"
