//! Diagnostics: one problem found in a spec, with where it is.

use std::fmt;

/// A problem found while parsing or validating a spec.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The text is not valid JSON.
    #[error("invalid JSON: {message}")]
    Syntax { message: String },
    /// The text is not valid UTF-8.
    #[error("invalid UTF-8: byte {byte:#04x} at offset {offset} (save the file as UTF-8)")]
    InvalidUtf8 { byte: u8, offset: usize },
    /// A key given twice in one object; JSON parsers keep only one of the values.
    #[error("duplicate key '{key}' (JSON keeps only the last value; remove the other)")]
    DuplicateKey { key: String },
    /// A required field is absent.
    #[error("{field} is missing")]
    Missing { field: String },
    /// A spool or transform node without a name, which other nodes need to refer to it.
    #[error("name is missing (a {kind} node needs a name)")]
    NameRequired { kind: &'static str },
    /// A field has the wrong JSON type.
    #[error("{field} must be {expected}, found {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: String,
    },
    /// A string or array that must hold something is empty.
    #[error("{field} must not be empty")]
    Empty { field: String },
    /// A field that the format does not define.
    #[error("unknown field '{field}'{}", did_you_mean(.suggestion))]
    UnknownField {
        field: String,
        suggestion: Option<String>,
    },
    /// A sync-job field that batch requests accept and ignore.
    #[error("field '{field}' applies to sync jobs only and is ignored")]
    SyncJobOnly { field: String },
    /// A `type` other than request, spool or transform.
    #[error("type '{value}' is unknown (expected request, spool or transform)")]
    UnknownType { value: String },
    /// A field given on a kind of node that does not use it.
    #[error("field '{field}' applies to {owner} nodes only, not to a {kind} node")]
    NotAllowed {
        field: String,
        kind: &'static str,
        owner: &'static str,
    },
    /// Two nodes share a key (name, else resource).
    #[error("name '{name}' is already used by resources[{first}]; give each node a distinct name")]
    DuplicateName { name: String, first: usize },
    /// `depends_on` names no node of the batch.
    #[error("depends_on names unknown node '{target}'{}", did_you_mean(.suggestion))]
    UnknownDependency {
        target: String,
        suggestion: Option<String>,
    },
    /// `depends_on` names the node itself.
    #[error("depends_on names the node itself")]
    SelfDependency,
    /// Nodes depend on each other in a loop.
    #[error("depends_on forms a cycle: {path}")]
    Cycle { path: String },
    /// A `loop_on` value that is not a dot path in one of the accepted forms.
    #[error(
        "loop_on {value} is not a path (use \"args.items\", \"{{{{args.items}}}}\" \
         or {{ \"{{ args.items }}\": null }})"
    )]
    InvalidLoopOn { value: String },
    /// A JSONata expression that does not parse.
    #[error("{field} is not a valid JSONata expression: {message}")]
    InvalidExpression { field: String, message: String },
    /// A `resources` path (in a placeholder or `loop_on`) whose key no node binds.
    #[error(
        "field '{field}': {kind} '{reference}' names node '{target}', which does not exist{}",
        did_you_mean(.suggestion)
    )]
    UnknownResource {
        field: String,
        /// `placeholder`, or `path` for `loop_on`.
        kind: &'static str,
        reference: String,
        target: String,
        suggestion: Option<String>,
    },
    /// A `resources` path bound by a node that the referring node does not depend on.
    #[error(
        "field '{field}': {kind} '{reference}' refers to node '{target}', which node '{node}' \
         does not depend on, directly or through its parents (add depends_on)"
    )]
    ResourceNotAncestor {
        field: String,
        kind: &'static str,
        reference: String,
        target: String,
        node: String,
    },
    /// A `resources` path bound by an ancestor above a spool, which starts a new context.
    #[error(
        "field '{field}': {kind} '{reference}' refers to node '{target}', which spool '{spool}' \
         hides (below a spool only {bound} are bound)"
    )]
    ResourceBehindSpool {
        field: String,
        kind: &'static str,
        reference: String,
        target: String,
        spool: String,
        /// The bindings the spool passes on, quoted and joined for the message.
        bound: String,
    },
    /// A `resources` path naming the node's own records outside `recurse`.
    #[error(
        "field '{field}': {kind} '{reference}' refers to node '{target}' itself, whose records \
         are bound only in its recurse and in its children"
    )]
    OwnResource {
        field: String,
        kind: &'static str,
        reference: String,
        target: String,
    },
    /// A `resources` path naming a request node by its name instead of its resource.
    #[error(
        "field '{field}': {kind} '{reference}' names request node '{target}' by its name, \
         but its records are bound under its resource (did you mean '{suggestion}'?)"
    )]
    ResourceByName {
        field: String,
        kind: &'static str,
        reference: String,
        target: String,
        suggestion: String,
    },
    /// An `args` path naming an arg the spec does not define. A warning, because a run
    /// may pass more args.
    #[error(
        "field '{field}': {kind} '{reference}' names arg '{arg}', which the spec's args do not \
         define{}; pass it when running the spec",
        did_you_mean(.suggestion)
    )]
    UndefinedArg {
        field: String,
        kind: &'static str,
        reference: String,
        arg: String,
        suggestion: Option<String>,
    },
    /// A placeholder template that does not parse.
    #[error("{field}: {source}")]
    InvalidTemplate {
        field: String,
        source: weft_template::TemplateError,
    },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!(" (did you mean '{name}'?)"),
        None => String::new(),
    }
}

/// One problem in a spec, with the node, field and position it concerns.
///
/// Displays as `origin:line:column: node 'key': message`, leaving out the parts that
/// are unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// File name or other label of the spec, when it came from a file.
    pub origin: Option<String>,
    /// Line of the offending value, from 1.
    pub line: Option<usize>,
    /// Column of the offending value in characters, from 1.
    pub column: Option<usize>,
    /// Key of the node (name, else resource, else `resources[i]`).
    pub node: Option<String>,
    /// Field concerned, as a dot path inside the node or body (`recurse.if`).
    pub field: Option<String>,
    /// The problem, in words.
    pub message: String,
    /// The problem, as data.
    pub problem: Problem,
    /// JSON pointer to the offending value in the body, e.g. `/resources/2/depends_on`.
    pub pointer: String,
}

impl Diagnostic {
    /// Creates a diagnostic without position; `validate` fills in the position.
    pub fn new(problem: Problem, pointer: String) -> Diagnostic {
        Diagnostic {
            origin: None,
            line: None,
            column: None,
            node: None,
            field: None,
            message: problem.to_string(),
            problem,
            pointer,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(origin) = &self.origin {
            write!(f, "{origin}:")?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "{line}:{column}:")?;
        }
        if self.origin.is_some() || self.line.is_some() {
            write!(f, " ")?;
        }
        if let Some(node) = &self.node {
            write!(f, "node '{node}': ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// Every problem found in a spec, in source order. Displays one line per diagnostic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}
