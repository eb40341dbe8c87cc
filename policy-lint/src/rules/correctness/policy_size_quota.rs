//! `C210` `policy-size-quota`.

use policy_core::ast::{ConditionValue, Node, Policy, PolicyKind, Principal, Statement};
use policy_core::Span;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a policy larger than AWS stores for its kind (UG `reference_iam-quotas`, the
    /// AWS Organizations quotas, and each service's quota for its resource policies):
    ///
    /// | kind | limit | white space |
    /// |---|---|---|
    /// | identity (managed), permissions boundary | 6,144 characters | not counted |
    /// | role trust policy | 2,048 characters (can be raised to 4,096) | not counted |
    /// | session policy | 2,048 characters | not counted |
    /// | SCP, RCP | 5,120 characters | counted |
    /// | VPC endpoint policy | 20,480 characters | counted |
    /// | resource policy of `s3`, `lambda`, `dynamodb`, `secretsmanager` | 20,480 | counted |
    /// | of `sqs` | 8,192 bytes | counted |
    /// | of `kms` (key policy) | 32,768 bytes | counted |
    ///
    /// A resource policy is measured against its service's quota when all its actions
    /// belong to one of those services; others are not checked. Inline identity policies
    /// count against a total per user (2,048), group (5,120) or role (10,240), which one
    /// file cannot show.
    ///
    /// ## Why is this bad?
    /// AWS refuses to store the policy (`LimitExceeded`, `MalformedPolicyDocument`), often
    /// only at deployment time.
    ///
    /// Covers Access Analyzer: `POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA`,
    /// `POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA`,
    /// `POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA`, `POLICY_SIZE_EXCEEDS_SCP_QUOTA`;
    /// iam-policy-validator: `policy_size_exceeded`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0001", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0002", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0003", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0004", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0005", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0006", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0007", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0008", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0009", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0010", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0011", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0012", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0013", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0014", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0015", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0016", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0017", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0018", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0019", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0020", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0021", "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-0022"]}, "Action": "sts:AssumeRole"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/a-very-long-role-name-for-the-first-deployment-pipeline-number-*"}}}]}
    /// ```
    pub PolicySizeQuota { code: "C210", name: "policy-size-quota", category: Correctness, severity: Error }
}

/// A quota: the limit, whether white space counts, whether it is in bytes, and what it is.
struct Quota {
    limit: usize,
    counts_white_space: bool,
    bytes: bool,
    what: &'static str,
    help: &'static str,
}

/// Resource-policy quotas by service prefix (each service's quota page).
const RESOURCE_QUOTAS: [(&str, usize, bool, &str); 6] = [
    ("s3", 20_480, true, "an S3 bucket policy"),
    ("lambda", 20_480, true, "a Lambda function policy"),
    ("dynamodb", 20_480, true, "a DynamoDB resource policy"),
    (
        "secretsmanager",
        20_480,
        false,
        "a Secrets Manager resource policy",
    ),
    ("sqs", 8_192, true, "an SQS queue policy"),
    ("kms", 32_768, true, "a KMS key policy"),
];

/// The one service all the policy's actions belong to, if any.
fn single_service(policy: &Policy) -> Option<String> {
    let mut service: Option<String> = None;
    for statement in &policy.statements {
        for action in statement.actions() {
            let (prefix, _) = action.node.split_once(':')?;
            if prefix.contains(['*', '?']) {
                return None;
            }
            let prefix = prefix.to_ascii_lowercase();
            match &service {
                Some(s) if *s != prefix => return None,
                Some(_) => {}
                None => service = Some(prefix),
            }
        }
    }
    service
}

