#!/usr/bin/env bash
# vmxguard fix on template shapes the fixtures do not have (issue 18):
# removing the last items of a JSON map keeps it valid JSON; emptying a map
# and adding to it; one-line HCL maps; an empty map; CRLF files get CRLF on
# new lines; a key in both vmx_data and vmx_data_post is changed where it
# takes effect; an OVF without a vmw prefix in scope gets one declared.
# Each result must equal the expected bytes and audit clean.
set -u
: "${VMXGUARD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
cd "$tmp"
case_() { # case_ NAME FILE INPUT EXPECTED [fix options]
    local name=$1 file=$2 input=$3 want=$4
    shift 4
    printf '%b' "$input" >"$file"
    "$VMXGUARD" fix --yes "$@" "$file" >"$name.out" 2>&1
    local rc=$?
    printf '%b' "$want" >"$name.want"
    if [ "$rc" -ne 0 ] || ! cmp -s "$name.want" "$file"; then
        echo "FAIL $name (exit $rc)"
        cat "$name.out"
        diff <(od -c "$name.want") <(od -c "$file") | head -20
        fails=$((fails + 1))
        return
    fi
    "$VMXGUARD" audit --no-folder-evidence "$file" >"$name.audit" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $name: the fixed file does not audit clean (exit $rc)"
        cat "$name.audit"
        fails=$((fails + 1))
        return
    fi
    echo "ok   $name"
}
case_ json-tail packer.json \
    '{\n  "builders": [\n    {\n      "type": "vmware-iso",\n      "vmx_data": {\n        "RemoteDisplay.maxConnections": "1",\n        "sched.mem.pshare.salt": "x",\n        "ethernet0.filter1.name": "dvfilter"\n      }\n    }\n  ]\n}\n' \
    '{\n  "builders": [\n    {\n      "type": "vmware-iso",\n      "vmx_data": {\n        "RemoteDisplay.maxConnections": "1"\n      }\n    }\n  ]\n}\n' \
    --devices
case_ json-emptied packer2.json \
    '{"builders":[{"type":"vmware-iso","vmx_data":{"sched.mem.pshare.salt":"x"}}]}' \
    '{"builders":[{"type":"vmware-iso","vmx_data":{"RemoteDisplay.maxConnections": "1"}}]}'
case_ json-new-map packer3.json \
    '{\n  "builders": [\n    {\n      "type": "vmware-vmx",\n      "source_path": "base.vmx"\n    }\n  ]\n}\n' \
    '{\n  "builders": [\n    {\n      "type": "vmware-vmx",\n      "source_path": "base.vmx",\n      "vmx_data": {\n        "RemoteDisplay.maxConnections": "1"\n      }\n    }\n  ]\n}\n'
case_ hcl-one-line one.pkr.hcl \
    'source "vmware-iso" "a" {\n  vmx_data = { "sched.mem.pshare.salt" = "x", "log.keepOld" = "9", "ethernet0.filter1.name" = "f" }\n}\n' \
    'source "vmware-iso" "a" {\n  vmx_data = { "log.keepOld" = "10", "RemoteDisplay.maxConnections" = "1" }\n}\n' \
    --devices
case_ hcl-crlf crlf.pkr.hcl \
    'source "vmware-iso" "a" {\r\n  vmx_data = {\r\n    "log.keepOld" = "9"\r\n  }\r\n}\r\nsource "vmware-vmx" "b" {\r\n  vmx_data = {}\r\n}\r\n' \
    'source "vmware-iso" "a" {\r\n  vmx_data = {\r\n    "log.keepOld" = "10"\r\n    "RemoteDisplay.maxConnections" = "1"\r\n  }\r\n}\r\nsource "vmware-vmx" "b" {\r\n  vmx_data = { "RemoteDisplay.maxConnections" = "1" }\r\n}\r\n'
case_ hcl-post post.pkr.hcl \
    'source "vmware-iso" "a" {\n  vmx_data = {\n    "RemoteDisplay.maxConnections" = "1"\n    "log.keepOld"                  = "10"\n  }\n  vmx_data_post = {\n    "log.keepOld" = "3" # overrides\n  }\n}\n' \
    'source "vmware-iso" "a" {\n  vmx_data = {\n    "RemoteDisplay.maxConnections" = "1"\n    "log.keepOld"                  = "10"\n  }\n  vmx_data_post = {\n    "log.keepOld" = "10" # overrides\n  }\n}\n'
case_ tf-new-map main.tf \
    'resource "vsphere_virtual_machine" "a" {\n  name = "a" # keep\n}\n' \
    'resource "vsphere_virtual_machine" "a" {\n  name = "a" # keep\n  extra_config = {\n    "RemoteDisplay.maxConnections" = "1"\n  }\n}\n'
case_ ovf-default-ns plain.ovf \
    '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">\n  <VirtualSystem>\n    <Name>p</Name>\n    <VirtualHardwareSection>\n      <Info>hw</Info>\n    </VirtualHardwareSection>\n  </VirtualSystem>\n</Envelope>\n' \
    '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">\n  <VirtualSystem>\n    <Name>p</Name>\n    <VirtualHardwareSection>\n      <Info>hw</Info>\n      <vmw:ExtraConfig xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" ovf:required="false" vmw:key="RemoteDisplay.maxConnections" vmw:value="1"/>\n    </VirtualHardwareSection>\n  </VirtualSystem>\n</Envelope>\n'
[ "$fails" -eq 0 ] || { echo "$fails case(s) failed"; exit 1; }
echo "all template fix edge cases passed"
