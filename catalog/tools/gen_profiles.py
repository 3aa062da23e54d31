#!/usr/bin/env python3
"""Generate catalog/profiles/<id>.yaml from shared/reference/baselines.tsv.

The YAML files are the committed source of truth; this script is how they
were produced, and re-running it must give the same files (review the diff).
stdlib only.  Usage: catalog/tools/gen_profiles.py [TSV] [OUTDIR]

Each TSV row becomes one profile entry per rule it names (a row naming
several devices becomes several entries with the same source_id).  The
normalisation of the TSV's free-text comparison into cmp/value/absent is the
table NORMALISE below; the severity mapping is SEVERITY (see
docs/catalog-format.md).  tests/unit/catalog/test_crosscheck.c re-derives the
same facts independently in C and compares them with the loaded catalog.
"""
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# profile id -> (TSV sources, metadata)
PROFILES = [
    ('disa-vsphere8-vm', ['DISA VMware vSphere 8.0 Virtual Machine STIG',
                          'DISA VMware vSphere 8.0 ESXi STIG (host rules affecting VM settings)'],
     dict(title='DISA VMware vSphere 8.0 Virtual Machine STIG V2R1',
          source='DISA VMware vSphere 8.0 Virtual Machine STIG',
          benchmark_id='VMW_vSphere_8-0_Virtual_Machine_STIG', version='V2R1',
          release='Release: 1 Benchmark Date: 01 Aug 2024', date='2024-08-01', product='vSphere 8',
          description='The current DISA VM STIG (the default profile). Most keys may be absent where VMware\'s default is secure. Also lists, as manual, the two ESXi 8 STIG host rules (ESXI-80-000236/237) that override VM settings.')),
    ('disa-vsphere7-vm', ['DISA VMware vSphere 7.0 Virtual Machine STIG'],
     dict(title='DISA VMware vSphere 7.0 Virtual Machine STIG V1R4', source='DISA VMware vSphere 7.0 Virtual Machine STIG',
          benchmark_id='VMW_vSphere_7-0_Virtual_Machine_STIG', version='V1R4', release='Benchmark Date: 30 Jan 2025',
          date='2025-01-30', product='vSphere 7',
          description='DISA requires most keys to be set explicitly here (absent fails), except log.keepOld and mks.enable3d.')),
    ('disa-vsphere6.7-vm', ['DISA VMware vSphere 6.7 Virtual Machine STIG'],
     dict(title='DISA VMware vSphere 6.7 Virtual Machine STIG V1R3', source='DISA VMware vSphere 6.7 Virtual Machine STIG',
          benchmark_id='VMW_vSphere_6-7_Virtual_Machine_STIG', version='V1R3', release='Benchmark Date: 26 Jul 2023',
          date='2023-07-26', product='vSphere 6.7')),
    ('disa-vsphere6.5-vm', ['DISA VMware vSphere 6.5 Virtual Machine STIG'],
     dict(title='DISA VMware vSphere 6.5 Virtual Machine STIG V2R2', source='DISA VMware vSphere 6.5 Virtual Machine STIG',
          benchmark_id='VMW_vSphere_6-5_Virtual_Machine_STIG', version='V2R2', release='Benchmark Date: 26 Jul 2023',
          date='2023-07-26', product='vSphere 6.5')),
    ('disa-vsphere6-vm', ['DISA VMware vSphere 6.0 Virtual Machine STIG'],
     dict(title='DISA VMware vSphere 6.0 Virtual Machine STIG V1R1', source='DISA VMware vSphere 6.0 Virtual Machine STIG',
          benchmark_id='VMW_vSphere_6-0_Virtual_Machine_STIG', version='V1R1', release='Benchmark Date: 21 Dec 2015',
          date='2015-12-21', product='vSphere 6.0')),
    ('disa-esxi5-vm', ['DISA VMware ESXi 5 Virtual Machine STIG'],
     dict(title='DISA VMware ESXi 5 Virtual Machine STIG V2R1', source='DISA VMware ESXi 5 Virtual Machine STIG',
          benchmark_id='VMW_ESXi_5_Virtual_Machine_STIG', version='V2R1', release='Benchmark Date: 27 Oct 2021',
          date='2021-10-27', product='ESXi 5')),
    ('disa-esx3', ['DISA VMware ESX 3 Virtual Center STIG', 'DISA VMware ESX 3 Server STIG',
                   'DISA VMware ESX 3 Virtual Machine STIG'],
     dict(title='DISA VMware ESX 3 STIGs V1R2 (VM-level rules)', source='DISA VMware ESX 3 Virtual Center / Server / Virtual Machine STIG',
          benchmark_id='VMware_ESX_3_Virtual_Center_STIG; VMware_ESX_3_Server_STIG; VMware_ESX_3_Virtual_Machine_STIG',
          version='V1R2', release='Benchmark Date: 22 Jul 2016', date='2016-07-22', product='ESX 3.x',
          description='The VM-level rules of the three ESX 3 STIGs. The Virtual Center and Server STIG rules checked here are .vmx settings and are evaluated as such; ESX1170 (undocumented devices) is manual.')),
    ('vcf9-stig-readiness', ['DISA/VMware VCF 9.x STIG Readiness (SRG-based) vSphere VM'],
     dict(title='VMware VCF 9.x STIG Readiness Guide, vSphere VM (Y25M06)', source='DISA/VMware VCF 9.x STIG Readiness (SRG-based) vSphere VM',
          benchmark_id='VCF_9.x_STIG_Readiness_vSphere_VM', version='Y25M06-srg', release='Y25M06 (readiness guide, not a DISA-published STIG)',
          date='2025-06', product='VMware Cloud Foundation 9')),
    ('vmware-scg-8', ['VMware vSphere 8 Security Configuration Guide'],
     dict(title='VMware vSphere 8 Security Configuration Guide', source='VMware vSphere 8 Security Configuration Guide',
          benchmark_id='vsphere-8-scg', version='803-20260612-01', release='8.0 (803-20260612-01)', date='2026-06-12', product='vSphere 8')),
    ('vmware-scg-7', ['VMware vSphere 7 Security Configuration Guide'],
     dict(title='VMware vSphere 7 Security Configuration Guide', source='VMware vSphere 7 Security Configuration Guide',
          benchmark_id='vsphere-7-scg', version='703-20250422-01', release='7.0.3 (703-20250422-01)', date='2025-04-22', product='vSphere 7')),
    ('vmware-scg-6.7', ['VMware vSphere 6.7 Security Configuration Guide'],
     dict(title='VMware vSphere 6.7 Update 1 Security Configuration Guide', source='VMware vSphere 6.7 Security Configuration Guide',
          benchmark_id='vsphere-6.7-scg', version='671-20210210-01', release='6.7 Update 1+ (671-20210210-01)', date='2021-02-10', product='vSphere 6.7')),
    ('vmware-scg-6.5', ['VMware vSphere 6.5 Security Configuration Guide'],
     dict(title='VMware vSphere 6.5 Security Configuration Guide', source='VMware vSphere 6.5 Security Configuration Guide',
          benchmark_id='vsphere-6.5-scg', version='651-20210210-01', release='6.5 (651-20210210-01)', date='2021-02-10', product='vSphere 6.5')),
    ('vmware-hg-6.0', ['VMware vSphere 6.0 Hardening Guide'],
     dict(title='VMware vSphere 6.0 Hardening Guide', source='VMware vSphere 6.0 Hardening Guide',
          benchmark_id='vsphere-6.0-hg', version='6.0', product='vSphere 6.0')),
    ('vmware-hg-5.5', ['VMware vSphere 5.5 Hardening Guide'],
     dict(title='VMware vSphere 5.5 Hardening Guide', source='VMware vSphere 5.5 Hardening Guide',
          benchmark_id='vsphere-5.5-hg', version='5.5', product='vSphere 5.5')),
    ('vmware-hg-5.1', ['VMware vSphere 5.1 Hardening Guide'],
     dict(title='VMware vSphere 5.1 Hardening Guide', source='VMware vSphere 5.1 Hardening Guide',
          benchmark_id='vsphere-5.1-hg', version='5.1', product='vSphere 5.1')),
    ('vmware-hg-5.0', ['VMware vSphere 5.0 Hardening Guide'],
     dict(title='VMware vSphere 5.0 Hardening Guide', source='VMware vSphere 5.0 Hardening Guide',
          benchmark_id='vsphere-5.0-hg', version='5.0', product='vSphere 5.0')),
    ('vmware-hg-4.1', ['VMware vSphere 4.1 Security Hardening Guide'],
     dict(title='VMware vSphere 4.1 Security Hardening Guide', source='VMware vSphere 4.1 Security Hardening Guide',
          benchmark_id='vsphere-4.1-hg', version='4.1', product='vSphere 4.1')),
    ('vmware-hg-4.0', ['VMware vSphere 4.0 Security Hardening Guide'],
     dict(title='VMware vSphere 4.0 Security Hardening Guide', source='VMware vSphere 4.0 Security Hardening Guide',
          benchmark_id='vsphere-4.0-hg', version='4.0', product='vSphere 4.0')),
    ('vmware-vi3.5', ['VMware VI3.5 Security Hardening guide (via OSSEC rootcheck encoding)'],
     dict(title='VMware VI3.5 Security Hardening guide (as encoded by OSSEC rootcheck)', source='VMware VI3.5 Security Hardening guide',
          benchmark_id='vi3_security_hardening_wp', version='VI 3.5', release='guide dated c. 2008; checks as numbered by OSSEC rootcheck 1.1-1.10',
          product='ESX 3.5',
          description='The guide text is not available; its settings and check semantics come from the OSSEC rootcheck policy that encodes it.')),
    ('vcf-scg-9.0', ['VMware Cloud Foundation 9.0 Security Configuration Guide'],
     dict(title='VMware Cloud Foundation 9.0 Security Configuration Guide', source='VMware Cloud Foundation 9.0 Security Configuration Guide',
          benchmark_id='vcf-9.0-scg', version='9.0', product='VMware Cloud Foundation 9.0')),
    ('vcf-scg-9.1', ['VMware Cloud Foundation 9.1 Security Configuration Guide'],
     dict(title='VMware Cloud Foundation 9.1 Security Configuration Guide', source='VMware Cloud Foundation 9.1 Security Configuration Guide',
          benchmark_id='vcf-9.1-scg', version='910-20260612-01', release='9.1 (910-20260612-01)', date='2026-06-12', product='VMware Cloud Foundation 9.1')),
    ('cis-esxi-8', ['CIS VMware ESXi 8 Benchmark'],
     dict(title='CIS VMware ESXi 8 Benchmark v1.2.0 (sections 7-8)', source='CIS VMware ESXi 8 Benchmark',
          benchmark_id='CIS_VMware_ESXi_8_Benchmark', version='v1.2.0', product='ESXi 8')),
    ('cis-esxi-7', ['CIS VMware ESXi 7.0 Benchmark'],
     dict(title='CIS VMware ESXi 7.0 Benchmark v1.5.0 (section 8)', source='CIS VMware ESXi 7.0 Benchmark',
          benchmark_id='CIS_VMware_ESXi_7.0_Benchmark', version='v1.5.0', product='ESXi 7.0')),
    ('cis-esxi-6.7', ['CIS VMware ESXi 6.7 Benchmark'],
     dict(title='CIS VMware ESXi 6.7 Benchmark v1.3.0 (section 8)', source='CIS VMware ESXi 6.7 Benchmark',
          benchmark_id='CIS_VMware_ESXi_6.7_Benchmark', version='v1.3.0', product='ESXi 6.7')),
    ('cis-esxi-6.5', ['CIS VMware ESXi 6.5 Benchmark'],
     dict(title='CIS VMware ESXi 6.5 Benchmark v1.0.0 (section 8)', source='CIS VMware ESXi 6.5 Benchmark',
          benchmark_id='CIS_VMware_ESXi_6.5_Benchmark', version='v1.0.0', product='ESXi 6.5')),
    ('cis-esxi-5.5', ['CIS VMware ESXi 5.5 Benchmark'],
     dict(title='CIS VMware ESXi 5.5 Benchmark v1.2.0 (section 8)', source='CIS VMware ESXi 5.5 Benchmark',
          benchmark_id='CIS_VMware_ESXi_5.5_Benchmark', version='v1.2.0', product='ESXi 5.5')),
    ('cis-esxi-5.1', ['CIS VMware ESXi 5.1 Benchmark'],
     dict(title='CIS VMware ESXi 5.1 Benchmark v1.0.1 (section 8)', source='CIS VMware ESXi 5.1 Benchmark',
          benchmark_id='CIS_VMware_ESXi_5.1_Benchmark', version='v1.0.1', product='ESXi 5.1')),
    ('seed-2009', ['DISA STIG for ESX (as cited by seed article)', 'CIS VMware ESX Benchmark (as cited by seed article)',
                   'VMware VI3.5 Security Hardening guide (as cited by seed article)'],
     dict(title='The 2009 hardening article: DISA ESX, CIS ESX and VI3.5 lists (keys corrected)',
          source='2009 hardening article citing DISA STIG for ESX, CIS VMware ESX Benchmark and the VMware VI3.5 hardening guide',
          benchmark_id='seed-2009', version='2009', date='2009', product='ESX 3.x',
          description='The three lists this project started from. Where the article printed a key VMware never had (isolation.tools.copy.enable / paste.enable = false), the entry uses the real key (isolation.tools.copy.disable / paste.disable = TRUE) and says so in its note.')),
]