fn quota(policy: &Policy) -> Option<Quota> {
    const SPLIT: &str =
        "split the statements over several policies, or shorten them with wildcards and conditions";
    Some(match policy.kind {
        PolicyKind::Identity | PolicyKind::Boundary => Quota {
            limit: 6_144,
            counts_white_space: false,
            bytes: false,
            what: "a managed policy",
            help: "split it into several managed policies (10 per role or user by default); an inline policy counts against the total of the role (10,240), group (5,120) or user (2,048)",
        },
        PolicyKind::Trust => Quota {
            limit: 2_048,
            counts_white_space: false,
            bytes: false,
            what: "a role trust policy by default",
            help: "ask for the quota increase to 4,096, or name an account and select principals with a condition",
        },
        PolicyKind::Session => Quota {
            limit: 2_048,
            counts_white_space: false,
            bytes: false,
            what: "a session policy",
            help: "pass managed policy ARNs (up to 10) instead of a long inline session policy",
        },
        PolicyKind::Scp | PolicyKind::Rcp => Quota {
            limit: 5_120,
            counts_white_space: true,
            bytes: false,
            what: if policy.kind == PolicyKind::Scp { "an SCP" } else { "an RCP" },
            help: "remove white space outside strings (AWS Organizations counts it), or split it: up to 5 policies can be attached to each root, OU and account",
        },
        PolicyKind::Endpoint => Quota {
            limit: 20_480,
            counts_white_space: true,
            bytes: false,
            what: "a VPC endpoint policy",
            help: SPLIT,
        },
        PolicyKind::Resource => {
            let service = single_service(policy)?;
            let (_, limit, bytes, what) = RESOURCE_QUOTAS
                .iter()
                .find(|(s, ..)| *s == service)
                .copied()?;
            Quota {
                limit,
                counts_white_space: true,
                bytes,
                what,
                help: SPLIT,
            }
        }
    })
}

/// The number of characters of the policy without white space: the length of its compact
/// JSON form (what the AST keeps of it, as `Policy::to_json` writes it), white space inside
/// strings left out too. Counted from the AST directly: this runs on every large policy.
fn compact_size(policy: &Policy) -> usize {
    let mut members = Vec::with_capacity(3);
    if let Some(v) = policy.version {
        members.push(member("Version", text_len(v.node.as_str())));
    }
    if let Some(id) = &policy.id {
        members.push(member("Id", text_len(&id.node)));
    }
    let statements: Vec<usize> = policy.statements.iter().map(statement_size).collect();
    members.push(member("Statement", container(&statements)));
    container(&members)
}

fn statement_size(st: &Statement) -> usize {
    let mut members = Vec::with_capacity(6);
    if let Some(sid) = &st.sid {
        members.push(member("Sid", text_len(&sid.node)));
    }
    if let Some(e) = st.effect {
        members.push(member("Effect", text_len(e.node.as_str())));
    }
    if let Some(p) = &st.principal {
        let key = if p.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        let value = match &p.value {
            Principal::Wildcard => text_len("*"),
            Principal::Map(entries) => {
                let sizes: Vec<usize> = entries
                    .iter()
                    .map(|e| member(e.kind.node.as_str(), list_size(&e.values)))
                    .collect();
                container(&sizes)
            }
        };
        members.push(member(key, value));
    }
    if let Some(a) = &st.action {
        let key = if a.negated { "NotAction" } else { "Action" };
        members.push(member(key, list_size(&a.items)));
    }
    if let Some(r) = &st.resource {
        let key = if r.negated { "NotResource" } else { "Resource" };
        members.push(member(key, list_size(&r.items)));
    }
    if let Some(c) = &st.condition {
        let operators: Vec<usize> = c
            .entries
            .iter()
            .map(|e| {
                let keys: Vec<usize> = e
                    .keys
                    .iter()
                    .map(|kv| {
                        let values: Vec<usize> =
                            kv.values.iter().map(|v| value_len(&v.node)).collect();
                        member(&kv.key.node, one_or_many(&values))
                    })
                    .collect();
                member(&e.operator.node.to_string(), container(&keys))
            })
            .collect();
        members.push(member("Condition", container(&operators)));
    }
    container(&members)
}

