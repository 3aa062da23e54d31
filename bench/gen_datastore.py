#!/usr/bin/env python3
"""Deterministic generator of realistic datastores for the benchmarks.

gen_datastore.py OUTDIR N [--seed S]

Writes OUTDIR/vm00000/vm00000.vmx ... : ESXi-style .vmx files of 80-200
lines (3-8 KB), about a third with CRLF line ends, some values with |22
escapes, keys in mixed case, booleans spelled TRUE/true/True/"FALSE", a
random subset of the hardening keys of settings20.tsv (compliant or not),
and a small vmware.log beside each.  Same seed, same bytes.
"""
import os
import random
import sys

from settings20 import load_settings





def mixcase(rng, key):
    r = rng.random()
    if r < 0.7:
        return key
    if r < 0.85:
        return key.lower()
    return "".join(c.upper() if rng.random() < 0.2 else c for c in key)


def boolword(rng, truth):
    words = ["TRUE", "true", "True"] if truth else ["FALSE", "false", "False"]
    return rng.choice(words)


def hardening_lines(rng, settings):
    out = []
    for key, kind, value, _ in settings:
        if rng.random() < 0.45:
            continue  # absent
        good = rng.random() < 0.8
        if kind in ("absent", "device"):
            if rng.random() < 0.6:
                continue
            key = key.replace("*.filter*", "0.filter1").replace("*", str(rng.randrange(3)))
            if kind == "absent":
                v = "salt-%d" % rng.randrange(99) if "salt" in key else "nsx-dvfilter"
            else:
                v = boolword(rng, not good)
        elif kind == "bool":
            truth = (value == "true") == good
            v = boolword(rng, truth)
        else:
            v = value if good else str(int(value) * 2 + 7)
        out.append((mixcase(rng, key), v))
    return out


def base_lines(rng, i):
    name = "vm%05d" % i
    lines = [
        (".encoding", "UTF-8"),
        ("config.version", "8"),
        ("virtualHW.version", str(rng.choice([13, 14, 15, 17, 19, 20, 21]))),
        ("vmci0.present", "TRUE"),
        ("numvcpus", str(rng.choice([1, 2, 4, 8]))),
        ("memSize", str(rng.choice([1024, 2048, 4096, 8192]))),
        ("bios.bootRetry.delay", "10"),
        ("powerType.powerOff", "default"),
        ("powerType.suspend", "soft"),
        ("powerType.reset", "default"),
        ("tools.upgrade.policy", "manual"),
        ("sched.cpu.units", "mhz"),
        ("sched.cpu.affinity", "all"),
        ("sched.mem.min", "0"),
        ("sched.mem.shares", "normal"),
        ("scsi0.virtualDev", "pvscsi"),
        ("scsi0.present", "TRUE"),
        ("sata0.present", "TRUE"),
        ("sata0:0.deviceType", "atapi-cdrom"),
        ("sata0:0.fileName", "/vmfs/volumes/datastore1/iso/install-%d.iso" % i),
        ("sata0:0.present", "TRUE"),
        ("sata0:0.startConnected", rng.choice(["FALSE", "TRUE"])),
        ("displayName", name if rng.random() < 0.9 else 'web |22%s|22 prod' % name),
        ("guestOS", rng.choice(["windows2019srv-64", "rhel8-64", "ubuntu-64", "other-64"])),
        ("uuid.bios", "42 %02x %02x 3c 5d 6e 7f 80-91 a2 b3 c4 d5 e6 f7 %02x"
         % (i & 0xff, (i >> 8) & 0xff, rng.randrange(256))),
        ("vc.uuid", "50 %02x %02x 11 22 33 44 55-66 77 88 99 aa bb cc dd"
         % (i & 0xff, (i >> 8) & 0xff)),
        ("nvram", name + ".nvram"),
        ("svga.present", "TRUE"),
        ("svga.vramSize", "8388608"),
    ]
    for d in range(rng.randint(1, 4)):
        lines += [
            ("scsi0:%d.deviceType" % d, "scsi-hardDisk"),
            ("scsi0:%d.fileName" % d, "%s_%d.vmdk" % (name, d)),
            ("scsi0:%d.present" % d, "TRUE"),
            ("scsi0:%d.redo" % d, ""),
            ("sched.scsi0:%d.shares" % d, "normal"),
            ("sched.scsi0:%d.throughputCap" % d, "off"),
        ]
    for n in range(rng.randint(1, 3)):
        lines += [
            ("ethernet%d.virtualDev" % n, "vmxnet3"),
            ("ethernet%d.networkName" % n, "VM Network %d" % n),
            ("ethernet%d.addressType" % n, "vpx"),
            ("ethernet%d.generatedAddress" % n, "00:50:56:%02x:%02x:%02x"
             % (n, i & 0xff, (i >> 8) & 0xff)),
            ("ethernet%d.uptCompatibility" % n, "TRUE"),
            ("ethernet%d.present" % n, "TRUE"),
            ("ethernet%d.pciSlotNumber" % n, str(192 + n * 32)),
        ]
    filler = rng.randint(20, 90)
    for k in range(filler):
        lines.append(("guestinfo.bench.k%03d" % k,
                      "v%08x" % rng.getrandbits(32) * rng.randint(1, 3)))
    lines.append(("migrate.hostLog", "./%s-%08x.hlog" % (name, rng.getrandbits(32))))
    lines.append(("sched.swap.derivedName", "/vmfs/volumes/5f00/%s/%s.vswp" % (name, name)))
    return name, lines


