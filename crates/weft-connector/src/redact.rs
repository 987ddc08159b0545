//! Hiding secret values in text meant for users. An upstream API or a connector may echo
//! a secret in several forms, and each is hidden: as is, percent-encoded (`%2F` or `%2f`, `+` or `%20` for a
//! space), JSON-escaped (`\"`, `\\`, `\/`, `\u0041`), a mix of these, and base64 in
//! either alphabet, also inside a longer encoded value such as Basic auth's
//! `base64(user:secret)`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not redacted because they would match ordinary text.
pub const MIN_SECRET_LEN: usize = 4;

/// Base64 runs shorter than this are not redacted, for the same reason.
const MIN_BASE64_CORE: usize = 6;

/// Replaces every occurrence of a secret value in `text`, in any of the forms the module
/// overview lists, with `[redacted]`. Values shorter than [`MIN_SECRET_LEN`] bytes are
/// left alone.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let secrets: Vec<&[u8]> = secrets
        .iter()
        .map(String::as_bytes)
        .filter(|secret| secret.len() >= MIN_SECRET_LEN)
        .collect();
    if secrets.is_empty() {
        return text.to_string();
    }
    let text = redact_encoded(text.as_bytes(), &secrets);
    let mut text = String::from_utf8_lossy(&text).into_owned();
    for secret in &secrets {
        for core in base64_cores(secret) {
            if text.contains(&core) {
                text = text.replace(&core, REDACTED);
            }
        }
    }
    text
}

/// Replaces matches of any secret, where each byte may be literal, percent-encoded or
/// JSON-escaped.
fn redact_encoded(text: &[u8], secrets: &[&[u8]]) -> Vec<u8> {
    let mut output = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let byte = text[at];
        let may_start =
            matches!(byte, b'%' | b'+' | b'\\') || secrets.iter().any(|secret| secret[0] == byte);
        let end = secrets
            .iter()
            .filter(|_| may_start)
            .filter_map(|secret| match_end(text, at, secret))
            .max();
        match end {
            Some(end) => {
                output.extend_from_slice(REDACTED.as_bytes());
                at = end;
            }
            None => {
                output.push(text[at]);
                at += 1;
            }
        }
    }
    output
}

/// Returns the end of the longest match of `secret` starting at `start`. Every reading of the
/// text is followed at once (a `%` may be literal or start an escape), over states of
/// text position and matched secret bytes, so nothing backtracks.
fn match_end(text: &[u8], start: usize, secret: &[u8]) -> Option<usize> {
    let mut pending = vec![(start, 0)];
    let mut seen = std::collections::HashSet::new();
    let mut longest = None;
    while let Some((position, matched)) = pending.pop() {
        if matched == secret.len() {
            longest = longest.max(Some(position));
            continue;
        }
        for (bytes, width) in readings(text, position) {
            let state = (position + width, matched + bytes.len());
            if secret[matched..].starts_with(&bytes) && seen.insert(state) {
                pending.push(state);
            }
        }
    }
    longest
}

/// Lists the bytes the text at `at` may stand for, with the text's width: the byte itself, a
/// `%XX` escape, `+` as a space, or a JSON escape.
fn readings(text: &[u8], at: usize) -> Vec<(Vec<u8>, usize)> {
    let Some(&byte) = text.get(at) else {
        return Vec::new();
    };
    let mut readings = vec![(vec![byte], 1)];
    match byte {
        b'%' => {
            if let Some(decoded) = text.get(at + 1..at + 3).and_then(hex_byte) {
                readings.push((vec![decoded], 3));
            }
        }
        b'+' => readings.push((vec![b' '], 1)),
        b'\\' => readings.extend(json_escape(text, at)),
        _ => {}
    }
    readings
}

fn hex_byte(digits: &[u8]) -> Option<u8> {
    let digits = std::str::from_utf8(digits).ok()?;
    u8::from_str_radix(digits, 16).ok()
}

fn json_escape(text: &[u8], at: usize) -> Option<(Vec<u8>, usize)> {
    let decoded = match text.get(at + 1)? {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 0x08,
        b'f' => 0x0c,
        b'u' => {
            let digits = std::str::from_utf8(text.get(at + 2..at + 6)?).ok()?;
            let code = u32::from_str_radix(digits, 16).ok()?;
            let character = char::from_u32(code)?;
            let mut buffer = [0; 4];
            return Some((character.encode_utf8(&mut buffer).as_bytes().to_vec(), 6));
        }
        _ => return None,
    };
    Some((vec![decoded], 2))
}

/// Returns the base64 characters that encode only bytes of `secret`, for each of the three
/// alignments it can have inside a longer value, in the standard and URL-safe alphabets.
/// The one or two characters at each end also depend on neighbouring bytes and stay.
fn base64_cores(secret: &[u8]) -> Vec<String> {
    let mut cores = Vec::new();
    for offset in 0..3 {
        let mut padded = vec![0; offset];
        padded.extend_from_slice(secret);
        let encoded = STANDARD_NO_PAD.encode(&padded);
        let first = (8 * offset).div_ceil(6);
        let last = 8 * padded.len() / 6;
        let Some(core) = encoded.get(first..last) else {
            continue;
        };
        if core.len() < MIN_BASE64_CORE {
            continue;
        }
        let url_safe = core.replace('+', "-").replace('/', "_");
        if url_safe != core {
            cores.push(url_safe);
        }
        cores.push(core.to_string());
    }
    cores
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    const SECRET: &str = "Q\"Z/K+9 \\x";

    fn redacted(text: &str) -> String {
        redact(text, &[SECRET.to_string()])
    }

    #[test]
    fn hides_plain_value() {
        assert_eq!(redacted(&format!("token {SECRET}!")), "token [redacted]!");
    }

    #[test]
    fn hides_percent_encoded_forms() {
        for form in [
            "Q%22Z%2FK%2B9%20%5Cx",
            "Q%22Z%2fK%2b9%20%5cx",
            "Q%22Z%2FK%2B9+%5Cx",
            "Q%22Z/K%2B9%20%5Cx",
        ] {
            assert_eq!(redacted(&format!("a={form}&b")), "a=[redacted]&b", "{form}");
        }
    }

    #[test]
    fn hides_json_escaped_forms() {
        let escaped = serde_json::to_string(SECRET).unwrap();
        assert_eq!(redacted(&escaped), "\"[redacted]\"");
        assert_eq!(redacted(r#"Q\"Z\/K+9 \\x"#), "[redacted]");
        assert_eq!(redacted(r#"\u0051\"Z/K+9 \\x"#), "[redacted]");
    }

    #[test]
    fn hides_base64_inside_basic_credentials() {
        for user in ["u", "us", "use", "user"] {
            let encoded = STANDARD.encode(format!("{user}:{SECRET}"));
            let shown = redacted(&format!("Basic {encoded}"));
            assert!(shown.contains(REDACTED), "{user}: {shown}");
            assert!(shown.len() < 26, "{user}: {shown}");
        }
    }

    #[test]
    fn leaves_short_values_and_other_text() {
        assert_eq!(redact("abc abc", &["abc".into()]), "abc abc");
        assert_eq!(redacted("Q%22Z%2FK"), "Q%22Z%2FK");
        assert_eq!(redacted("100% sure"), "100% sure");
    }
}
