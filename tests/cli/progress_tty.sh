#!/usr/bin/env bash
# The progress line, seen the way a user sees it: `vmxguard audit` over a
# generated tree of 3,000 VMs runs inside tmux (a real pseudo-terminal); the
# pane shows the progress line while it runs and nothing of it once done.
# The same run with stderr to a file or a pipe, or with --quiet on the
# terminal, carries no progress at all.
set -euo pipefail
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v tmux >/dev/null || fail "tmux missing (scripts/deps/ux.txt installs it)"
command -v python3 >/dev/null || fail "python3 missing"
tmp=$(mktemp -d)
sock=vg-progress-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
N=3000
python3 "$VG_SOURCE_DIR/bench/gen_datastore.py" "$tmp/ds" $N >/dev/null
# The runs that must show no progress use a sixth of the tree, at a sixth
# of the time (a run that must draw uses the whole tree).
small=("$tmp"/ds/vm00[0-4]??)
[ ${#small[@]} -eq 500 ] || fail "generator layout changed: ${#small[@]} folders vm00000-vm00499"
# "N/3000 items, R/s, ETA T" when the command knows the total up front,
# "N items, R/s" when it does not (the file walk streams; see cli_progress.h).
line_re="[0-9]+(/$N items, [0-9.]+/s, ETA [0-9hms-]+| items?, [0-9.]+/s)"

# Run "$@" in a fresh tmux pane, stderr on the pane, stdout to $tmp/NAME.out
# (or, with REDIRECT=no, on the pane too).
# Everything the pane receives is logged raw (pipe-pane) and the screen is
# captured every 50 ms while it runs; NAME.shot keeps a screen that showed
# the progress line.
in_tmux() {
    local name=$1 redirect=$2; shift 2
    local cmd
    printf -v cmd '%q ' "$@"
    [ "$redirect" = no ] || cmd="$cmd >$tmp/$name.out"
    # the command goes in a script: 500 paths are too long for tmux's own line
    printf '%s\n' "while [ ! -e $tmp/$name.go ]; do sleep 0.02; done" "$cmd" \
        "echo \$? >$tmp/$name.rc" "sleep 60" >"$tmp/$name.sh"
    tmux -L "$sock" -f /dev/null new-session -d -s "$name" -x 120 -y 30 "bash $tmp/$name.sh"
    tmux -L "$sock" pipe-pane -t "$name" -o "cat >>$tmp/$name.raw"
    touch "$tmp/$name.go"
    local i
    for ((i = 0; i < 6000; i++)); do
        [ -s "$tmp/$name.rc" ] && break
        tmux -L "$sock" capture-pane -p -t "$name" >"$tmp/$name.screen" 2>/dev/null || true
        grep -qE "$line_re" "$tmp/$name.screen" && cp "$tmp/$name.screen" "$tmp/$name.shot"
        sleep 0.05
    done
    [ -s "$tmp/$name.rc" ] || fail "$name: audit did not finish within 5 minutes"
    sleep 0.2 # let the pane catch up with the last bytes
    tmux -L "$sock" capture-pane -p -t "$name" >"$tmp/$name.final"
    tmux -L "$sock" kill-session -t "$name"
}

# One worker and five baselines: the audit of 3,000 VMs otherwise ends in
# about 0.2 s, too soon after the first line (drawn after 100 ms of work)
# for the 50 ms screen captures to be sure to see it.
slow=(--jobs 1 -p disa-vsphere8-vm -p disa-vsphere7-vm -p vmware-scg-8 -p cis-esxi-8 -p vcf-scg-9.1)
in_tmux tty yes "$VMXGUARD" audit "${slow[@]}" "$tmp/ds"
rc=$(cat "$tmp/tty.rc")
[ "$rc" -le 1 ] || fail "audit on the terminal exited $rc"
grep -qaE "$line_re" "$tmp/tty.raw" || fail "no progress line reached the terminal: $(head -c 300 "$tmp/tty.raw" | cat -v)"
[ -s "$tmp/tty.shot" ] || fail "the progress line was never on screen"
echo "the pane showed:"
grep -E "$line_re" "$tmp/tty.shot" | sed 's/^/    /'
! grep -qE "$line_re" "$tmp/tty.final" || fail "progress line left on screen after the run"
! grep -qa $'\r' "$tmp/tty.out" || fail "carriage returns in the report on stdout"
grep -q . "$tmp/tty.out" || fail "no report on stdout"

# With --quiet on the same terminal: no progress.
in_tmux quiet yes "$VMXGUARD" audit --quiet "${small[@]}"
! grep -qaE "$line_re" "$tmp/quiet.raw" || fail "--quiet still drew progress"

# The report itself on the terminal: no progress line tearing its lines.
in_tmux screen no "$VMXGUARD" audit "${small[@]}"
! grep -qaE "$line_re" "$tmp/screen.raw" || fail "progress drawn into a report on the same terminal"
grep -qa "vm0" "$tmp/screen.raw" || fail "the report did not reach the terminal"

# -o FILE with stdout still on the terminal: progress again (the whole
# tree: the first line is drawn only after 100 ms of work, and a sixth of
# it can finish sooner on an idle machine).
in_tmux ofile no "$VMXGUARD" audit -o "$tmp/ofile.report" "$tmp/ds"
grep -qaE "$line_re" "$tmp/ofile.raw" || fail "no progress with -o FILE on a terminal"
! grep -qaE "$line_re" "$tmp/ofile.final" || fail "progress left on screen after -o FILE run"

# stderr to a file, and to a pipe: no progress, no carriage returns.
in_tmux small yes "$VMXGUARD" audit "${small[@]}" # the terminal's report, to compare
rc=0; "$VMXGUARD" audit "${small[@]}" >"$tmp/file.out" 2>"$tmp/file.err" || rc=$?
[ $rc -le 1 ] || fail "audit to files exited $rc"
! grep -qaE "$line_re" "$tmp/file.err" || fail "progress written to a file"
! grep -qa $'\r' "$tmp/file.err" || fail "carriage return written to a file"
"$VMXGUARD" audit "${small[@]}" 2>&1 >/dev/null | cat >"$tmp/pipe.err" || true
! grep -qaE "$line_re" "$tmp/pipe.err" || fail "progress written to a pipe"
! grep -qa $'\r' "$tmp/pipe.err" || fail "carriage return written to a pipe"
cmp -s "$tmp/small.out" "$tmp/file.out" || fail "report differs between terminal and file runs"
echo "ok: progress on the terminal, cleared at the end; none with --quiet, in a file, a pipe or a report on screen"
