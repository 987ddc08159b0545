// Realistic inputs for the converter golden file: Notion exports, README-like Markdown,
// Slack-style messages, Jira and Confluence descriptions and HTML emails.

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const vectors = JSON.parse(
  readFileSync(join(here, '../../tests/data/vectors/convertNotionToMarkdown.json'), 'utf8')
)

const annotations = (extra = {}) => ({
  bold: false, italic: false, strikethrough: false, underline: false, code: false,
  color: 'default', ...extra,
})
const text = (content, extra = {}, href = null) => ({
  type: 'text',
  text: { content, link: href ? { url: href } : null },
  annotations: annotations(extra),
  plain_text: content,
  href,
})
const mention = (name, href) => ({
  type: 'mention',
  mention: { type: 'page', page: { id: 'abc' } },
  annotations: annotations(),
  plain_text: name,
  href,
})
const inlineEquation = expression => ({
  type: 'equation',
  equation: { expression },
  annotations: annotations(),
  plain_text: expression,
  href: null,
})

let counter = 0
const block = (type, data, parent = null, hasChildren = false) => {
  counter += 1
  const id = `b${String(counter).padStart(4, '0')}-0000-4000-8000-000000000000`
  return {
    object: 'block',
    id,
    parent: parent ? { type: 'block_id', block_id: parent.id } : { type: 'page_id', page_id: 'page-1' },
    parent_id: parent ? parent.id : 'page-1',
    has_children: hasChildren,
    type,
    [type]: data,
  }
}
const rich = (...segments) => ({ rich_text: segments, color: 'default' })

function meetingNotes() {
  const h = block('heading_1', rich(text('Weekly sync')))
  const p = block('paragraph', rich(text('Attendees: '), mention('Ana', '/abc123'), text(', Bo')))
  const todo = block('to_do', { ...rich(text('Ship the '), text('beta', { bold: true })), checked: false }, null, true)
  const sub = block('numbered_list_item', rich(text('Write release notes')), todo)
  const sub2 = block('numbered_list_item', rich(text('Tag the build')), todo)
  const done = block('to_do', { ...rich(text('Fix login bug')), checked: true })
  const quote = block('quote', rich(text('Move fast, ', { italic: true }), text('fix things', { strikethrough: true })))
  return [h, p, todo, sub, sub2, done, quote]
}

function designDoc() {
  const h = block('heading_2', rich(text('Architecture')))
  const callout = block('callout', { ...rich(text('Read this first', { bold: true, italic: true })), icon: { emoji: '💡' } })
  const code = block('code', { ...rich(text('fn main() {\n'), text('    println!("hi");\n}')), language: 'rust', caption: [] })
  const eq = block('equation', { expression: 'E = mc^2' })
  const inline = block('paragraph', rich(text('Energy is '), inlineEquation('E=mc^2'), text(' and '), text('code', { code: true })))
  const divider = block('divider', {})
  const bm = block('bookmark', { caption: [], url: 'https://example.com/rfc' })
  return [h, callout, code, eq, inline, divider, bm]
}

function nestedLists() {
  const b1 = block('bulleted_list_item', rich(text('Fruits')), null, true)
  const b11 = block('bulleted_list_item', rich(text('Apple')), b1, true)
  const b111 = block('to_do', { ...rich(text('Buy apples')), checked: true }, b11)
  const b12 = block('numbered_list_item', rich(text('Banana')), b1)
  const b13 = block('numbered_list_item', rich(text('Cherry')), b1)
  const para = block('paragraph', rich(text('Between lists')))
  const n1 = block('numbered_list_item', rich(text('First')))
  const n2 = block('numbered_list_item', rich(text('Second')), null, true)
  const n21 = block('paragraph', rich(text('Detail under second')), n2)
  const n3 = block('numbered_list_item', rich(text('Third')))
  return [b1, b11, b111, b12, b13, para, n1, n2, n21, n3]
}

