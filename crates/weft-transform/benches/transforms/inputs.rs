//! Deterministic inputs for the transform benchmarks: a Notion page as the block
//! spool returns it, and a list of CRM contacts. The same seed always gives the same
//! bytes, so the reference run in `tools/bench-transforms` reads identical files.

use serde_json::{Value, json};

/// Blocks in one section of the generated page (see [`section`]).
const SECTION_BLOCKS: usize = 50;
const PAGE_ID: &str = "1a4ac512-f5a5-80d2-9c3e-e1f0a7b3c5d9";
const USERS: [&str; 2] = [
    "4f1d6a2e-8c3b-4e7a-9b05-2d6c8e1f3a47",
    "9a2b7c4d-1e5f-4a8b-b3c6-7d9e0f1a2b3c",
];
/// 2025-03-03T09:00:00Z, the first block's creation time.
const START_SECONDS: i64 = 1_740_992_400;

const FIRST_NAMES: [&str; 12] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim",
    "Margaret", "Linus",
];
const LAST_NAMES: [&str; 12] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Berners-Lee",
    "Hamilton",
    "Torvalds",
];
const COMPANIES: [&str; 6] = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay"];
const STAGES: [&str; 4] = ["lead", "marketingqualifiedlead", "opportunity", "customer"];

/// A small deterministic generator (SplitMix64), enough to vary names and ids.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        // The lists are short, so the cast cannot truncate.
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// `{"blocks": [...]}` with `sections * 50` blocks, ordered as Weft's spool collects
/// them: the top-level listing first, then each parent's children, depth first.
pub fn notion_page(sections: usize) -> Value {
    let specs: Vec<Spec> = (0..sections).flat_map(section).collect();
    let mut count = 0;
    let top = materialise(
        specs,
        &json!({"type": "page_id", "page_id": PAGE_ID}),
        &mut count,
    );
    let mut blocks = Vec::with_capacity(sections * SECTION_BLOCKS);
    spool_order(&top, &mut blocks);
    assert_eq!(
        blocks.len(),
        sections * SECTION_BLOCKS,
        "sections have 50 blocks"
    );
    json!({ "blocks": blocks })
}

/// `{"records": [...]}` with `count` contacts shaped like a CRM's list response.
pub fn contacts(count: usize) -> Value {
    let mut mix = Mix(7);
    let records: Vec<Value> = (0..count).map(|n| contact(n, &mut mix)).collect();
    json!({ "records": records })
}

fn contact(n: usize, mix: &mut Mix) -> Value {
    let first = mix.pick(&FIRST_NAMES);
    let last = mix.pick(&LAST_NAMES);
    let company = mix.pick(&COMPANIES);
    let created = timestamp(n as i64 * 17);
    json!({
        "id": format!("{}", 501_000 + n),
        "first_name": first,
        "last_name": last,
        "email": format!("{}.{}{}@{}.example", first.to_lowercase(), last.to_lowercase(), n, company.to_lowercase()),
        "phone": format!("+1 555 {:03} {:04}", n % 1000, mix.next() % 10_000),
        "company": company,
        "job_title": mix.pick(&["Engineer", "Director", "VP Sales", "Analyst", "Founder"]),
        "lifecycle_stage": mix.pick(&STAGES),
        "owner_id": USERS[n % 2],
        "tags": [mix.pick(&["newsletter", "webinar", "trial", "partner"]), "imported"],
        "address": {
            "street": format!("{} Market St", 1 + mix.next() % 900),
            "city": mix.pick(&["Berlin", "Austin", "Pune", "Lisbon", "Toronto"]),
            "country": mix.pick(&["DE", "US", "IN", "PT", "CA"]),
        },
        "email_opt_out": n.is_multiple_of(9),
        "created_at": created,
        "updated_at": timestamp(n as i64 * 17 + 3_600),
    })
}

