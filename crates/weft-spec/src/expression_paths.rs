//! The `resources` paths a JSONata expression reads from its input, for the checks in
//! `references`.
//!
//! Only paths evaluated against the expression's input are collected: the top level,
//! operands, function arguments, constructors, blocks, conditionals and lambda bodies.
//! Paths inside predicates, `.(…)` steps, later path steps and sort terms run against
//! other values, so they are skipped rather than guessed at.

use jsonata_core::ast::{AstNode, PathStep};

/// Returns the field names after `resources` of every input path that starts with
/// `resources` and a field name: `["block-children", "id"]` for
/// ``resources.`block-children`.id``. An expression that does not parse gives nothing.
pub fn resource_paths(source: &str) -> Vec<Vec<String>> {
    let Ok(ast) = jsonata_core::parser::parse(source) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    collect(&ast, &mut found);
    found
}

fn collect(node: &AstNode, found: &mut Vec<Vec<String>>) {
    match node {
        AstNode::Path { steps } => collect_path(steps, found),
        AstNode::Binary { lhs, rhs, .. } => {
            collect(lhs, found);
            collect(rhs, found);
        }
        AstNode::Unary { operand, .. } => collect(operand, found),
        AstNode::Function { args, .. } | AstNode::Array(args) | AstNode::Block(args) => {
            args.iter().for_each(|arg| collect(arg, found));
        }
        AstNode::Call { procedure, args } => {
            collect(procedure, found);
            args.iter().for_each(|arg| collect(arg, found));
        }
        AstNode::Lambda { body, .. } => collect(body, found),
        AstNode::Object(pairs) => {
            for (key, value) in pairs {
                collect(key, found);
                collect(value, found);
            }
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => {
            collect(condition, found);
            collect(then_branch, found);
            if let Some(branch) = else_branch {
                collect(branch, found);
            }
        }
        AstNode::ObjectTransform { input, .. } | AstNode::Sort { input, .. } => {
            collect(input, found);
        }
        _ => {}
    }
}

/// Collects a path that starts at the input with `resources`, or looks into its first
/// step when that step is an expression of its own (`(resources.x).id`).
fn collect_path(steps: &[PathStep], found: &mut Vec<Vec<String>>) {
    let Some(first) = steps.first() else {
        return;
    };
    match &first.node {
        AstNode::Name(name) if name == "resources" => {
            let fields: Vec<String> = steps[1..]
                .iter()
                .map_while(|step| match &step.node {
                    AstNode::Name(field) => Some(field.clone()),
                    _ => None,
                })
                .collect();
            if !fields.is_empty() {
                found.push(fields);
            }
        }
        AstNode::Name(_) => {}
        other => collect(other, found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_input_paths() {
        let paths =
            resource_paths("{ 'a': resources.users.id, 'b': $count(resources.`block-children`) }");
        assert_eq!(paths, [vec!["users", "id"], vec!["block-children"]]);
    }

    #[test]
    fn finds_paths_in_lambda_body_and_conditional() {
        let paths = resource_paths(
            "$map(resources.crm.contacts, function($v) { resources.md ? $v : resources.x })",
        );
        assert_eq!(paths, [vec!["crm", "contacts"], vec!["md"], vec!["x"]]);
    }

    #[test]
    fn skips_paths_against_other_values() {
        let paths = resource_paths("items[resources.x = 1].(resources.y) ~> $sum(resources)");
        assert!(paths.is_empty(), "{paths:?}");
    }

    #[test]
    fn unparsable_expression_gives_nothing() {
        assert!(resource_paths("(").is_empty());
    }
}