SEED_IDS = {
    'DISA STIG for ESX (as cited by seed article)': 'seed DISA STIG for ESX',
    'CIS VMware ESX Benchmark (as cited by seed article)': 'seed CIS ESX Benchmark',
    'VMware VI3.5 Security Hardening guide (as cited by seed article)': 'seed VMware VI3.5 guide',
}

# TSV key -> rule id(s).  Rows whose rule depends on the comparison are in key_rules().
KEYS = {
    'isolation.tools.copy.disable': 'isolation-tools-copy-disable',
    'isolation.tools.copy.enable': 'isolation-tools-copy-disable',
    'isolation.tools.paste.disable': 'isolation-tools-paste-disable',
    'isolation.tools.paste.enable': 'isolation-tools-paste-disable',
    'isolation.tools.dnd.disable': 'isolation-tools-dnd-disable',
    'isolation.tools.setguioptions.enable': 'isolation-tools-setguioptions-enable',
    'isolation.tools.diskshrink.disable': 'isolation-tools-diskshrink-disable',
    'isolation.tools.diskwiper.disable': 'isolation-tools-diskwiper-disable',
    'isolation.device.connectable.disable': 'isolation-device-connectable-disable',
    'isolation.tools.connectable.disable': 'isolation-tools-connectable-disable',
    'isolation.device.edit.disable': 'isolation-device-edit-disable',
    'isolation.tools.setinfo.disable': 'isolation-tools-setinfo-disable',
    'isolation.tools.log.disable': 'isolation-tools-log-disable',
    'isolation.tools.hgfsserverset.disable': 'isolation-tools-hgfsserverset-disable',
    'isolation.tools.hgfs.disable': 'isolation-tools-hgfsserverset-disable',
    'isolation.tools.vixmessage.disable': 'isolation-tools-vixmessage-disable',
    'isolation.tools.autoinstall.disable': 'isolation-tools-autoinstall-disable',
    'isolation.monitor.control.disable': 'isolation-monitor-control-disable',
    'tools.setinfo.sizelimit': 'tools-setinfo-sizelimit',
    'log.keepold': 'log-keepold',
    'log.rotatesize': 'log-rotatesize',
    'remotedisplay.maxconnections': 'remotedisplay-maxconnections',
    'remotedisplay.vnc.enabled': 'remotedisplay-vnc-enabled',
    'tools.guest.desktop.autolock': 'tools-guest-desktop-autolock',
    'tools.guestlib.enablehostinfo': 'tools-guestlib-enablehostinfo',
    'mks.enable3d': 'mks-enable3d',
    'svga.vgaonly': 'svga-vgaonly',
    'vmci0.unrestricted': 'vmci0-unrestricted',
    'sched.mem.pshare.salt': 'sched-mem-pshare-salt',
    'ethernet*.filter*.name': 'ethernet-filter-name',
    'ethernetx.filtery.name': 'ethernet-filter-name',
    'ethernetx.networkname': 'ethernet-networkname',
    'vmsafe.enable': 'vmsafe-enable',
    'vmsafe.agentaddress': 'vmsafe-agentaddress',
    'vmsafe.agentport': 'vmsafe-agentport',
    'vmsafe.enable / vmsafe.agentaddress / vmsafe.agentport': ['vmsafe-enable', 'vmsafe-agentaddress', 'vmsafe-agentport'],
    'guest.command.enabled': 'guest-command-enabled',
    'bios.bootdeviceclasses': 'bios-bootdeviceclasses',
    'logging': 'logging',
    'config.flags.enablelogging (vmx: logging)': 'logging',
    'config.migrateencryption': 'migrate-encryption',
    'config.ftencryptionmode': 'ft-encryption',
    'config.bootoptions.efisecurebootenabled (vmx: uefi.secureboot.enabled)': 'secure-boot',
    'config.version (vmx: virtualhw.version)': 'virtual-hardware-version',
    'scsix:y.mode': 'disk-mode-not-nonpersistent',
    'scsix:y.mode (hard disk persistence)': 'disk-mode-not-nonpersistent',
    "scsix:y.mode (vi client 'nonpersistent' disk mode)": 'disk-mode-not-nonpersistent',
    'floppyx.present': 'floppy-present',
    'serialx.present': 'serial-present',
    'serial*.present / virtualserialport': 'serial-present',
    'parallelx.present': 'parallel-present',
    'parallel*.present / virtualparallelport': 'parallel-present',
    'usb.present': 'usb-present',
    'usb.present / usb_xhci.present / virtualusb* controllers+devices': 'usb-present',
    'idex:y.present': 'cdrom-present',
    'ide*:*.present / sata*:*.present cd-rom (virtualcdrom)': 'cdrom-connected',
    'pcipassthru*.present': 'pcipassthru-present',
    'pcipassthru*.present / virtualpcipassthrough': 'pcipassthru-present',
    'virtualahcicontroller (vmx: satax.present)': 'ahci-present',
    'virtualhdaudiocard / virtualensoniq1371 / virtualsoundblaster16 (vmx: sound.present, hdaudio*)': 'sound-present',
    'usb/xhci, serial, parallel, floppy, cd/dvd, hd audio, ahci, ensoniq devices (virtualusbcontroller, virtualusbxhcicontroller, virtualserialport, virtualparallelport, virtualfloppy, virtualcdrom, virtualhdaudiocard, virtualahcicontroller, virtualensoniq1371)':
        ['usb-present', 'serial-present', 'parallel-present', 'floppy-present', 'cdrom-present', 'sound-present', 'ahci-present'],
    '(all virtual hardware) serial ports, nics, cd-roms, etc.': 'documented-devices-only',
    'serialx.filename / network backing uri': 'serial-port-secure-protocol',
    '/net/dvfilterbindipaddress (host advanced setting)': 'host-dvfilter-bind-ip',
    '(operational) disable unnecessary or superfluous functions inside vms.': 'guest-unnecessary-functions',
    '(operational) guest os services/devices/screensaver': 'guest-unnecessary-functions',
    '(operational) minimize use of the vm console.': 'console-use-minimized',
    '(policy) vm console use': 'console-use-minimized',
    '(operational) secure virtual machines as you would secure physical machines.': 'guest-os-secured',
    '(operational) use secure protocols for virtual serial port access.': 'serial-port-secure-protocol',
    '(operational) use templates to deploy vms whenever possible.': 'vm-templates',
    '(policy) vm templates': 'vm-templates',
    '(policy) vm deployment templates': 'vm-templates',
    '(operational) prevent virtual machines from taking over resources.': 'resource-controls',
    '(policy) shares/limits/reservations': 'resource-controls',
    '(guest) vmware tools version': 'tools-version-current',
    '(host) esxi/vmm version': 'host-version-supported',
    '/etc/vmware/settings (esxi host file; host-wide vmx overrides)': 'host-settings-file-empty',
    '/etc/vmware/config lines starting vmx.log (host-wide vm logger overrides)': 'host-config-no-vmx-log',
}


