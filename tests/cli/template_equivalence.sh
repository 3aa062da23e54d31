#!/usr/bin/env bash
# vmxguard audit gives the same rule results for a template as for the .vmx
# of a VM made from it (issue 18): from one set of settings the test writes
# a .vmx, a Packer HCL template (vmx_data), a legacy Packer JSON template,
# a Terraform .tf (extra_config, cdrom block), a `terraform show -json` plan,
# an OVF (ExtraConfig and hardware items) and an OVA holding that OVF with
# its manifest; every rule's status and actual value must agree.  Three
# setting sets: weak (the widely copied Packer pattern), hardened, devices.
set -u
: "${VMXGUARD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

python3 - "$tmp" <<'PY'
import hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
sets = {
    "weak": {"settings": {
        "log.keepOld": "9", "log.rotateSize": "1024000", "logging": "FALSE",
        "RemoteDisplay.maxConnections": "2", "sched.mem.pshare.salt": "x9",
        "isolation.tools.copy.disable": "FALSE", "isolation.tools.unity.disable": "TRUE",
        "tools.guestlib.enableHostInfo": "TRUE", "virtualHW.version": "19"}},
    "hardened": {"settings": {
        "isolation.tools.copy.disable": "TRUE", "isolation.tools.paste.disable": "TRUE",
        "isolation.tools.diskShrink.disable": "TRUE", "isolation.tools.diskWiper.disable": "TRUE",
        "isolation.device.connectable.disable": "TRUE", "tools.setinfo.sizeLimit": "1048576",
        "RemoteDisplay.maxConnections": "1", "log.rotateSize": "2048000", "log.keepOld": "10",
        "tools.guestlib.enableHostInfo": "FALSE", "tools.guest.desktop.autolock": "TRUE",
        "mks.enable3d": "FALSE", "virtualHW.version": "20"}},
    # hardware: serial (connected at power on), floppy, USB (EHCI) and an ISO CD-ROM
    "devices": {"settings": {"virtualHW.version": "19", "log.keepOld": "10"},
                "devices": True},
}
device_keys = {"serial0.present": "TRUE", "serial0.startConnected": "TRUE",
               "floppy0.present": "TRUE", "floppy0.startConnected": "FALSE",
               "usb.present": "TRUE", "ehci.present": "TRUE",
               "ide0:0.present": "TRUE", "ide0:0.deviceType": "cdrom-image",
               "ide0:0.startConnected": "TRUE"}