function togglesAndPages() {
  const t = block('toggle', rich(text('FAQ')), null, true)
  const t1 = block('paragraph', rich(text('Answer one')), t)
  const t2 = block('bulleted_list_item', rich(text('Point')), t)
  const cp = block('child_page', { title: 'Sub page' })
  const cdb = block('child_database', { title: 'Tasks DB' })
  const cols = block('column_list', {}, null, true)
  const c1 = block('column', {}, cols, true)
  const c1p = block('paragraph', rich(text('Left column')), c1)
  const c2 = block('column', {}, cols, true)
  const c2p = block('paragraph', rich(text('Right column')), c2)
  const synced = block('synced_block', { synced_from: null }, null, true)
  const sp = block('paragraph', rich(text('Synced text')), synced)
  const unsupported = block('unsupported', {})
  return [t, t1, t2, cp, cdb, cols, c1, c1p, c2, c2p, synced, sp, unsupported]
}

function mediaPage() {
  const img = block('image', { caption: [text('Diagram')], type: 'external', external: { url: 'https://cdn.example.com/d.png' } })
  const img2 = block('image', { caption: [], type: 'file', file: { url: 'https://s3.example.com/f.png?sig=1', expiry_time: '2024-01-01' } })
  const file = block('file', { caption: [text('Spec'), text(' v2')], type: 'external', external: { url: 'https://example.com/spec.pdf' }, name: 'spec.pdf' })
  const pdf = block('pdf', { caption: [], type: 'file', file: { url: 'https://s3.example.com/a.pdf' } })
  const video = block('video', { caption: [], type: 'external', external: { url: 'https://youtube.com/watch?v=x' } })
  const embed = block('embed', { caption: [], url: 'https://figma.com/file/1' })
  const h3 = block('heading_3', { ...rich(text('Links')), is_toggleable: false })
  const links = block('paragraph', rich(text('See '), text('docs', { bold: true }, 'https://docs.example.com'), text(' and '), text('page', {}, '/0f3a')))
  const styled = block('paragraph', rich(text('all', { bold: true, italic: true, strikethrough: true, underline: true, code: true })))
  return [img, img2, file, pdf, video, embed, h3, links, styled]
}

function tablePage() {
  const table = block('table', { table_width: 3, has_column_header: true, has_row_header: false }, null, true)
  const row = cells => block('table_row', { cells }, table)
  const r1 = row([[text('Name')], [text('Role')], [text('Since')]])
  const r2 = row([[text('Ana', { bold: true })], [text('Eng')], [text('2021')]])
  const r3 = row([[text('Bo')], [], [text('2023', {}, 'https://x.example')]])
  const after = block('paragraph', rich(text('After table')))
  return [table, r1, r2, r3, after]
}

const pages = [
  ['notion page: truto fixture (40 blocks)', vectors[0].input.bindings.blocks],
  ['notion page: meeting notes with to-dos and quote', meetingNotes()],
  ['notion page: design doc with callout, code, equation, bookmark', designDoc()],
  ['notion page: nested mixed lists', nestedLists()],
  ['notion page: toggles, child pages, columns, synced, unsupported', togglesAndPages()],
  ['notion page: images, files, embeds and links', mediaPage()],
  ['notion page: table with header', tablePage()],
  ['notion page: empty', []],
  ['notion page: single paragraph object', block('paragraph', rich(text('Just one')))],
]

