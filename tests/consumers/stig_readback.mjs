// Reads vmxguard checklists back with the parser STIG Manager imports with
// (@nuwcdivnpt/stig-manager-client-modules), in a collection that requires
// a detail and a comment on every Open review, and checks for each rule:
//  - the status read back equals what vmxguard reported in its JSON report
//    of the same run (several catalog entries may answer one STIG rule: the
//    worst of them; a STIG rule no entry answers is not reviewed);
//  - every pass / fail / not applicable review is *submitted*, not saved,
//    so an Open finding carries its comment;
//  - a waiver's reason is in the comment.
//   node stig_readback.mjs ckl|cklb|xccdf FILE REPORT.json [RULE_COUNT]
// RULE_COUNT: the number of rules the checklist must hold (the STIG's).
// Exit 0 when all hold; prints each mismatch otherwise.
import { readFileSync } from 'node:fs'
import { reviewsFromCkl, reviewsFromCklb, reviewsFromScc } from '@nuwcdivnpt/stig-manager-client-modules'

const [format, file, reportFile, count] = process.argv.slice(2)
const parsers = { ckl: reviewsFromCkl, cklb: reviewsFromCklb, xccdf: reviewsFromScc }
if (!parsers[format] || !file || !reportFile) {
  console.error('usage: stig_readback.mjs ckl|cklb|xccdf FILE REPORT.json [RULE_COUNT]')
  process.exit(2)
}

// vmxguard status -> the result STIG Manager reads (docs/formats.md):
// waived is an accepted exception (not a finding, waiver in the comment);
// pending (set on a running VM, not in effect yet) is still open;
// manual and error are not reviewed (xccdf keeps "error", which STIG
// Manager then treats as not checked because it is not pass/fail/n.a.).
const expected = {
  pass: 'pass', fail: 'fail', not_applicable: 'notapplicable', manual: 'notchecked',
  error: 'notchecked', waived: 'pass', pending: 'fail'
}
// which of several entries' statuses a STIG rule shows (report_stig.c)
const rank = { fail: 6, pending: 5, error: 4, manual: 3, waived: 2, pass: 1, not_applicable: 0 }

const data = readFileSync(file, 'utf8')
const parsed = parsers[format]({
  data,
  fieldSettings: { detail: { enabled: 'always', required: 'findings' }, comment: { enabled: 'always', required: 'findings' } },
  allowAccept: true,
  importOptions: {
    autoStatus: 'submitted', unreviewed: 'always', unreviewedCommented: 'notchecked',
    emptyDetail: 'import', emptyComment: 'import', allowCustom: true
  },
  sourceRef: file
})

// rule id -> the STIG's rule version (the catalog entries' source_id), read
// from the checklist itself
const version = new Map()
if (format === 'ckl') {
  for (const v of data.split('<VULN>').slice(1)) {
    const attr = name => v.match(new RegExp(`<VULN_ATTRIBUTE>${name}</VULN_ATTRIBUTE>\\s*<ATTRIBUTE_DATA>([^<]*)<`))?.[1]
    version.set(attr('Rule_ID'), attr('Rule_Ver'))
  }
} else if (format === 'cklb') {
  for (const s of JSON.parse(data).stigs) for (const r of s.rules) version.set(r.rule_id_src, r.rule_version)
} else {
  for (const m of data.matchAll(/<Rule id="([^"]*)"[^>]*>\s*<version>([^<]*)<\/version>/g)) {
    version.set(m[1].replace(/^xccdf_mil\.disa\.stig_rule_/, ''), m[2])
  }
}

const report = JSON.parse(readFileSync(reportFile, 'utf8'))
const vm = report.vms.find(v => v.vm.name === parsed.target.name)
if (!vm) {
  console.error(`${file}: asset name ${JSON.stringify(parsed.target.name)} is no VM of the report`)
  process.exit(1)
}

let bad = 0
let n = 0
for (const checklist of parsed.checklists) {
  const profiles = report.run.profiles
  const profile = profiles.find(p => (p.benchmark_id ?? p.id) === checklist.benchmarkId) ??
    (profiles.length === 1 ? profiles[0] : null)
  if (!profile) {
    console.error(`${file}: benchmark ${checklist.benchmarkId} is no profile of the run`)
    bad++
    continue
  }
  for (const review of checklist.reviews) {
    n++
    const id = review.ruleId.replace(/^xccdf_org\.vmxguard_rule_/, '')
    const ver = version.get(review.ruleId) ?? version.get(id)
    const mine = vm.results.filter(r => r.profile === profile.id &&
      (r.source_id === ver || (!r.source_id && r.rule === ver) ||
       (format === 'xccdf' && r.source_id?.replace(/[^A-Za-z0-9._-]/g, '_') === id)))
    const worst = mine.reduce((w, r) => (w && rank[w.status] >= rank[r.status] ? w : r), null)
    const exp = worst ? expected[worst.status] : 'notchecked'
    if (review.result !== exp) {
      console.error(`${file}: ${review.ruleId} (${ver}): read back ${review.result}, vmxguard said ${worst?.status} (expected ${exp})`)
      bad++
    }
    if (['pass', 'fail', 'notapplicable'].includes(review.result) && review.status !== 'submitted') {
      console.error(`${file}: ${review.ruleId}: imported as ${review.status}, not submitted (comment: ${JSON.stringify(review.comment)})`)
      bad++
    }
    for (const r of mine) {
      if (r.waiver && format !== 'xccdf' && !review.comment?.includes(r.waiver.reason.trim())) {
        console.error(`${file}: ${review.ruleId}: waiver reason missing from the comment`)
        bad++
      }
    }
  }
}
if (count !== undefined && n !== Number(count)) {
  console.error(`${file}: ${n} rules read back, the STIG has ${count}`)
  bad++
}
if (!n) {
  console.error(`${file}: no rules read back`)
  bad++
}
if (bad) process.exit(1)
console.log(`${file}: ${n} rules read back by stig-manager-client-modules as submitted, all statuses equal`)
