// Reads vmxguard checklists back with the parser STIG Manager imports with
// (@nuwcdivnpt/stig-manager-client-modules) and checks that every rule's
// status equals what vmxguard reported in its JSON report of the same run.
//   node stig_readback.mjs ckl|cklb|xccdf FILE REPORT.json
// Exit 0 when all match; prints each mismatch otherwise.
import { readFileSync } from 'node:fs'
import { reviewsFromCkl, reviewsFromCklb, reviewsFromScc } from '@nuwcdivnpt/stig-manager-client-modules'

const [format, file, reportFile] = process.argv.slice(2)
const parsers = { ckl: reviewsFromCkl, cklb: reviewsFromCklb, xccdf: reviewsFromScc }
if (!parsers[format] || !file || !reportFile) {
  console.error('usage: stig_readback.mjs ckl|cklb|xccdf FILE REPORT.json')
  process.exit(2)
}

// vmxguard status -> the result STIG Manager reads (docs/formats.md):
// waived is an accepted exception (not a finding, waiver in the comment);
// manual and error are not reviewed (xccdf keeps "error", which STIG
// Manager then treats as not checked because it is not pass/fail/n.a.).
const expected = {
  pass: 'pass', fail: 'fail', not_applicable: 'notapplicable', manual: 'notchecked',
  error: 'notchecked', waived: 'pass'
}

const parsed = parsers[format]({
  data: readFileSync(file, 'utf8'),
  fieldSettings: { detail: { required: 'optional' }, comment: { required: 'optional' } },
  allowAccept: true,
  importOptions: {
    autoStatus: 'saved', unreviewed: 'always', unreviewedCommented: 'notchecked',
    emptyDetail: 'import', emptyComment: 'import', allowCustom: true
  },
  sourceRef: file
})

const report = JSON.parse(readFileSync(reportFile, 'utf8'))
const vm = report.vms.find(v => v.vm.name === parsed.target.name)
if (!vm) {
  console.error(`${file}: asset name ${JSON.stringify(parsed.target.name)} is no VM of the report`)
  process.exit(1)
}
// the rule key vmxguard writes (docs/formats.md): SV id, else the source id
// when unique in the profile, else the catalog id
const keyOf = r => r.refs.find(x => /^SV-.*_rule$/.test(x)) ??
  (r.source_id && vm.results.filter(o => o.profile === r.profile && o.source_id === r.source_id).length === 1
    ? r.source_id : r.rule)
// xccdf ids are NCNames: vmxguard writes other characters as '_'
const idOf = r => format === 'xccdf' ? keyOf(r).replace(/[^A-Za-z0-9._-]/g, '_') : keyOf(r)
const want = new Map(vm.results.map(r => [idOf(r), r]))

let bad = 0
const seen = new Set()
for (const checklist of parsed.checklists) {
  const profile = report.run.profiles.find(p => (p.benchmark_id ?? p.id) === checklist.benchmarkId)
  if (!profile) {
    console.error(`${file}: benchmark ${checklist.benchmarkId} is no profile of the run`)
    bad++
  }
  for (const review of checklist.reviews) {
    // rules without an SV id carry vmxguard's own xccdf id: xccdf_org.vmxguard_rule_<key>
    review.ruleId = review.ruleId.replace(/^xccdf_org\.vmxguard_rule_/, '')
    seen.add(review.ruleId)
    const r = want.get(review.ruleId)
    const exp = r ? expected[r.status] : 'notchecked'
    if (review.result !== exp) {
      console.error(`${file}: ${review.ruleId}: read back ${review.result}, vmxguard said ${r?.status} (expected ${exp})`)
      bad++
    }
    if (r?.waiver && format !== 'xccdf' && !review.comment?.includes(r.waiver.reason.trim())) {
      console.error(`${file}: ${review.ruleId}: waiver reason missing from the comment`)
      bad++
    }
  }
}
for (const id of want.keys()) {
  if (!seen.has(id)) {
    console.error(`${file}: rule ${id} is missing from the checklist`)
    bad++
  }
}
if (bad) process.exit(1)
console.log(`${file}: ${seen.size} rules read back by stig-manager-client-modules, all statuses equal`)
