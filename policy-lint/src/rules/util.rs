//! Helpers shared by rules.

/// Whether text contains a policy variable (`${...}`).
pub fn has_variable(text: &str) -> bool {
    // Most values have no `$` at all: a byte search settles them without a substring search.
    if !text.as_bytes().contains(&b'$') {
        return false;
    }
    text.find("${")
        .is_some_and(|i| text.get(i..).is_some_and(|rest| rest.contains('}')))
}

/// Whether text contains an IAM wildcard (`*` or `?`).
pub fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// Whether a resource is API Gateway's short form for resources of the API a resource policy
/// is attached to (`execute-api:/*`, `execute-api:/stage/GET/pets`), which API Gateway
/// expands to the API's full ARN when it saves the policy (API Gateway Developer Guide, "API
/// Gateway resource policy examples").
pub fn is_api_gateway_short_form(text: &str) -> bool {
    text.starts_with("execute-api:/")
}

/// Splits an ARN on `:` into at most `n` parts, never inside a policy variable
/// (`${aws:PrincipalAccount}` stays whole).
pub fn split_arn(text: &str, n: usize) -> Vec<&str> {
    let mut parts = Vec::with_capacity(n);
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' if i > 0 && bytes.get(i - 1) == Some(&b'$') => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 && parts.len() + 1 < n => {
                parts.push(text.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects_variables() {
        assert!(super::has_variable("${a}"));
        assert_eq!(
            super::split_arn("arn:*:kms:*:${aws:PrincipalAccount}:key/a:b", 6),
            vec!["arn", "*", "kms", "*", "${aws:PrincipalAccount}", "key/a:b"]
        );
        assert!(!super::has_variable("$a}"));
    }
}
