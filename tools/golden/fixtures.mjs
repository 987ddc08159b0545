// Record shapes as the SaaS APIs return them, trimmed to the fields the cases read.

export const notionPage = {
  object: 'page',
  id: '59833787-2cf9-4fdf-8782-e53db20768a5',
  created_time: '2024-02-12T09:14:00.000Z',
  last_edited_time: '2024-03-10T16:42:00.000Z',
  archived: false,
  url: 'https://www.notion.so/Quarterly-plan-59833787',
  properties: {
    Name: { id: 'title', type: 'title', title: [{ type: 'text', plain_text: 'Quarterly plan', text: { content: 'Quarterly plan', link: null } }] },
    Status: { id: 'a%3Ab', type: 'status', status: { id: 's1', name: 'In progress', color: 'blue' } },
    Owner: { id: 'o', type: 'people', people: [{ object: 'user', id: 'u-1', name: 'Ada Lovelace' }] },
    Tags: { id: 't', type: 'multi_select', multi_select: [{ name: 'planning' }, { name: 'q2' }] },
    Due: { id: 'd', type: 'date', date: { start: '2024-04-01', end: null, time_zone: null } },
    Budget: { id: 'b', type: 'number', number: 1250.5 },
    Notes: { id: 'n', type: 'rich_text', rich_text: [] },
  },
}

export const notionBlocks = [
  { object: 'block', id: 'b1', type: 'heading_1', has_children: false, heading_1: { rich_text: [{ type: 'text', plain_text: 'Plan', annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' } }] } },
  { object: 'block', id: 'b2', type: 'paragraph', has_children: false, paragraph: { rich_text: [{ type: 'text', plain_text: 'Ship the ', annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' } }, { type: 'text', plain_text: 'batch API', annotations: { bold: true, italic: false, strikethrough: false, underline: false, code: false, color: 'default' } }] } },
  { object: 'block', id: 'b3', type: 'to_do', has_children: false, to_do: { checked: true, rich_text: [{ type: 'text', plain_text: 'Write spec', annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' } }] } },
]

export const slackMessages = [
  { type: 'message', user: 'U024BE7LH', text: 'Deploy is green :white_check_mark:', ts: '1710064800.000200', reply_count: 2, reactions: [{ name: 'tada', count: 3 }] },
  { type: 'message', user: 'U0G9QF9C6', text: 'Rolling back the search index', ts: '1710068400.000300', thread_ts: '1710064800.000200' },
  { type: 'message', subtype: 'channel_join', user: 'U061F7AUR', text: '<@U061F7AUR> has joined the channel', ts: '1710072000.000400' },
]

export const jiraIssues = [
  { id: '10001', key: 'WEFT-1', fields: { summary: 'Batch requests time out', status: { name: 'In Progress', statusCategory: { key: 'indeterminate' } }, priority: { name: 'High' }, assignee: { displayName: 'Grace Hopper', accountId: '5b10ac8d82e05b22cc7d4ef5' }, labels: ['backend', 'perf'], created: '2024-03-01T09:30:00.000+0100', updated: '2024-03-09T17:05:12.345+0100', customfield_10016: 5 } },
  { id: '10002', key: 'WEFT-2', fields: { summary: 'Docs for transforms', status: { name: 'To Do', statusCategory: { key: 'new' } }, priority: { name: 'Low' }, assignee: null, labels: [], created: '2024-03-02T11:00:00.000+0100', updated: '2024-03-02T11:00:00.000+0100', customfield_10016: null } },
  { id: '10003', key: 'WEFT-3', fields: { summary: 'Retry on 429', status: { name: 'Done', statusCategory: { key: 'done' } }, priority: { name: 'High' }, assignee: { displayName: 'Ada Lovelace', accountId: '5b10a2844c20165700ede21g' }, labels: ['backend'], created: '2024-02-20T08:00:00.000+0100', updated: '2024-03-05T10:00:00.000+0100', customfield_10016: 3 } },
]

export const confluencePage = {
  id: '65868',
  type: 'page',
  status: 'current',
  title: 'Runbook: rotating tokens',
  space: { key: 'ENG', name: 'Engineering' },
  version: { number: 7, when: '2024-03-08T12:00:00.000Z', by: { displayName: 'Grace Hopper' } },
  body: { storage: { value: '<h2>Steps</h2><ol><li>Revoke the old token</li><li>Store the <strong>new</strong> one</li></ol>', representation: 'storage' } },
  ancestors: [{ id: '65537', title: 'Engineering' }, { id: '65800', title: 'Runbooks' }],
}

export const hubspotContacts = [
  { id: '51', properties: { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com', lifecyclestage: 'customer', hs_lead_status: 'CONNECTED', createdate: '2024-01-15T09:30:00.000Z', amount: '1200.50', phone: '' }, createdAt: '2024-01-15T09:30:00.000Z', archived: false },
  { id: '52', properties: { firstname: 'Grace', lastname: 'Hopper', email: 'grace@example.com', lifecyclestage: 'lead', hs_lead_status: null, createdate: '2024-02-01T14:00:00.000Z', amount: null, phone: '+1 555 0100' }, createdAt: '2024-02-01T14:00:00.000Z', archived: false },
  { id: '53', properties: { firstname: 'Alan', lastname: 'Turing', email: null, lifecyclestage: 'lead', hs_lead_status: 'NEW', createdate: '2024-02-10T08:15:00.000Z', amount: '99', phone: null }, createdAt: '2024-02-10T08:15:00.000Z', archived: false },
]

export const salesforceResult = {
  totalSize: 2,
  done: true,
  records: [
    { attributes: { type: 'Opportunity', url: '/services/data/v59.0/sobjects/Opportunity/0065g00000AbCdE' }, Id: '0065g00000AbCdE', Name: 'Acme renewal', StageName: 'Closed Won', Amount: 25000, CloseDate: '2024-03-29', Account: { attributes: { type: 'Account' }, Name: 'Acme' } },
    { attributes: { type: 'Opportunity', url: '/services/data/v59.0/sobjects/Opportunity/0065g00000XyZ12' }, Id: '0065g00000XyZ12', Name: 'Globex pilot', StageName: 'Prospecting', Amount: null, CloseDate: '2024-05-15', Account: { attributes: { type: 'Account' }, Name: 'Globex' } },
  ],
}

export const confluenceTree = [
  { id: 'p3', parent_id: 'p1', title: 'Rotate tokens', position: 2 },
  { id: 'p1', parent_id: null, title: 'Runbooks', position: 1 },
  { id: 'p2', parent_id: 'p1', title: 'Deploy', position: 1 },
  { id: 'p4', parent_id: 'p2', title: 'Rollback', position: 1 },
  { id: 'p0', parent_id: null, title: 'Home', position: 0 },
]
