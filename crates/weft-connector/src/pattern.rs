//! A worst-case cost estimate for Lua patterns. `string.find`, `match`, `gmatch` and
//! `gsub` match in C, where the instruction hook never fires, so a pattern that
//! backtracks exponentially would run past every budget. The sandbox asks [`estimate`]
//! first and rejects the call when the estimate passes [`MAX_STEPS`].
//!
//! The model: an item that matches one character costs one step. A `*`, `+` or `-` item
//! scans up to `n` characters (the subject length), and when its characters overlap those
//! the rest of the pattern can start with, it runs the rest once per split point, so the
//! rest's cost is multiplied by `n + 1`. A `?` item doubles it. An unanchored pattern is
//! tried at every start position. Quantifiers over disjoint characters (`[^"]*"`,
//! `%w+=`) therefore add cost, and only overlapping ones (`a*a*`, `.-.-`) multiply it.

/// Estimated matcher steps one pattern call may take. The model overestimates: on a 2-core
/// Xeon VM (dev profile, Lua built with opt-level 1), `string.find` calls estimated at 10^9
/// to 10^10 steps (`a*b`, `a*a*b`, `a*a*a*b` on runs of `a`) took 0.1 to 1.4 s per 10^9.
pub(crate) const MAX_STEPS: f64 = 1e9;

/// The pattern function's treatment of start positions: `gmatch` tries every position and
/// reads `^` as a literal.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    Anchorable,
    Iterated,
}

/// The characters one pattern item can match, as a 256-bit set.
#[derive(Clone, Copy)]
struct Set([u128; 2]);

impl Set {
    const EMPTY: Set = Set([0, 0]);
    const ALL: Set = Set([u128::MAX, u128::MAX]);

    fn byte(byte: u8) -> Set {
        let mut set = Set::EMPTY;
        set.insert(byte);
        set
    }

    fn insert(&mut self, byte: u8) {
        self.0[usize::from(byte >> 7)] |= 1 << (byte & 127);
    }

    fn from_fn(test: impl Fn(u8) -> bool) -> Set {
        let mut set = Set::EMPTY;
        (0..=255u8)
            .filter(|&byte| test(byte))
            .for_each(|byte| set.insert(byte));
        set
    }

    fn union(self, other: Set) -> Set {
        Set([self.0[0] | other.0[0], self.0[1] | other.0[1]])
    }

    fn complement(self) -> Set {
        Set([!self.0[0], !self.0[1]])
    }

