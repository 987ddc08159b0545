//! Encodings and cryptography: `$base64encode`, `$base64decode`, `$digest`, `$sign`,
//! `$uuid`.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::core::is_truthy;
use super::{arg, str_arg};

type Outcome = Result<Option<Value>, String>;

/// `$base64encode(text, urlSafe?)`: the base64 of the text's UTF-8 bytes; URL-safe
/// output uses `-` and `_` and drops the padding. Replaces JSONata's built-in.
pub(crate) fn base64_encode(args: &[Option<Value>]) -> Outcome {
    let Some(text) = str_arg(args, 0) else {
        return Ok(None);
    };
    let url_safe = arg(args, 1).is_some_and(is_truthy);
    Ok(Some(Value::String(encode_bytes(text.as_bytes(), url_safe))))
}

fn encode_bytes(bytes: &[u8], url_safe: bool) -> String {
    if url_safe {
        URL_SAFE_NO_PAD.encode(bytes)
    } else {
        STANDARD.encode(bytes)
    }
}

/// `$base64decode(text, urlSafe?)`: the UTF-8 text of the decoded bytes (invalid
/// sequences become U+FFFD). Replaces JSONata's built-in.
pub(crate) fn base64_decode(args: &[Option<Value>]) -> Outcome {
    let Some(text) = str_arg(args, 0) else {
        return Ok(None);
    };
    let mut normalized: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if arg(args, 1).is_some_and(is_truthy) {
        normalized = normalized.replace('-', "+").replace('_', "/");
    }
    let unpadded = normalized.trim_end_matches('=');
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    let bytes = engine
        .decode(unpadded)
        .map_err(|error| format!("$base64decode: invalid base64 '{text}': {error}"))?;
    Ok(Some(Value::String(
        String::from_utf8_lossy(&bytes).into_owned(),
    )))
}

/// `$uuid()`: a random version 4 UUID.
pub(crate) fn uuid(_: &[Option<Value>]) -> Outcome {
    Ok(Some(Value::String(uuid::Uuid::new_v4().to_string())))
}

/// Formats a digest as `hex` (the default), `base64` or `base64-urlSafe`; any other
/// format gives no value, as in Truto.
fn format_bytes(bytes: &[u8], format: Option<&str>) -> Option<Value> {
    let text = match format.unwrap_or("hex") {
        "hex" => hex::encode(bytes),
        "base64" => encode_bytes(bytes, false),
        "base64-urlSafe" => encode_bytes(bytes, true),
        _ => return None,
    };
    Some(Value::String(text))
}

/// `$digest(text, algorithm?, format?)`: MD5, SHA-1, SHA-256 (default), SHA-384 or
/// SHA-512 of the text's UTF-8 bytes.
pub(crate) fn digest(args: &[Option<Value>]) -> Outcome {
    let text = text_arg(args, 0);
    let text = text.as_bytes();
    let algorithm = str_arg(args, 1).unwrap_or("SHA-256");
    let bytes = match algorithm.to_ascii_uppercase().as_str() {
        "MD5" => Md5::digest(text).to_vec(),
        "SHA-1" => Sha1::digest(text).to_vec(),
        "SHA-256" => Sha256::digest(text).to_vec(),
        "SHA-384" => Sha384::digest(text).to_vec(),
        "SHA-512" => Sha512::digest(text).to_vec(),
        _ => {
            return Err(format!(
                "$digest: unsupported algorithm '{algorithm}', expected MD5, SHA-1, SHA-256, \
                 SHA-384 or SHA-512"
            ));
        }
    };
    Ok(format_bytes(&bytes, str_arg(args, 2)))
}

/// `$sign(text, algorithm?, secret, format?)`: the HMAC of the text with SHA-1,
/// SHA-256 (default), SHA-384 or SHA-512.
pub(crate) fn sign(args: &[Option<Value>]) -> Outcome {
    let text = text_arg(args, 0);
    let text = text.as_bytes();
    let requested = str_arg(args, 1).unwrap_or("SHA-256");
    let algorithm = requested.trim().to_ascii_uppercase();
    // A number or boolean secret (an id from an account's context) is keyed by its
    // text, as the reference does.
    let secret = text_arg(args, 2);
    let secret = secret.as_bytes();
    let bytes = match algorithm.as_str() {
        "" | "SHA-256" => hmac_bytes::<Hmac<Sha256>>(secret, text),
        "SHA-1" => hmac_bytes::<Hmac<Sha1>>(secret, text),
        "SHA-384" => hmac_bytes::<Hmac<Sha384>>(secret, text),
        "SHA-512" => hmac_bytes::<Hmac<Sha512>>(secret, text),
        // TODO: RS256 needs an RSA implementation; add the `rsa` crate to support it.
        "RS256" => return Err("$sign: algorithm 'RS256' is not supported in weft".into()),
        _ => {
            return Err(format!(
                "$sign: unsupported algorithm '{requested}', expected SHA-1, SHA-256, SHA-384 \
                 or SHA-512"
            ));
        }
    };
    Ok(format_bytes(&bytes, str_arg(args, 3)))
}

/// Reads the text argument of `$digest` and `$sign` the way the reference's
/// `TextEncoder` does: numbers and booleans as their string form, anything missing as
/// the empty string.
fn text_arg(args: &[Option<Value>], index: usize) -> std::borrow::Cow<'_, str> {
    match args.get(index).and_then(Option::as_ref) {
        Some(Value::String(text)) => std::borrow::Cow::Borrowed(text),
        Some(Value::Number(number)) => std::borrow::Cow::Owned(number.to_string()),
        Some(Value::Bool(flag)) => std::borrow::Cow::Owned(flag.to_string()),
        _ => std::borrow::Cow::Borrowed(""),
    }
}

fn hmac_bytes<M: Mac + hmac::digest::KeyInit>(secret: &[u8], text: &[u8]) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret)
        .expect("HMAC accepts keys of any length");
    mac.update(text);
    mac.finalize().into_bytes().to_vec()
}
