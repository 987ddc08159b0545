// The content of the example Notion page, a project launch plan. Each helper returns
// `{ type, data, children }`, and generate.mjs assigns ids, parents and timestamps.
//
// The mix avoids the cases where Weft deliberately differs from
// @truto/truto-jsonata 3.0.6 (bookmarks, code blocks with several rich-text
// segments, block equations, numbered items nested under bullets or to-dos), and
// gives children only to block types whose Markdown includes them (lists, to-dos,
// toggles, tables).

const PLAIN = { bold: false, italic: false, strikethrough: false, underline: false, code: false }

// Rich text from strings and styled segments such as { text, bold: true, link }.
function rich(...segments) {
  return segments.map(segment => {
    const s = typeof segment === 'string' ? { text: segment } : segment
    if (s.mention) return mention(s)
    const annotations = { ...PLAIN, color: s.color ?? 'default' }
    for (const key of Object.keys(PLAIN)) if (s[key]) annotations[key] = true
    return {
      type: 'text',
      text: { content: s.text, link: s.link ? { url: s.link } : null },
      annotations,
      plain_text: s.text,
      href: s.link ?? null,
    }
  })
}

function mention({ text, mention: pageId }) {
  return {
    type: 'mention',
    mention: { type: 'page', page: { id: pageId } },
    annotations: { ...PLAIN, color: 'default' },
    plain_text: text,
    href: `https://www.notion.so/${pageId.replace(/-/g, '')}`,
  }
}

const block = (type, data, children = []) => ({ type, data, children })
const textBlock = type => (...segments) => block(type, { rich_text: rich(...segments), color: 'default' })
const heading = type => text =>
  block(type, { rich_text: rich(text), is_toggleable: false, color: 'default' })

const h1 = heading('heading_1')
const h2 = heading('heading_2')
const h3 = heading('heading_3')
const p = textBlock('paragraph')
const quote = textBlock('quote')
const divider = () => block('divider', {})

const list = type => (segments, children = []) =>
  block(type, { rich_text: rich(...[segments].flat()), color: 'default' }, children)
const bullet = list('bulleted_list_item')
const numbered = list('numbered_list_item')
const toggle = list('toggle')

function todo(checked, segments, children = []) {
  const data = { rich_text: rich(...[segments].flat()), checked, color: 'default' }
  return block('to_do', data, children)
}

function callout(emoji, ...segments) {
  const data = { rich_text: rich(...segments), icon: { type: 'emoji', emoji }, color: 'gray_background' }
  return block('callout', data)
}

function code(language, text) {
  return block('code', { caption: [], rich_text: rich(text), language })
}

function image(url, caption) {
  const data = { caption: caption ? rich(caption) : [], type: 'external', external: { url } }
  return block('image', data)
}

function table(rows, { header = true } = {}) {
  const width = rows[0].length
  const data = { table_width: width, has_column_header: header, has_row_header: false }
  const cells = row => row.map(cell => rich(...[cell].flat()))
  const children = rows.map(row => block('table_row', { cells: cells(row) }))
  return block('table', data, children)
}

const INGEST_SNIPPET = `import { Kafka } from 'kafkajs'

const kafka = new Kafka({ clientId: 'atlas-ingest', brokers: ['kafka-1:9092'] })
const consumer = kafka.consumer({ groupId: 'atlas-reconcile' })

await consumer.subscribe({ topic: 'invoices.v2', fromBeginning: false })
await consumer.run({
  eachMessage: async ({ message }) => {
    const invoice = decode(message.value)
    await reconcile(invoice)
  },
})`

const BACKFILL_SNIPPET = `-- Replays one tenant's invoices through the new pipeline.
INSERT INTO reconcile_queue (tenant_id, invoice_id, enqueued_at)
SELECT tenant_id, id, now()
FROM invoices
WHERE tenant_id = :tenant
  AND issued_at >= date '2025-01-01'
ORDER BY issued_at;`

function overview() {
  return [
    callout('🧭', 'This page is the source of truth for the Atlas launch. Owners update their section every ', { text: 'Friday', bold: true }, '.'),
    h1('Atlas launch plan'),
    p(
      'Atlas moves invoice reconciliation from the nightly batch job to a ',
      { text: 'streaming pipeline', bold: true },
      ', so finance sees mismatches within minutes instead of the next morning. See the ',
      { text: 'design doc', link: 'https://docs.example.com/atlas/design' },
      ' for the full proposal.',
    ),
    p('Related: ', { text: 'Atlas roadmap', mention: '0c7e4b1a-5d2f-4e8b-9a63-1f0d2c3b4a59' }, ' and the ', { text: 'on-call runbook', link: 'https://docs.example.com/atlas/runbook' }, '.'),
    p({ text: 'Status:', bold: true }, ' on track. ', { text: 'Last reviewed by the steering group on March 7.', italic: true }),
    divider(),
  ]
}

