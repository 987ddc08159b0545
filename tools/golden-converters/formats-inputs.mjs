// Realistic inputs for the data-format golden file: API XML payloads (SOAP, RSS, Atom,
// sitemaps), CRM and billing exports for CSV, and long documents for the text splitter.
// Each case names a function and optional arguments after the input.

const soapEnvelope = `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://www.example.org/stock">
  <soap:Header/>
  <soap:Body>
    <m:GetStockPriceResponse>
      <m:Price>34.5</m:Price>
      <m:Currency>USD</m:Currency>
    </m:GetStockPriceResponse>
  </soap:Body>
</soap:Envelope>`

const rssFeed = `<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Weft release notes</title>
  <link>https://weft.example/blog</link>
  <description>News &amp; updates</description>
  <atom:link href="https://weft.example/rss.xml" rel="self" type="application/rss+xml"/>
  <item>
    <title>Weft 0.2 ships batch spooling</title>
    <link>https://weft.example/blog/0-2</link>
    <pubDate>Mon, 03 Jun 2024 09:00:00 GMT</pubDate>
    <description><![CDATA[<p>Spool <b>large</b> exports to disk.</p>]]></description>
    <category>release</category>
    <category>storage</category>
  </item>
  <item>
    <title>Weft 0.1</title>
    <link>https://weft.example/blog/0-1</link>
    <guid isPermaLink="false">weft-0-1</guid>
  </item>
</channel>
</rss>`

const atomFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Status page</title>
  <updated>2024-05-01T12:00:00Z</updated>
  <entry>
    <title type="html">Degraded API &lt;latency&gt;</title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <content type="text">We are investigating elevated latency.</content>
  </entry>
</feed>`

const sitemap = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://weft.example/</loc><lastmod>2024-01-01</lastmod><priority>1.0</priority></url>
  <url><loc>https://weft.example/docs</loc><changefreq>weekly</changefreq></url>
</urlset>`

const samlFragment = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6" Version="2.0" IssueInstant="2024-07-17T09:01:48Z">
  <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">http://idp.example.com/metadata.php</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
</samlp:Response>`

const invoiceXml = `<?xml version="1.0"?>
<!-- exported by Billing -->
<Invoices count="2">
  <Invoice id="INV-001" status="paid">
    <Customer>Acme &amp; Sons</Customer>
    <Total currency="EUR">1200.50</Total>
    <Lines>
      <Line sku="A-1" qty="2">Widget</Line>
      <Line sku="B-7" qty="1">Gadget &lt;large&gt;</Line>
    </Lines>
    <Notes></Notes>
  </Invoice>
  <Invoice id="INV-002" status="draft">
    <Customer>Globex</Customer>
    <Total currency="USD">99</Total>
    <Lines/>
  </Invoice>
