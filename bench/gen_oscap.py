#!/usr/bin/env python3
"""Writes an XCCDF 1.2 benchmark + OVAL 5.11 definitions that check the 20
settings of settings20.tsv over every .vmx below DATASTORE with OpenSCAP's
textfilecontent54 probe: the OpenSCAP peer of the benchmark.

gen_oscap.py DATASTORE OUTDIR  ->  OUTDIR/bench-xccdf.xml, OUTDIR/bench-oval.xml

How the semantics were made equal to vmxguard's and naive_audit.py's:
* key: case-insensitive regex (?i) anchored at line start, blanks around '='
  allowed, value optionally in double quotes, CR before LF ignored;
* bool: captured value must match ^(?i)true$ / ^(?i)false$;
* int: captured value must match ^0*N$ (decimal, leading zeros, nothing else);
* absent_ok=yes -> check_existence="any_exist" check="all" (no line passes,
  every line must comply); absent_ok=no -> at_least_one_exists;
* absent kind -> none_exist; device kind -> glob * becomes [^=\\s]*.
OpenSCAP reports one result per rule for the whole tree (a rule fails if any
file fails), while vmxguard reports per VM: the work (read and match every
file for every rule) is the same; only the aggregation differs.
"""
import os
import re
import sys

from settings20 import load_settings
from xml.sax.saxutils import escape





def key_regex(key):
    return "[^=\\s]*".join(re.escape(part) for part in key.split("*"))


def main():
    ds, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    defs, tests, objs, states, rules = [], [], [], [], []
    for i, (key, kind, value, absent_ok) in enumerate(load_settings(), 1):
        pat = r'(?i)^[ \t]*%s[ \t]*=[ \t]*"?([^"\r\n]*?)"?[ \t]*\r?$' % key_regex(key)
        objs.append(
            '<ind:textfilecontent54_object id="oval:vg.bench:obj:%d" version="1">'
            '<ind:behaviors recurse_direction="down" max_depth="-1" recurse_file_system="all"/>'
            '<ind:path>%s</ind:path>'
            '<ind:filename operation="pattern match">\\.vmx$</ind:filename>'
            '<ind:pattern operation="pattern match">%s</ind:pattern>'
            '<ind:instance datatype="int" operation="greater than or equal">1</ind:instance>'
            '</ind:textfilecontent54_object>' % (i, escape(ds), escape(pat)))
        if kind == "absent":
            tests.append(
                '<ind:textfilecontent54_test id="oval:vg.bench:tst:%d" version="1" '
                'check="all" check_existence="none_exist" comment="%s absent">'
                '<ind:object object_ref="oval:vg.bench:obj:%d"/></ind:textfilecontent54_test>'
                % (i, escape(key), i))
        else:
            want = "^(?i)%s$" % value if kind in ("bool", "device") else "^0*%s$" % value
            states.append(
                '<ind:textfilecontent54_state id="oval:vg.bench:ste:%d" version="1">'
                '<ind:subexpression operation="pattern match">%s</ind:subexpression>'
                '</ind:textfilecontent54_state>' % (i, escape(want)))
            tests.append(
                '<ind:textfilecontent54_test id="oval:vg.bench:tst:%d" version="1" check="all" '
                'check_existence="%s" comment="%s">'
                '<ind:object object_ref="oval:vg.bench:obj:%d"/>'
                '<ind:state state_ref="oval:vg.bench:ste:%d"/></ind:textfilecontent54_test>'
                % (i, "any_exist" if absent_ok else "at_least_one_exists", escape(key), i, i))
        defs.append(
            '<definition id="oval:vg.bench:def:%d" version="1" class="compliance">'
            '<metadata><title>%s</title><description>%s</description></metadata>'
            '<criteria><criterion test_ref="oval:vg.bench:tst:%d"/></criteria></definition>'
            % (i, escape(key), escape(key), i))
        rules.append(
            '<xccdf:Rule id="xccdf_org.vmxguard.bench_rule_%d" selected="true" severity="medium">'
            '<xccdf:title>%s</xccdf:title>'
            '<xccdf:check system="http://oval.mitre.org/XMLSchema/oval-definitions-5">'
            '<xccdf:check-content-ref href="bench-oval.xml" name="oval:vg.bench:def:%d"/>'
            '</xccdf:check></xccdf:Rule>' % (i, escape(key), i))
    with open(os.path.join(out, "bench-oval.xml"), "w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" '
            'xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" '
            'xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent">'
            '<generator><oval:product_name>vmxguard bench</oval:product_name>'
            '<oval:schema_version>5.11.2</oval:schema_version>'
            '<oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>'
            '<definitions>%s</definitions><tests>%s</tests><objects>%s</objects>'
            '<states>%s</states></oval_definitions>\n'
            % ("".join(defs), "".join(tests), "".join(objs), "".join(states)))
    with open(os.path.join(out, "bench-xccdf.xml"), "w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<xccdf:Benchmark xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" '
            'id="xccdf_org.vmxguard.bench_benchmark_vm20" resolved="1" xml:lang="en">'
            '<xccdf:status>draft</xccdf:status><xccdf:title>vmxguard bench: 20 VM settings'
            '</xccdf:title><xccdf:version>1</xccdf:version>%s</xccdf:Benchmark>\n'
            % "".join(rules))


if __name__ == "__main__":
    main()
