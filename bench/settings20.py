"""The 20 benchmark settings (settings20.tsv), read once for every peer so
the generator, the naive Python audit and the OVAL generator share one
definition.  Rows: (key as written, kind, compliant value, absent passes)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def load_settings():
    rows = []
    with open(os.path.join(HERE, "settings20.tsv"), encoding="ascii") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            key, kind, value, absent_ok = line.rstrip("\n").split("\t")
            rows.append((key, kind, value, absent_ok == "yes"))
    return rows