def vmware_log(rng, name, lines=None):
    out = []
    for s in range(lines if lines is not None else rng.randint(20, 60)):
        ts = "2026-11-%02dT%02d:%02d:%02d.%03dZ" % (1 + s % 27, s % 24, s % 60, (s * 7) % 60, s)
        msg = rng.choice([
            "vmx| I005: Guest: toolbox: Version: build-%d" % rng.randint(1, 99999),
            "vcpu-0| I005: GuestRpc: Got RPCI vsocket connection 1",
            "vmx| I005: VMXVmdb_SetToolsVersionStatus: status value set to 'ok'",
            "vcpu-0| I005: Tools: Changing running status: 1 => 2.",
            "vmx| I005: %s: power on" % name,
        ])
        out.append("%s| %s" % (ts, msg))
    return "\n".join(out) + "\n"


# Estate shapes (--shape): the cost of an audit depends on more than N.
#   default   one folder per VM under OUTDIR, 80-200 lines, a 2-6 KB log
#   wide      each VM folder also holds 14 other files (disks, nvram,
#             snapshots, rotated logs), as ESXi folders do
#   deep      VM folders 8 levels down (datacenter/cluster/folder/...)
#   biglogs   a 300-600 line vmware.log (40-80 KB) per VM
#   fewkeys   a minimal .vmx: 30 lines, no extra settings
#   manykeys  600-900 extra settings per .vmx (25-40 KB)
# The default shape's bytes do not depend on the shape code (same seed,
# same files as before the option existed).
SHAPES = ("default", "wide", "deep", "biglogs", "fewkeys", "manykeys")


def vm_folder(outdir, name, i, shape):
    if shape != "deep":
        return os.path.join(outdir, name)
    parts = ["dc%d" % (i % 2), "cluster%d" % (i % 3), "f%d" % (i % 5), "g%d" % (i % 7),
             "h%d" % (i % 4), "team%d" % (i % 6), "app%d" % (i % 9)]
    return os.path.join(outdir, *parts, name)


def wide_files(rng, vmdir, name):
    for d in range(4):
        with open(os.path.join(vmdir, "%s_%d.vmdk" % (name, d)), "w") as f:
            f.write("# Disk DescriptorFile\nversion=1\nCID=%08x\n"
                    'createType="vmfs"\nRW 41943040 VMFS "%s_%d-flat.vmdk"\n'
                    % (rng.getrandbits(32), name, d))
        open(os.path.join(vmdir, "%s_%d-flat.vmdk" % (name, d)), "w").close()
    for ext in (".nvram", ".vmsd", ".vmxf", "-aux.xml", ".vmx~"):
        with open(os.path.join(vmdir, name + ext), "w") as f:
            f.write("x" * rng.randint(10, 200))
    for r in range(1, 4):
        with open(os.path.join(vmdir, "vmware-%d.log" % r), "w") as f:
            f.write(vmware_log(rng, name))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: gen_datastore.py OUTDIR N [--seed S] [--shape %s]" % "|".join(SHAPES))
    outdir, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    shape = sys.argv[sys.argv.index("--shape") + 1] if "--shape" in sys.argv else "default"
    if shape not in SHAPES:
        sys.exit("gen_datastore.py: unknown shape %s (%s)" % (shape, ", ".join(SHAPES)))
    settings = load_settings()
    rng = random.Random(seed)
    for i in range(n):
        name, lines = base_lines(rng, i)
        if shape == "fewkeys":
            lines = [kv for kv in lines if not kv[0].startswith("guestinfo.bench.")][:24]
        elif shape == "manykeys":
            for k in range(rng.randint(600, 900)):
                lines.append(("guestinfo.many.k%04d" % k, "v%08x" % rng.getrandbits(32)))
        lines += hardening_lines(rng, settings)
        tail = lines[30:]
        rng.shuffle(tail)
        lines = lines[:30] + tail
        eol = "\r\n" if rng.random() < 0.33 else "\n"
        text = eol.join('%s = "%s"' % (k, v) for k, v in lines) + eol
        vmdir = vm_folder(outdir, name, i, shape)
        os.makedirs(vmdir, exist_ok=True)
        with open(os.path.join(vmdir, name + ".vmx"), "w", encoding="utf-8", newline="") as f:
            f.write(text)
        with open(os.path.join(vmdir, "vmware.log"), "w", encoding="utf-8") as f:
            f.write(vmware_log(rng, name, rng.randint(300, 600) if shape == "biglogs" else None))
        if shape == "wide":
            wide_files(rng, vmdir, name)


if __name__ == "__main__":
    main()