def key_rules(row):
    k = row['key'].lower()
    if k.startswith('tools.conf ['):
        m = re.match(r'tools\.conf \[(\w+)\] (\S+)$', row['key'])
        return ['toolsconf-%s-%s' % (m.group(1).lower(), m.group(2).lower().replace('.', '-'))]
    if k == 'floppy*.present / virtualfloppy device':
        return ['floppy-connected' if 'not connected' in row['comparison'] else 'floppy-present']
    # the isolation.* switches are named after their key
    r = KEYS.get(k, k.replace('.', '-'))
    return r if isinstance(r, list) else [r]


def severity(text):
    """Normalised severity: the mapping documented in docs/catalog-format.md."""
    table = [
        (r'^CAT III\b', 'low'), (r'^CAT II\b', 'medium'), (r'^CAT I\b', 'high'),
        (r'^L1;', 'medium'), (r'^L2;', 'low'),
        (r'Enterprise', 'medium'), (r'DMZ', 'low'), (r'SSLF', 'low'),
        (r'^risk profile 1,2,3\b', 'medium'), (r'^risk profile 1,2\b', 'low'),
        (r'^risk profile 1\b', 'low'), (r'^risk profile 2,3\b', 'medium'), (r'^risk profile 3\b', 'medium'),
        (r'^no risk profile in 6\.7; type: Hardening', 'medium'), (r'^no risk profile in 6\.7', 'low'),
        (r'^deprecated', 'info'),
        (r'^priority P0', 'high'), (r'^priority P1', 'medium'), (r'^priority P2', 'low'),
        (r'^priority (Advanced|N/A)', 'info'),
        (r'^unknown', 'medium'),
    ]
    for pat, sev in table:
        if re.search(pat, text):
            return sev
    raise SystemExit('no severity mapping for %r' % text)


