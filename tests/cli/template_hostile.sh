#!/usr/bin/env bash
# Hostile OVAs and broken templates (issue 18): path traversal names,
# absolute names, symlink and hard-link members, a member declaring more
# bytes than the archive holds, a descriptor beyond the 16 MiB limit, a tar
# bomb of many members, a compressed archive, duplicate members, a manifest
# whose digest does not match.  Each is refused with a clear error (exit 2),
# nothing is written anywhere (the folder's listing is unchanged and the
# traversal target never appears), and a good OVA beside them is still
# audited.  Broken HCL and JSON name file, line and column.
set -u
: "${VMXGUARD:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
mkdir -p "$tmp/work/sub"
python3 - "$tmp/work/sub" <<'PY'
import hashlib, io, sys, tarfile
out = sys.argv[1]
ovf = b'''<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:vmw="http://www.vmware.com/schema/ovf">
  <VirtualSystem ovf:id="vm"><Name>vm</Name>
    <VirtualHardwareSection>
      <vmw:ExtraConfig ovf:required="false" vmw:key="RemoteDisplay.maxConnections" vmw:value="1"/>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
'''
def mf(data, name="vm.ovf"):
    return ("SHA256(%s)= %s\n" % (name, hashlib.sha256(data).hexdigest())).encode()
def ova(name, members, mode="w"):
    with tarfile.open("%s/%s.ova" % (out, name), mode, format=tarfile.GNU_FORMAT) as t:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                t.addfile(m)
                continue
            n, blob = m
            ti = tarfile.TarInfo(n)
            ti.size = len(blob)
            t.addfile(ti, io.BytesIO(blob))
def link(name, target, kind):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = target
    return ti
ova("good", [("vm.ovf", ovf), ("vm.mf", mf(ovf))])
ova("traversal", [("vm.ovf", ovf), ("../../escaped.vmdk", b"x" * 10)])
ova("absolute", [("vm.ovf", ovf), ("/tmp/vmxguard-absolute.vmdk", b"x")])
ova("symlink", [("vm.ovf", ovf), link("disk.vmdk", "/etc/passwd", tarfile.SYMTYPE)])
ova("hardlink", [("vm.ovf", ovf), link("disk.vmdk", "vm.ovf", tarfile.LNKTYPE)])
ova("dup", [("vm.ovf", ovf), ("vm.ovf", ovf)])
ova("bomb", [("vm.ovf", ovf)] + [("f%05d.vmdk" % i, b"") for i in range(5000)])
ova("gz", [("vm.ovf", ovf)], "w:gz")
ova("notfirst", [("vm.mf", mf(ovf)), ("vm.ovf", ovf)])
ova("badsum", [("vm.ovf", ovf), ("vm.mf", mf(ovf + b" "))])
big = ovf + b"<!--" + b"x" * (17 << 20) + b"-->"
ova("bigovf", [("vm.ovf", big)])
# a header declaring 1 TiB in a small file
ti = tarfile.TarInfo("vm.ovf"); ti.size = len(ovf)
hdr = tarfile.TarInfo("huge.vmdk"); hdr.size = 1 << 40
with open(out + "/huge.ova", "wb") as f:
    f.write(ti.tobuf(tarfile.GNU_FORMAT)); f.write(ovf + b"\0" * (-len(ovf) % 512))
    f.write(hdr.tobuf(tarfile.GNU_FORMAT)); f.write(b"\0" * 4096)
PY
cd "$tmp/work/sub"
before=$(cd "$tmp" && find . | sort)
refuse() { # refuse NAME MESSAGE
    "$VMXGUARD" audit --no-folder-evidence "$1.ova" >"$tmp/$1.out" 2>"$tmp/$1.err"
    local rc=$?
    check "$1: refused (exit 2, got $rc)" test "$rc" -eq 2
    check "$1: says '$2'" grep -qF -- "$2" "$tmp/$1.err"
}
refuse traversal 'member "../../escaped.vmdk" has an absolute or escaping path (refused)'
refuse absolute 'has an absolute or escaping path (refused)'
refuse symlink 'member disk.vmdk is a link (refused)'
refuse hardlink 'member disk.vmdk is a link (refused)'
refuse dup 'member vm.ovf appears twice (refused)'
refuse bomb 'more than 4096 members (refused)'
refuse gz 'not an OVA (uncompressed tar)'
refuse notfirst 'the first member is vm.mf, not an OVF descriptor'
refuse badsum 'checksum mismatch: SHA256(vm.ovf) is'
refuse bigovf 'more than the 16 MiB limit (refused)'
refuse huge 'member huge.vmdk declares 1099511627776 bytes, more than the archive holds'
check "badsum: the error names the manifest and its line" grep -qF 'badsum.ova/vm.mf:1:' "$tmp/badsum.err"
"$VMXGUARD" audit --no-folder-evidence good.ova traversal.ova >"$tmp/mixed.out" 2>"$tmp/mixed.err"
check "a good OVA beside a hostile one is audited" grep -q '^vm$' "$tmp/mixed.out"
after=$(cd "$tmp" && find . -name '*.out' -prune -o -name '*.err' -prune -o -print | sort)
check "nothing was written" test "$before" = "$(echo "$after")"
check "the traversal target does not exist" test ! -e "$tmp/escaped.vmdk"
check "the absolute target does not exist" test ! -e /tmp/vmxguard-absolute.vmdk

# broken templates name file, line and column
printf 'source "vmware-iso" "x" {\n  vmx_data = {\n    "a" = "b"\n  \n' >"$tmp/open.pkr.hcl"
"$VMXGUARD" audit "$tmp/open.pkr.hcl" >/dev/null 2>"$tmp/open.err"
check "unclosed map: exit 2" test $? -eq 2
check "unclosed map: file:line: column" grep -q 'open.pkr.hcl:2: column 14: ' "$tmp/open.err"
printf 'source "vmware-iso" "x" {\n  vmx_data = { "a" = "b" "c" = "d" }\n}\n' >"$tmp/sep.pkr.hcl"
"$VMXGUARD" audit "$tmp/sep.pkr.hcl" >/dev/null 2>"$tmp/sep.err"
check "missing comma: line and column" grep -q "sep.pkr.hcl:2: column 26: expected ',', a line end or '}'" "$tmp/sep.err"
printf '{"builders": [{"type": "vmware-iso", "vmx_data": {"a": "1", "a": "2"}}]}' >"$tmp/dup.json"
"$VMXGUARD" audit "$tmp/dup.json" >/dev/null 2>"$tmp/dup.err"
check "duplicate JSON key refused" grep -q 'dup.json:1: column .*duplicate' "$tmp/dup.err"
printf '<Envelope><VirtualSystem>' >"$tmp/trunc.ovf"
"$VMXGUARD" audit "$tmp/trunc.ovf" >/dev/null 2>"$tmp/trunc.err"
check "truncated OVF: exit 2 with a message" grep -q 'trunc.ovf:1: ' "$tmp/trunc.err"
# an entity bomb stays unexpanded (no entity substitution)
cat >"$tmp/lol.ovf" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>
<Envelope xmlns:vmw="http://www.vmware.com/schema/ovf"><VirtualSystem><Name>&h;</Name><VirtualHardwareSection/></VirtualSystem></Envelope>
XML
timeout 20 "$VMXGUARD" audit "$tmp/lol.ovf" >/dev/null 2>"$tmp/lol.err"
check "entity bomb: finishes (exit 0, 1 or 2, got $?)" test $? -le 2

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all hostile template checks passed"
