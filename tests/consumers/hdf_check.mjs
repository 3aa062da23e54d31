// Reads vmxguard's HDF with inspecjs, the parser Heimdall itself loads files
// with (a file it cannot type as InSpec exec JSON is rejected), and checks it
// against vmxguard's JSON report of the same run:
//  - one HDF profile per baseline of the run, one control per profile entry;
//  - every result of the JSON report is a result of its control, with the
//    VM in code_desc, the status mapped (docs/formats.md) and the evidence
//    in the message;
//  - every control of a profile with STIG data carries NIST tags derived
//    from its CCIs, and its gid/rid/stig_id;
//  - waived results carry the waiver as attestation and waiver data;
//  - Heimdall's own control status (contextualized) follows from those.
//   node hdf_check.mjs FILE.hdf.json REPORT.json
// Prints "failed=N passed=N" (controls, Heimdall's view) on success.
import { readFileSync } from 'node:fs'
import { convertFile, contextualizeEvaluation } from 'inspecjs'

const [file, reportFile] = process.argv.slice(2)
if (!file || !reportFile) {
  console.error('usage: hdf_check.mjs FILE.hdf.json REPORT.json')
  process.exit(2)
}
const text = readFileSync(file, 'utf8')
const parsed = convertFile(text, true)
if (!parsed['1_0_ExecJson']) {
  console.error(`${file}: inspecjs does not read it as HDF: ${parsed.errors?.['1_0_ExecJson']}`)
  process.exit(1)
}
const hdf = JSON.parse(text)
const report = JSON.parse(readFileSync(reportFile, 'utf8'))
const status = { pass: 'passed', fail: 'failed', not_applicable: 'skipped', manual: 'skipped', error: 'error', waived: 'passed', pending: 'failed' }
// vmxguard cleans HDF text as for XML: C0 controls but tab, LF and CR dropped
const clean = s => s?.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd') // as vmxguard's XML text
let bad = 0
const err = m => { console.error(`${file}: ${m}`); bad++ }

const names = new Set(hdf.profiles.map(p => p.name))
for (const p of report.run.profiles) if (!names.has(p.id)) err(`profile ${p.id} missing`)
if (hdf.profiles.length !== report.run.profiles.length) err(`${hdf.profiles.length} profiles for ${report.run.profiles.length} baselines`)

const vms = new Set(report.vms.map(v => v.vm.name))
let results = 0
for (const v of report.vms) {
  for (const r of v.results) {
    const prof = hdf.profiles.find(p => p.name === r.profile)
    const control = prof?.controls.find(c => c.tags.vmxguard_rule === r.rule &&
      (c.id === r.source_id || c.id === r.rule))
    if (!control) { err(`no control for ${r.profile} ${r.rule}`); continue }
    const mine = control.results.filter(x => x.code_desc.startsWith(`${clean(v.vm.name)}: `))
    if (mine.length !== 1) { err(`${control.id}: ${mine.length} results for VM ${v.vm.name}`); continue }
    results++
    const x = mine[0]
    if (x.status !== status[r.status]) err(`${control.id} on ${v.vm.name}: ${x.status}, vmxguard said ${r.status}`)
    const text = x.message ?? x.skip_message ?? ''
    if (r.evidence && !text.includes(clean(r.evidence))) err(`${control.id} on ${v.vm.name}: evidence missing from the message`)
    if (r.status === 'fail' && r.fix && !text.includes(clean(r.fix))) err(`${control.id} on ${v.vm.name}: fix missing from the message`)
    if (r.waiver && !(control.attestation_data?.explanation?.includes(clean(r.waiver.reason.trim())) &&
        control.waiver_data?.justification?.includes(clean(r.waiver.reason.trim())))) {
      err(`${control.id}: waiver of ${v.vm.name} not in attestation_data / waiver_data`)
    }
  }
}
const total = hdf.profiles.reduce((n, p) => n + p.controls.reduce((m, c) => m + c.results.length, 0), 0)
if (total !== results) err(`${total} results in the HDF, ${results} in the report`)

for (const p of hdf.profiles) {
  const stig = p.controls.some(c => c.tags.rid)
  for (const c of p.controls) {
    if (c.results.some(x => ![...vms].some(v => x.code_desc.startsWith(`${clean(v)}: `)))) err(`${c.id}: a result names no VM`)
    if (stig && c.tags.rid && (!c.tags.nist?.length || !c.tags.cci?.length || !c.tags.gid || !c.tags.stig_id) &&
        p.name !== 'disa-esx3') {
      err(`${p.name} ${c.id}: STIG control without nist/cci/gid/stig_id tags`)
    }
  }
}

// Heimdall's view of the same data
const ev = contextualizeEvaluation(parsed['1_0_ExecJson'])
const counts = {}
for (const p of ev.contains) for (const c of p.contains) counts[c.root.hdf.status] = (counts[c.root.hdf.status] ?? 0) + 1
const failedControls = hdf.profiles.reduce((n, p) => n + p.controls.filter(c => c.results.some(x => x.status === 'failed')).length, 0)
if ((counts.Failed ?? 0) !== failedControls) err(`Heimdall sees ${counts.Failed ?? 0} failed controls, the HDF has ${failedControls}`)
if (bad) process.exit(1)
console.log(`failed=${counts.Failed ?? 0} passed=${counts.Passed ?? 0}`)
