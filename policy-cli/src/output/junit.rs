//! `JUnit` XML, as Ruff writes it: one `testsuite` per file with findings, one failed `testcase`
//! per finding; a run without findings has one passing test case.
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <testsuites name="iampol" tests="1" failures="1" errors="0">
//!     <testsuite name="policies/app.json" tests="1" disabled="0" errors="0" failures="1" package="iampol">
//!         <testcase name="iampol.C102" classname="policies/app" line="7" column="24">
//!             <failure message="`s3:GetObjekt` is not an action of service `s3`" type="error">line 7, col 24, `s3:GetObjekt` is not an action of service `s3`
//! help: did you mean `s3:GetObject`?</failure>
//!         </testcase>
//!     </testsuite>
//! </testsuites>
//! ```
//!
//! Text is escaped for XML 1.0: `&`, `<`, `>`, `"` and `'` as entities; in attribute values tab,
//! line feed and carriage return as character references (a parser would turn them into
//! spaces), in element text the carriage return; characters XML 1.0 does not allow at all
//! (other C0 controls, U+FFFE, U+FFFF), not even as references, are written as `\u{1b}`.

use std::fmt::Write as _;
use std::io::Write;

use policy_core::SourceFile;
use policy_lint::Finding;

use super::{portable_path, Range};

/// Escapes text for an attribute value (`attribute`) or element content.
pub fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' | '\n' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    out
}

/// XML 1.0's `Char` production (tab, line feed and carriage return are handled before).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// `classname`: the path without its extension, as Ruff writes it.
fn classname(path: &str) -> &str {
    let name_start = path.rfind('/').map_or(0, |i| i + 1);
    match path.rfind('.') {
        Some(dot) if dot > name_start => path.get(..dot).unwrap_or(path),
        _ => path,
    }
}

/// Writes the test suite of one file (nothing when it has no findings).
pub fn write_suite(
    out: &mut Vec<u8>,
    file: &SourceFile,
    findings: &[Finding],
) -> std::io::Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let path = portable_path(file.name());
    let n = findings.len();
    writeln!(
        out,
        r#"    <testsuite name="{}" tests="{n}" disabled="0" errors="0" failures="{n}" package="iampol">"#,
        escape(&path, true)
    )?;
    let classname = escape(classname(&path), true);
    for f in findings {
        let range = Range::of(file, f.span);
        let mut text = format!("line {}, col {}, {}", range.line, range.column, f.message);
        if let Some(help) = &f.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        writeln!(
            out,
            r#"        <testcase name="iampol.{}" classname="{classname}" line="{}" column="{}">"#,
            escape(f.rule.code, true),
            range.line,
            range.column
        )?;
        writeln!(
            out,
            r#"            <failure message="{}" type="{}">{}</failure>"#,
            escape(&f.message, true),
            f.severity.as_str(),
            escape(&text, false)
        )?;
        writeln!(out, "        </testcase>")?;
    }
    writeln!(out, "    </testsuite>")
}

/// Writes the report around the suites [`write_suite`] wrote into `parts`; `findings` is their
/// number of test cases in all.
pub fn write<'a>(
    out: &mut impl Write,
    parts: impl IntoIterator<Item = &'a [u8]>,
    findings: usize,
) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    if findings == 0 {
        writeln!(
            out,
            r#"<testsuites name="iampol" tests="1" failures="0" errors="0">"#
        )?;
        writeln!(
            out,
            r#"    <testsuite name="iampol" tests="1" disabled="0" errors="0" failures="0" package="iampol">"#
        )?;
        writeln!(
            out,
            r#"        <testcase name="No errors found" classname="iampol"/>"#
        )?;
        writeln!(out, "    </testsuite>")?;
    } else {
        writeln!(
            out,
            r#"<testsuites name="iampol" tests="{findings}" failures="{findings}" errors="0">"#
        )?;
        for part in parts {
            out.write_all(part)?;
        }
    }
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'", true),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(escape("a\tb\nc\rd", true), "a&#9;b&#10;c&#13;d");
        assert_eq!(escape("a\tb\nc\rd", false), "a\tb\nc&#13;d");
        assert_eq!(
            escape("\u{0}\u{1b}\u{b}\u{fffe}é\u{85}", false),
            "\\u{0}\\u{1b}\\u{b}\\u{fffe}é\u{85}"
        );
        assert_eq!(escape("]]>", false), "]]&gt;");
    }

    #[test]
    fn classnames_drop_the_extension() {
        assert_eq!(classname("policies/a.json"), "policies/a");
        assert_eq!(classname("policies.d/a"), "policies.d/a");
        assert_eq!(classname(".hidden"), ".hidden");
        assert_eq!(classname("<stdin>"), "<stdin>");
    }
}