def source_ids(row):
    """(source_id, refs, title) from the TSV rule_id column."""
    rid = row['rule_id']
    if rid.startswith('(seed'):
        return SEED_IDS[row['source']], [], None
    if row['source'].startswith('CIS'):
        m = re.match(r'(\d+(?:\.\d+)*) (?:\((L\d)\) )?(.*)$', rid)
        return 'CIS ' + m.group(1), [], m.group(3)
    m = re.match(r'(\S+(?: \d+(?:\.\d+)*)?) \((.*)\)$', rid)
    if m and re.match(r'(V-|SV-)', m.group(2)):
        return m.group(1), [x.strip() for x in m.group(2).split(',')], None
    if m:  # "section 1.1 (OSSEC numbering)"
        return m.group(1), [], None
    return rid, [], None


MANUAL_PREFIXES = ('documented-', 'serial-port-', 'host-', 'guest-', 'console-', 'vm-templates',
                   'resource-', 'tools-version', 'ft-encryption')

TOOLS_DEFAULTS = {
    'tools.conf [autoupgrade] allow-add-feature': 'true',
    'tools.conf [autoupgrade] allow-remove-feature': 'true',
    'tools.conf [autoupgrade] allow-msi-transforms': 'false',
    'tools.conf [autoupgrade] allow-upgrade': 'true',
    'tools.conf [appinfo] disabled': 'false',
    'tools.conf [containerinfo] poll-interval': '21600',
    'tools.conf [servicediscovery] disabled': 'false',
    'tools.conf [gueststoreupgrade] policy': 'manual',
    'tools.conf [guestoperations] disabled': 'false',
    'tools.conf [globalconf] enabled': 'false',
    'tools.conf [deployPkg] enable-customization': 'true',
    'tools.conf [logging] log': 'true',
    'tools.conf [logging] vmsvc.handler': 'file',
}