</Invoices>`

const mixedContent = `<p>Hello <b>world</b>, this is <i>mixed</i> content.</p>`

const xmlToJs = [
  ['SOAP stock price response', soapEnvelope],
  ['RSS feed with CDATA and repeated items', rssFeed],
  ['Atom status feed with escaped text', atomFeed],
  ['sitemap with two urls', sitemap],
  ['SAML response fragment without declaration', samlFragment],
  ['billing invoices with comment and attributes', invoiceXml],
  ['mixed content paragraph', mixedContent],
  ['processing instruction and doctype', '<?xml version="1.0"?>\n<!DOCTYPE note SYSTEM "note.dtd">\n<?xml-stylesheet type="text/xsl" href="style.xsl"?>\n<note><to>Tove</to><from>Jani</from></note>'],
  ['single empty element', '<ping/>'],
  ['whitespace kept inside text', '<msg>  padded text  </msg>'],
  ['SOAP response, non-compact', soapEnvelope, { compact: false }],
  ['invoices, non-compact', invoiceXml, { compact: false }],
  ['mixed content, non-compact', mixedContent, { compact: false }],
  ['RSS feed, compact without comments and declaration', rssFeed, { compact: true, ignoreDeclaration: true, ignoreComment: true }],
  ['invoices, compact with trim and native types', invoiceXml, { compact: true, trim: true, nativeType: true }],
  ['invoices, compact without attributes', invoiceXml, { compact: true, ignoreAttributes: true }],
  ['whitespace trimmed', '<msg>\n  padded text\n</msg>', { compact: true, trim: true }],
  ['sitemap, non-compact with trim', sitemap, { compact: false, trim: true }],
].map(([name, input, options]) => ({ name: `xmlToJs: ${name}`, fn: 'xmlToJs', input, options }))

const jsToXml = [
  ['SOAP request envelope', {
    _declaration: { _attributes: { version: '1.0', encoding: 'utf-8' } },
    'soap:Envelope': {
      _attributes: { 'xmlns:soap': 'http://schemas.xmlsoap.org/soap/envelope/' },
      'soap:Body': { GetUser: { _attributes: { xmlns: 'urn:crm' }, UserId: { _text: '42' } } },
    },
  }],
  ['RSS channel with repeated items', {
    rss: {
      _attributes: { version: '2.0' },
      channel: {
        title: { _text: 'Changelog' },
        item: [
          { title: { _text: 'Fix login & signup' }, link: { _text: 'https://x.example/1' } },
          { title: { _text: 'Faster <sync>' }, description: { _cdata: '<p>HTML body</p>' } },
        ],
      },
    },
  }],
  ['plain string values', { order: { id: '17', customer: 'Ana', note: 'ships "today"' } }],
  ['numbers and booleans', { stats: { count: 3, ratio: 0.25, active: true } }],
  ['empty elements and comment', { doc: { _comment: ' generated ', empty: {}, blank: { _text: '' } } }],
  ['attributes needing escapes', { a: { _attributes: { title: 'Tom & "Jerry" <3' } } }],
  ['array of strings', { tags: { tag: ['red', 'green', 'blue'] } }],
  ['instruction and doctype', { _instruction: { 'xml-stylesheet': 'type="text/xsl" href="s.xsl"' }, _doctype: 'html', html: { body: { _text: 'hi' } } }],
  ['SOAP request, compact without indentation', { Envelope: { Body: { Ping: { _text: 'x' } } } }, { compact: true }],
  ['SOAP request, two-space indent', { Envelope: { Body: { Ping: { _text: 'x' }, Pong: {} } } }, { compact: true, spaces: 2 }],
  ['full tag for empty element', { Lines: { Line: {} } }, { compact: true, spaces: 4, fullTagEmptyElement: true }],
  ['non-compact element tree', {
    declaration: { attributes: { version: '1.0' } },
    elements: [{
      type: 'element', name: 'note', attributes: { lang: 'en' },
      elements: [
        { type: 'element', name: 'to', elements: [{ type: 'text', text: 'Tove' }] },
        { type: 'element', name: 'body', elements: [{ type: 'cdata', cdata: 'a < b' }] },
        { type: 'comment', comment: ' end ' },
      ],
    }],
  }, { compact: false, spaces: 2 }],
  ['non-compact mixed content', {
    elements: [{ type: 'element', name: 'p', elements: [
      { type: 'text', text: 'Hello ' },
      { type: 'element', name: 'b', elements: [{ type: 'text', text: 'world' }] },
      { type: 'text', text: '!' },
    ] }],
  }, { compact: false }],
  ['nested objects four levels', { a: { b: { c: { d: { _text: 'deep' } } } } }],
].map(([name, input, options]) => ({ name: `jsToXml: ${name}`, fn: 'jsToXml', input, options }))

const contacts = [
  { id: 'c_1', name: 'Ana Lima', email: 'ana@acme.example', phone: '+1 555 0100', company: 'Acme, Inc.' },
  { id: 'c_2', name: 'Bo "Bobby" Chen', email: 'bo@globex.example', phone: null, company: 'Globex' },
  { id: 'c_3', name: 'Chloé Dubois', email: 'chloe@initech.example', company: 'Initech', tags: ['vip', 'eu'] },
]
const invoices = [
  { number: 'INV-1', amount: 1200.5, currency: 'EUR', paid: true, customer: { id: 'cus_1', name: 'Acme' }, created_at: '2024-05-01T10:00:00Z' },
  { number: 'INV-2', amount: 99, currency: 'USD', paid: false, customer: { id: 'cus_2', name: 'Globex' }, created_at: '2024-05-02T11:30:00Z' },
]
const tickets = [
  { key: 'WEFT-1', summary: 'Crash on empty input', description: 'Steps:\n1. run\n2. crash', priority: 'High' },
  { key: 'WEFT-2', summary: 'Support\ttabs', description: '', priority: 'Low', labels: [] },
]

const jsonToCsv = [
  ['CRM contacts with missing fields', contacts],
  ['billing invoices with nested customer', invoices],
  ['Jira tickets with newlines and tabs', tickets],
  ['single object', { id: 1, name: 'solo' }],
  ['empty array', []],
  ['array with nulls', [null, { a: 1 }, null, { a: 2, b: 3 }]],
  ['numbers booleans and zero', [{ n: 0, f: -1.5, big: 12345678901234, t: true, f2: false }]],
  ['contacts with chosen fields', contacts, { fields: ['email', 'name'] }],
  ['invoices with nested field paths', invoices, { fields: ['number', 'customer.name', 'amount'] }],
  ['invoices with labelled fields', invoices, { fields: [{ label: 'Invoice', value: 'number' }, { label: 'Customer', value: 'customer.name' }] }],
  ['contacts with semicolon delimiter', contacts, { delimiter: ';' }],
  ['contacts without header', contacts, { header: false }],
  ['tickets with CRLF line ends', tickets, { eol: '\r\n' }],
  ['contacts with default value', contacts, { defaultValue: 'N/A' }],
  ['contacts with BOM', contacts.slice(0, 1), { withBOM: true }],
  ['unicode and emoji values', [{ city: 'São Paulo', note: 'déjà vu 🎉' }, { city: '東京', note: '' }]],
].map(([name, input, options]) => ({ name: `jsonToCsv: ${name}`, fn: 'jsonToCsv', input, options }))

const releaseNotes = `# Weft 0.3 release notes

