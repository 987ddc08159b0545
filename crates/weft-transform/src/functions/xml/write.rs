//! `$jsToXml`: xml-js's compact or non-compact shape to XML text.

use serde_json::{Map, Value};

use super::{XmlError, check_supported, flag};
use crate::functions::core::js_number_string;

/// The js2xml options Weft reads, named after xml-js's.
struct WriteOptions {
    compact: bool,
    /// Indentation unit; empty means no line breaks at all.
    spaces: String,
    full_tag_empty_element: bool,
    indent_text: bool,
    indent_cdata: bool,
    indent_instruction: bool,
    ignore_declaration: bool,
    ignore_instruction: bool,
    ignore_attributes: bool,
    ignore_text: bool,
    ignore_comment: bool,
    ignore_cdata: bool,
    ignore_doctype: bool,
}

impl WriteOptions {
    fn from_value(options: &Value) -> Result<Self, XmlError> {
        check_supported(options)?;
        let spaces = match options.get("spaces") {
            Some(Value::Number(count)) => " ".repeat(count.as_u64().unwrap_or(0) as usize),
            Some(Value::String(unit)) => unit.clone(),
            _ => String::new(),
        };
        Ok(Self {
            compact: flag(options, "compact"),
            spaces,
            full_tag_empty_element: flag(options, "fullTagEmptyElement"),
            indent_text: flag(options, "indentText"),
            indent_cdata: flag(options, "indentCdata"),
            indent_instruction: flag(options, "indentInstruction"),
            ignore_declaration: flag(options, "ignoreDeclaration"),
            ignore_instruction: flag(options, "ignoreInstruction"),
            ignore_attributes: flag(options, "ignoreAttributes"),
            ignore_text: flag(options, "ignoreText"),
            ignore_comment: flag(options, "ignoreComment"),
            ignore_cdata: flag(options, "ignoreCdata"),
            ignore_doctype: flag(options, "ignoreDoctype"),
        })
    }

    /// A line break (unless this is the first line or indentation is off) and the
    /// indentation of `depth`.
    fn indentation(&self, depth: usize, first_line: bool) -> String {
        let newline = if !first_line && !self.spaces.is_empty() {
            "\n"
        } else {
            ""
        };
        format!("{newline}{}", self.spaces.repeat(depth))
    }
}

/// `$jsToXml(json, options)`: writes xml-js's compact shape with four-space indentation
/// when `options` is `None` (the package's default `{compact: true, spaces: 4}`), or the
/// shape and layout that `options` requests. As in xml-js, a given options object without
/// `compact: true` reads the non-compact shape and without `spaces` writes one line.
///
/// Text is escaped (`&`, `<`, `>`; an existing `&amp;` is kept), attribute values only
/// have `"` escaped, and `]]>` inside CDATA is split across two sections, all as xml-js
/// does. Fails when `json` is not an object or an option is not supported.
pub fn js_to_xml(json: &Value, options: Option<&Value>) -> Result<String, XmlError> {
    let default = serde_json::json!({"compact": true, "spaces": 4});
    let options = WriteOptions::from_value(options.unwrap_or(&default))?;
    let Value::Object(root) = json else {
        return Err(XmlError::InputNotObject {
            value: json.to_string(),
        });
    };
    let writer = Writer { options: &options };
    if options.compact {
        return Ok(writer.compact_children(root, 0, true));
    }
    let mut xml = String::new();
    if let Some(declaration) = root.get("declaration") {
        xml.push_str(&writer.declaration(declaration, "attributes"));
    }
    if let Some(Value::Array(elements)) = root.get("elements") {
        xml.push_str(&writer.elements(elements, 0, xml.is_empty()));
    }
    Ok(xml)
}

struct Writer<'a> {
    options: &'a WriteOptions,
}

