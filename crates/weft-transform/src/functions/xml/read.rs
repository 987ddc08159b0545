//! `$xmlToJs`: XML text to the compact or non-compact shape of xml-js.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use serde_json::{Map, Value};

use super::{XmlError, check_supported, flag};
use crate::functions::core::js_string_to_number;

/// The xml2js options Weft reads, named after xml-js's.
struct ReadOptions {
    compact: bool,
    trim: bool,
    native_type: bool,
    native_type_attributes: bool,
    sanitize: bool,
    always_children: bool,
    capture_spaces: bool,
    always_array: AlwaysArray,
    ignore: Ignore,
}

struct Ignore {
    declaration: bool,
    instruction: bool,
    attributes: bool,
    text: bool,
    comment: bool,
    cdata: bool,
    doctype: bool,
}

/// `alwaysArray`: every element and field in an array, or only the listed names.
enum AlwaysArray {
    All(bool),
    Names(Vec<String>),
}

impl AlwaysArray {
    fn applies_to(&self, key: &str) -> bool {
        match self {
            Self::All(all) => *all,
            Self::Names(names) => names.iter().any(|name| name == key),
        }
    }
}

impl ReadOptions {
    fn from_value(options: &Value) -> Result<Self, XmlError> {
        check_supported(options)?;
        let always_array = match options.get("alwaysArray") {
            Some(Value::Array(names)) => AlwaysArray::Names(
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
            ),
            _ => AlwaysArray::All(flag(options, "alwaysArray")),
        };
        Ok(Self {
            compact: flag(options, "compact"),
            trim: flag(options, "trim"),
            native_type: flag(options, "nativeType"),
            native_type_attributes: flag(options, "nativeTypeAttributes"),
            sanitize: flag(options, "sanitize"),
            always_children: flag(options, "alwaysChildren"),
            capture_spaces: flag(options, "captureSpacesBetweenElements"),
            always_array,
            ignore: Ignore {
                declaration: flag(options, "ignoreDeclaration"),
                instruction: flag(options, "ignoreInstruction"),
                attributes: flag(options, "ignoreAttributes"),
                text: flag(options, "ignoreText"),
                comment: flag(options, "ignoreComment"),
                cdata: flag(options, "ignoreCdata"),
                doctype: flag(options, "ignoreDoctype"),
            },
        })
    }

    /// The key for a node kind: `_text` in the compact shape, `text` otherwise.
    fn key(&self, kind: &str) -> String {
        if self.compact {
            format!("_{kind}")
        } else {
            kind.to_string()
        }
    }
}

/// `$xmlToJs(xml, options)`: parses `xml` into xml-js's compact shape when `options` is
/// `None` (the package's default `{compact: true}`), or into the shape that `options`
/// requests. As in xml-js, a given options object without `compact: true` selects the
/// non-compact shape. Supported options: `compact`, `trim`, `nativeType`,
/// `nativeTypeAttributes`, `sanitize`, `alwaysArray`, `alwaysChildren`,
/// `captureSpacesBetweenElements` and the `ignore*` flags; other data options that
/// change the output are rejected.
///
/// Fails on malformed XML and on entities other than the five XML ones and character
/// references.
pub fn xml_to_js(xml: &str, options: Option<&Value>) -> Result<Value, XmlError> {
    let default = serde_json::json!({"compact": true});
    let options = ReadOptions::from_value(options.unwrap_or(&default))?;
    let mut builder = Builder {
        options: &options,
        stack: vec![Map::new()],
        names: Vec::new(),
        text: String::new(),
    };
    let mut reader = Reader::from_str(xml);
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|error| XmlError::Malformed {
            position: reader.error_position(),
            message: error.to_string(),
        })?;
        if builder.handle(event, position)? {
            break;
        }
    }
    if let Some(open) = builder.names.last() {
        let message = format!("element '{open}' is not closed");
        return Err(XmlError::Malformed {
            position: reader.buffer_position(),
            message,
        });
    }
    Ok(Value::Object(builder.stack.remove(0)))
}

/// Builds the output while reading events. `stack` contains the open elements' maps,
/// the document first; `text` collects text split by entity references.
struct Builder<'a> {
    options: &'a ReadOptions,
    stack: Vec<Map<String, Value>>,
    names: Vec<String>,
    text: String,
}

