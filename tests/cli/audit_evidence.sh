#!/usr/bin/env bash
# vmxguard audit reads each VM's folder (issue 8 part 3): an oversized
# vmware.log (vs log.rotateSize) and a .vmx.lck/ member fail the evidence
# rules of catalog/rules/logs.yaml with evidence naming the file; a clean
# folder passes them; --no-folder-evidence leaves them out.
set -u
: "${VMXGUARD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
has() { grep -qF -- "$2" "$1"; }
hasnt() { ! grep -qF -- "$2" "$1"; }

mkvm() { # mkvm NAME: a VM with a small rotation size
    mkdir -p "$tmp/ds/$1"
    printf '.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "19"\n' >"$tmp/ds/$1/$1.vmx"
    printf 'displayName = "%s"\nlog.rotateSize = "1000"\nlog.keepOld = "2"\n' "$1" >>"$tmp/ds/$1/$1.vmx"
}
logline() { echo "2022-11-24T17:46:40.654Z In(05) vmx normal line $1 with some padding text here"; }
mkvm big
for i in $(seq 1 200); do logline "$i"; done >"$tmp/ds/big/vmware.log" # ~16 KB > 2 x 1000
mkdir "$tmp/ds/big/big.vmx.lck"
echo "uuid=1 12345-esx01(vmware-vmx) 1 X" >"$tmp/ds/big/big.vmx.lck/M12345.lck"
mkvm clean
for i in 1 2 3; do logline "$i"; done >"$tmp/ds/clean/vmware.log"

# rule STATUS FILE-ENDING for one VM, from the JSON report
status_of() { # status_of JSON VM RULE -> "status file"
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for vm in d["vms"]:
    for r in vm["results"]:
        if vm["vm"]["name"] == sys.argv[2] and r["rule"] == sys.argv[3]:
            print(r["status"], r["file"] or "-", r["profile"])
PY
}

"$VMXGUARD" audit "$tmp/ds" -f json -o "$tmp/out.json" 2>"$tmp/err"; rc=$?
check "findings exit 1" [ "$rc" -eq 1 ]
check "no input errors" [ ! -s "$tmp/err" ]
s=$(status_of "$tmp/out.json" big log-size-within-rotation)
check "oversized log fails log-size-within-rotation" [ "${s%% *}" = fail ]
check "evidence file is the log" grep -q "/big/vmware.log vm-folder-evidence" <<<"$s"
s=$(status_of "$tmp/out.json" big vm-not-running-lock)
check "lock member fails vm-not-running-lock" [ "${s%% *}" = fail ]
check "evidence file is the lock member" grep -q "big.vmx.lck/M12345.lck" <<<"$s"
for r in log-no-backdoor-flood log-no-unsupported-device-commands log-no-vmx-failures; do
    s=$(status_of "$tmp/out.json" big $r)
    check "quiet log passes $r" [ "${s%% *}" = pass ]
done
for r in log-size-within-rotation log-no-backdoor-flood log-no-unsupported-device-commands \
    log-no-vmx-failures vm-not-running-lock; do
    s=$(status_of "$tmp/out.json" clean $r)
    check "clean folder passes $r" [ "${s%% *}" = pass ]
done

# text: the failing rules, the log named in the evidence, the profile in the summary
"$VMXGUARD" audit "$tmp/ds" --color=never >"$tmp/out.txt" 2>&1
check "text names log-size-within-rotation" has "$tmp/out.txt" "FAIL    medium  log-size-within-rotation"
check "text evidence names vmware.log" has "$tmp/out.txt" "largest vmware.log"
check "text evidence names the lock" has "$tmp/out.txt" "lock M12345.lck present"
check "summary lists the evidence profile" grep -q "^Profile:  vm-folder-evidence" "$tmp/out.txt"

# the evidence rules fail only for the folder that shows the problem
"$VMXGUARD" audit "$tmp/ds/clean" -f csv -o "$tmp/clean.csv" 2>/dev/null
check "clean VM has all five evidence rules" [ "$(grep -cE 'log-size-within-rotation|log-no-backdoor-flood|log-no-unsupported-device-commands|log-no-vmx-failures|vm-not-running-lock' "$tmp/clean.csv")" -eq 5 ]

# --no-folder-evidence: no evidence results and no evidence profile
"$VMXGUARD" audit "$tmp/ds" --no-folder-evidence -f json -o "$tmp/off.json" 2>/dev/null
check "--no-folder-evidence drops the results" hasnt "$tmp/off.json" "log-size-within-rotation"
check "--no-folder-evidence drops the profile" hasnt "$tmp/off.json" "vm-folder-evidence"
check "help documents --no-folder-evidence" grep -q -- "--no-folder-evidence" <("$VMXGUARD" audit --help)

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all audit evidence checks passed"