impl Writer<'_> {
    fn compact_children(&self, element: &Map<String, Value>, depth: usize, first: bool) -> String {
        let options = self.options;
        let mut first_line = first;
        let mut xml = String::new();
        for (key, value) in element {
            let nodes = match value {
                Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            for node in nodes {
                let indent = |indented: bool| {
                    if indented {
                        options.indentation(depth, first_line)
                    } else {
                        String::new()
                    }
                };
                let piece = match key.as_str() {
                    "_declaration" => self.declaration(node, "_attributes"),
                    "_instruction" => indent(options.indent_instruction) + &self.instruction(node),
                    "_attributes" | "_parent" => continue,
                    "_text" => indent(options.indent_text) + &self.text(node),
                    "_cdata" => indent(options.indent_cdata) + &self.cdata(node),
                    "_doctype" => indent(true) + &self.doctype(node),
                    "_comment" => indent(true) + &self.comment(node),
                    name => {
                        let content = has_compact_content(node, options, false);
                        indent(true) + &self.compact_element(node, name, depth, content)
                    }
                };
                xml.push_str(&piece);
                first_line = false;
            }
        }
        xml
    }

    fn compact_element(&self, element: &Value, name: &str, depth: usize, indent: bool) -> String {
        let options = self.options;
        let empty = || {
            if options.full_tag_empty_element {
                format!("<{name}></{name}>")
            } else {
                format!("<{name}/>")
            }
        };
        let map = match element {
            Value::Null => return empty(),
            Value::String(text) if text.is_empty() => return empty(),
            Value::Object(map) => map,
            scalar => return format!("<{name}>{}</{name}>", self.text(scalar)),
        };
        let attributes = map.get("_attributes");
        let mut xml = format!(
            "<{name}{}",
            attributes.map(|a| self.attributes(a)).unwrap_or_default()
        );
        let closing = has_compact_content(element, options, true)
            || preserves_space(attributes)
            || options.full_tag_empty_element;
        if !closing {
            return xml + "/>";
        }
        xml.push('>');
        xml.push_str(&self.compact_children(map, depth + 1, false));
        if indent {
            xml.push_str(&options.indentation(depth, false));
        }
        xml + &format!("</{name}>")
    }

    fn elements(&self, elements: &[Value], depth: usize, first_line: bool) -> String {
        let options = self.options;
        let mut xml = String::new();
        for element in elements {
            let indent = options.indentation(depth, first_line && xml.is_empty());
            let maybe = |indented: bool| {
                if indented {
                    indent.clone()
                } else {
                    String::new()
                }
            };
            let piece = match element.get("type").and_then(Value::as_str) {
                Some("element") => indent.clone() + &self.element(element, depth),
                Some("comment") => indent.clone() + &self.comment(&element["comment"]),
                Some("doctype") => indent.clone() + &self.doctype(&element["doctype"]),
                Some("cdata") => maybe(options.indent_cdata) + &self.cdata(&element["cdata"]),
                Some("text") => maybe(options.indent_text) + &self.text(&element["text"]),
                Some("instruction") => {
                    let name = element["name"].as_str().unwrap_or_default();
                    let instruction = serde_json::json!({ name: element["instruction"] });
                    maybe(options.indent_instruction) + &self.instruction(&instruction)
                }
                _ => String::new(),
            };
            xml.push_str(&piece);
        }
        xml
    }

    fn element(&self, element: &Value, depth: usize) -> String {
        let options = self.options;
        let name = element["name"].as_str().unwrap_or_default();
        let attributes = element.get("attributes");
        let mut xml = format!(
            "<{name}{}",
            attributes.map(|a| self.attributes(a)).unwrap_or_default()
        );
        let children = match element.get("elements") {
            Some(Value::Array(children)) => children.as_slice(),
            _ => &[],
        };
        let closing =
            !children.is_empty() || preserves_space(attributes) || options.full_tag_empty_element;
        if !closing {
            return xml + "/>";
        }
        xml.push('>');
        xml.push_str(&self.elements(children, depth + 1, false));
        if !options.spaces.is_empty() && has_content(children, options) {
            xml.push('\n');
            xml.push_str(&options.spaces.repeat(depth));
        }
        xml + &format!("</{name}>")
    }

    fn attributes(&self, attributes: &Value) -> String {
        let Value::Object(attributes) = attributes else {
            return String::new();
        };
        if self.options.ignore_attributes {
            return String::new();
        }
        attributes
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| format!(" {key}=\"{}\"", js_text(value).replace('"', "&quot;")))
            .collect()
    }

    fn declaration(&self, declaration: &Value, attributes_key: &str) -> String {
        if self.options.ignore_declaration {
            return String::new();
        }
        let attributes = declaration.get(attributes_key).map(|a| self.attributes(a));
        format!("<?xml{}?>", attributes.unwrap_or_default())
    }

    fn instruction(&self, instruction: &Value) -> String {
        let Some((name, value)) = instruction.as_object().and_then(|map| map.iter().next()) else {
            return String::new();
        };
        if self.options.ignore_instruction {
            return String::new();
        }
        if let Value::Object(_) = value {
            let attributes = value.get("_attributes").map(|a| self.attributes(a));
            return format!("<?{name}{}?>", attributes.unwrap_or_default());
        }
        let body = js_text(value);
        if body.is_empty() {
            format!("<?{name}?>")
        } else {
            format!("<?{name} {body}?>")
        }
    }

    fn comment(&self, comment: &Value) -> String {
        if self.options.ignore_comment {
            return String::new();
        }
        format!("<!--{}-->", js_text(comment))
    }

    fn cdata(&self, cdata: &Value) -> String {
        if self.options.ignore_cdata {
            return String::new();
        }
        // xml-js splits only the first `]]>`, because it calls String.replace with a string.
        let cdata = js_text(cdata).replacen("]]>", "]]]]><![CDATA[>", 1);
        format!("<![CDATA[{cdata}]]>")
    }

    fn doctype(&self, doctype: &Value) -> String {
        if self.options.ignore_doctype {
            return String::new();
        }
        format!("<!DOCTYPE {}>", js_text(doctype))
    }

    fn text(&self, text: &Value) -> String {
        if self.options.ignore_text {
            return String::new();
        }
        let text = js_text(text).replace("&amp;", "&");
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }
}