impl Builder<'_> {
    /// Applies one event; returns true at the end of the input.
    fn handle(&mut self, event: Event<'_>, position: u64) -> Result<bool, XmlError> {
        let malformed = |error: &dyn std::fmt::Display| XmlError::Malformed {
            position,
            message: error.to_string(),
        };
        match event {
            Event::Text(text) => {
                let text = text.decode().map_err(|e| malformed(&e))?;
                self.text.push_str(&text);
                return Ok(false);
            }
            Event::GeneralRef(reference) => {
                self.push_reference(&reference, position)?;
                return Ok(false);
            }
            _ => self.flush_text(),
        }
        match event {
            Event::Start(start) => self.open(&start).map_err(|e| malformed(&e))?,
            Event::Empty(start) => {
                self.open(&start).map_err(|e| malformed(&e))?;
                self.close();
            }
            Event::End(_) => self.close(),
            Event::CData(data) => {
                let data = data.decode().map_err(|e| malformed(&e))?;
                if !self.options.ignore.cdata {
                    self.add_field("cdata", Value::String(self.trimmed(&data)));
                }
            }
            Event::Comment(comment) => {
                let comment = comment.decode().map_err(|e| malformed(&e))?;
                if !self.options.ignore.comment {
                    self.add_field("comment", Value::String(self.trimmed(&comment)));
                }
            }
            Event::Decl(decl) => self.declaration(&String::from_utf8_lossy(&decl)),
            Event::PI(instruction) => {
                let name = String::from_utf8_lossy(instruction.target()).into_owned();
                let body = String::from_utf8_lossy(instruction.content()).into_owned();
                self.instruction(name, body.trim_start());
            }
            Event::DocType(doctype) => {
                let doctype = doctype.decode().map_err(|e| malformed(&e))?;
                if !self.options.ignore.doctype {
                    let doctype = self.trimmed(doctype.trim_start());
                    self.add_field("doctype", Value::String(doctype));
                }
            }
            Event::Eof => return Ok(true),
            Event::Text(_) | Event::GeneralRef(_) => {}
        }
        Ok(false)
    }

    fn push_reference(&mut self, reference: &BytesRef<'_>, position: u64) -> Result<(), XmlError> {
        let name = String::from_utf8_lossy(reference).into_owned();
        if reference.is_char_ref() {
            let resolved = reference.resolve_char_ref().ok().flatten();
            let character = resolved.ok_or(XmlError::UnknownEntity { position, name })?;
            self.text.push(character);
            return Ok(());
        }
        let character = match name.as_str() {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => return Err(XmlError::UnknownEntity { position, name }),
        };
        self.text.push(character);
        Ok(())
    }

    fn trimmed(&self, text: &str) -> String {
        if self.options.trim { text.trim() } else { text }.to_string()
    }

    fn flush_text(&mut self) {
        let text = std::mem::take(&mut self.text);
        let options = self.options;
        if text.is_empty() || options.ignore.text {
            return;
        }
        // Whitespace outside the root element is never text, as in sax.
        if text.trim().is_empty() && (!options.capture_spaces || self.names.is_empty()) {
            return;
        }
        let text = self.trimmed(&text);
        let mut value = if options.native_type {
            native_type(&text)
        } else {
            Value::String(text)
        };
        if let (true, Value::String(text)) = (options.sanitize, &value) {
            value = Value::String(sanitize(text));
        }
        self.add_field("text", value);
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), quick_xml::Error> {
        let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        let mut attributes = Map::new();
        for attribute in start.attributes() {
            let attribute = attribute?;
            let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
            let value = attribute.unescape_value()?;
            attributes.insert(key, self.attribute_value(&value));
        }

        let options = self.options;
        let mut element = Map::new();
        if !options.compact {
            element.insert("type".into(), "element".into());
            element.insert("name".into(), name.clone().into());
        }
        if !options.ignore.attributes && !attributes.is_empty() {
            element.insert(options.key("attributes"), Value::Object(attributes));
        }
        if !options.compact && options.always_children {
            element.insert("elements".into(), Value::Array(Vec::new()));
        }
        self.stack.push(element);
        self.names.push(name);
        Ok(())
    }

    fn attribute_value(&self, value: &str) -> Value {
        let value = if self.options.trim {
            value.trim()
        } else {
            value
        };
        if self.options.native_type_attributes {
            native_type(value)
        } else {
            Value::String(value.to_string())
        }
    }

    fn close(&mut self) {
        let (Some(element), Some(name)) = (self.stack.pop(), self.names.pop()) else {
            return;
        };
        let always = self.options.always_array.applies_to(&name);
        let parent = self
            .stack
            .last_mut()
            .expect("the document map stays on the stack");
        if self.options.compact {
            insert_compact(parent, name, Value::Object(element), always);
        } else {
            push_element(parent, Value::Object(element));
        }
    }

    /// Adds a text, CDATA, comment, instruction or doctype node to the open element.
    fn add_field(&mut self, kind: &str, value: Value) {
        let options = self.options;
        let key = options.key(kind);
        let always = options.always_array.applies_to(&key);
        let parent = self
            .stack
            .last_mut()
            .expect("the document map stays on the stack");
        if options.compact {
            insert_compact(parent, key, value, always);
        } else {
            let mut node = Map::new();
            node.insert("type".into(), kind.into());
            node.insert(kind.into(), value);
            push_element(parent, Value::Object(node));
        }
    }

    fn declaration(&mut self, content: &str) {
        if self.options.ignore.declaration {
            return;
        }
        let body = content.strip_prefix("xml").unwrap_or(content);
        let mut declaration = Map::new();
        let attributes: Map<String, Value> = pseudo_attributes(body)
            .into_iter()
            .map(|(key, value)| (key, self.attribute_value(&value)))
            .collect();
        if !attributes.is_empty() {
            declaration.insert(self.options.key("attributes"), Value::Object(attributes));
        }
        let key = self.options.key("declaration");
        self.stack[0].insert(key, Value::Object(declaration));
    }

    fn instruction(&mut self, name: String, body: &str) {
        if self.options.ignore.instruction {
            return;
        }
        let body = self.trimmed(body);
        if self.options.compact {
            let mut value = Map::new();
            value.insert(name, Value::String(body));
            self.add_field("instruction", Value::Object(value));
            return;
        }
        let parent = self
            .stack
            .last_mut()
            .expect("the document map stays on the stack");
        let mut node = Map::new();
        node.insert("type".into(), "instruction".into());
        node.insert("name".into(), Value::String(name));
        node.insert("instruction".into(), Value::String(body));
        push_element(parent, Value::Object(node));
    }
}

