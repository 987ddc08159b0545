//! The document converters and data formats as JSONata functions: the Notion,
//! Markdown and HTML converters, `$xmlToJs`, `$jsToXml`, `$jsonToCsv` and
//! `$recursiveCharacterTextSplitter`. The conversions themselves live in the `notion`,
//! `markdown`, `html`, `xml`, `csv` and `text_splitter` modules; this file reads the
//! JSONata arguments and names the function in each error.

use serde_json::Value;

use super::{arg, csv, html, markdown, notion, str_arg, text_splitter, xml};

type Outcome = Result<Option<Value>, String>;

/// `$convertNotionToMarkdown(blocks)`: a page of Notion blocks as Markdown.
/// NOTE: Truto's second argument, `linkChildPages`, is not read.
pub(crate) fn notion_to_markdown(args: &[Option<Value>]) -> Outcome {
    let Some(blocks) = arg(args, 0) else {
        return Ok(None);
    };
    let text = notion::notion_to_markdown(blocks)
        .map_err(|error| format!("$convertNotionToMarkdown: {error}"))?;
    Ok(Some(Value::String(text)))
}

/// `$convertNotionToMd(block)`: one Notion block as Markdown.
pub(crate) fn notion_block_to_markdown(args: &[Option<Value>]) -> Outcome {
    let Some(block) = arg(args, 0) else {
        return Ok(None);
    };
    let text = notion::notion_block_to_markdown(block)
        .map_err(|error| format!("$convertNotionToMd: {error}"))?;
    Ok(Some(Value::String(text)))
}

/// `$convertMarkdownToHtml(markdown)`: Markdown rendered as HTML.
pub(crate) fn markdown_to_html(args: &[Option<Value>]) -> Outcome {
    Ok(str_arg(args, 0).map(|text| Value::String(markdown::to_html(text))))
}

/// `$convertHtmlToMarkdown(html)`: HTML converted to Markdown.
pub(crate) fn html_to_markdown(args: &[Option<Value>]) -> Outcome {
    Ok(str_arg(args, 0).map(|text| Value::String(html::to_markdown(text))))
}

/// `$convertMarkdownToSlack(markdown)`: Markdown as an array of Slack blocks.
pub(crate) fn markdown_to_slack(args: &[Option<Value>]) -> Outcome {
    Ok(str_arg(args, 0).map(markdown::to_slack))
}

/// `$convertMarkdownToNotion(markdown)`: Markdown as `{"children": [...]}` Notion blocks.
pub(crate) fn markdown_to_notion(args: &[Option<Value>]) -> Outcome {
    Ok(str_arg(args, 0).map(markdown::to_notion))
}

/// `$convertMarkdownToAdf(markdown)`: Markdown as an Atlassian Document Format document.
pub(crate) fn markdown_to_adf(args: &[Option<Value>]) -> Outcome {
    Ok(str_arg(args, 0).map(markdown::to_adf))
}

/// `$convertMarkdownToGoogleDocs(markdown, startIndex?)`: Markdown as Google Docs
/// `batchUpdate` requests inserted from `startIndex` (1 when missing).
pub(crate) fn markdown_to_google_docs(args: &[Option<Value>]) -> Outcome {
    let start = arg(args, 1)
        .and_then(Value::as_f64)
        .map(|index| index as i64);
    Ok(str_arg(args, 0).map(|text| markdown::to_google_docs(text, start)))
}

/// `$xmlToJs(xml, options?)`: XML text as xml-js's compact (default) or full shape.
pub(crate) fn xml_to_js(args: &[Option<Value>]) -> Outcome {
    let Some(text) = str_arg(args, 0) else {
        return Ok(None);
    };
    let value = xml::xml_to_js(text, arg(args, 1)).map_err(|error| format!("$xmlToJs: {error}"))?;
    Ok(Some(value))
}

/// `$jsToXml(value, options?)`: an object in xml-js's shape written as XML text.
pub(crate) fn js_to_xml(args: &[Option<Value>]) -> Outcome {
    let Some(value) = arg(args, 0) else {
        return Ok(None);
    };
    let text = xml::js_to_xml(value, arg(args, 1)).map_err(|error| format!("$jsToXml: {error}"))?;
    Ok(Some(Value::String(text)))
}

/// `$jsonToCsv(rows, options?)`: rows as CSV text in the style of `@json2csv/plainjs`.
pub(crate) fn json_to_csv(args: &[Option<Value>]) -> Outcome {
    let rows = arg(args, 0).unwrap_or(&Value::Null);
    let text =
        csv::json_to_csv(rows, arg(args, 1)).map_err(|error| format!("$jsonToCsv: {error}"))?;
    Ok(Some(Value::String(text)))
}

/// `$recursiveCharacterTextSplitter(text, options?)`: text (or JSON) split into chunks
/// as LangChain's `RecursiveCharacterTextSplitter` does.
pub(crate) fn recursive_character_text_splitter(args: &[Option<Value>]) -> Outcome {
    let input = arg(args, 0).unwrap_or(&Value::Null);
    let chunks = text_splitter::recursive_character_text_splitter(input, arg(args, 1))
        .map_err(|error| format!("$recursiveCharacterTextSplitter: {error}"))?;
    Ok(Some(Value::from(chunks)))
}