ABSENT = {'yes': 'pass', 'no': 'fail'}
SIMPLE = re.compile(r'^[A-Za-z0-9:._|-]+$')


def normalise(row, rule):
    """-> dict(cmp, value|values, absent, note) following the source's check text."""
    c, v, a = row['comparison'], row['compliant_value'], row['absent_is_compliant']
    kind = row['kind']
    absent = ABSENT.get(a)
    out = {}
    first = lambda s: s.split()[0] if s else s
    if row['key'].startswith('tools.conf'):
        # Guest-side: CIS marks them manual, yet the value is checkable by the guest probe.
        # Where the source does not say, an absent setting passes iff the Tools default
        # (baselines.md 3.13) is the required value.
        val = first(v)
        if not absent:
            absent = 'pass' if TOOLS_DEFAULTS[row['key']] == val else 'fail'
        return dict(cmp='eq', value=val, absent=absent)
    if kind == 'other' or c.startswith(('manual', 'site-specific')) or v == 'Site-Specific':
        return dict(cmp='manual')
    if rule in ('floppy-connected', 'cdrom-connected'):
        return dict(cmp='eq', value='FALSE', absent='pass')
    if rule == 'disk-mode-not-nonpersistent':
        return dict(cmp='ne', value='nonpersistent' if c == 'ne nonpersistent' else 'independent-nonpersistent',
                    absent='pass')
    if c.startswith('intended: absent or eq FALSE'):
        return dict(cmp='eq', value='FALSE', absent='pass',
                    note='Erratum: SCG 6.5 prints TRUE as desired value and default; the intended control is FALSE (or absent).')
    if c.startswith('intended: eq TRUE on isolation.tools.hgfsServerSet.disable'):
        return dict(cmp='eq', value='TRUE', absent=absent,
                    note='Erratum: SCG 6.5 prints isolation.tools.hgfs.disable = FALSE; the control is isolation.tools.hgfsServerSet.disable = TRUE.')
    m = re.match(r'in\((.*?)\)', c)
    if m:
        vals = v.split('|')
        return dict(cmp='in', values=vals, absent=absent or 'pass')
    m = re.match(r'(?:version |numeric )?ge (\d+)', c)
    if m:
        return dict(cmp='ge', value=m.group(1), absent=absent or 'fail')
    m = re.match(r'le (\d+)', c)
    if m:
        return dict(cmp='le', value=m.group(1), absent=absent)
    if c.startswith('present (any value)'):
        return dict(cmp='present', absent='fail')
    m = re.match(r"absent = flagged; value other than '(\d+)'", c)
    if m:
        return dict(cmp='eq', value=m.group(1), absent='fail')
    if c.startswith('absent = flagged (OSSEC rule also flags'):
        return dict(cmp='eq', value=v, absent='fail',
                    note="OSSEC's rule also flags the value 10 itself (inverted logic); the guide's intent, 10, is used.")
    if c.startswith('absent = flagged'):
        return dict(cmp='ne', value='FALSE', absent='fail')
    if c.startswith('only flagged when set to true'):
        return dict(cmp='ne', value='TRUE', absent='pass')
    if c.startswith('flag ') and 'not false' in c:
        return dict(cmp='eq', value='FALSE', absent='pass')
    m = re.match(r'ne (\S+)', c)
    if m:
        return dict(cmp='ne', value=m.group(1), absent=absent or 'pass')
    m = re.match(r'(?:absent or )?eq (\S+)', c)
    if m:
        val = m.group(1).rstrip(';')
        return dict(cmp='eq', value=val, absent=absent or ('pass' if kind == 'api-property' and val.lower() == 'true' and rule == 'logging' else 'fail'))
    if kind == 'device-presence':
        if c == 'absent':   # 4.0 HG: the key itself must not be there
            return dict(cmp='absent', absent='pass')
        return dict(cmp='eq', value='FALSE', absent='pass')
    if c.startswith(('absent', 'key absent')):
        return dict(cmp='absent', absent='pass')
    raise SystemExit('cannot normalise %r for %s' % (c, row['rule_id']))