/// Adds `value` under `key`, turning an existing single value into an array.
fn insert_compact(parent: &mut Map<String, Value>, key: String, value: Value, always: bool) {
    match parent.get_mut(&key) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None if always => {
            parent.insert(key, Value::Array(vec![value]));
        }
        None => {
            parent.insert(key, value);
        }
    }
}

fn push_element(parent: &mut Map<String, Value>, node: Value) {
    let elements = parent
        .entry("elements")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = elements {
        items.push(node);
    }
}

/// The `name="value"` pairs of an XML declaration, as xml-js's pattern
/// `([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|\w+)` finds them.
fn pseudo_attributes(body: &str) -> Vec<(String, String)> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-');
    let mut pairs = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(is_name) {
        rest = &rest[start..];
        let name_end = rest.find(|c: char| !is_name(c)).unwrap_or(rest.len());
        let name = &rest[..name_end];
        let after = rest[name_end..].trim_start();
        let Some(value_part) = after.strip_prefix('=').map(str::trim_start) else {
            rest = &rest[name_end..];
            continue;
        };
        let (value, consumed) = match value_part.chars().next() {
            Some(quote @ ('"' | '\'')) => match value_part[1..].find(quote) {
                Some(end) => (&value_part[1..=end], end + 2),
                None => break,
            },
            _ => {
                let end = value_part
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(value_part.len());
                (&value_part[..end], end)
            }
        };
        pairs.push((name.to_string(), value.to_string()));
        rest = &value_part[consumed..];
    }
    pairs
}

/// xml-js's `nativeType`: a number when JavaScript's `Number()` reads one, a boolean for
/// `true` or `false` in any case, else the text.
fn native_type(text: &str) -> Value {
    let number = js_string_to_number(text);
    if !number.is_nan() {
        return json_number(number);
    }
    match text.to_lowercase().as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.to_string()),
    }
}

fn json_number(number: f64) -> Value {
    if number.fract() == 0.0 && number.abs() < 9_007_199_254_740_992.0 {
        Value::from(number as i64)
    } else {
        // NOTE: JSON has no Infinity; xml-js would return it for "Infinity".
        serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

fn sanitize(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declaration_pairs_accept_both_quotes() {
        let pairs = pseudo_attributes(r#" version="1.0" encoding='UTF-8' standalone=yes"#);
        let expected = [
            ("version", "1.0"),
            ("encoding", "UTF-8"),
            ("standalone", "yes"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn native_type_reads_numbers_and_booleans() {
        assert_eq!(native_type("1200.50"), serde_json::json!(1200.5));
        assert_eq!(native_type("TRUE"), Value::Bool(true));
        assert_eq!(native_type("EUR"), Value::String("EUR".into()));
    }
}