fn timestamp(offset_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(START_SECONDS + offset_seconds, 0)
        .expect("bench timestamps are in range")
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A block before it gets an id and parent: its type, type data and children.
struct Spec {
    kind: &'static str,
    data: Value,
    children: Vec<Spec>,
}

fn spec(kind: &'static str, data: Value, children: Vec<Spec>) -> Spec {
    Spec {
        kind,
        data,
        children,
    }
}

/// Builds one rich-text segment with the annotations named in `styles` turned on.
fn segment(text: &str, styles: &[&str], link: Option<&str>) -> Value {
    let on = |style: &str| styles.contains(&style);
    json!({
        "type": "text",
        "text": { "content": text, "link": link.map(|url| json!({ "url": url })) },
        "annotations": {
            "bold": on("bold"), "italic": on("italic"), "strikethrough": on("strikethrough"),
            "underline": on("underline"), "code": on("code"), "color": "default",
        },
        "plain_text": text,
        "href": link,
    })
}

fn plain(text: &str) -> Value {
    json!([segment(text, &[], None)])
}

fn text_block(kind: &'static str, rich_text: Value, children: Vec<Spec>) -> Spec {
    spec(
        kind,
        json!({ "rich_text": rich_text, "color": "default" }),
        children,
    )
}

fn heading(kind: &'static str, text: &str) -> Spec {
    let data = json!({ "rich_text": plain(text), "is_toggleable": false, "color": "default" });
    spec(kind, data, Vec::new())
}

fn todo(checked: bool, text: &str, children: Vec<Spec>) -> Spec {
    let data = json!({ "rich_text": plain(text), "checked": checked, "color": "default" });
    spec("to_do", data, children)
}

fn table(s: usize) -> Spec {
    let row = |cells: [Value; 3]| spec("table_row", json!({ "cells": cells }), Vec::new());
    let mut rows = vec![row([plain("Metric"), plain("Owner"), plain("Target")])];
    for r in 1..4 {
        rows.push(row([
            json!([segment(&format!("Metric {s}.{r}"), &["bold"], None)]),
            plain(FIRST_NAMES[(s + r) % FIRST_NAMES.len()]),
            json!([segment(&format!("{}%", 90 + r), &["code"], None)]),
        ]));
    }
    let data = json!({ "table_width": 3, "has_column_header": true, "has_row_header": false });
    spec("table", data, rows)
}

/// Builds `width` list items nested `depth` levels. Each level below has one item
/// fewer per parent, and at least one.
fn list(kind: &'static str, label: &str, width: usize, depth: usize) -> Vec<Spec> {
    (1..=width)
        .map(|i| {
            let label = format!("{label}.{i}");
            let children = if depth > 1 {
                list(kind, &label, width.saturating_sub(1).max(1), depth - 1)
            } else {
                Vec::new()
            };
            text_block(kind, plain(&format!("Item {label}")), children)
        })
        .collect()
}

fn styled_paragraph(s: usize, p: usize) -> Spec {
    let rich = json!([
        segment(&format!("Paragraph {s}.{p} covers "), &[], None),
        segment("the rollout", &["bold"], None),
        segment(", its ", &[], None),
        segment("risks", &["italic"], None),
        segment(" and the ", &[], None),
        segment("atlas_streaming", &["code"], None),
        segment(" flag; see the ", &[], None),
        segment(
            "design doc",
            &[],
            Some("https://docs.example.com/atlas/design")
        ),
        segment(". Old plan: ", &[], None),
        segment("nightly batch", &["strikethrough"], None),
        segment(", owner ", &[], None),
        segment(
            FIRST_NAMES[(s + p) % FIRST_NAMES.len()],
            &["underline"],
            None
        ),
        segment(".", &[], None),
    ]);
    text_block("paragraph", rich, Vec::new())
}

/// Section `s` of the page: exactly [`SECTION_BLOCKS`] blocks of every common type,
/// with lists nested three levels.
fn section(s: usize) -> Vec<Spec> {
    let mut out = vec![
        heading("heading_1", &format!("Section {s}")),
        styled_paragraph(s, 0),
        styled_paragraph(s, 1),
        heading("heading_2", "Work items"),
    ];

    out.extend(list("bulleted_list_item", &format!("{s}"), 2, 3)); // 2 + 2 + 2 blocks
    out.extend(list("numbered_list_item", &format!("{s}"), 3, 3)); // 3 + 6 + 6 blocks

    out.push(heading("heading_3", "Checklist"));
    out.push(todo(true, "Draft the plan", Vec::new()));
    out.push(todo(
        false,
        "Review with finance",
        vec![todo(false, "Book the room", Vec::new())],
    ));
    out.push(todo(false, "Ship it", Vec::new()));

    let toggle_children = vec![
        styled_paragraph(s, 2),
        text_block("paragraph", plain("Details inside."), Vec::new()),
    ];
    out.push(text_block("toggle", plain("More detail"), toggle_children));

    out.push(table(s));
    let code = format!("SELECT id, total\nFROM invoices\nWHERE section = {s}\nORDER BY id;");
    out.push(spec(
        "code",
        json!({ "caption": [], "rich_text": plain(&code), "language": "sql" }),
        Vec::new(),
    ));
    out.push(text_block(
        "quote",
        json!([
            segment("Ship small, ", &[], None),
            segment("measure everything", &["bold"], None)
        ]),
        Vec::new(),
    ));

    out.push(spec("divider", json!({}), Vec::new()));
    out.push(heading("heading_2", "Notes"));
    out.extend((3..7).map(|p| styled_paragraph(s, p)));

    out.extend(list("bulleted_list_item", &format!("{s}n"), 2, 2)); // 2 + 2 blocks
    out
}

/// A numbered block with its materialised children.
struct Node {
    block: Value,
    kids: Vec<Node>,
}

fn materialise(specs: Vec<Spec>, parent: &Value, counter: &mut usize) -> Vec<Node> {
    specs
        .into_iter()
        .map(|spec| {
            let n = *counter;
            *counter += 1;
            let id = block_id(n);
            let mut block = json!({
                "object": "block",
                "id": id,
                "parent": parent,
                "created_time": timestamp(n as i64 * 60),
                "last_edited_time": timestamp(n as i64 * 60 + (n as i64 % 5) * 780),
                "created_by": { "object": "user", "id": USERS[n % 2] },
                "last_edited_by": { "object": "user", "id": USERS[usize::from((n * 7).is_multiple_of(3))] },
                "has_children": !spec.children.is_empty(),
                "archived": false,
                "in_trash": false,
                "type": spec.kind,
            });
            block[spec.kind] = spec.data;
            let child_parent = json!({ "type": "block_id", "block_id": id });
            let kids = materialise(spec.children, &child_parent, counter);
            Node { block, kids }
        })
        .collect()
}

fn spool_order(nodes: &[Node], out: &mut Vec<Value>) {
    out.extend(nodes.iter().map(|node| node.block.clone()));
    for node in nodes {
        spool_order(&node.kids, out);
    }
}

/// Returns a UUID-shaped id like Notion's, stable for block number `n`.
fn block_id(n: usize) -> String {
    let hash = Mix(n as u64).next();
    format!(
        "1a4ac512-f5a5-80{:02x}-{:04x}-{:012x}",
        hash >> 56,
        (hash >> 40) & 0xffff,
        hash & 0xffff_ffff_ffff
    )
}
