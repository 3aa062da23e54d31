#!/usr/bin/env bash
# `vmxguard logs` on every corpus vmware.log: boot-time SCSI probing (REPORT
# LUNS, ATA PASS-THROUGH(16), 16-byte CDBs ...) never makes it exit 1; a log
# exits 1 only for a finding outside the device category (the corpus has
# VMs that failed to power on), and every log whose logged configuration has
# virtualHW.version / guestOS (in any case) shows both in its facts.
set -u
: "${VMXGUARD:?}" "${VG_SOURCE_DIR:?}"
corpus="$VG_SOURCE_DIR/../shared/corpus/vmware-log"
[ -d "$corpus" ] || { echo "corpus missing: $corpus" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; exit 1; }
n=0 ones=0
for f in "$corpus"/*.log; do
    n=$((n + 1))
    json=$("$VMXGUARD" logs --format json "$f")
    rc=$?
    verdict=$(python3 -c '
import json, sys
d = json.load(sys.stdin)
def walk(o):
    if isinstance(o, dict):
        yield o
        for v in o.values():
            yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
objs = list(walk(d))
finds = [o for o in objs if "category" in o and "severity" in o and "id" in o]
dev = [f["id"] + " " + str(f.get("opcode")) for f in finds
       if f["category"] == "device" and f["severity"] != "info"]
other = [f for f in finds if f["category"] != "device" and f["severity"] != "info"]
facts = [o for o in objs if "hw_version" in o or "guest_os" in o]
hw = any(o.get("hw_version") for o in facts)
guest = any(o.get("guest_os") for o in facts)
print("dev=" + ";".join(dev), "other=%d" % len(other), "hw=%d" % hw, "guest=%d" % guest)
' <<<"$json") || fail "$f: JSON did not parse"
    case "$verdict" in "dev= "*) ;; *) fail "$(basename "$f"): device finding above info: $verdict" ;; esac
    other=$(sed 's/.*other=\([0-9]*\).*/\1/' <<<"$verdict")
    if [ "$rc" -eq 1 ]; then
        ones=$((ones + 1))
        [ "$other" -gt 0 ] || fail "$(basename "$f"): exit 1 without a non-device finding"
    elif [ "$rc" -ne 0 ]; then
        fail "$(basename "$f"): exit $rc"
    fi
    if grep -aqiE 'DICT +virtualhw\.version = ' "$f"; then
        grep -q 'hw=1' <<<"$verdict" || fail "$(basename "$f"): hardware version lost"
    fi
    if grep -aqiE 'DICT +guestos = ' "$f"; then
        grep -q 'guest=1' <<<"$verdict" || fail "$(basename "$f"): guest OS lost"
    fi
done
[ "$n" -eq 43 ] || fail "expected 43 corpus logs, found $n"
echo "ok: $n logs, $ones exit 1 (power-on failures), no boot probe above info"
