// Reads the log `sarif-multitool validate --level Error Warning -o LOG` wrote
// and fails when it holds any result (the tool exits 0 even when the input
// is invalid, so its log is what tells).  node sarif_check.mjs INPUT LOG
import { readFileSync } from 'node:fs'
const [input, log] = process.argv.slice(2)
const results = JSON.parse(readFileSync(log, 'utf8')).runs.flatMap(r => r.results ?? [])
const bad = results.filter(r => r.level === 'error' || r.level === 'warning' || r.level === undefined)
for (const r of bad) {
  const text = r.message.text ?? `${r.message.id}: ${(r.message.arguments ?? []).join(', ')}`
  console.error(`${input}: ${r.level ?? 'warning'} ${r.ruleId}: ${text}`)
}
if (bad.length) process.exit(1)
console.log(`${input}: sarif-multitool validate reports no errors or warnings`)