function goals() {
  return [
    h2('Goals'),
    numbered([{ text: 'Reconcile every invoice within ', bold: false }, { text: '5 minutes', bold: true }, ' of issue']),
    numbered('Retire the nightly batch job', [
      numbered('Move the three remaining report consumers to the event stream', [
        numbered('Revenue dashboard'),
        numbered('Tax export'),
        numbered('Collections queue'),
      ]),
      numbered('Delete the cron entry and its alerts'),
    ]),
    numbered(['Keep the false-positive rate under ', { text: '0.5%', code: true }]),
    numbered(['Ship behind the ', { text: 'atlas_streaming', code: true }, ' flag, tenant by tenant']),
    p('Non-goals: changing the ledger schema, or reconciling card payments (tracked in ', { text: 'Ledger v3', link: 'https://docs.example.com/ledger-v3' }, ').'),
  ]
}

function milestones() {
  return [
    h2('Milestones'),
    table([
      ['Milestone', 'Owner', 'Date'],
      ['Design sign-off', 'Priya Raman', 'March 14'],
      [[{ text: 'Shadow mode', bold: true }, ' on internal tenants'], 'Tomás Ortega', 'March 28'],
      ['First external tenant', 'Priya Raman', 'April 11'],
      ['50% of tenants', 'Mei Chen', 'May 2'],
      [['All tenants, ', { text: 'batch job off', strikethrough: true }], 'Mei Chen', 'May 23'],
      ['Post-launch review', [{ text: 'Steering group', link: 'https://docs.example.com/atlas/steering' }], 'June 6'],
    ]),
    p({ text: 'Dates after April 11 depend on the shadow-mode error rate.', italic: true }),
  ]
}

function checklist() {
  return [
    h2('Launch checklist'),
    todo(true, 'Design review approved'),
    todo(true, 'Capacity plan for the Kafka cluster'),
    todo(false, 'Security review', [
      todo(true, 'Threat model', [
        todo(true, 'Token storage'),
        todo(false, 'Webhook signature checks'),
      ]),
      todo(false, 'Penetration test booked'),
    ]),
    todo(false, ['Runbook reviewed by ', { text: 'on-call', italic: true }]),
    todo(false, 'Dashboards and alerts', [
      todo(true, 'Lag per partition'),
      todo(false, 'Mismatch rate per tenant', [
        todo(false, 'Page when above 2% for 15 minutes'),
      ]),
    ]),
    todo(false, 'Customer success briefed'),
    todo(false, ['Changelog entry drafted (', { text: 'owner: Mei', underline: true }, ')']),
  ]
}

function architecture() {
  return [
    h2('Architecture'),
    p(
      'Invoices are published to ',
      { text: 'invoices.v2', code: true },
      ' by the billing service. The ',
      { text: 'reconciler', bold: true, italic: true },
      ' consumes them, matches each one against bank transactions, and writes results to the ',
      { text: 'reconciliations', code: true },
      ' table.',
    ),
    image('https://assets.example.com/atlas/architecture-v3.png', 'Atlas data flow, version 3'),
    code('javascript', INGEST_SNIPPET),
    p('The consumer commits offsets only after the match is stored, so a crash replays at most one batch.'),
    h3('Components'),
    bullet({ text: 'Ingest service', bold: true }, [
      bullet('Kafka consumer group per region'),
      bullet('Schema registry', [
        bullet('Avro schemas versioned per tenant', [
          bullet('Breaking changes need a new topic'),
        ]),
        bullet('Compatibility mode: backward'),
      ]),
    ]),
    bullet({ text: 'Matcher', bold: true }, [
      bullet('Exact match on reference number'),
      bullet(['Fuzzy match on amount and date, window of ', { text: '±2 days', code: true }]),
    ]),
    bullet({ text: 'Results API', bold: true }),
    bullet(['Storage: Postgres 16, partitioned by ', { text: 'tenant_id', code: true }]),
    quote('Design for replay first: every stage must be safe to run twice on the same invoice.'),
    p('Backfills use the same queue as live traffic:'),
    code('sql', BACKFILL_SNIPPET),
    divider(),
  ]
}

function openQuestions() {
  return [
    h2('Open questions'),
    toggle('How do we handle invoices edited after they are reconciled?', [
      p('Proposal: treat an edit as a new event and re-run the match. The old result is kept for audit.'),
      bullet('Needs a version column on reconciliations'),
      bullet('Finance must confirm the audit view'),
    ]),
    toggle('What happens when the bank feed is late?', [
      p('Unmatched invoices wait in a retry queue for up to 48 hours before they are flagged.'),
    ]),
    toggle(['Do we need ', { text: 'exactly-once', italic: true }, ' delivery?'], [
      p('No. Matching is idempotent, so at-least-once is enough.'),
      bullet('Idempotency key: invoice id plus version', [
        bullet('Stored with a unique index'),
      ]),
    ]),
    toggle('Who owns the mismatch queue after launch?', [
      p({ text: 'Decision:', bold: true }, ' the billing operations team, with engineering on call for the first month.'),
    ]),
    callout('⚠️', 'Answer the open questions before the shadow-mode milestone.'),
  ]
}

