//! Values shown inside messages: control characters escaped, length bounded.

/// Returns `text` with control characters written as escapes (`\n`, `\0`, `\u{1b}`), cut
/// to `max_chars` characters with `…` when longer, so that a quoted value cannot break a
/// log line or a terminal.
pub fn escaped(text: &str, max_chars: usize) -> String {
    let mut shown = String::new();
    for (index, character) in text.chars().enumerate() {
        if index == max_chars {
            shown.push('…');
            break;
        }
        match character {
            '\0' => shown.push_str("\\0"),
            control if control.is_control() => shown.extend(control.escape_default()),
            other => shown.push(other),
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::escaped;

    #[test]
    fn escapes_control_characters() {
        assert_eq!(escaped("a\r\nb\0\u{1b}", 20), "a\\r\\nb\\0\\u{1b}");
    }

    #[test]
    fn cuts_long_text() {
        assert_eq!(escaped("abcdef", 3), "abc…");
    }
}
