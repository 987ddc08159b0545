//! Truto's JSONata extension functions (`@truto/truto-jsonata` 3.0.6), written
//! against `serde_json::Value` so that they do not depend on the engine.
//!
//! Two kinds exist. [`NATIVE`] functions are plain Rust on evaluated arguments.
//! Functions that take a callback are [`PRELUDE`] entries: JSONata source that
//! evaluates to a function and is bound before every evaluation, because a native
//! function cannot call a JSONata lambda. Prelude functions do the callback part in
//! JSONata and hand the rest to private natives whose names start with `__`.

use serde_json::Value;

mod converters;
pub(crate) mod core;
mod datetime;
mod encoding;
mod lodash;
mod query;
mod similarity;
mod sql;
mod web;

pub mod convert_error;
pub mod csv;
pub mod html;
pub mod markdown;
pub mod notion;
pub mod text_splitter;
pub mod xml;

/// A native function: arguments as evaluated (`None` is JSONata's undefined), result
/// `None` for no value, or an error message.
pub(crate) type NativeFn = fn(&[Option<Value>]) -> Result<Option<Value>, String>;

/// A native function and the name it is called by (without the `$`).
pub(crate) struct Native {
    pub name: &'static str,
    pub call: NativeFn,
    /// Whether the name is a JSONata built-in that this function replaces for
    /// compatibility with Truto (`$join`, `$base64encode`, `$base64decode`).
    pub replaces_builtin: bool,
}

/// A function written in JSONata: `source` evaluates to the function.
pub(crate) struct Prelude {
    pub name: &'static str,
    pub source: &'static str,
}

const fn native(name: &'static str, call: NativeFn) -> Native {
    Native {
        name,
        call,
        replaces_builtin: false,
    }
}

const fn replacing(name: &'static str, call: NativeFn) -> Native {
    Native {
        name,
        call,
        replaces_builtin: true,
    }
}

/// Every native function.
pub(crate) static NATIVE: &[Native] = &[
    native("firstNonEmpty", core::first_non_empty),
    native("sortNodes", core::sort_nodes),
    native("removeEmpty", core::remove_empty),
    native("removeEmptyItems", core::remove_empty_items),
    native("mapValues", core::map_values),
    native("toNumber", core::to_number),
    native("jsonParse", core::json_parse),
    native("zipSqlResponse", core::zip_sql_response),
    native("convertCurrencyToSubunit", core::currency_to_subunit),
    native("convertCurrencyFromSubunit", core::currency_from_subunit),
    native("diceCoefficient", similarity::dice_coefficient),
    native("mostSimilar", similarity::most_similar),
    native("flatten", lodash::flatten),
    native("flattenDeep", lodash::flatten_deep),
    native("flattenDepth", lodash::flatten_depth),
    native("pick", lodash::pick),
    native("omit", lodash::omit),
    native("compact", lodash::compact),
    native("values", lodash::values),
    native("chunk", lodash::chunk),
    native("difference", lodash::difference),
    native("wrap", lodash::wrap),
    native("__groupByKeys", lodash::group_by_keys),
    native("__keyByKeys", lodash::key_by_keys),
    native("__iterateeKeys", lodash::iteratee_keys),
    native("__orderByKeys", lodash::order_by_keys),
    native("__pickByMatches", lodash::pick_by_matches),
    replacing("join", lodash::join),
    native("parseQuery", query::parse_query),
    native("stringifyQuery", query::stringify_query),
    replacing("base64encode", encoding::base64_encode),
    replacing("base64decode", encoding::base64_decode),
    native("uuid", encoding::uuid),
    native("digest", encoding::digest),
    native("sign", encoding::sign),
    native("__dtFromIso", datetime::from_iso),
    native("__dtFromFormat", datetime::from_format),
    native("__dtFields", datetime::fields),
    native("__dtPlus", datetime::plus),
    native("__dtSet", datetime::set),
    native("__dtStartOf", datetime::start_of),
    native("__dtSetZone", datetime::set_zone),
    native("__dtFormat", datetime::to_format),
    native("__dtText", datetime::text),
    native("__dtHasSame", datetime::has_same),
    native("parseUrl", web::parse_url),
    native("getMimeType", web::get_mime_type),
    native("dependencyGraph", web::dependency_graph),
    native("convertNotionToMarkdown", converters::notion_to_markdown),
    native("convertNotionToMd", converters::notion_block_to_markdown),
    native("convertMarkdownToHtml", converters::markdown_to_html),
    native("convertHtmlToMarkdown", converters::html_to_markdown),
    native("convertMarkdownToSlack", converters::markdown_to_slack),
    native("convertMarkdownToNotion", converters::markdown_to_notion),
    native("convertMarkdownToAdf", converters::markdown_to_adf),
    native(
        "convertMarkdownToGoogleDocs",
        converters::markdown_to_google_docs,
    ),
    native("xmlToJs", converters::xml_to_js),
    native("jsToXml", converters::js_to_xml),
    native("jsonToCsv", converters::json_to_csv),
    native("convertQueryToSql", sql::convert_query_to_sql),
    native(
        "recursiveCharacterTextSplitter",
        converters::recursive_character_text_splitter,
    ),
    native("parseDocument", unsupported::parse_document),
    native(
        "generateEmbeddingsCohere",
        unsupported::generate_embeddings_cohere,
    ),
    native("blob", unsupported::blob),
    native("base64ToBlob", unsupported::base64_to_blob),
    native("bufferToString", unsupported::buffer_to_string),
    native("getArrayBuffer", unsupported::get_array_buffer),
    native("getDataUri", unsupported::get_data_uri),
    native("teeStream", unsupported::tee_stream),
    native("jsonToParquet", unsupported::json_to_parquet),
    native("convertMdToPdf", unsupported::convert_md_to_pdf),
];