SEED_NOTES = {
    'isolation.tools.copy.enable': 'The article printed isolation.tools.copy.enable = false, a key VMware never had; the real control (DISA ESX0970 and every VMware guide) is isolation.tools.copy.disable = TRUE, used here.',
    'isolation.tools.paste.enable': 'The article printed isolation.tools.paste.enable = false, a key VMware never had; the real control is isolation.tools.paste.disable = TRUE, used here.',
    'isolation.tools.setguioptions.enable': 'Printed in lower case by the article; the key is isolation.tools.setGUIOptions.enable (keys compare case-insensitively).',
}


DEVICE_RULES = ('floppy-present', 'floppy-connected', 'serial-present', 'parallel-present',
                'usb-present', 'cdrom-present', 'cdrom-connected', 'sound-present', 'ahci-present',
                'pcipassthru-present')
# Sources whose device control reads "disconnect the device": a device that is
# present but not connected satisfies them (baselines.md 7.6: HG 4.1+, CIS
# up to 7.0).  CIS 8 says "remove", DISA "a present device is a finding", the
# SCG 7+ audit flags any such device in the hardware list: those fail it.
ACCEPTS_DISCONNECTED = (
    'VMware vSphere 4.1 Security Hardening Guide', 'VMware vSphere 5.0 Hardening Guide',
    'VMware vSphere 5.1 Hardening Guide', 'VMware vSphere 5.5 Hardening Guide',
    'VMware vSphere 6.0 Hardening Guide', 'VMware vSphere 6.5 Security Configuration Guide',
    'VMware vSphere 6.7 Security Configuration Guide', 'CIS VMware ESXi 5.1 Benchmark',
    'CIS VMware ESXi 5.5 Benchmark', 'CIS VMware ESXi 6.5 Benchmark',
    'CIS VMware ESXi 6.7 Benchmark', 'CIS VMware ESXi 7.0 Benchmark')