const singles = [
  ['notion block: heading_1', block('heading_1', rich(text('Title')))],
  ['notion block: heading_3 two segments', block('heading_3', rich(text('Part '), text('two')))],
  ['notion block: paragraph with link', block('paragraph', rich(text('Go to '), text('site', {}, 'https://a.example')))],
  ['notion block: multi-line paragraph', block('paragraph', rich(text('line one\nline two')))],
  ['notion block: bulleted item', block('bulleted_list_item', rich(text('Item')))],
  ['notion block: numbered item two segments', block('numbered_list_item', rich(text('Step '), text('one')))],
  ['notion block: to_do checked', block('to_do', { ...rich(text('Done')), checked: true })],
  ['notion block: quote', block('quote', rich(text('Wise words')))],
  ['notion block: code', block('code', { ...rich(text('SELECT 1;')), language: 'sql' })],
  ['notion block: divider', block('divider', {})],
  ['notion block: bookmark', block('bookmark', { url: 'https://b.example', caption: [] })],
  ['notion block: image', block('image', { caption: [], type: 'external', external: { url: 'https://i.example/a.png' } })],
  ['notion block: equation', block('equation', { expression: 'a^2+b^2=c^2' })],
  ['notion block: table_row', block('table_row', { cells: [[text('a')], [text('b')]] })],
  ['notion block: strong tags in paragraph', block('paragraph', rich(text('<strong>bold</strong> and <em>em</em>')))],
]

const markdownDocs = [
  ['README', `# Weft\n\nA local engine for **batch requests** against SaaS APIs.\n\n## Install\n\n\`\`\`bash\ncargo install weft\n\`\`\`\n\n## Usage\n\n1. Write a spec\n2. Run \`weft run spec.json\`\n3. Read the *result*\n\nSee [the docs](https://weft.example/docs) for more.\n\n---\n\n- fast\n- local\n  - offline\n- safe\n`],
  ['Slack message', `Hey team! :wave:\n\nThe deploy is **done**. Check <https://status.example.com> or [the dashboard](https://dash.example.com).\n\n> Remember: _never_ deploy on Fridays\n\n- item one\n- item two\n`],
  ['Jira description', `h1. not markdown\n\n### Steps to reproduce\n\n1. Open the app\n2. Click **Login**\n3. See error \`500\`\n\n### Expected\n\nUser logs in.\n\n| Env | Result |\n| --- | --- |\n| prod | fail |\n| staging | ok |\n`],
  ['Confluence page', `## Overview\n\nThis page describes the ~~old~~ new process.\n\n![diagram](https://img.example.com/flow.png)\n\n- [ ] review\n- [x] draft\n\n\`\`\`json\n{"a": 1}\n\`\`\`\n`],
  ['changelog', `# Changelog\n\n## 1.2.0\n\n### Added\n\n* Support for **Notion** & Slack\n* Faster \`sortNodes\`\n\n### Fixed\n\n* Crash on empty input (#12)\n`],
  ['plain paragraphs', `First paragraph with a line\nbreak inside.\n\nSecond paragraph with &amp; entity and "quotes".\n`],
  ['emphasis mix', `***bold italic*** and **bold with _italic_ inside** and a [**bold link**](https://l.example).\n`],
  ['nested ordered', `1. one\n   - sub a\n   - sub b\n2. two\n\nTail text.\n`],
]

// Extra documents recorded only for the block converters (Notion, ADF, Google Docs), to
// cover hard breaks, tables with inline marks, deep lists, quotes and images.
const blockConverterDocs = [
  ['release notes with hard breaks', `# Release 2.4\n\nShipped on Monday.  \nRolled out to **all** regions.\\\nNo downtime.\n\n## Highlights\n\n- Faster *search*\n- New [API docs](https://api.example.com/docs)\n`],
  ['support ticket with quote and code', `### Customer report\n\n> The export button does nothing.\n> Tried twice.\n\nStack trace:\n\n\`\`\`\nTypeError: x is undefined\n    at export (app.js:12)\n\`\`\`\n\nRun \`npm test\` to reproduce.\n`],
  ['pricing table with marks', `| Plan | Price | Notes |\n| :--- | ---: | --- |\n| **Free** | $0 | [limits](https://p.example/limits) |\n| Pro | $20 | \`api\` access |\n\nPrices exclude tax.\n`],
  ['three-level list with tasks', `- [ ] Plan\n- [x] Build\n\n* Backend\n  * API\n    * auth\n    * billing\n  * Workers\n* Frontend\n\n3. third\n4. fourth\n`],
  ['screenshot and links', `Here is the bug:\n\n![screenshot](https://img.example.com/bug.png)\n\nInline ![icon](https://img.example.com/i.png) image, a *[styled link](https://s.example)* and ~~gone~~ text.\n\n---\n\n#### Footer\n`],
  ['loose list and nested numbering', `1. Prepare\n\n   Gather the **inputs** first.\n\n2. Run\n   - dry run\n     1. check *flags*\n     2. [read logs](https://logs.example)\n   - real run\n\nDone.\n`],
  ['bare URLs, escapes and HTML', `Visit https://status.example.com/incidents. Or www.example.org, \\*not emphasis\\*.\n\nTom &amp; Jerry &copy; <span>inline</span> 'quoted'\n\n<div>\nblock html\n</div>\n\nEnd.\n`],
  ['setext headings, indented code, quote with list', `Title\n=====\n\nSub title\n---------\n\n    indented code\n    second line\n\n> Quote intro\n>\n> - point one\n> - point two\n\n###### Small\n`],
  ['empty document', ''],
  ['wrapped lines and email', `Line one\n   indented continuation\nmail ops@example.com today\n`],
  ['long line', `Intro.\n\n${'word '.repeat(450)}end\n`],
]

