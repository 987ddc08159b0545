// Writes examples/notion/workspace.har, a recorded Notion workspace with one page of
// nested blocks served by GET /v1/blocks/{id}/children. Also writes
// examples/notion/expected.md, the Markdown that the transform in
// page-to-markdown.json returns for that page, computed with the pinned
// @truto/truto-jsonata. Ids, timestamps and request ids are derived from block
// positions, so running the script twice writes the same bytes.
//
// Usage: npm install && node generate.mjs

import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import trutoJsonata from '@truto/truto-jsonata'

import { document } from './content.mjs'

const scriptDir = dirname(fileURLToPath(import.meta.url))
const exampleDir = join(scriptDir, '..', '..', 'examples', 'notion')
const batch = JSON.parse(readFileSync(join(exampleDir, 'page-to-markdown.json'), 'utf8'))

const PAGE_ID = batch.args.page_id
const PAGE_SIZE = 100
const USERS = ['4f1d6a2e-8c3b-4e7a-9b05-2d6c8e1f3a47', '9a2b7c4d-1e5f-4a8b-b3c6-7d9e0f1a2b3c']
const START = Date.parse('2025-03-03T09:00:00.000Z')
const MINUTE = 60_000

// A stable UUID-shaped id from a label, formatted like Notion's block ids.
function notionId(label) {
  const hex = createHash('sha1').update(label).digest('hex')
  return `1a4ac512-f5a5-80${hex.slice(0, 2)}-${hex.slice(2, 6)}-${hex.slice(6, 18)}`
}

function requestId(label) {
  const hex = createHash('sha1').update(`request:${label}`).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

// Turns the content tree into Notion block objects, numbering blocks in document
// order. Returns the top-level blocks, and each block keeps its children in `kids`.
function materialise(specs, parent, counter) {
  return specs.map(spec => {
    const n = counter.next++
    const created = START + n * MINUTE
    const block = {
      object: 'block',
      id: notionId(`atlas-block-${n}`),
      parent,
      created_time: new Date(created).toISOString(),
      last_edited_time: new Date(created + (n % 5) * 13 * MINUTE).toISOString(),
      created_by: { object: 'user', id: USERS[n % 2] },
      last_edited_by: { object: 'user', id: USERS[(n * 7) % 3 === 0 ? 1 : 0] },
      has_children: spec.children.length > 0,
      archived: false,
      in_trash: false,
      type: spec.type,
      [spec.type]: spec.data,
    }
    const childParent = { type: 'block_id', block_id: block.id }
    const kids = materialise(spec.children, childParent, counter)
    return { block, kids }
  })
}

function listBody(results, nextCursor, label) {
  return {
    object: 'list',
    results,
    next_cursor: nextCursor,
    has_more: nextCursor !== null,
    type: 'block',
    block: {},
    request_id: requestId(label),
  }
}

function harEntry(index, blockId, startCursor, body) {
  const query = [{ name: 'page_size', value: String(PAGE_SIZE) }]
  if (startCursor) query.push({ name: 'start_cursor', value: startCursor })
  const search = query.map(q => `${q.name}=${q.value}`).join('&')
  const text = JSON.stringify(body)
  return {
    startedDateTime: new Date(Date.parse('2025-03-10T14:02:11.000Z') + index * 187).toISOString(),
    time: 140 + (index * 37) % 90,
    request: {
      method: 'GET',
      url: `https://api.notion.com/v1/blocks/${blockId}/children?${search}`,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [
        { name: 'Authorization', value: 'Bearer [REDACTED]' },
        { name: 'Notion-Version', value: '2022-06-28' },
        { name: 'Accept', value: 'application/json' },
      ],
      queryString: query,
      headersSize: -1,
      bodySize: 0,
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [
        { name: 'Content-Type', value: 'application/json; charset=utf-8' },
        { name: 'x-notion-request-id', value: body.request_id },
        { name: 'Cache-Control', value: 'no-store' },
      ],
      content: { size: Buffer.byteLength(text), mimeType: 'application/json', text },
      redirectURL: '',
      headersSize: -1,
      bodySize: Buffer.byteLength(text),
    },
    cache: {},
    timings: { send: 0, wait: 120 + (index * 37) % 90, receive: 20 },
  }
}

// Records the children call of every block with children, depth-first, appending
// HAR entries and the spooled records in the order the batch fetches them.
function recordChildren(nodes, out) {
  for (const { block, kids } of nodes) {
    out.records.push(block)
    if (kids.length === 0) continue
    const body = listBody(kids.map(k => k.block), null, block.id)
    out.entries.push(harEntry(out.entries.length, block.id, null, body))
    recordChildren(kids, out)
  }
}

function record(topLevel) {
  const out = { entries: [], records: [] }
  for (let start = 0; start < topLevel.length; start += PAGE_SIZE) {
    const page = topLevel.slice(start, start + PAGE_SIZE)
    const next = topLevel[start + PAGE_SIZE]
    const cursor = start === 0 ? null : topLevel[start].block.id
    const body = listBody(page.map(p => p.block), next ? next.block.id : null, `page-${start}`)
    out.entries.push(harEntry(out.entries.length, PAGE_ID, cursor, body))
    recordChildren(page, out)
  }
  return out
}

function stats(nodes, depth = 1, acc = { blocks: 0, maxDepth: 0 }) {
  for (const { kids } of nodes) {
    acc.blocks += 1
    acc.maxDepth = Math.max(acc.maxDepth, depth)
    stats(kids, depth + 1, acc)
  }
  return acc
}

async function main() {
  const topLevel = materialise(document(), { type: 'page_id', page_id: PAGE_ID }, { next: 0 })
  const { entries, records } = record(topLevel)
  const har = {
    log: {
      version: '1.2',
      creator: { name: 'weft tools/make-notion-har', version: '1.0.0' },
      pages: [],
      entries,
    },
  }
  writeFileSync(join(exampleDir, 'workspace.har'), `${JSON.stringify(har, null, 2)}\n`)

  const transform = batch.resources.find(r => r.type === 'transform')
  const input = {
    args: batch.args,
    resources: { 'block-children': records, 'all-page-content': records },
  }
  const markdown = await trutoJsonata(transform.config.expression).evaluate(input)
  writeFileSync(join(exampleDir, 'expected.md'), markdown)

  const { blocks, maxDepth } = stats(topLevel)
  console.log(
    `blocks ${blocks}, top-level ${topLevel.length}, levels ${maxDepth}, ` +
      `entries ${entries.length}, markdown ${markdown.length} chars`,
  )
}

await main()
