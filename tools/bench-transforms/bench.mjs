// Times @truto/truto-jsonata 3.0.6 on the inputs that `cargo bench -p weft-transform`
// writes, after checking that it gives the same results as Weft, and prints both
// sides' median and p90 with the ratio.
//
// Run from this folder, after the Rust bench:
//   npm ci && node --expose-gc bench.mjs [dir] [runs]
// dir defaults to ../../target/tmp/transform-bench, runs to 20 (after 3 warm-up runs).
// Weft's timings come from criterion's samples in ../../target/criterion.

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import trutoJsonata from '@truto/truto-jsonata'

const toolDir = dirname(fileURLToPath(import.meta.url))
const target = process.env.CARGO_TARGET_DIR || join(toolDir, '..', '..', 'target')
const dir = process.argv[2] || join(target, 'tmp', 'transform-bench')
const runs = Number(process.argv[3] || 20)
const WARM_UP = 3

// The value at quantile q of sorted numbers, nearest rank.
function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

function summary(millis) {
  const sorted = [...millis].sort((a, b) => a - b)
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), runs: sorted.length }
}

// Throws unless the reference result equals the one Weft recorded.
function check(name, result) {
  const recorded = readFileSync(join(dir, `${name}.weft.out`), 'utf8')
  if (typeof result === 'string') {
    if (result === recorded) return `Markdown equal (${result.length} chars)`
    const [ours, theirs] = [recorded.split('\n'), result.split('\n')]
    const line = ours.findIndex((text, i) => text !== theirs[i])
    throw new Error(
      `${name}: Markdown differs at line ${line + 1}:\n  weft:      ${JSON.stringify(ours[line])}\n` +
        `  reference: ${JSON.stringify(theirs[line])}`,
    )
  }
  const weft = JSON.parse(recorded)
  const samples = [0, Math.floor(result.length / 2), result.length - 1].map(i => result[i])
  if (weft.count !== result.length) {
    throw new Error(`${name}: weft gave ${weft.count} records, the reference ${result.length}`)
  }
  if (!isDeepStrictEqual(weft.samples, samples)) {
    throw new Error(`${name}: first, middle or last record differs`)
  }
  return `${result.length} records equal in count, sampled records equal`
}

async function timeReference(expression, input) {
  for (let i = 0; i < WARM_UP; i++) await expression.evaluate(input)
  const millis = []
  for (let i = 0; i < runs; i++) {
    globalThis.gc?.()
    const start = performance.now()
    await expression.evaluate(input)
    millis.push(performance.now() - start)
  }
  return summary(millis)
}

// Per-iteration times of criterion's last run of `transforms/<name>`, in ms.
function weftTimes(name) {
  const file = join(target, 'criterion', 'transforms', name, 'new', 'sample.json')
  if (!existsSync(file)) return null
  const { iters, times } = JSON.parse(readFileSync(file, 'utf8'))
  return summary(times.map((nanos, i) => nanos / iters[i] / 1e6))
}

const ms = value => (value === undefined ? '-' : `${value.toFixed(1)} ms`)

async function main() {
  const workloads = JSON.parse(readFileSync(join(dir, 'workloads.json'), 'utf8'))
  const rows = []
  for (const { name, expression, input } of workloads) {
    const data = JSON.parse(readFileSync(join(dir, input), 'utf8'))
    const compiled = trutoJsonata(expression)
    console.log(`${name}: ${check(name, await compiled.evaluate(data))}`)
    const reference = await timeReference(compiled, data)
    rows.push({ name, weft: weftTimes(name), reference })
    // A variant Weft timed on one thread is compared with the same reference runs.
    const oneThread = weftTimes(`${name}_one_thread`)
    if (oneThread) rows.push({ name: `${name}_one_thread`, weft: oneThread, reference })
  }
  console.log('\n| workload | Weft median | Weft p90 | reference median | reference p90 | ratio |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  for (const { name, weft, reference } of rows) {
    const ratio = weft ? `${(reference.median / weft.median).toFixed(1)}x` : '-'
    console.log(
      `| ${name} | ${ms(weft?.median)} | ${ms(weft?.p90)} | ${ms(reference.median)} | ` +
        `${ms(reference.p90)} | ${ratio} |`,
    )
  }
  if (rows.some(row => !row.weft)) console.log('\nno criterion samples: run `cargo bench -p weft-transform` first')
}

await main()