def hcl_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${") + '"'

def xml_attr(s):
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

for name, spec in sets.items():
    d = os.path.join(out, name)
    os.makedirs(d)
    s = dict(spec["settings"])
    dev = spec.get("devices", False)
    full = dict(s)
    if dev:
        full.update(device_keys)
    with open(os.path.join(d, "vm.vmx"), "w") as f:
        f.write('.encoding = "UTF-8"\ndisplayName = "vm"\n')
        for k, v in full.items():
            f.write('%s = "%s"\n' % (k, v))
    # Packer HCL: the hardware keys go through vmx_data, as Packer writes them
    with open(os.path.join(d, "vm.pkr.hcl"), "w") as f:
        f.write('source "vmware-iso" "vm" {\n  iso_url = var.iso_url\n  vmx_data = {\n')
        for k, v in full.items():
            f.write("    %s = %s\n" % (hcl_str(k), hcl_str(v)))
        f.write("  }\n}\n\nbuild {\n  sources = [\"source.vmware-iso.vm\"]\n}\n")
    with open(os.path.join(d, "vm-packer.json"), "w") as f:
        json.dump({"builders": [{"type": "vmware-iso", "name": "vm",
                                 "iso_url": "{{user `iso`}}", "vmx_data": full}]}, f, indent=2)
    # Terraform: extra_config, the CD-ROM as a cdrom block (ide0:0)
    tf = {k: v for k, v in s.items() if k != "virtualHW.version"}
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write('resource "vsphere_virtual_machine" "vm" {\n  name = "vm"\n')
        f.write("  hardware_version = %s\n" % s["virtualHW.version"])
        if dev:
            f.write('  cdrom {\n    datastore_id = data.vsphere_datastore.ds.id\n'
                    '    path         = "iso/x.iso"\n  }\n')
            tf.update({k: v for k, v in device_keys.items() if not k.startswith("ide")})
        f.write("  extra_config = {\n")
        for k, v in tf.items():
            f.write("    %s = %s\n" % (hcl_str(k), hcl_str(v)))
        f.write("  }\n}\n")
    after = {"name": "vm", "hardware_version": int(s["virtualHW.version"]), "extra_config": tf}
    unknown = {"id": True}
    if dev:
        after["cdrom"] = [{"client_device": False, "path": "iso/x.iso"}]
        unknown["cdrom"] = [{"datastore_id": True}]
    plan = {"format_version": "1.2", "terraform_version": "1.9.0",
            "resource_changes": [{"address": "vsphere_virtual_machine.vm", "mode": "managed",
                                  "type": "vsphere_virtual_machine", "name": "vm",
                                  "change": {"actions": ["create"], "before": None,
                                             "after": after, "after_unknown": unknown}}]}
    with open(os.path.join(d, "plan.json"), "w") as f:
        json.dump(plan, f, indent=2)
    # OVF: devices as hardware items, the rest as ExtraConfig
    ovf = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" '
           'xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" '
           'xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" '
           'xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" '
           'xmlns:vmw="http://www.vmware.com/schema/ovf">',
           '  <VirtualSystem ovf:id="vm">', '    <Info>A virtual machine</Info>',
           '    <Name>vm</Name>', '    <VirtualHardwareSection>',
           '      <Info>Virtual hardware requirements</Info>',
           '      <System>', '        <vssd:InstanceID>0</vssd:InstanceID>',
           '        <vssd:VirtualSystemType>vmx-%s</vssd:VirtualSystemType>' % s["virtualHW.version"],
           '      </System>']
    def item(rt, iid, extra):
        ovf.append('      <Item>')
        ovf.extend('        ' + e for e in extra)
        ovf.append('        <rasd:InstanceID>%d</rasd:InstanceID>' % iid)
        ovf.append('        <rasd:ResourceType>%d</rasd:ResourceType>' % rt)
        ovf.append('      </Item>')
    if dev:
        item(5, 3, ['<rasd:Address>0</rasd:Address>', '<rasd:ElementName>ideController0</rasd:ElementName>'])
        item(15, 4, ['<rasd:AddressOnParent>0</rasd:AddressOnParent>',
                     '<rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>',
                     '<rasd:Parent>3</rasd:Parent>',
                     '<rasd:ResourceSubType>vmware.cdrom.iso</rasd:ResourceSubType>'])
        item(21, 5, ['<rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>',
                     '<rasd:ElementName>serial0</rasd:ElementName>'])
        item(14, 6, ['<rasd:AutomaticAllocation>false</rasd:AutomaticAllocation>',
                     '<rasd:ElementName>floppy0</rasd:ElementName>'])
        item(23, 7, ['<rasd:Address>0</rasd:Address>',
                     '<rasd:ResourceSubType>vmware.usb.ehci</rasd:ResourceSubType>'])
    for k, v in s.items():
        if k != "virtualHW.version":
            ovf.append('      <vmw:ExtraConfig ovf:required="false" vmw:key="%s" vmw:value="%s"/>'
                       % (xml_attr(k), xml_attr(v)))
    ovf += ['    </VirtualHardwareSection>', '  </VirtualSystem>', '</Envelope>', '']
    data = "\n".join(ovf).encode()
    with open(os.path.join(d, "vm.ovf"), "wb") as f:
        f.write(data)
    mf = ("SHA256(vm.ovf)= %s\n" % hashlib.sha256(data).hexdigest()).encode()
    with open(os.path.join(d, "vm.mf"), "wb") as f:
        f.write(mf)
    with tarfile.open(os.path.join(d, "vm.ova"), "w", format=tarfile.USTAR_FORMAT) as t:
        for member, blob in (("vm.ovf", data), ("vm.mf", mf), ("vm-disk1.vmdk", b"\0" * 4096)):
            ti = tarfile.TarInfo(member)
            ti.size = len(blob)
            t.addfile(ti, io.BytesIO(blob))
PY

# rule -> "status actual" of the one VM of a JSON report
results() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["vms"]) == 1, len(d["vms"])
for r in sorted(d["vms"][0]["results"], key=lambda r: r["rule"]):
    print(r["rule"], r["status"], r["actual"])' "$1"
}

for set in weak hardened devices; do
    d=$tmp/$set
    "$VMXGUARD" audit --no-folder-evidence --format json -o "$d/vmx.json" "$d/vm.vmx" 2>"$d/vmx.err"
    results "$d/vmx.json" >"$d/vmx.txt"
    check "$set: the .vmx audit has results" test -s "$d/vmx.txt"
    for t in vm.pkr.hcl vm-packer.json main.tf plan.json vm.ovf vm.ova; do
        "$VMXGUARD" audit --no-folder-evidence --format json -o "$d/$t.json" "$d/$t" 2>"$d/$t.err"
        rc=$?
        check "$set: $t audited (exit 0 or 1, got $rc)" test "$rc" -le 1
        results "$d/$t.json" >"$d/$t.txt" 2>&1
        if ! diff -u "$d/vmx.txt" "$d/$t.txt" >"$d/$t.diff"; then
            cat "$d/$t.diff" "$d/$t.err"
        fi
        check "$set: $t gives the .vmx's results" test ! -s "$d/$t.diff"
    done
done
# the weak set fails what the .vmx fails, so the comparison is not vacuous
check "weak: RemoteDisplay.maxConnections = 2 fails" grep -q '^remotedisplay-maxconnections fail 2$' "$tmp/weak/vmx.txt"
check "devices: the serial port fails" grep -q '^serial-present fail' "$tmp/devices/vmx.txt"
check "devices: the CD-ROM fails in the OVA too" grep -q '^cdrom-connected fail' "$tmp/devices/vm.ova.txt"
# evidence names the template and its line
check "evidence points at the Packer line" \
    grep -q '"evidence":"RemoteDisplay.maxConnections = 2 (vm.pkr.hcl:[0-9]*)"' "$tmp/weak/vm.pkr.hcl.json"
check "evidence in an OVA names the member" grep -q '"file":"[^"]*/vm.ova/vm.ovf"' "$tmp/weak/vm.ova.json"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all template equivalence checks passed"
