#!/usr/bin/env python3
"""Write the "Devices by state" table of docs/audit.md.

The verdict columns come from the engine: tests/unit/audit/test_device_states
writes them to BUILD/device-table.md (and fails while the doc differs).  This
adds the basis column, our one-line summary of each source's own check, and
replaces the table between the device-table markers in docs/audit.md.

usage: catalog/tools/device_table.py build-asan/device-table.md [docs/audit.md]
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN, END = '<!-- device-table:begin -->', '<!-- device-table:end -->'
HEADER = ('| profile | source id | rule | absent | present+connected | present+disconnected '
          '| present=FALSE | basis |\n|---|---|---|---|---|---|---|---|\n')

DEVICE = {'floppy': 'floppy drive', 'serial': 'serial port', 'parallel': 'parallel port',
          'usb': 'USB controller', 'cdrom': 'CD/DVD drive', 'sound': 'sound card',
          'ahci': 'SATA (AHCI) controller', 'pcipassthru': 'PCI passthrough device'}
CONTROLLERS = ('usb', 'sound', 'ahci')


def basis(profile, sid, rule):
    dev = DEVICE[rule.split('-')[0]]
    kind = rule.split('-')[0]
    if rule.endswith('-connected'):
        return ('%s: only a %s that is connected (other than for a moment) is a finding; '
                'removed or not connected both comply' % (sid, dev))
    if kind == 'pcipassthru':
        return '%s: no passthrough device unless approved (a waiver records the approval)' % sid
    if profile == 'vmware-hg-4.0':
        return '%s: the key must not be in the file at all, so even `present = FALSE` fails' % sid
    if profile == 'vmware-vi3.5':
        return '%s (OSSEC encoding of the guide): any `.present` that is not false is flagged' % sid
    if profile == 'disa-esxi5-vm':
        return '%s: `.present = TRUE` is a finding whether or not the %s is connected' % (sid, dev)
    if profile.startswith(('disa-', 'vcf9-stig')):
        return ('%s: a %s in the VM\'s hardware list is a finding; not connected is still '
                'present' % (sid, dev))
    if profile.startswith(('vmware-scg-7', 'vmware-scg-8', 'vcf-scg-')):
        return ('%s: the SCG\'s audit script flags any %s in config.hardware.device, '
                'connected or not' % (sid, dev))
    if profile == 'cis-esxi-8':
        return ('%s ("remove unnecessary devices"): no line or FALSE; a %s that is not '
                'connected is still there' % (sid, dev))
    if kind in CONTROLLERS:
        return ('%s: no line or FALSE; a %s has no unplugged state, so present fails '
                'either way' % (sid, dev))
    return ('%s ("disconnect the device"): no line or FALSE, and a %s that is present but '
            'not connected meets the control (baselines.md 7.6)' % (sid, dev))


def main():
    rows_file = sys.argv[1]
    doc_file = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'docs', 'audit.md')
    out = []
    for line in open(rows_file, encoding='utf-8'):
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        profile, sid, rule = cells[0], cells[1], cells[2]
        out.append(line.rstrip('\n') + ' ' + basis(profile, sid, rule) + ' |\n')
    doc = open(doc_file, encoding='utf-8').read()
    a, b = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    doc = doc[:a] + '\n' + HEADER + ''.join(out) + doc[b:]
    open(doc_file, 'w', encoding='utf-8').write(doc)
    print('%d rows' % len(out))


if __name__ == '__main__':
    main()
