#!/usr/bin/env python3
"""Writes catalog/stig/<profile>.yaml: the identifiers DISA publishes for the
STIG rules a profile answers (group id and title, rule id with revision,
version, severity, weight, CCIs, legacy ids) and the benchmark's release
facts.  Identifiers only: no check, fix or discussion text is copied; those
stay vmxguard's own words in the catalog rules.

Inputs are DISA's own XCCDF files (U_*_Manual-xccdf.xml, as published on
cyber.mil; a copy of each is kept in mitre/inspec-profile-update-action
under benchmarks/DISA/) and, for catalog/stig/cci.yaml, DISA's CCI list
(U_CCI_List.xml; MITRE's @mitre/hdf-converters npm package embeds a copy in
lib/src/utils/CCI_List.js, which is read as well).  Usage:

    gen_stig.py XCCDF_DIR [CCI_LIST]

Profiles without a DISA XCCDF (the VCF 9 readiness guides) are written by
hand; their facts come from VMware's InSpec tags, see those files.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = {"x": "http://checklists.nist.gov/xccdf/1.1", "dc": "http://purl.org/dc/elements/1.1/"}
CCI_NS = {"c": "http://iase.disa.mil/cci"}
HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.path.dirname(HERE)

# profile -> [(XCCDF file, is the profile's checklist)]. A profile that
# mixes benchmarks names each; only the checklist benchmark goes into the
# ckl/cklb/xccdf checklists, the others give facts to explain and hdf.
PROFILES = {
    "disa-esx3": [
        ("U_VMware_ESX_3_Virtual_Machine_V1R2_Manual-xccdf.xml", True),
        ("U_VMware_ESX_3_Server_V1R2_Manual-xccdf.xml", False),
        ("U_VMware_ESX_3_Virtual_Center_V1R2_Manual-xccdf.xml", False),
    ],
    "disa-esxi5-vm": [("U_ESXi5_Virtual_Machine_STIG_V2R1_Manual-xccdf.xml", True)],
    "disa-vsphere6-vm": [("U_VMware_vSphere_6-0_Virtual_Machine_STIG_V1R1_Manual-xccdf.xml", True)],
    "disa-vsphere6.5-vm": [("U_VMW_vSphere_6-5_Virtual_Machine_STIG_V2R2_Manual-xccdf.xml", True)],
    "disa-vsphere6.7-vm": [("U_VMW_vSphere_6-7_Virtual_Machine_STIG_V1R3_Manual-xccdf.xml", True)],
    "disa-vsphere7-vm": [("U_VMW_vSphere_7-0_Virtual_Machine_STIG_V1R4_Manual-xccdf.xml", True)],
    "disa-vsphere8-vm": [
        ("U_VMW_vSphere_8-0_Virtual_Machine_STIG_V2R1_Manual-xccdf.xml", True),
        ("U_VMW_vSphere_8-0-ESXi_STIG_V2R1_Manual-xccdf.xml", False),
    ],
}


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def profile_ids(profile):
    text = open(os.path.join(CATALOG, "profiles", profile + ".yaml"), encoding="utf-8").read()
    return set(re.findall(r"source_id: ([^,}]+)", text))


def benchmark(path, checklist, wanted):
    root = ET.parse(path).getroot()
    ver = root.findtext("x:version", namespaces=NS)
    rel_info = ""
    for pt in root.findall("x:plain-text", NS):
        if pt.get("id") == "release-info":
            rel_info = pt.text or ""
    m = re.search(r"Release: (\d+)", rel_info)
    release = m.group(1) if m else ""
    status = root.find("x:status", NS)
    # the DPMS target id every rule's <reference> carries (STIG Viewer 3
    # writes it as reference_identifier); one per benchmark
    refs = {r.findtext("x:reference/dc:identifier", namespaces=NS)
            for r in root.iter("{%s}Rule" % NS["x"])} - {None}
    if len(refs) > 1:
        sys.exit("%s: rules name several DPMS targets %s" % (path, sorted(refs)))
    out = [
        "    - id: %s" % root.get("id"),
        "      checklist: %s" % ("true" if checklist else "false"),
        "      title: %s" % q(root.findtext("x:title", namespaces=NS)),
        "      version: %s" % q(ver),
        "      release: %s" % q(release),
        "      release_info: %s" % q(rel_info),
        "      date: %s" % q(status.get("date") if status is not None else ""),
        "      filename: %s" % os.path.basename(path),
        "      classification: UNCLASSIFIED",
    ]
    if refs:
        out.append("      reference_identifier: %s" % q(refs.pop()))
    out.append("      rules:")
    n = 0
    for g in root.findall("x:Group", NS):
        r = g.find("x:Rule", NS)
        sid = r.findtext("x:version", namespaces=NS)
        # the checklist benchmark is listed whole (a checklist holds every
        # rule of its STIG); the others only for the rules the profile uses
        if not checklist and sid not in wanted:
            continue
        ccis, legacy = [], []
        for ident in r.findall("x:ident", NS):
            if ident.get("system", "").endswith("/cci"):
                ccis.append(ident.text)
            elif ident.get("system", "").endswith("/legacy"):
                legacy.append(ident.text)
        fields = [
            "stig_id: %s" % sid,
            "group_id: %s" % g.get("id"),
            "group_title: %s" % q(g.findtext("x:title", namespaces=NS).strip()),
            "rule_id: %s" % r.get("id"),
            "severity: %s" % r.get("severity"),
            "weight: %s" % q(r.get("weight")),
        ]
        if ccis:
            fields.append("ccis: [%s]" % ", ".join(ccis))
        if legacy:
            fields.append("legacy_ids: [%s]" % ", ".join(legacy))
        if sid not in wanted:
            fields.append("covered: false")
        out.append("        - {%s}" % ", ".join(fields))
        n += 1
    return out, n


def cci_list(path):
    """U_CCI_List.xml (or the JS module embedding it) -> (version, {cci: (rev5, rev4)})."""
    text = open(path, encoding="utf-8").read()
    if not text.lstrip().startswith("<"):
        text = text[text.index("`") + 1:text.rindex("`")]
    root = ET.fromstring(text)
    out = {}
    for item in root.iter("{%s}cci_item" % CCI_NS["c"]):
        rev = {"4": [], "5": []}
        for ref in item.iter("{%s}reference" % CCI_NS["c"]):
            if ref.get("title", "").startswith("NIST SP 800-53 Revision") and ref.get("version") in rev:
                rev[ref.get("version")].append(ref.get("index"))
        out[item.get("id")] = (rev["5"], rev["4"])
    return root.findtext("c:metadata/c:version", namespaces=CCI_NS), out


def write_cci(path):
    """catalog/stig/cci.yaml: the NIST SP 800-53 controls of every CCI the catalog cites."""
    version, table = cci_list(path)
    cited = set()
    for name in sorted(os.listdir(os.path.join(CATALOG, "stig"))):
        if name.endswith(".yaml") and name != "cci.yaml":
            text = open(os.path.join(CATALOG, "stig", name), encoding="utf-8").read()
            cited |= set(re.findall(r"CCI-\d{6}", text.split("stig:", 1)[1]))
    lines = [
        "# CCI -> NIST SP 800-53 controls for the CCIs the catalog's STIG rules cite,",
        "# generated by catalog/tools/gen_stig.py from DISA's CCI list (U_CCI_List.xml,",
        "# version %s).  Each list is the Revision 5 reference of the CCI; the" % version,
        "# Revision 4 reference follows in a comment where the list has one.",
        "cci:",
    ]
    for cci in sorted(cited):
        if cci not in table:
            sys.exit("%s is not in %s" % (cci, path))
        rev5, rev4 = table[cci]
        if not rev5 and not rev4:
            sys.exit("%s has no NIST SP 800-53 reference in %s" % (cci, path))
        lines.append("  %s: [%s]  # Rev. 4: %s" % (cci, ", ".join(rev5 or rev4),
                                                 ", ".join(rev4) if rev4 else "none"))
    with open(os.path.join(CATALOG, "stig", "cci.yaml"), "w", encoding="utf-8") as o:
        o.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: gen_stig.py XCCDF_DIR [CCI_LIST]")
    src = sys.argv[1]
    os.makedirs(os.path.join(CATALOG, "stig"), exist_ok=True)
    for profile, files in PROFILES.items():
        wanted = profile_ids(profile)
        lines = [
            "# Generated by catalog/tools/gen_stig.py from DISA's XCCDF files:",
        ]
        lines += ["#   %s" % f for f, _ in files]
        lines += [
            "# Identifiers and release facts only (format: docs/catalog-format.md).",
            "stig:",
            "  profile: %s" % profile,
            "  benchmarks:",
        ]
        for f, checklist in files:
            body, n = benchmark(os.path.join(src, f), checklist, wanted)
            lines += body
        with open(os.path.join(CATALOG, "stig", profile + ".yaml"), "w", encoding="utf-8") as o:
            o.write("\n".join(lines) + "\n")
    if len(sys.argv) == 3:
        write_cci(sys.argv[2])


if __name__ == "__main__":
    main()