/// Functions that take a callback, written in JSONata. Each keeps the built-in it
/// wraps (if any) in a local variable, because a binding of the same name would
/// otherwise call itself.
pub(crate) static PRELUDE: &[Prelude] = &[
    // `$each` and `$sift` as in JSONata 2.0: an undefined object gives no value
    // instead of an error.
    Prelude {
        name: "each",
        source: "($builtin := $each; function($object, $callback)<o-f:a> { \
                 $exists($object) ? $builtin($object, $callback) })",
    },
    Prelude {
        name: "sift",
        source: "($builtin := $sift; function($object, $callback)<o-f?:o> { \
                 $exists($object) ? $builtin($object, $callback) })",
    },
    Prelude {
        name: "groupBy",
        source: "function($array, $key) { ($items := $type($array) = 'array' ? $array : [$array]; \
                 $__groupByKeys($items, $__keys($items, $key))) }",
    },
    Prelude {
        name: "keyBy",
        source: "function($array, $key) { ($items := $type($array) = 'array' ? $array : [$array]; \
                 $__keyByKeys($items, $__keys($items, $key))) }",
    },
    Prelude {
        name: "orderBy",
        source: "function($array, $attributes, $orders) { \
                 ($items := $type($array) = 'array' ? $array : [$array]; \
                 $iteratees := $type($attributes) = 'array' ? $attributes : [$attributes]; \
                 $keys := [$map($iteratees, function($iteratee) { {'keys': $__keys($items, $iteratee)} })]; \
                 $__orderByKeys($items, $keys, $orders)) }",
    },
    Prelude {
        name: "find",
        source: "function($array, $predicate) { \
                 ($items := $type($array) = 'array' ? $array : [$array]; \
                 $__pickByMatches($items, $__keys($items, $predicate), true)) }",
    },
    Prelude {
        name: "lofilter",
        source: "function($array, $predicate) { \
                 ($items := $type($array) = 'array' ? $array : [$array]; \
                 $__pickByMatches($items, $__keys($items, $predicate), false)) }",
    },
    // Luxon-like date-times: see the `datetime` module.
    Prelude {
        name: "dtFromIso",
        source: "function($text, $zone) { $__dtWrap($__dtFromIso($text, $zone)) }",
    },
    Prelude {
        name: "dtFromFormat",
        source: "function($text, $format) { $__dtWrap($__dtFromFormat($text, $format)) }",
    },
    Prelude {
        name: "__dtWrap",
        source: datetime::WRAP_SOURCE,
    },
    // The value of a lodash iteratee for every item, as an array with one entry per
    // item: a function is called, anything else is resolved by `__iterateeKeys`.
    Prelude {
        name: "__keys",
        source: "function($items, $iteratee) { $type($iteratee) = 'function' \
                 ? [$map($items, function($item) { {'v': $iteratee($item)} })] \
                 : $__iterateeKeys($items, $iteratee) }",
    },
];

/// Returns argument `index`, `None` when it is missing or undefined.
pub(crate) fn arg(args: &[Option<Value>], index: usize) -> Option<&Value> {
    args.get(index).and_then(Option::as_ref)
}

/// Returns argument `index` as a string, `None` when it is missing or not a string.
pub(crate) fn str_arg(args: &[Option<Value>], index: usize) -> Option<&str> {
    arg(args, index).and_then(Value::as_str)
}

/// Functions of `@truto/truto-jsonata` that need network access or binary values,
/// which Weft's transforms do not have.
mod unsupported {
    use serde_json::Value;

    macro_rules! unsupported {
        ($($rust:ident => $jsonata:literal, $needs:literal;)*) => {
            $(
                pub(crate) fn $rust(_: &[Option<Value>]) -> Result<Option<Value>, String> {
                    Err(format!(
                        "function ${} is not supported in weft transforms because it needs {}",
                        $jsonata, $needs
                    ))
                }
            )*
        };
    }

    unsupported! {
        parse_document => "parseDocument", "network access and binary documents";
        generate_embeddings_cohere => "generateEmbeddingsCohere", "network access";
        blob => "blob", "binary blobs";
        base64_to_blob => "base64ToBlob", "binary blobs";
        buffer_to_string => "bufferToString", "binary buffers";
        get_array_buffer => "getArrayBuffer", "binary buffers";
        get_data_uri => "getDataUri", "binary blobs";
        tee_stream => "teeStream", "binary streams";
        json_to_parquet => "jsonToParquet", "binary Parquet output";
        convert_md_to_pdf => "convertMdToPdf", "binary PDF output";
    }
}