# Controllers and passthrough devices have no "not connected" state that
# takes them out of the VM: present is present under every source.
NOT_CONNECTABLE = ('usb-present', 'sound-present', 'ahci-present', 'pcipassthru-present')


def disconnected_for(row, rule, n):
    """What a present, not connected device gets under this entry."""
    if rule in ('floppy-connected', 'cdrom-connected'):
        return 'pass'   # the source checks the connection only
    if n['cmp'] == 'absent' or rule in NOT_CONNECTABLE:
        return 'fail'
    return 'pass' if row['source'] in ACCEPTS_DISCONNECTED else 'fail'


# ESX 2/3 named independent-nonpersistent "nonpersistent" (changes are thrown
# away at power off, the hazard these rules name): each spelling fails wherever
# the other does.
DISK_MODE_OTHER = {'independent-nonpersistent': 'nonpersistent',
                   'nonpersistent': 'independent-nonpersistent'}


def entry_for(row, rule, rules_keys):
    sid, refs, title = source_ids(row)
    e = dict(rule=rule, source_id=sid, refs=refs)
    n = normalise(row, rule)
    if row['key'] in SEED_NOTES and row['rule_id'].startswith('(seed'):
        if row['key'].endswith('.enable') and 'setguioptions' not in row['key']:
            n = dict(cmp='eq', value='TRUE', absent='fail')
        n['note'] = SEED_NOTES[row['key']]
    e['cmp'] = n['cmp']
    if 'value' in n:
        e['value'] = n['value']
    if 'values' in n:
        e['values'] = n['values']
    if rule == 'disk-mode-not-nonpersistent' and n['cmp'] == 'ne':
        e['values'] = [DISK_MODE_OTHER[n['value']]]
    if n['cmp'] != 'manual':
        e['absent'] = n['absent']
    if rule in DEVICE_RULES and n['cmp'] != 'manual':
        e['disconnected'] = disconnected_for(row, rule, n)
    e['severity'] = severity(row['severity'])
    e['severity_text'] = row['severity']
    if title:
        e['title'] = title
    notes = [n['note']] if n.get('note') else []
    if row['source'].startswith('DISA VMware vSphere 8.0 ESXi'):
        notes.append('Host rule from the DISA vSphere 8.0 ESXi STIG, listed here because the host file overrides VM settings; check it on the ESXi host.')
    if row['deprecated_note'] and row['kind'] != 'other' and not notes:
        notes.append(row['deprecated_note'])
    if notes:
        e['note'] = ' '.join(notes)
    # The source's own spelling, where it differs only in case from the rule key.
    k = row['key']
    rk = rules_keys.get(rule)
    if rk and k != rk and k.lower() == rk.lower():
        e['key'] = k
    return e