    fn overlaps(self, other: Set) -> bool {
        self.0[0] & other.0[0] != 0 || self.0[1] & other.0[1] != 0
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Once,
    /// `*`, `+` or `-`: any number of characters; `at_least_one` for `+`.
    Many {
        at_least_one: bool,
    },
    Optional,
    /// `%b` or a back-reference: a scan over up to `n` characters without backtracking.
    Scan,
}

struct Item {
    set: Set,
    repeat: Repeat,
}

/// Returns the estimated worst-case steps of matching `pattern` against a subject of
/// `length` bytes. A malformed pattern is estimated up to the malformed part; Lua reports
/// the syntax error itself.
pub(crate) fn estimate(pattern: &[u8], length: usize, usage: Use) -> f64 {
    let anchored = usage == Use::Anchorable && pattern.first() == Some(&b'^');
    let body = if anchored { &pattern[1..] } else { pattern };
    let items = parse(body);
    let n = length as f64;
    let starts = if anchored { 1.0 } else { n + 1.0 };
    starts * cost(&items, n)
}

/// The cost of matching `items` at one position, computed from the last item backwards.
fn cost(items: &[Item], n: f64) -> f64 {
    let mut rest = 1.0;
    for (index, item) in items.iter().enumerate().rev() {
        rest = match item.repeat {
            Repeat::Once => 1.0 + rest,
            Repeat::Scan => n + rest,
            Repeat::Optional => 1.0 + 2.0 * rest,
            Repeat::Many { .. } if overlaps_follow(item.set, &items[index + 1..]) => {
                n + (n + 1.0) * rest
            }
            Repeat::Many { .. } => 2.0 * n + rest,
        };
    }
    rest
}

/// Whether `set` shares a character with what the items after a quantifier may match
/// first: every item up to and including the first one that must match.
fn overlaps_follow(set: Set, follow: &[Item]) -> bool {
    for item in follow {
        if set.overlaps(item.set) {
            return true;
        }
        let optional = matches!(
            item.repeat,
            Repeat::Optional
                | Repeat::Many {
                    at_least_one: false
                }
        );
        if !optional {
            return false;
        }
    }
    false
}

fn parse(pattern: &[u8]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut at = 0;
    while at < pattern.len() {
        match pattern[at] {
            b'(' | b')' => at += 1,
            b'$' if at + 1 == pattern.len() => at += 1,
            b'%' if pattern.get(at + 1) == Some(&b'b') => {
                items.push(Item {
                    set: Set::ALL,
                    repeat: Repeat::Scan,
                });
                at += 4;
            }
            b'%' if pattern.get(at + 1) == Some(&b'f') => {
                let Some(end) = class_end(pattern, at + 2) else {
                    break;
                };
                at = end;
            }
            b'%' if pattern.get(at + 1).is_some_and(u8::is_ascii_digit) => {
                items.push(Item {
                    set: Set::ALL,
                    repeat: Repeat::Scan,
                });
                at += 2;
            }
            _ => {
                let Some(end) = class_end(pattern, at) else {
                    break;
                };
                let set = class_set(&pattern[at..end]);
                let (repeat, next) = repeat_at(pattern, end);
                items.push(Item { set, repeat });
                at = next;
            }
        }
    }
    items
}

fn repeat_at(pattern: &[u8], at: usize) -> (Repeat, usize) {
    match pattern.get(at) {
        Some(b'*') | Some(b'-') => (
            Repeat::Many {
                at_least_one: false,
            },
            at + 1,
        ),
        Some(b'+') => (Repeat::Many { at_least_one: true }, at + 1),
        Some(b'?') => (Repeat::Optional, at + 1),
        _ => (Repeat::Once, at),
    }
}

/// The end of the single-character class starting at `at`, or `None` when it is malformed.
fn class_end(pattern: &[u8], at: usize) -> Option<usize> {
    match pattern.get(at)? {
        b'%' => pattern.get(at + 1).map(|_| at + 2),
        b'[' => {
            let mut index = at + 1;
            if pattern.get(index) == Some(&b'^') {
                index += 1;
            }
            // A `]` right after `[` or `[^` is a literal.
            index += 1;
            loop {
                match pattern.get(index)? {
                    b']' => return Some(index + 1),
                    b'%' => index += 2,
                    _ => index += 1,
                }
            }
        }
        _ => Some(at + 1),
    }
}

/// The characters a class such as `a`, `.`, `%d` or `[^%s,]` matches.
fn class_set(class: &[u8]) -> Set {
    match class {
        [b'.'] => Set::ALL,
        [b'%', letter] => escape_set(*letter),
        [b'[', inner @ .., b']'] => bracket_set(inner),
        [byte] => Set::byte(*byte),
        _ => Set::ALL,
    }
}

fn bracket_set(inner: &[u8]) -> Set {
    let (negated, inner) = match inner.first() {
        Some(b'^') => (true, &inner[1..]),
        _ => (false, inner),
    };
    let mut set = Set::EMPTY;
    let mut index = 0;
    while index < inner.len() {
        let byte = inner[index];
        if byte == b'%' && index + 1 < inner.len() {
            set = set.union(escape_set(inner[index + 1]));
            index += 2;
        } else if inner.get(index + 1) == Some(&b'-') && index + 2 < inner.len() {
            let last = inner[index + 2];
            set = set.union(Set::from_fn(|candidate| (byte..=last).contains(&candidate)));
            index += 3;
        } else {
            set.insert(byte);
            index += 1;
        }
    }
    if negated { set.complement() } else { set }
}

/// The set of a `%x` escape, with the C locale's character classes Lua uses.
fn escape_set(letter: u8) -> Set {
    let test: fn(u8) -> bool = match letter.to_ascii_lowercase() {
        b'a' => |byte| byte.is_ascii_alphabetic(),
        b'c' => |byte| byte.is_ascii_control(),
        b'd' => |byte| byte.is_ascii_digit(),
        b'g' => |byte| byte.is_ascii_graphic(),
        b'l' => |byte| byte.is_ascii_lowercase(),
        b'p' => |byte| byte.is_ascii_punctuation(),
        b's' => |byte| byte.is_ascii_whitespace() || byte == 0x0b,
        b'u' => |byte| byte.is_ascii_uppercase(),
        b'w' => |byte| byte.is_ascii_alphanumeric(),
        b'x' => |byte| byte.is_ascii_hexdigit(),
        _ => return Set::byte(letter),
    };
    let set = Set::from_fn(test);
    if letter.is_ascii_uppercase() {
        set.complement()
    } else {
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(pattern: &str, length: usize) -> f64 {
        estimate(pattern.as_bytes(), length, Use::Anchorable)
    }

    #[test]
    fn overlapping_quantifiers_multiply() {
        let pattern = format!("{}c", "a*".repeat(30));
        assert!(steps(&pattern, 31) > 1e30);
    }

    #[test]
    fn disjoint_quantifiers_add() {
        let link = r#"<([^>]+)>;%s*rel="([^"]+)""#;
        assert!(steps(link, 2_000) < MAX_STEPS, "{}", steps(link, 2_000));
        assert!(steps("^(%w+)=(%w*)$", 100_000) < MAX_STEPS);
    }

    #[test]
    fn anchoring_removes_start_positions() {
        assert!(steps("^a*b", 1_000) < steps("a*b", 1_000) / 500.0);
    }

    #[test]
    fn gmatch_treats_caret_as_literal() {
        let iterated = estimate(b"^a*b", 1_000, Use::Iterated);
        assert!(iterated > steps("^a*b", 1_000) * 500.0);
    }

    #[test]
    fn classes_follow_lua() {
        assert!(!escape_set(b'd').overlaps(Set::byte(b'a')));
        assert!(escape_set(b'D').overlaps(Set::byte(b'a')));
        assert!(!bracket_set(b"^\"").overlaps(Set::byte(b'"')));
        assert!(bracket_set(b"a-f").overlaps(Set::byte(b'c')));
        assert!(!bracket_set(b"a-f").overlaps(Set::byte(b'g')));
    }
}
