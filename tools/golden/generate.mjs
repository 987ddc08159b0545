// Records what @truto/truto-jsonata returns for every case in cases.mjs.
//
// Run with `npm install && npm run golden` from this folder. It writes
// tests/data/golden/jsonata-functions.json, which crates/weft-transform/tests/golden.rs
// reads. Truto runs in UTC (Cloudflare workers), so the host zone is forced to UTC.

process.env.TZ = 'UTC'

import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import trutoJsonata from '@truto/truto-jsonata'
import { cases } from './cases.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const output = join(here, '..', '..', 'tests', 'data', 'golden', 'jsonata-functions.json')
const versionOf = name =>
  JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version

if (new Date(2024, 0, 1).getTimezoneOffset() !== 0) {
  throw new Error('the host zone must be UTC; run with TZ=UTC')
}

async function record(testCase) {
  try {
    const value = await trutoJsonata(testCase.expression).evaluate(testCase.input)
    // JSON.stringify applies toJSON (a Luxon DateTime becomes its ISO text).
    return value === undefined ? { undefined: true } : { expected: JSON.parse(JSON.stringify(value)) }
  } catch (error) {
    return { error: String(error?.message ?? JSON.stringify(error)) }
  }
}

const names = new Set()
const recorded = []
for (const testCase of cases) {
  if (names.has(testCase.name)) throw new Error(`duplicate case name ${testCase.name}`)
  names.add(testCase.name)
  recorded.push({ ...testCase, ...(await record(testCase)) })
}

const file = {
  package: '@truto/truto-jsonata',
  version: versionOf('@truto/truto-jsonata'),
  dependencies: { jsonata: versionOf('jsonata'), luxon: versionOf('luxon') },
  node: process.version,
  time_zone: 'UTC',
  cases: recorded,
}
writeFileSync(output, JSON.stringify(file, null, 2) + '\n')
console.log(`wrote ${recorded.length} cases to ${output}`)