const blockConverterFns = [
  'convertMarkdownToNotion',
  'convertMarkdownToAdf',
  'convertMarkdownToGoogleDocs',
]

const markdownFns = [
  'convertMarkdownToNotion',
  'convertMarkdownToHtml',
  'convertMarkdownToSlack',
  'convertMarkdownToAdf',
  'convertMarkdownToGoogleDocs',
]

const htmlDocs = [
  ['HTML email: newsletter', `<html><body><h1>Hello Ana</h1><p>Thanks for signing up. Here is what's <b>new</b>:</p><ul><li>Faster sync</li><li>Dark <em>mode</em></li></ul><p><a href="https://ex.example/unsub">Unsubscribe</a></p></body></html>`],
  ['HTML email: receipt table', `<table><thead><tr><th>Item</th><th>Price</th></tr></thead><tbody><tr><td>Plan</td><td>$10</td></tr><tr><td>Tax</td><td>$1</td></tr></tbody></table>`],
  ['HTML: code and pre', `<p>Run <code>npm i</code> then:</p><pre><code class="language-js">const a = 1;\nconsole.log(a);\n</code></pre>`],
  ['HTML: headings and hr', `<h2>Section</h2><p>Text</p><hr><h3>Sub</h3><blockquote><p>Quoted text</p></blockquote>`],
  ['HTML: ordered list and image', `<ol><li>First</li><li>Second <strong>bold</strong></li></ol><img src="https://i.example/x.png" alt="logo">`],
  ['HTML: strikethrough and line break', `<p>Old <del>price</del> new<br>second line</p>`],
  ['HTML: nested lists', `<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>`],
  ['HTML: escaping', `<p>1. not a list *stars* _under_ # hash</p>`],
]

export const inputs = [
  ...pages.map(([name, input]) => ({ name, fn: 'convertNotionToMarkdown', input })),
  ...singles.map(([name, input]) => ({ name, fn: 'convertNotionToMd', input })),
  ...markdownDocs.flatMap(([name, input]) =>
    markdownFns.map(fn => ({ name: `${fn}: ${name}`, fn, input }))
  ),
  ...blockConverterDocs.flatMap(([name, input]) =>
    blockConverterFns.map(fn => ({ name: `${fn}: ${name}`, fn, input }))
  ),
  {
    name: 'convertMarkdownToGoogleDocs: inserted at index 42',
    fn: 'convertMarkdownToGoogleDocs',
    expression: '$convertMarkdownToGoogleDocs(input.markdown, input.start_index)',
    input: { markdown: '## Notes\n\n- **one**\n  - two\n\nSee [docs](https://d.example).\n', start_index: 42 },
  },
  ...htmlDocs.map(([name, input]) => ({ name, fn: 'convertHtmlToMarkdown', input })),
]