/// `"key":value`.
fn member(key: &str, value: usize) -> usize {
    text_len(key) + 1 + value
}

/// `{a,b}` or `[a,b]`.
fn container(items: &[usize]) -> usize {
    2 + items.iter().sum::<usize>() + items.len().saturating_sub(1)
}

/// A list of one is written as the value itself.
fn one_or_many(items: &[usize]) -> usize {
    match items {
        [one] => *one,
        _ => container(items),
    }
}

fn list_size(items: &[Node<String>]) -> usize {
    let sizes: Vec<usize> = items.iter().map(|i| text_len(&i.node)).collect();
    one_or_many(&sizes)
}

fn value_len(value: &ConditionValue) -> usize {
    match value {
        ConditionValue::String(s) => text_len(s),
        ConditionValue::Number(n) => n.chars().filter(|c| !c.is_whitespace()).count(),
        ConditionValue::Bool(true) => 4,
        ConditionValue::Bool(false) => 5,
    }
}

/// A string literal's characters, as JSON escapes it, without white space.
fn text_len(text: &str) -> usize {
    // Most strings are printable ASCII without quotes or backslashes: one character a byte.
    if text
        .bytes()
        .all(|b| b > b' ' && b < 0x7f && b != b'"' && b != b'\\')
    {
        return 2 + text.len();
    }
    2 + text
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if u32::from(c) < 0x20 => 6,
            c if c.is_whitespace() => 0,
            _ => 1,
        })
        .sum::<usize>()
}

/// `12345` as `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The policy's size as its quota counts it, its quota, and whether white space counts;
/// `None` when no quota applies. (For the fixes' size check: `fix::gate_unsafe_fixes`.)
pub(crate) fn measure(policy: &Policy) -> Option<(usize, usize, bool)> {
    let quota = quota(policy)?;
    let size = if quota.counts_white_space {
        policy.span.len()
    } else {
        compact_size(policy)
    };
    Some((size, quota.limit, quota.counts_white_space))
}

impl Rule for PolicySizeQuota {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        // The document's length in bytes bounds every count below: most policies stop here.
        let written = policy.span.len();
        let Some(quota) = quota(policy) else {
            return;
        };
        if written <= quota.limit {
            return;
        }
        let (size, how) = if quota.counts_white_space {
            (written, if quota.bytes { "bytes" } else { "characters" })
        } else {
            (compact_size(policy), "characters without white space")
        };
        if size <= quota.limit {
            return;
        }
        let unit = if quota.bytes { "bytes" } else { "characters" };
        let at = Span {
            start: policy.span.start,
            end: policy.span.start.saturating_add(1),
        };
        ctx.report(
            Self::META,
            at,
            format!(
                "the policy has {} {how}, more than the {} {unit} of {}",
                thousands(size),
                thousands(quota.limit),
                quota.what
            ),
        )
        .help(quota.help);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compact_size_counts_what_to_json_writes() {
        let text = r#"{"Version": "2012-10-17", "Id": "a b", "Statement": [
            {"Sid": "One", "Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:root"], "Service": "s3.amazonaws.com"},
             "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::a b/*", "arn:aws:s3:::q\"x\\y\n"],
             "Condition": {"StringEquals": {"aws:PrincipalTag/x": ["a", "b"], "s3:prefix": "p"}, "NumericLessThan": {"s3:max-keys": 10}, "Bool": {"aws:SecureTransport": true}}},
            {"Effect": "Deny", "NotPrincipal": "*", "NotAction": "iam:*", "NotResource": "*"}]}"#;
        let policy = policy_core::parse_policy(text, Some(policy_core::PolicyKind::Resource))
            .policy
            .unwrap();
        let json = serde_json::to_string(&policy.to_json()).unwrap();
        let expected = json.chars().filter(|c| !c.is_whitespace()).count();
        assert_eq!(super::compact_size(&policy), expected);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(6144), "6,144");
        assert_eq!(super::thousands(512), "512");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
