//! Text from files, made safe to show on a terminal.
//!
//! A policy, a scenario, a trail record or a file name can hold characters that a terminal
//! acts on instead of showing: C0 controls (`ESC` starts sequences that recolour the text, move
//! the cursor or retitle the window: `\x1b]0;pwned\x07`, `\x1b[31m`; `BEL` rings; `CR` and
//! backspace overwrite what was printed), `DEL`, the C1 controls U+0080 to U+009F (U+009B is a
//! one-byte CSI on some terminals), and the bidirectional embeddings, overrides and isolates
//! U+202A to U+202E and U+2066 to U+2069, which reorder what is shown (the "Trojan Source"
//! trick, CVE-2021-42574). Every human report shows them visibly, as Ruff does:
//!
//! - a C0 control as its Unicode control picture, one column wide like the character it
//!   stands for: `ESC` as `␛`, `BEL` as `␇`, `TAB` as `␉`, `CR` as `␍`, `LF` as `␊` (U+2400 plus
//!   the code);
//! - `DEL` as `␡` (U+2421);
//! - a C1 control or a bidirectional control, which have no picture, as a Rust-style escape:
//!   `\u{9b}`, `\u{202e}`.
//!
//! [`escape_line`] escapes everything, line feeds too (for one-line texts: messages, names,
//! values); [`escape_text`] keeps line feeds (for texts of several lines that we compose).
//! Snippets of files keep their tabs, which the snippet renderer expands to the next tab stop
//! so that the caret stays under the right character (see [`super::snippet`]).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character must not reach the terminal as it is.
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Appends the visible form of an unsafe character (see the module documentation); any other
/// character is appended as it is.
pub fn push_shown(out: &mut String, c: char) {
    match c {
        '\0'..='\u{1f}' => out.push(char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{fffd}')),
        '\u{7f}' => out.push('\u{2421}'),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// How many characters [`push_shown`] appends for a character.
pub fn shown_len(c: char) -> usize {
    match c {
        // `\u{9b}`.
        '\u{80}'..='\u{9f}' => 6,
        // `\u{202e}`.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => 8,
        // A control picture, or the character itself.
        _ => 1,
    }
}

/// A one-line text with every unsafe character escaped, line feeds included.
pub fn escape_line(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// A text with every unsafe character escaped but its line feeds, which stay line breaks.
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_at = |c: char| is_unsafe(c) && !(keep_newlines && c == '\n');
    let Some(first) = s.find(unsafe_at) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    let (clean, rest) = s.split_at(first);
    out.push_str(clean);
    for c in rest.chars() {
        if unsafe_at(c) {
            push_shown(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_as_pictures_and_escapes() {
        assert_eq!(escape_line("\u{1b}]0;pwned\u{7}"), "␛]0;pwned␇");
        assert_eq!(escape_line("\u{1b}[31mred"), "␛[31mred");
        assert_eq!(escape_line("a\tb\r\nc\0\u{7f}"), "a␉b␍␊c␀␡");
        assert_eq!(escape_text("a\tb\r\nc"), "a␉b␍\nc");
        assert_eq!(escape_line("\u{80}\u{9b}\u{9f}"), r"\u{80}\u{9b}\u{9f}");
        assert_eq!(
            escape_line("\u{202a}\u{202e}\u{2066}\u{2069}"),
            r"\u{202a}\u{202e}\u{2066}\u{2069}"
        );
    }

    #[test]
    fn other_text_is_borrowed_unchanged() {
        for s in [
            "",
            "s3:GetObject",
            "é ç ü ☃ 日本",
            "\u{a0}\u{200b}\u{2028}",
            "\u{2065}\u{206a}",
        ] {
            assert!(
                matches!(escape_line(s), Cow::Borrowed(b) if b == s),
                "{s:?}"
            );
        }
        assert!(matches!(escape_text("a\nb"), Cow::Borrowed("a\nb")));
    }

    #[test]
    fn shown_len_is_what_is_pushed() {
        for c in [
            '\0', '\t', '\u{1b}', '\u{7f}', '\u{80}', '\u{9b}', '\u{202e}', '\u{2069}', 'a', 'é',
            '日',
        ] {
            let mut s = String::new();
            push_shown(&mut s, c);
            assert_eq!(s.chars().count(), shown_len(c), "{c:?}");
        }
    }
}
