// Validates a vmxguard --format jsonl stream against docs/report-schema.json:
// each line, its "type" (run, vm, problem, summary) included, run first, summary last.
//   node jsonl_validate.mjs SCHEMA FILE
import { readFileSync } from 'node:fs'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

const [schemaFile, file] = process.argv.slice(2)
const ajv = new Ajv2020({ allErrors: true, strict: false })
addFormats(ajv)
ajv.addSchema(JSON.parse(readFileSync(schemaFile, 'utf8')), 'report')
// every line as written, "type" included, against the schema's jsonl_record
const validate = ajv.getSchema('report#/$defs/jsonl_record')
const lines = readFileSync(file, 'utf8').split('\n').filter(l => l !== '')
let bad = 0
lines.forEach((line, i) => {
  const rec = JSON.parse(line)
  if (!validate(rec)) { console.error(`${file}:${i + 1}: ${ajv.errorsText(validate.errors)}`); bad++ }
})
const types = lines.map(l => JSON.parse(l).type)
if (types[0] !== 'run' || types[types.length - 1] !== 'summary') {
  console.error(`${file}: must start with a run record and end with the summary`); bad++
}
if (bad) process.exit(1)
console.log(`${file}: ${lines.length} records valid`)
