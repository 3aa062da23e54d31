#!/usr/bin/env bash
# Reading a template costs time linear in its size (issue 18): an OVF with
# 4N ExtraConfig entries and a Packer map of 4N keys take less than 8 times
# the CPU time of N, start-up cost taken off (quadratic lookups would take
# 16 times).  The ratio is
# measured in one run, never an absolute time.
set -u
: "${VMXGUARD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" "$VMXGUARD" <<'PY'
import os, resource, subprocess, sys
tmp, exe = sys.argv[1], sys.argv[2]
def ovf(n):
    p = "%s/o%d.ovf" % (tmp, n)
    with open(p, "w") as f:
        f.write('<Envelope xmlns:vmw="http://www.vmware.com/schema/ovf"><VirtualSystem>'
                '<Name>v</Name><VirtualHardwareSection>\n')
        for i in range(n):
            f.write('<vmw:ExtraConfig vmw:key="k%d.x" vmw:value="%d"/>\n' % (i, i))
        f.write("</VirtualHardwareSection></VirtualSystem></Envelope>\n")
    return p
def hcl(n):
    # eight sources with one map of n keys each: enough work to time
    p = "%s/p%d.pkr.hcl" % (tmp, n)
    with open(p, "w") as f:
        for s in range(8):
            f.write('source "vmware-iso" "s%d" {\n  vmx_data = {\n' % s)
            for i in range(n):
                f.write('    "k%d.x" = "%d"\n' % (i, i))
            f.write("  }\n}\n")
    return p
def cpu(path, runs=5):
    best = None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([exe, "audit", "--no-folder-evidence", path], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = t if best is None else min(best, t)
    return max(best, 0.001)
fails = 0
for name, make, n in (("ovf", ovf, 10000), ("packer", hcl, 2500)):
    # the cost of starting up (a template of one entry) is taken off both
    base = cpu(make(1))
    small, big = cpu(make(n)), cpu(make(4 * n))
    ratio = max(big - base, 0.001) / max(small - base, 0.001)
    ok = ratio < 8
    print("%s %s: %d entries %.3f s, %d entries %.3f s, ratio %.1f (< 8)"
          % ("ok  " if ok else "FAIL", name, n, small, 4 * n, big, ratio))
    fails += not ok
sys.exit(1 if fails else 0)
PY
