//! `$xmlToJs` and `$jsToXml`: XML to JSON and back with the rules of xml-js 1.6.11, which
//! `@truto/truto-jsonata` 3.0.6 calls.
//!
//! xml-js has two shapes. The compact shape (the default of both functions) makes each
//! element a key of its parent, repeated elements an array, and keeps attributes, text,
//! CDATA, comments, instructions, the declaration and the doctype under `_attributes`,
//! `_text`, `_cdata`, `_comment`, `_instruction`, `_declaration` and `_doctype`. The
//! non-compact shape lists every node in order under `elements`, each with a `type`.
//! XML is read with quick-xml; whitespace-only text between elements is dropped, as
//! xml-js does unless `captureSpacesBetweenElements` is set.

mod read;
mod write;

pub use read::xml_to_js;
pub use write::js_to_xml;

/// Errors from `$xmlToJs` and `$jsToXml`.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum XmlError {
    /// The XML text is not well-formed.
    #[error("invalid xml at byte {position}: {message}")]
    Malformed { position: u64, message: String },

    /// An entity reference other than the five XML entities or a character reference.
    #[error("unknown xml entity '&{name};' at byte {position}")]
    UnknownEntity { position: u64, name: String },

    /// An option has a value of the wrong type.
    #[error("invalid xml option '{option}': {value}")]
    InvalidOption { option: String, value: String },

    /// An option of xml-js that Weft does not implement.
    #[error("xml option '{option}' is not supported")]
    UnsupportedOption { option: String },

    /// The value given to `$jsToXml` is not an object.
    #[error("jsToXml input must be an object, got {value}")]
    InputNotObject { value: String },
}

/// Options of xml-js that change the output and that Weft rejects rather than ignore,
/// because they rename keys or take JavaScript functions.
const UNSUPPORTED_OPTIONS: &[&str] = &[
    "addParent",
    "instructionHasAttributes",
    "declarationKey",
    "instructionKey",
    "attributesKey",
    "textKey",
    "cdataKey",
    "doctypeKey",
    "commentKey",
    "parentKey",
    "typeKey",
    "nameKey",
    "elementsKey",
    "indentAttributes",
    "noQuotesForNativeAttributes",
];

/// Reads a flag the way xml-js does: `true` only when the option is the boolean `true`.
fn flag(options: &serde_json::Value, name: &str) -> bool {
    options.get(name) == Some(&serde_json::Value::Bool(true))
}

fn check_supported(options: &serde_json::Value) -> Result<(), XmlError> {
    for option in UNSUPPORTED_OPTIONS {
        if options.get(*option).is_some() {
            let option = (*option).to_string();
            return Err(XmlError::UnsupportedOption { option });
        }
    }
    Ok(())
}
