//! The error type shared by the document converters.

/// Errors from the document converters (`$convertNotionToMarkdown` and friends).
///
/// A block is named by its `id`, or by its position in the input (`#3`) when it has none.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// A Notion block is not a JSON object.
    #[error("notion block {block} is not an object: {value}")]
    BlockNotObject { block: String, value: String },

    /// A Notion block has no string `type` field.
    #[error("notion block {block} has no string field 'type'")]
    MissingType { block: String },

    /// A Notion block has no data under the key named by its `type`.
    #[error("notion block {block} of type '{block_type}' has no field '{block_type}'")]
    MissingTypeData { block: String, block_type: String },

    /// A field of a Notion block has a shape the converter cannot read.
    #[error("notion block {block} has an invalid field '{field}': {value}")]
    InvalidField {
        block: String,
        field: String,
        value: String,
    },

    /// A table block says it has children but no `table_row` block names it as parent.
    #[error("notion table block {block} has has_children set but no rows in the input")]
    TableWithoutRows { block: String },

    /// A block is its own ancestor through `parent_id` links.
    #[error("notion block {block} is its own ancestor through parent_id")]
    ParentCycle { block: String },
}