/// xml-js's `hasContentCompact`: whether a compact element contains anything that needs a
/// closing tag (`any_content`) or its own indented lines.
fn has_compact_content(element: &Value, options: &WriteOptions, any_content: bool) -> bool {
    let Value::Object(map) = element else {
        // A string has its characters as keys in JavaScript, so it counts as content.
        return matches!(element, Value::String(text) if !text.is_empty());
    };
    map.keys().any(|key| match key.as_str() {
        "_parent" | "_attributes" => false,
        "_text" => options.indent_text || any_content,
        "_cdata" => options.indent_cdata || any_content,
        "_instruction" => options.indent_instruction || any_content,
        _ => true,
    })
}

/// xml-js's `hasContent` for the non-compact shape.
fn has_content(children: &[Value], options: &WriteOptions) -> bool {
    children
        .iter()
        .any(|child| match child.get("type").and_then(Value::as_str) {
            Some("text") => options.indent_text,
            Some("cdata") => options.indent_cdata,
            Some("instruction") => options.indent_instruction,
            _ => true,
        })
}

fn preserves_space(attributes: Option<&Value>) -> bool {
    attributes
        .and_then(|a| a.get("xml:space"))
        .and_then(Value::as_str)
        == Some("preserve")
}

/// JavaScript's `'' + value` for the values xml-js concatenates.
fn js_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => integer.to_string(),
            None => js_number_string(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::Bool(flag) => flag.to_string(),
        Value::Null => "null".into(),
        Value::Array(items) => items.iter().map(js_text).collect::<Vec<_>>().join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}
