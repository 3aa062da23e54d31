#!/usr/bin/env python3
"""The naive peer: a straightforward stdlib-only Python audit of the 20
settings in settings20.tsv, the way an admin would script it.  One result
line per (VM, setting) on stdout, exactly the semantics of settings20.tsv."""
import fnmatch
import os
import sys

from settings20 import load_settings





def parse(path):
    d = {}
    with open(path, "rb") as f:
        for raw in f.read().decode("utf-8", "replace").splitlines():
            line = raw.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, v = line.split("=", 1)
            v = v.strip()
            if v.startswith('"') and v.endswith('"') and len(v) >= 2:
                v = v[1:-1]
            d[k.strip().lower()] = v.strip()
    return d


def ok(kind, want, v):
    if kind in ("bool", "device"):
        return v.lower() == want
    if kind == "int":
        return v.isdigit() and int(v) == int(want)
    return False


def main():
    settings = [(k.lower(), kind, v, ok) for k, kind, v, ok in load_settings()]
    out = sys.stdout
    for top in sys.argv[1:]:
        for root, dirs, files in os.walk(top):
            dirs.sort()
            for fn in sorted(files):
                if not fn.endswith(".vmx"):
                    continue
                path = os.path.join(root, fn)
                d = parse(path)
                for key, kind, want, absent_ok in settings:
                    if "*" in key:
                        vals = [v for k, v in d.items() if fnmatch.fnmatchcase(k, key)]
                    else:
                        vals = [d[key]] if key in d else []
                    if not vals:
                        status = "pass" if absent_ok else "fail"
                    elif kind == "absent":
                        status = "fail"
                    else:
                        status = "pass" if all(ok(kind, want, v) for v in vals) else "fail"
                    out.write("%s\t%s\t%s\n" % (path, key, status))


if __name__ == "__main__":
    main()