Weft runs batch requests against SaaS APIs on your own machine. This release focuses on reliability when APIs rate-limit you and on large exports.

## Retries

Requests that receive a 429 or a 5xx are retried with exponential backoff. The Retry-After header is honoured when present, and retries stop after five attempts.

## Spooling

Large result sets can be spooled to disk instead of memory. A spooled node streams pages to a temporary file and the final result references the file.

## Fixes

- Pagination cursors that contain slashes are now encoded.
- A transform that returns undefined no longer drops the node.
- The CLI prints progress on stderr so that stdout stays valid JSON.
`

const supportThread = Array.from({ length: 12 }, (_, i) =>
  `Message ${i + 1} from ${i % 2 ? 'agent' : 'customer'}: ${i % 2 ? 'Thanks for the details, we are looking into the sync delay on your workspace.' : 'Our HubSpot contacts stopped syncing after the last deploy and the dashboard shows no errors.'}`
).join('\n')

const legalText = 'The Licensee shall not sublicense, assign or transfer the rights granted herein without prior written consent of the Licensor, which consent shall not be unreasonably withheld. '.repeat(6)

const codeFile = `export function retry(fn, attempts = 5) {
  return async (...args) => {
    for (let i = 0; i < attempts; i += 1) {
      try {
        return await fn(...args)
      } catch (error) {
        if (i === attempts - 1) throw error
        await new Promise(resolve => setTimeout(resolve, 2 ** i * 100))
      }
    }
  }
}

export function chunk(items, size) {
  const out = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
`

const splitter = [
  ['release notes with defaults', releaseNotes],
  ['release notes, 120 chars, 20 overlap', releaseNotes, { chunkSize: 120, chunkOverlap: 20 }],
  ['release notes, 500 chars, no overlap', releaseNotes, { chunkSize: 500, chunkOverlap: 0 }],
  ['support thread lines', supportThread, { chunkSize: 300, chunkOverlap: 50 }],
  ['support thread, defaults', supportThread],
  ['legal paragraph without newlines', legalText, { chunkSize: 150, chunkOverlap: 30 }],
  ['long word forces character split', 'x'.repeat(45) + ' tail', { chunkSize: 20, chunkOverlap: 5 }],
  ['code file, 150 chars', codeFile, { chunkSize: 150, chunkOverlap: 0 }],
  ['code file with custom separators', codeFile, { chunkSize: 200, chunkOverlap: 20, separators: ['\nexport ', '\n', ' ', ''] }],
  ['sentences with custom separators', 'First sentence here. Second one follows. Third is longer than the others by a bit. Fourth. Fifth ends it.', { chunkSize: 50, chunkOverlap: 10, separators: ['. ', ' ', ''] }],
  ['separator not kept', releaseNotes, { chunkSize: 200, chunkOverlap: 0, keepSeparator: false }],
  ['short text in one chunk', 'A short note.'],
  ['empty text', ''],
  ['JSON object is pretty printed first', { ticket: 'WEFT-9', comments: ['first comment here', 'second comment here', 'third'] }, { chunkSize: 40, chunkOverlap: 0 }],
  ['number becomes its string', 1234567890, { chunkSize: 4, chunkOverlap: 1 }],
  ['unicode text', 'Überprüfung der Synchronisation. 東京のデータセンター。 Ça marche très bien. '.repeat(4), { chunkSize: 60, chunkOverlap: 10 }],
  ['overlap not below chunk size', 'some text', { chunkSize: 10, chunkOverlap: 10 }],
].map(([name, input, options]) => ({ name: `recursiveCharacterTextSplitter: ${name}`, fn: 'recursiveCharacterTextSplitter', input, options }))

export const inputs = [...xmlToJs, ...jsToXml, ...jsonToCsv, ...splitter]
