//! The shape of an `Action` entry: the usual `service:Action` form, read fast, and why an
//! entry is malformed. Shared by `facts` and `invalid-action-format`.

/// The usual `service:Action` shape, read in one pass over the bytes: letters, digits,
/// `*?-_.` and exactly one `:`, neither first nor last. Gives the colon's position and
/// whether there is a wildcard; `None` for any other text (which may still be valid, or not:
/// see [`format_problem`]).
pub(crate) fn plain_shape(action: &str) -> Option<(usize, bool)> {
    let bytes = action.as_bytes();
    let mut colon = None;
    let mut wildcard = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {}
            b'*' | b'?' => wildcard = true,
            b':' if colon.is_none() => colon = Some(i),
            _ => return None,
        }
    }
    colon
        .filter(|&c| c > 0 && c + 1 < bytes.len())
        .map(|c| (c, wildcard))
}

/// Why an action string is malformed, if it is.
pub(crate) fn format_problem(action: &str) -> Option<(&'static str, Option<String>)> {
    if action == "*" {
        return None;
    }
    if plain_shape(action).is_some() {
        return None;
    }
    if action.trim() != action {
        return Some((
            "has leading or trailing white space",
            Some(format!("write `{}`", action.trim())),
        ));
    }
    if action.contains(',') {
        let parts: Vec<String> = action
            .split(',')
            .map(|p| format!("\"{}\"", p.trim()))
            .collect();
        return Some((
            "joins several actions with commas, which IAM does not split",
            Some(format!("write a list: [{}]", parts.join(", "))),
        ));
    }
    if action.chars().any(char::is_whitespace) {
        return Some(("contains white space", None));
    }
    match action.split_once(':') {
        None => Some((
            "has no service prefix",
            Some("write `service:Action`, e.g. `s3:GetObject`".to_string()),
        )),
        Some(("", _)) => Some(("has an empty service prefix", None)),
        Some((_, "")) => Some((
            "has an empty action name",
            Some("write `service:*` for every action of the service".to_string()),
        )),
        Some((_, name)) if name.contains(':') => Some(("has more than one `:`", None)),
        Some(_) => None,
    }
}