PLAIN = re.compile(r'^[A-Za-z][A-Za-z0-9_.:/ ()|;-]*$')
RESERVED = re.compile(r'^(true|false|yes|no|on|off|null|y|n)$', re.I)


def q(s):
    """Plain where YAML reads it back as the same text, else double-quoted."""
    s = str(s)
    if PLAIN.match(s) and not RESERVED.match(s) and ': ' not in s and not s.endswith(':') \
            and ' #' not in s and not s.endswith(' '):
        return s
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def qf(s):
    """In a flow mapping ',' '[' ']' '{' '}' are special too."""
    s = str(s)
    return q(s) if not re.search(r'[,\[\]{}]', s) else '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def emit(pid, meta, entries):
    out = ['# Generated by catalog/tools/gen_profiles.py from shared/reference/baselines.tsv;',
           '# committed as the source of truth (format: docs/catalog-format.md).',
           '# One entry per line (flow style) keeps the file small and fast to load.', 'profile:',
           '  id: ' + q(pid)]
    for k in ('title', 'source', 'benchmark_id', 'version', 'release', 'date', 'product', 'description'):
        if meta.get(k):
            out.append('  %s: %s' % (k, q(meta[k])))
    out.append('  rules:')
    for e in entries:
        parts = []
        for k in ('rule', 'source_id', 'refs', 'cmp', 'value', 'values', 'absent', 'severity',
                  'severity_text', 'title', 'key', 'note', 'disconnected'):
            if k not in e or e[k] in (None, []):
                continue
            v = e[k]
            sv = '[' + ', '.join(qf(x) for x in v) + ']' if isinstance(v, list) else qf(v)
            parts.append('%s: %s' % (k, sv))
        out.append('    - {' + ', '.join(parts) + '}')
    return '\n'.join(out) + '\n'


def rule_keys():
    """rule id -> key, scraped from catalog/rules/*.yaml (flat lines written by us)."""
    keys, cur = {}, None
    rdir = os.path.join(ROOT, 'catalog', 'rules')
    for fn in sorted(os.listdir(rdir)):
        for line in open(os.path.join(rdir, fn), encoding='utf-8'):
            m = re.match(r'\s*- id: "(.*)"', line)
            if m:
                cur = m.group(1)
            m = re.match(r'\s+key: "(.*)"', line)
            if m and cur:
                keys[cur] = m.group(1)
    return keys


def main():
    tsv = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'reference', 'baselines.tsv')
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'catalog', 'profiles')
    rows = list(csv.DictReader(open(tsv, encoding='utf-8'), delimiter='\t'))
    rk = rule_keys()
    used = 0
    for pid, sources, meta in PROFILES:
        entries = []
        for row in rows:
            if row['source'] in sources:
                used += 1
                for rule in key_rules(row):
                    if rule not in rk and not rule.startswith(MANUAL_PREFIXES):
                        raise SystemExit('row %s: no rule %s' % (row['rule_id'], rule))
                    entries.append(entry_for(row, rule, rk))
        with open(os.path.join(outdir, pid + '.yaml'), 'w', encoding='utf-8') as f:
            f.write(emit(pid, meta, entries))
    if used != len(rows):
        raise SystemExit('%d of %d TSV rows not mapped to a profile' % (len(rows) - used, len(rows)))
    print('%d profiles from %d rows' % (len(PROFILES), used))


if __name__ == '__main__':
    main()