const WEEKS = [
  {
    date: 'March 3',
    summary: 'Kickoff. The team agreed on the event schema and the shadow-mode plan.',
    done: ['Event schema merged', 'Staging Kafka topic created', 'Dashboards skeleton'],
    next: ['Load test the consumer', 'Draft the runbook'],
    risk: 'The bank feed vendor has not confirmed the new webhook format.',
  },
  {
    date: 'March 10',
    summary: 'Load tests reached 4,000 invoices per second on three partitions.',
    done: ['Load test report published', 'Retry queue implemented', 'Alert on consumer lag'],
    next: ['Fuzzy matcher tuning', 'Security review kickoff'],
    risk: 'Consumer lag spikes during the nightly ledger export.',
  },
  {
    date: 'March 17',
    summary: 'Fuzzy matching cut unmatched invoices by a third in the test data.',
    done: ['Matcher window set to two days', 'Audit view prototype', 'Runbook first draft'],
    next: ['Shadow mode on internal tenants', 'Threat model review'],
    risk: 'Two tenants send invoices without reference numbers.',
  },
  {
    date: 'March 24',
    summary: 'Shadow mode is running for the three internal tenants.',
    done: ['Shadow mode enabled', 'Comparison report against the batch job', 'Token storage reviewed'],
    next: ['Fix the currency rounding mismatch', 'Book the penetration test'],
    risk: 'Rounding differs from the batch job for JPY invoices.',
  },
  {
    date: 'March 31',
    summary: 'Rounding is fixed; shadow results now match the batch job on 99.7% of invoices.',
    done: ['Rounding fix deployed', 'Mismatch dashboard per tenant', 'Customer success briefing scheduled'],
    next: ['Pick the first external tenant', 'Finish webhook signature checks'],
    risk: 'The remaining 0.3% are mostly partial payments, which the batch job also gets wrong.',
  },
  {
    date: 'April 7',
    summary: 'Northwind Traders agreed to be the first external tenant.',
    done: ['Tenant flag rollout tooling', 'Backfill script tested on a copy', 'Partial payment design note'],
    next: ['Enable Atlas for Northwind', 'Daily review of their mismatches'],
    risk: 'Northwind issues credit notes through a separate API that Atlas does not read yet.',
  },
  {
    date: 'April 14',
    summary: 'Northwind has been live for a week with no customer-visible errors.',
    done: ['Credit note events added', 'On-call handover document', 'Lag alert tuned'],
    next: ['Roll out to 10% of tenants', 'Start the changelog entry'],
    risk: 'The penetration test moved to April 22.',
  },
  {
    date: 'April 21',
    summary: 'Rollout reached 10% of tenants; mismatch rates stayed below the 0.5% goal.',
    done: ['Rollout to 10% of tenants', 'Changelog entry drafted', 'Penetration test scope agreed'],
    next: ['Roll out to 50% of tenants', 'Plan the batch job shutdown'],
    risk: 'Support tickets about reconciliation timing rose after the rollout; most ask about the new audit view.',
  },
]

function week({ date, summary, done, next, risk }, index) {
  return [
    h3(`Week of ${date}`),
    p(summary),
    ...done.map(item => bullet(['Done: ', item])),
    ...next.map((item, i) => todo(index < 5 && i === 0, item)),
    quote({ text: 'Risk:', bold: true }, ` ${risk}`),
  ]
}

function weeklyStatus() {
  return [h2('Weekly status'), ...WEEKS.flatMap(week)]
}

function appendix() {
  return [
    divider(),
    h2('Appendix'),
    h3('Glossary'),
    table([
      ['Term', 'Meaning'],
      ['Match', 'An invoice paired with one or more bank transactions'],
      ['Shadow mode', 'Atlas runs and stores results, but the batch job stays authoritative'],
      ['Mismatch', [{ text: 'Any invoice without a match after 48 hours', italic: true }]],
    ]),
    h3('Links'),
    bullet([{ text: 'Grafana: Atlas overview', link: 'https://grafana.example.com/d/atlas' }]),
    bullet([{ text: 'Incident channel', link: 'https://chat.example.com/channels/atlas-incidents' }]),
    bullet([{ text: 'Load test report', link: 'https://docs.example.com/atlas/load-test' }]),
    image('https://assets.example.com/atlas/rollout-timeline.png'),
    p({ text: 'Questions about this page go to Priya Raman.', italic: true }),
  ]
}

// The page's top-level blocks, in order.
export function document() {
  return [
    ...overview(),
    ...goals(),
    ...milestones(),
    ...checklist(),
    ...architecture(),
    ...openQuestions(),
    ...weeklyStatus(),
    ...appendix(),
  ]
}
