// Compares the shape of vmxguard's .cklb files with a real STIG Viewer 3
// checklist (tests/fixtures/stig/sv3-sample.cklb, origin in that folder's
// README): every object -- the document, target_data, each STIG, each rule,
// its check_content_ref and group_tree entry -- must have exactly the
// sample's keys, each value of the sample's JSON type (null where the
// sample has null), and the links the sample shows between fields must
// hold: rule_id is rule_id_src without "_rule", stig_uuid is the STIG's
// uuid, group_id = group_id_src = group_tree[0].id, group_title repeats
// rule_title, and a rule's reference_identifier is its STIG's.
//   node cklb_shape.mjs SAMPLE.cklb FILE.cklb...
// Exit 0 when every file matches; prints each difference otherwise.
import { readFileSync } from 'node:fs'

const [sampleFile, ...files] = process.argv.slice(2)
if (!sampleFile || !files.length) {
  console.error('usage: cklb_shape.mjs SAMPLE.cklb FILE.cklb...')
  process.exit(2)
}
const read = (f) => JSON.parse(readFileSync(f, 'utf8'))
const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)
const sample = read(sampleFile)
const sStig = sample.stigs[0]
const sRule = sStig.rules[0]
let bad = 0
const problem = (file, where, what) => {
  bad++
  console.log(`${file}: ${where}: ${what}`)
}

// same keys as the sample's object, each of the sample's type
function same (file, where, ours, theirs) {
  if (kind(ours) !== 'object') return problem(file, where, `is ${kind(ours)}, not an object`)
  for (const k of Object.keys(theirs)) {
    if (!(k in ours)) problem(file, where, `no "${k}" (STIG Viewer 3 writes it)`)
    else if (kind(ours[k]) !== kind(theirs[k])) {
      problem(file, `${where}.${k}`, `is ${kind(ours[k])}, STIG Viewer 3 writes ${kind(theirs[k])}`)
    }
  }
  for (const k of Object.keys(ours)) {
    if (!(k in theirs)) problem(file, where, `"${k}" is not a key STIG Viewer 3 writes`)
  }
}

for (const file of files) {
  const doc = read(file)
  same(file, 'document', doc, sample)
  same(file, 'target_data', doc.target_data, sample.target_data)
  for (const [i, stig] of (doc.stigs || []).entries()) {
    const at = `stigs[${i}]`
    same(file, at, stig, sStig)
    if (!stig.rules?.length) problem(file, at, 'no rules')
    for (const [k, r] of (stig.rules || []).entries()) {
      const rat = `${at}.rules[${k}]`
      same(file, rat, r, sRule)
      same(file, `${rat}.check_content_ref`, r.check_content_ref, sRule.check_content_ref)
      if (kind(r.group_tree) !== 'array' || r.group_tree.length !== sRule.group_tree.length) {
        problem(file, `${rat}.group_tree`, `not ${sRule.group_tree.length} entry`)
        continue
      }
      same(file, `${rat}.group_tree[0]`, r.group_tree[0], sRule.group_tree[0])
      if (r.rule_id + '_rule' !== r.rule_id_src) problem(file, rat, 'rule_id is not rule_id_src without _rule')
      if (r.stig_uuid !== stig.uuid) problem(file, rat, "stig_uuid is not the STIG's uuid")
      if (r.group_id !== r.group_id_src || r.group_id !== r.group_tree[0].id) {
        problem(file, rat, 'group_id, group_id_src and group_tree[0].id differ')
      }
      if (r.group_title !== r.rule_title) problem(file, rat, 'group_title does not repeat rule_title')
      if (r.reference_identifier !== stig.reference_identifier) {
        problem(file, rat, "reference_identifier is not the STIG's")
      }
    }
  }
}
// the sample itself holds the links this checks (else the check is wrong)
if (sRule.rule_id + '_rule' !== sRule.rule_id_src || sRule.stig_uuid !== sStig.uuid ||
    sRule.group_title !== sRule.rule_title || sRule.reference_identifier !== sStig.reference_identifier) {
  problem(sampleFile, 'sample', 'does not hold the links checked here')
}
process.exit(bad ? 1 : 0)
