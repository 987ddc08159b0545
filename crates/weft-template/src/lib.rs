//! Placeholder templates for Weft batch specs.
//!
//! A template is any JSON value. Every string in it may contain placeholders such as
//! `{{args.page_id}}`, `{{resources.crm.contacts.id:int}}` or `{{a|b ?: fallback}}`,
//! which [`render`] fills from a context object. The grammar and casting rules follow
//! `@truto/replace-placeholders` 1.0.11 (see `docs/specs.md` for the full grammar):
//!
//! - [`lookup`] resolves dot paths (`a.b.0.c`, negative indices count from the end).
//! - A placeholder that is the whole string can change the value's type through a cast
//!   (`:int`, `:num`, `:bool`, `:json`, ...). Placeholders embedded in text are
//!   stringified the way JavaScript's `String()` does.
//! - A key `$truto_merge` in an object is rendered and deep-merged into that object.
//!
//! [`render_in`] renders against any [`Lookup`], such as a context made of shared layers.
//! [`render_strict_in`] does the same but fails where a placeholder resolves to nothing,
//! instead of keeping its text, for values that are sent to an API.
//!
//! [`check`] validates every placeholder of a template without a context, and
//! [`references`] lists the paths each placeholder reads, so a spec can be rejected
//! before it runs.

mod cast;
mod js;
mod merge;
mod path;
mod placeholder;
mod reference;
mod render;

pub use path::{Lookup, lookup};
pub use reference::{Reference, references};
pub use render::{check, render, render_in, render_strict_in};

/// Errors from parsing a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A placeholder names a cast that does not exist, such as `{{id:integer}}`.
    /// Raised even when the path does not resolve, so a typo fails on every run.
    #[error(
        "unknown cast '{cast}' in placeholder '{placeholder}' \
         (expected one of str, int, num, bool, json, any, null, undefined, ignore-empty-str)"
    )]
    UnknownCast {
        /// The whole placeholder text, braces included.
        placeholder: String,
        /// The cast as written, without the colon.
        cast: String,
    },
    /// A placeholder whose paths all resolve to nothing and that has no default,
    /// `:null` or `:undefined`. Only [`render_strict_in`] raises it, because the other
    /// functions keep the placeholder's text.
    #[error(
        "placeholder '{placeholder}' did not resolve to a value; check the path, or give \
         it a default ('?: text') or a ':null' or ':undefined' cast if the value may be missing"
    )]
    Unresolved {
        /// The whole placeholder text, braces included.
        placeholder: String,
    },
}
