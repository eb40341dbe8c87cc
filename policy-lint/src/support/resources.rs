//! What a `Resource` entry covers: every resource of a type, every role.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use policy_core::service_ref::ServiceRef;

use crate::rules::util::split_arn;
use crate::support::matching::FxBuild;

/// Whether a `Resource` entry could name IAM roles: `*`, or an ARN of service `iam` (or a
/// wildcard) whose resource part starts with `role/` or a wildcard.
pub(crate) fn may_name_roles(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let parts = split_arn(text, 6);
    match parts.as_slice() {
        [_, _, service, _, _, resource] => {
            (*service == "iam" || service.starts_with('*'))
                && (resource.starts_with("role/") || resource.starts_with('*'))
        }
        _ => false,
    }
}

/// Whether a `Resource` entry names every role of an account or more (`*`,
/// `arn:aws:iam::111122223333:role/*`, `arn:aws:iam::*:role/*`).
pub(crate) fn is_every_role(text: &str) -> bool {
    text == "*" || (text.ends_with('*') && is_broad_resource(text) && may_name_roles(text))
}

/// Whether a `Resource` entry covers every resource of a type: `*`, or an ARN whose resource
/// part is `*`, or a resource-type prefix of the reference's ARN formats followed by `*`
/// (`arn:aws:iam::111122223333:role/*`, `arn:aws:lambda:*:*:function:*`; not
/// `arn:aws:s3:::bucket/*`, where `bucket` is a name).
pub(crate) fn is_broad_resource(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    if !text.ends_with('*') {
        return false;
    }
    let Some((service, resource)) = arn_service_and_resource(text) else {
        return text.starts_with('*');
    };
    if resource.starts_with('*') {
        return true;
    }
    let Some(cut) = resource.find(['/', ':']) else {
        return false;
    };
    let (prefix, rest) = resource.split_at(cut + 1);
    if rest != "*" {
        return false;
    }
    // The set is covariant in its key: look up with borrowed keys.
    let prefixes: &HashSet<(Ci<'_>, Ci<'_>), FxBuild> = type_prefixes();
    prefixes.contains(&(Ci(service), Ci(prefix)))
}

/// The service part and the resource part of an ARN (`arn:p:service:r:a:resource`), without
/// splitting a policy variable; `None` when it has fewer than six parts.
fn arn_service_and_resource(text: &str) -> Option<(&str, &str)> {
    if !text.contains("${") {
        let mut parts = text.splitn(6, ':');
        let service = parts.nth(2)?;
        let resource = parts.nth(2)?;
        return Some((service, resource));
    }
    let parts = split_arn(text, 6);
    match parts.as_slice() {
        [_, _, service, _, _, resource] => Some((service, resource)),
        _ => None,
    }
}

/// (ARN service part, resource-part prefix up to its first `/` or `:`) of every ARN format
/// of the reference that starts its resource part with a literal type (`iam`, `role/`).
fn type_prefixes() -> &'static HashSet<(Ci<'static>, Ci<'static>), FxBuild> {
    static PREFIXES: OnceLock<HashSet<(Ci<'static>, Ci<'static>), FxBuild>> = OnceLock::new();
    PREFIXES.get_or_init(|| {
        let mut out = HashSet::default();
        for service in ServiceRef::get().services() {
            for rt in service.resource_types() {
                let format: &'static str = rt.arn_format();
                let mut parts = format.splitn(6, ':');
                let (Some(arn_service), Some(resource)) = (parts.nth(2), parts.nth(2)) else {
                    continue;
                };
                let Some(cut) = resource.find(['/', ':']) else {
                    continue;
                };
                let prefix = resource.get(..=cut).unwrap_or_default();
                if prefix.is_empty() || prefix.contains('$') || arn_service.contains('$') {
                    continue;
                }
                out.insert((Ci(arn_service), Ci(prefix)));
            }
        }
        out
    })
}

/// A string compared and hashed ignoring ASCII case.
#[derive(Debug, Clone, Copy)]
struct Ci<'a>(&'a str);

impl PartialEq for Ci<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Ci<'_> {}

impl Hash for Ci<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut buf = [0u8; 32];
        for chunk in self.0.as_bytes().chunks(32) {
            let lower = buf.get_mut(..chunk.len()).unwrap_or_default();
            lower.copy_from_slice(chunk);
            lower.make_ascii_lowercase();
            state.write(lower);
        }
        state.write_u8(0xff);
    }
}
