//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per finding,
//! which the runner turns into an annotation on the file and line.
//!
//! `::error file=policies/a.json,line=7,col=24,endLine=7,endColumn=38,title=C102 unknown-action::message`
//!
//! Escaping follows the runner's rules: in property values `%`, `\r`, `\n`, `:` and `,`
//! become `%25`, `%0D`, `%0A`, `%3A` and `%2C`; in the message only `%`, `\r` and `\n`.

use std::io::Write;

use policy_cli::render::escape::escape_line;
use policy_lint::Severity;

use super::{portable_path, Located};

/// Escapes the message part of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command for one finding (no trailing newline).
pub fn command(located: &Located<'_>) -> String {
    let finding = located.finding;
    let level = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let range = located.range();
    let title = format!("{} {}", finding.rule.code, finding.rule.name);
    // What comes from input is escaped for the terminal first (the log shows it), then for the
    // runner.
    let mut message = escape_line(&finding.message).into_owned();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(&escape_line(help));
    }
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(&escape_line(&portable_path(located.file.name()))),
        range.line,
        range.column,
        range.end_line,
        range.end_column,
        escape_property(&title),
        escape_data(&message),
    )
}

/// Writes one command per finding.
pub fn write<'a>(
    out: &mut impl Write,
    located: impl Iterator<Item = Located<'a>>,
) -> std::io::Result<()> {
    for l in located {
        writeln!(out, "{}", command(&l))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
        assert_eq!(
            escape_property("100% a:b,c\r\nd"),
            "100%25 a%3Ab%2Cc%0D%0Ad"
        );
    }
}
