//! Graph checks across nodes (unique names, `depends_on` targets, cycles) and the
//! topological order of the plan.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::check::{Report, suggest};
use crate::diagnostic::Problem;
use crate::node::Draft;

/// Resolves each draft's `depends_on` to the index of its parent. Problems (unknown
/// targets, self-dependencies, duplicate keys, cycles) go to `report`.
pub fn resolve_parents(report: &mut Report, drafts: &[Draft]) -> Vec<Option<usize>> {
    let keys = index_keys(report, drafts);
    let parents: Vec<Option<usize>> = drafts
        .iter()
        .enumerate()
        .map(|(index, draft)| resolve_parent(report, &keys, index, draft))
        .collect();
    report_cycles(report, drafts, &parents);
    parents
}

fn index_keys<'d>(report: &mut Report, drafts: &'d [Draft]) -> HashMap<&'d str, usize> {
    let mut keys = HashMap::new();
    for (index, draft) in drafts.iter().enumerate() {
        let Some(key) = draft.key.as_deref() else {
            continue;
        };
        if let Some(first) = keys.get(key) {
            let field = if draft.name.is_some() {
                "name"
            } else {
                "resource"
            };
            let problem = Problem::DuplicateName {
                name: key.to_owned(),
                first: *first,
            };
            report.error(&draft.site, Some(field), problem);
        } else {
            keys.insert(key, index);
        }
    }
    keys
}

fn resolve_parent(
    report: &mut Report,
    keys: &HashMap<&str, usize>,
    index: usize,
    draft: &Draft,
) -> Option<usize> {
    let target = draft.depends_on.as_deref()?;
    match keys.get(target) {
        Some(parent) if *parent == index => {
            report.error(&draft.site, Some("depends_on"), Problem::SelfDependency);
            None
        }
        Some(parent) => Some(*parent),
        None => {
            let mut names: Vec<&str> = keys.keys().copied().collect();
            names.sort_unstable();
            let suggestion = suggest(target, names);
            let problem = Problem::UnknownDependency {
                target: target.to_owned(),
                suggestion,
            };
            report.error(&draft.site, Some("depends_on"), problem);
            None
        }
    }
}

/// Reports every cycle once, as `a -> b -> a` starting from its first node in the
/// spec. Each node has at most one parent, so following parents finds every cycle.
fn report_cycles(report: &mut Report, drafts: &[Draft], parents: &[Option<usize>]) {
    const UNSEEN: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; drafts.len()];
    for start in 0..drafts.len() {
        let mut path = Vec::new();
        let mut current = Some(start);
        while let Some(node) = current.filter(|node| state[*node] == UNSEEN) {
            state[node] = ON_PATH;
            path.push(node);
            current = parents[node];
        }
        if let Some(node) = current.filter(|node| state[*node] == ON_PATH) {
            let position = path.iter().position(|member| *member == node).unwrap_or(0);
            report_cycle(report, drafts, &path[position..]);
        }
        for node in path {
            state[node] = DONE;
        }
    }
}

fn report_cycle(report: &mut Report, drafts: &[Draft], cycle: &[usize]) {
    let first = cycle
        .iter()
        .enumerate()
        .min_by_key(|(_, node)| **node)
        .map_or(0, |(at, _)| at);
    let mut names: Vec<&str> = cycle[first..]
        .iter()
        .chain(&cycle[..first])
        .map(|node| drafts[*node].key.as_deref().unwrap_or("?"))
        .collect();
    names.push(names[0]);
    let problem = Problem::Cycle {
        path: names.join(" -> "),
    };
    report.error(&drafts[cycle[first]].site, Some("depends_on"), problem);
}

/// Orders nodes so parents come first, keeping spec order among ready nodes.
/// Requires an acyclic graph.
pub fn topological_order(parents: &[Option<usize>]) -> Vec<usize> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parents.len()];
    for (child, parent) in parents.iter().enumerate() {
        if let Some(parent) = parent {
            children[*parent].push(child);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..parents.len())
        .filter(|node| parents[*node].is_none())
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(parents.len());
    while let Some(Reverse(node)) = ready.pop() {
        order.push(node);
        ready.extend(children[node].iter().copied().map(Reverse));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_puts_parents_first_and_keeps_spec_order() {
        // 0 depends on 2; 1 and 2 are roots.
        assert_eq!(topological_order(&[Some(2), None, None]), [1, 2, 0]);
        assert_eq!(
            topological_order(&[None, Some(0), None, Some(1)]),
            [0, 1, 2, 3]
        );
    }
}
