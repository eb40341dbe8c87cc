//! The resources AWS authorizes for one action of one call: the last step of mapping.
//!
//! The map's templates ([`super::map`]) propose ARNs; this step keeps what AWS would really
//! authorize, per the Service Authorization Reference ("Actions, resources, and condition keys
//! for AWS services": each action lists the resource types it is authorized against, each type
//! with its ARN format):
//!
//! - **Well-formed ARNs only.** An ARN must fit one of the action's resource-type formats with
//!   every variable non-empty (`role//name`, `secret:` with nothing after, unfilled `${Param}`
//!   or `%%…%%` template parts never pass); a path variable (`${RoleNameWithPath}`) neither
//!   starts with `/` nor has an empty segment.
//! - **The event's own ARNs win.** ARNs the request names (`resources[]`, ARN-valued
//!   parameters at any depth) replace the templates' guesses for their type; then IDs the
//!   request names (EC2-style IDs by their prefix, `sg-…` → `security-group`; other values by
//!   a key named like the format's variable, at any depth, so `instancesSet.items[].imageId`
//!   is read where it is); then ARNs the response reports, with the parts the request did not
//!   name (assigned by AWS when the call created the resource) as `*`; then IDs only the
//!   response reports (created by the call: `instance/*`, as the EC2 User Guide's
//!   RunInstances examples write them).
//! - **Every required type, and only the types the call touched.** Types with a concrete
//!   resource are kept; a type the call needs but does not name is written as its format with
//!   `*` only in the unknown parts (the sole required type of an action; every type of
//!   [`ALL_OF`]); types the event does not point to are dropped once one type is known
//!   (tagging and other multi-type calls resolve to the type actually named).
//! - **Resources AWS owns** take AWS's form: Systems Manager documents whose names start with
//!   `AWS`/`Amazon`/`amzn` (customers cannot create such names: SSM API Reference,
//!   CreateDocument, `Name`) have an empty account; CloudFormation transforms belong to the
//!   account `aws`.

use regex::Regex;
use serde_json::Value;

/// Actions whose every listed resource type is authorized on each call, whether the request
/// names it or not, with the documentation that says so.
///
/// - `ec2:RunInstances`: "RunInstances requires an AMI and creates an instance … Launching
///   into a VPC requires a subnet, and creates a network interface. Launching from an Amazon
///   EBS-backed AMI creates a volume" (Amazon EC2 User Guide, Example policies to control
///   access the Amazon EC2 API, Launch instances (RunInstances)); the security group is the
///   default one when the request names none.
pub const ALL_OF: &[(&str, &[&str])] = &[(
    "ec2:RunInstances",
    &[
        "image",
        "instance",
        "network-interface",
        "security-group",
        "subnet",
        "volume",
    ],
)];

/// Services whose required resource types are all authorized on each call: AWS Glue's Data
/// Catalog is a hierarchy, and "to access a table, you must have access to the database and
/// the catalog it is in" (AWS Glue Developer Guide, Specifying AWS Glue resource ARNs, and
/// Granting access to Data Catalog resources).
pub const ALL_OF_SERVICES: &[&str] = &["glue"];

/// EC2-style resource IDs: the prefix, the service of the ARN and the resource word of its
/// format (`i-…` → `arn:…:ec2:…:instance/i-…`). From the Amazon EC2 API Reference's ID
/// parameters (`InstanceId` "i-…", `VolumeId` "vol-…", …) and the Service Authorization
/// Reference's ARN formats. Longer prefixes first.
const ID_PREFIXES: &[(&str, &str, &str)] = &[
    ("tgw-attach-", "ec2", "transit-gateway-attachment"),
    ("tgw-rtb-", "ec2", "transit-gateway-route-table"),
    ("vpce-svc-", "ec2", "vpc-endpoint-service"),
    ("eipalloc-", "ec2", "elastic-ip"),
    ("subnet-", "ec2", "subnet"),
    ("snap-", "ec2", "snapshot"),
    ("vpce-", "ec2", "vpc-endpoint"),
    ("eigw-", "ec2", "egress-only-internet-gateway"),
    ("dopt-", "ec2", "dhcp-options"),
    ("fleet-", "ec2", "fleet"),
    ("ami-", "ec2", "image"),
    ("aki-", "ec2", "image"),
    ("ari-", "ec2", "image"),
    ("vol-", "ec2", "volume"),
    ("sgr-", "ec2", "security-group-rule"),
    ("eni-", "ec2", "network-interface"),
    ("igw-", "ec2", "internet-gateway"),
    ("rtb-", "ec2", "route-table"),
    ("acl-", "ec2", "network-acl"),
    ("nat-", "ec2", "natgateway"),
    ("pcx-", "ec2", "vpc-peering-connection"),
    ("tgw-", "ec2", "transit-gateway"),
    ("vpc-", "ec2", "vpc"),
    ("cgw-", "ec2", "customer-gateway"),
    ("vgw-", "ec2", "vpn-gateway"),
    ("vpn-", "ec2", "vpn-connection"),
    ("key-", "ec2", "key-pair"),
    ("sir-", "ec2", "spot-instances-request"),
    ("sfr-", "ec2", "spot-fleet-request"),
    ("lt-", "ec2", "launch-template"),
    ("sg-", "ec2", "security-group"),
    ("fl-", "ec2", "vpc-flow-log"),
    ("pl-", "ec2", "prefix-list"),
    ("cr-", "ec2", "capacity-reservation"),
    ("mi-", "ssm", "managed-instance"),
    ("i-", "ec2", "instance"),
];

/// At most this many values are read from one call's parameters or response.
const MAX_VALUES: usize = 512;
/// At most this deep.
const MAX_DEPTH: usize = 16;

/// One resource type of an action, prepared for resolution.
#[derive(Debug)]
pub struct TypeSpec {
    /// The type's name (`instance`).
    pub name: &'static str,
    /// Its ARN format.
    pub format: &'static str,
    /// Whether the reference marks it required.
    pub required: bool,
    /// The format's own variables (not partition, region, account), in order.
    own: Vec<&'static str>,
    /// The format as a regex with one group per variable, in order.
    strict: Option<Regex>,
    /// Every variable of the format, in order (groups of `strict`).
    vars: Vec<&'static str>,
    /// The ARN's service and resource word (`ec2`, `instance`).
    service: &'static str,
    word: &'static str,
}

impl TypeSpec {
    /// Prepares a type.
    pub fn new(name: &'static str, format: &'static str, required: bool) -> Self {
        let vars = format_vars(format);
        let own = vars.iter().copied().filter(|v| !is_builtin(v)).collect();
        let mut parts = format.splitn(6, ':');
        let service = parts.nth(2).unwrap_or_default();
        let resource = parts.nth(2).unwrap_or_default();
        let word_end = resource.find(['/', ':', '$']).unwrap_or(resource.len());
        TypeSpec {
            name,
            format,
            required,
            own,
            strict: strict_regex(format),
            vars,
            service,
            word: resource.get(..word_end).unwrap_or_default(),
        }
    }

    /// The variables' values when `arn` (policy form) is a well-formed ARN of this type.
    fn captures<'t>(&self, arn: &'t str) -> Option<Vec<(&'static str, &'t str)>> {
        let caps = self.strict.as_ref()?.captures(arn)?;
        let mut out = Vec::with_capacity(self.vars.len());
        for (i, var) in self.vars.iter().enumerate() {
            let text = caps.get(i + 1).map_or("", |m| m.as_str());
            if !is_builtin(var) || *var == "Partition" {
                if text.is_empty() {
                    return None;
                }
                if var.ends_with("WithPath") && (text.starts_with('/') || text.contains("//")) {
                    return None;
                }
                // S3 bucket names have no `/` (S3 User Guide, Bucket naming rules).
                if *var == "BucketName" && text.contains('/') {
                    return None;
                }
            }
            out.push((*var, text));
        }
        Some(out)
    }

    /// Whether `arn` (policy form) is a well-formed ARN of this type.
    pub fn fits(&self, arn: &str) -> bool {
        is_clean(arn) && self.captures(arn).is_some()
    }

    /// Whether `arn` of this type leaves every own variable unknown (the whole type).
    fn is_whole(&self, arn: &str) -> bool {
        !self.own.is_empty()
            && self
                .captures(arn)
                .is_some_and(|c| c.iter().all(|(v, t)| is_builtin(v) || *t == "*"))
    }

    /// The format filled: builtins from the call, `values` for own variables, `*` for the
    /// rest.
    fn fill(&self, call: &CallScope<'_>, values: &[(&str, String)]) -> String {
        let mut out = String::with_capacity(self.format.len() + 32);
        let mut rest = self.format;
        while let Some(start) = rest.find("${") {
            out.push_str(rest.get(..start).unwrap_or_default());
            let after = rest.get(start + 2..).unwrap_or_default();
            let Some(end) = after.find('}') else {
                break;
            };
            let var = after.get(..end).unwrap_or_default();
            match var {
                "Partition" => out.push_str(call.partition),
                "Region" => out.push_str(call.region.unwrap_or("*")),
                "Account" => out.push_str(call.account.unwrap_or("*")),
                v => match values.iter().find(|(n, _)| *n == v) {
                    Some((_, text)) => out.push_str(&escape(text)),
                    None => out.push('*'),
                },
            }
            rest = after.get(end + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        out
    }
}

/// What resolution knows of the call besides its values.
#[derive(Debug, Clone, Copy)]
pub struct CallScope<'a> {
    /// The caller's partition.
    pub partition: &'a str,
    /// `awsRegion`.
    pub region: Option<&'a str>,
    /// The account the call was made in.
    pub account: Option<&'a str>,
}

/// What a call's event says, read once per call; the response only when a resource is not
/// known from the request (most calls never need it, and responses are large).
#[derive(Debug, Default)]
pub struct Evidence<'a> {
    /// ARNs the request names: `resources[]`, then ARN strings in the parameters.
    request_arns: Vec<String>,
    /// `(key, value)` of the parameters' scalar texts, any depth; keys normalised.
    request_values: Vec<(String, String)>,
    /// The response elements' JSON text.
    raw_response: Option<&'a str>,
    /// What the response names, read on first use.
    response: std::cell::OnceCell<ResponseEvidence>,
}

/// What a call's response names.
#[derive(Debug, Default)]
struct ResponseEvidence {
    /// ARN strings in the response.
    arns: Vec<String>,
    /// ID-like values that only the response names (created by the call).
    ids: Vec<String>,
}

impl<'a> Evidence<'a> {
    /// Reads the request's parts; keeps the response's text for later.
    pub fn read(resources: &[&str], params: Option<&Value>, raw_response: Option<&'a str>) -> Self {
        let mut ev = Evidence {
            raw_response,
            ..Evidence::default()
        };
        for r in resources {
            push_unique(&mut ev.request_arns, (*r).to_string());
        }
        let mut request_values = Vec::new();
        if let Some(p) = params {
            walk(p, "", 0, &mut request_values);
        }
        for (_, v) in &request_values {
            if v.starts_with("arn:") {
                push_unique(&mut ev.request_arns, v.clone());
            }
        }
        ev.request_values = request_values;
        ev
    }

    /// What the response names (read once).
    fn response(&self) -> &ResponseEvidence {
        self.response.get_or_init(|| {
            let mut out = ResponseEvidence::default();
            let value = self
                .raw_response
                .and_then(|r| serde_json::from_str::<Value>(r).ok());
            let mut values = Vec::new();
            if let Some(r) = &value {
                walk(r, "", 0, &mut values);
            }
            for (_, v) in values {
                if v.starts_with("arn:") {
                    push_unique(&mut out.arns, v);
                } else if id_type(&v).is_some() && !self.request_values.iter().any(|(_, r)| *r == v)
                {
                    push_unique(&mut out.ids, v);
                }
            }
            out
        })
    }

    /// Whether resolution read the response (then its result depends on it).
    pub fn used_response(&self) -> bool {
        self.response.get().is_some()
    }

    /// Whether the request names `text` (as a value, or inside one).
    fn request_names(&self, text: &str) -> bool {
        self.request_values.iter().any(|(_, v)| v.contains(text))
            || self.request_arns.iter().any(|a| a.contains(text))
    }

    /// Whether the request named anything at all.
    pub fn request_is_empty(&self) -> bool {
        self.request_values.is_empty() && self.request_arns.is_empty()
    }
}

/// The outcome for one action of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Resources in policy form.
    pub resources: Vec<String>,
    /// Whether some resource is a whole type (every part of its own unknown) and no type is
    /// known concretely: the call did not say what it acted on.
    pub whole: bool,
}

/// Resolves the resources of `action` for one call: `candidates` are the templates'
/// proposals (policy form).
pub fn resolve(
    action: &str,
    primary: bool,
    specs: &[TypeSpec],
    candidates: &[String],
    ev: &Evidence<'_>,
    call: &CallScope<'_>,
) -> Resolved {
    if specs.is_empty() {
        return Resolved {
            resources: vec!["*".to_string()],
            whole: false,
        };
    }
    let all_of: &[&str] = ALL_OF
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(action))
        .map_or(&[], |(_, types)| types);
    let mut per_type: Vec<Vec<String>> = vec![Vec::new(); specs.len()];
    let mut created: Vec<bool> = vec![false; specs.len()];
    for (i, spec) in specs.iter().enumerate() {
        let Some(slot) = per_type.get_mut(i) else {
            continue;
        };
        // A type with no variable of its own (`arn:…:glue:…:catalog`) is known.
        if spec.own.is_empty() {
            push_unique(slot, spec.fill(call, &[]));
            continue;
        }
        // 1. ARNs the request names: for the call's own action; for the other actions of a
        // call (CopyObject's `s3:GetObject` of the source) only where no template says which.
        let templated = candidates.iter().any(|c| spec.fits(c));
        for arn in ev.request_arns.iter().filter(|_| primary || !templated) {
            let policy = escape(arn);
            if spec.fits(&policy) {
                push_unique(slot, policy);
            }
        }
        if !slot.is_empty() {
            continue;
        }
        // 2. The templates' proposals that are well-formed, exact ones first; 3. the IDs the
        // request names when no proposal is exact.
        let mut whole: Vec<String> = Vec::new();
        let mut partial: Vec<String> = Vec::new();
        for c in candidates {
            if spec.fits(c) && !names_foreign_id(spec, c) {
                if spec.is_whole(c) {
                    push_unique(&mut whole, c.clone());
                } else if is_exact(c) {
                    push_unique(slot, c.clone());
                } else {
                    push_unique(&mut partial, c.clone());
                }
            }
        }
        if !slot.is_empty() {
            for p in partial {
                push_unique(slot, p);
            }
            continue;
        }
        let ids = ids_for(spec, &ev.request_values, call);
        if ids.iter().any(|a| is_exact(a)) || partial.is_empty() {
            slot.extend(ids);
        } else {
            slot.extend(partial);
        }
        if !slot.is_empty() {
            continue;
        }
        // 4. ARNs the response reports, with what the request did not name as `*`.
        for arn in &ev.response().arns {
            if let Some(policy) = created_form(spec, arn, ev) {
                push_unique(slot, policy);
            }
        }
        if !slot.is_empty() {
            continue;
        }
        // 5. IDs only the response names: created by the call, unknown when authorized.
        // Only for a type the action requires: an optional one (a security group rule of
        // AuthorizeSecurityGroupIngress, authorized when tagged on creation) is not asked for.
        if spec.required && ev.response().ids.iter().any(|id| id_fits(spec, id)) {
            push_unique(slot, spec.fill(call, &[]));
            if let Some(c) = created.get_mut(i) {
                *c = true;
            }
            continue;
        }
        slot.extend(whole);
    }
    let concrete: Vec<bool> = specs
        .iter()
        .zip(&per_type)
        .zip(&created)
        .map(|((spec, rs), made)| {
            !spec.own.is_empty() && (*made || rs.iter().any(|r| !spec.is_whole(r)))
        })
        .collect();
    let any_concrete = concrete.iter().any(|c| *c);
    let required: Vec<usize> = (0..specs.len())
        .filter(|i| specs.get(*i).is_some_and(|s| s.required))
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut whole = false;
    for (i, spec) in specs.iter().enumerate() {
        let rs = per_type.get(i).map(Vec::as_slice).unwrap_or_default();
        let is_concrete = concrete.get(i).copied().unwrap_or(false);
        let listed = all_of.iter().any(|t| t.eq_ignore_ascii_case(spec.name))
            || (spec.required && ALL_OF_SERVICES.contains(&spec.service));
        let sole_required = required.len() == 1 && required.first() == Some(&i);
        let keep = is_concrete
            || listed
            || (sole_required && !any_concrete)
            || (sole_required && !rs.is_empty())
            || (!any_concrete && !rs.is_empty());
        if !keep {
            continue;
        }
        if rs.is_empty() {
            if listed || sole_required {
                push_unique(&mut out, spec.fill(call, &[]));
                whole |= !listed;
            }
            continue;
        }
        let made = created.get(i).copied().unwrap_or(false);
        for r in rs {
            whole |= spec.is_whole(r) && !listed && !made;
            push_unique(&mut out, secret_form(spec, r, ev));
        }
    }
    if out.is_empty() {
        // Nothing the call names, no single required type: every required type (or every
        // type) with `*` for what is unknown.
        let pick: Vec<&TypeSpec> = if required.is_empty() {
            specs.iter().collect()
        } else {
            specs.iter().filter(|s| s.required).collect()
        };
        for s in pick {
            push_unique(&mut out, s.fill(call, &[]));
        }
        whole = true;
    }
    let mut resources: Vec<String> = out.into_iter().map(|r| aws_owned_form(&r)).collect();
    resources.dedup();
    Resolved {
        resources,
        whole: whole && !any_concrete,
    }
}

/// A secret named without its ARN: Secrets Manager appends `-` and six random characters to
/// the name in the secret's ARN, so a name matches as `name-??????` (Secrets Manager User
/// Guide, Permissions policy examples). An ARN the request named stays as it is.
fn secret_form(spec: &TypeSpec, resource: &str, ev: &Evidence<'_>) -> String {
    let is_secret = spec.service == "secretsmanager" && spec.word == "secret";
    if !is_secret
        || resource.ends_with('*')
        || resource.ends_with("-??????")
        || ev.request_arns.iter().any(|a| escape(a) == resource)
    {
        return resource.to_string();
    }
    format!("{resource}-??????")
}

/// The format of `spec` filled from IDs and keyed values of the request.
fn ids_for(spec: &TypeSpec, values: &[(String, String)], call: &CallScope<'_>) -> Vec<String> {
    let mut out = Vec::new();
    // EC2-style IDs, whatever their key.
    if let [one] = spec.own.as_slice() {
        for (_, v) in values {
            if id_fits(spec, v) {
                push_unique(&mut out, spec.fill(call, &[(one, v.clone())]));
            }
        }
        if !out.is_empty() {
            return out;
        }
    }
    // Values whose key is named like a variable (`imageId` for `${ImageId}`).
    let mut known: Vec<(&str, Vec<String>)> = Vec::new();
    for var in &spec.own {
        let keys = var_keys(var);
        let found: Vec<String> = values
            .iter()
            .filter(|(k, v)| {
                keys.contains(k)
                    && !v.is_empty()
                    && !v.starts_with("arn:")
                    && id_type(v).is_none_or(|_| id_fits(spec, v))
            })
            .map(|(_, v)| v.clone())
            .take(64)
            .collect();
        if !found.is_empty() {
            known.push((var, found));
        }
    }
    // A type named by one `${…Name}`: the request's `name` (CloudTrail writes the API's
    // `Name` parameter as `name`: CreateTrail, GetAccessPointPolicy, GetParameter, …).
    if let ([var], true) = (spec.own.as_slice(), known.is_empty() && spec.required) {
        if var.ends_with("Name") {
            let found: Vec<String> = values
                .iter()
                .filter(|(k, v)| k == "name" && !v.is_empty() && !v.starts_with("arn:"))
                .map(|(_, v)| v.clone())
                .take(64)
                .collect();
            if !found.is_empty() {
                known.push((var, found));
            }
        }
    }
    // Every variable of the type, or the values belong to another type (an object key is
    // not an access point's object without the access point).
    if known.is_empty() || known.len() < spec.own.len() {
        return out;
    }
    // A name with a path: the request's `path` (`/service-role/`) before the name (IAM API
    // Reference, CreateRole `Path`; the ARN is `role/service-role/name`).
    let path = values
        .iter()
        .find(|(k, _)| k == "path")
        .map(|(_, p)| p.trim_matches('/'))
        .filter(|p| !p.is_empty());
    if let Some(path) = path {
        for (var, vals) in &mut known {
            if var.ends_with("WithPath") {
                for v in vals.iter_mut() {
                    if !v.contains('/') {
                        *v = format!("{path}/{v}");
                    }
                }
            }
        }
    }
    // One ARN per combination, up to 64.
    let mut combos: Vec<Vec<(&str, String)>> = vec![Vec::new()];
    for (var, vals) in &known {
        let mut next = Vec::new();
        for base in &combos {
            for v in vals {
                if next.len() >= 64 {
                    break;
                }
                let mut b = base.clone();
                b.push((*var, v.clone()));
                next.push(b);
            }
        }
        combos = next;
    }
    for c in combos {
        let arn = spec.fill(call, &c);
        if spec.fits(&arn) {
            push_unique(&mut out, arn);
        }
    }
    out
}

/// A response ARN of `spec`'s type in policy form, with each variable the request did not
/// name (assigned when the call created the resource) cut at the longest part the request
/// named, then `*`.
fn created_form(spec: &TypeSpec, arn: &str, ev: &Evidence<'_>) -> Option<String> {
    let policy = escape(arn);
    if !spec.fits(&policy) {
        return None;
    }
    let caps = spec.captures(arn)?;
    let mut out = String::with_capacity(arn.len());
    let mut rest = spec.format;
    let mut values = caps.into_iter();
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + 2..).unwrap_or_default();
        let end = after.find('}')?;
        let (var, text) = values.next()?;
        if is_builtin(var) || ev.request_names(text) {
            out.push_str(&escape(text));
        } else {
            // The longest start of the value the request names, cut at a separator.
            let cut = text
                .char_indices()
                .filter(|(_, c)| matches!(c, '-' | '/' | ':' | '_' | '.'))
                .map(|(i, _)| i)
                .filter(|i| *i > 0 && text.get(..*i).is_some_and(|p| ev.request_names(p)))
                .max();
            if let Some(i) = cut {
                out.push_str(&escape(text.get(..=i).unwrap_or_default()));
            }
            out.push('*');
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    spec.fits(&out).then_some(out)
}

/// Whether an ARN of `spec`'s type holds an EC2-style ID of another type (`i-…` as a
/// managed instance).
fn names_foreign_id(spec: &TypeSpec, arn: &str) -> bool {
    spec.captures(arn).is_some_and(|caps| {
        caps.iter()
            .any(|(v, t)| !is_builtin(v) && id_type(t).is_some() && !id_fits(spec, t))
    })
}

/// Whether `id` is an EC2-style ID of `spec`'s type.
fn id_fits(spec: &TypeSpec, id: &str) -> bool {
    spec.own.len() == 1
        && id_type(id).is_some_and(|(service, word)| service == spec.service && word == spec.word)
}

/// The service and resource word of an EC2-style ID (`sg-0123abcd` → `ec2`, `security-group`).
fn id_type(id: &str) -> Option<(&'static str, &'static str)> {
    let (prefix, service, word) = ID_PREFIXES.iter().find(|(p, _, _)| id.starts_with(p))?;
    let rest = id.get(prefix.len()..)?;
    let shape = (8..=17).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric());
    shape.then_some((*service, *word))
}

/// AWS's form of ARNs of resources AWS owns.
fn aws_owned_form(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [a, partition, service, region, account, resource] = parts.as_slice() else {
        return arn.to_string();
    };
    let owned_document = *service == "ssm"
        && resource.strip_prefix("document/").is_some_and(|name| {
            let lower = name.to_ascii_lowercase();
            ["aws", "amazon", "amzn"]
                .iter()
                .any(|p| lower.starts_with(p))
        });
    if owned_document && !account.is_empty() {
        return format!("{a}:{partition}:{service}:{region}::{resource}");
    }
    // CloudFormation transforms (`AWS::Serverless-2016-10-31`) belong to the account `aws`
    // (CloudFormation User Guide, Template macros: "arn:aws:cloudformation:region:aws:transform/…").
    if *service == "cloudformation" && resource.starts_with("transform/") && *account != "aws" {
        return format!("{a}:{partition}:{service}:{region}:aws:{resource}");
    }
    arn.to_string()
}

/// Scalar texts of a JSON value with their keys (normalised), depth-first, bounded.
fn walk(v: &Value, key: &str, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > MAX_DEPTH || out.len() >= MAX_VALUES {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                walk(child, k, depth + 1, out);
            }
        }
        Value::Array(items) => {
            for child in items {
                walk(child, key, depth + 1, out);
            }
        }
        Value::String(s) if !s.is_empty() => out.push((normalize(key), s.clone())),
        Value::Number(n) => out.push((normalize(key), n.to_string())),
        _ => {}
    }
}

/// The parameter keys (normalised) that name a format variable's value: the variable's own
/// name, its plural, without `WithPath` (a name without a path: `roleName` for
/// `${RoleNameWithPath}`), and CloudTrail's S3 names (`bucketName`, `key`).
fn var_keys(var: &str) -> Vec<String> {
    let norm = normalize(var);
    let mut keys = vec![format!("{norm}s"), norm.clone()];
    for suffix in ["withpath", "withoutleadingslash"] {
        if let Some(base) = norm.strip_suffix(suffix) {
            keys.push(base.to_string());
            keys.push(format!("{base}s"));
        }
    }
    match norm.as_str() {
        "objectname" => keys.push("key".to_string()),
        "bucketname" => keys.push("bucket".to_string()),
        _ => {}
    }
    keys
}

/// A key or variable name compared loosely: lower case, letters and digits only.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn is_builtin(var: &str) -> bool {
    matches!(var, "Partition" | "Region" | "Account")
}

/// Whether a policy-form resource names one resource exactly (no wildcard outside the
/// escapes).
fn is_exact(resource: &str) -> bool {
    !resource
        .replace("${*}", "")
        .replace("${?}", "")
        .contains(['*', '?'])
}

/// No template left in the text: `${` only as the escapes `${*}`, `${?}`, `${$}`; no `%%`.
fn is_clean(text: &str) -> bool {
    if text.contains("%%") {
        return false;
    }
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let after = rest.get(i..).unwrap_or_default();
        if !(after.starts_with("${*}") || after.starts_with("${?}") || after.starts_with("${$}")) {
            return false;
        }
        rest = after.get(4..).unwrap_or_default();
    }
    true
}

/// The variable names of an ARN format (`BucketName`, …), built-ins included, in order.
pub(crate) fn format_vars(format: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            break;
        };
        out.push(after.get(..end).unwrap_or_default());
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out
}

/// The format as an anchored regex, one group per variable: own variables and the partition
/// match non-empty text, region and account may be empty (resources AWS owns).
fn strict_regex(format: &str) -> Option<Regex> {
    let mut pattern = String::from("(?s)^");
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        pattern.push_str(&regex::escape(rest.get(..start).unwrap_or_default()));
        let after = rest.get(start + 2..).unwrap_or_default();
        let end = after.find('}')?;
        let var = after.get(..end).unwrap_or_default();
        pattern.push_str(match var {
            "Region" | "Account" => "([^:]*)",
            "Partition" => "([^:]+)",
            // Lazy: a leading variable takes the least (`bucket` of `bucket/a/b`).
            _ => "(.+?)",
        });
        rest = after.get(end + 1..).unwrap_or_default();
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    Regex::new(&pattern).ok()
}

/// Escapes the characters a policy reads as wildcards or variables: `$` → `${$}`,
/// `*` → `${*}`, `?` → `${?}`.
pub fn escape(text: &str) -> String {
    if !text.contains(['$', '*', '?']) {
        return text.to_string();
    }
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '$' => s.push_str("${$}"),
            '*' => s.push_str("${*}"),
            '?' => s.push_str("${?}"),
            c => s.push(c),
        }
    }
    s
}

fn push_unique(out: &mut Vec<String>, s: String) {
    if !out.contains(&s) {
        out.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CALL: CallScope<'static> = CallScope {
        partition: "aws",
        region: Some("us-east-1"),
        account: Some("111122223333"),
    };

    fn specs(action: &str) -> Vec<TypeSpec> {
        let sr = policy_core::service_ref::ServiceRef::get();
        let a = sr.action(action).unwrap();
        a.resource_types()
            .map(|art| {
                let rt = art.resource_type();
                TypeSpec::new(rt.name(), rt.arn_format(), art.is_required())
            })
            .collect()
    }

    fn run(action: &str, params: &Value, response: &Value, candidates: &[&str]) -> Resolved {
        let raw = response.to_string();
        let ev = Evidence::read(&[], Some(params), Some(&raw));
        let cands: Vec<String> = candidates.iter().map(|s| (*s).to_string()).collect();
        resolve(action, true, &specs(action), &cands, &ev, &CALL)
    }

    #[test]
    fn run_instances_covers_every_type_it_needs() {
        // CloudTrail record shape: CloudTrail User Guide, "CloudTrail record contents"; the
        // EC2 query-style nesting of `instancesSet.items[]` as CloudTrail logs RunInstances.
        let params = json!({
            "instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": 1}]},
            "subnetId": "subnet-0123456789abcdef0",
            "groupSet": {"items": [{"groupId": "sg-0123456789abcdef0"}]}
        });
        let response = json!({"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0",
            "networkInterfaceSet": {"items": [{"networkInterfaceId": "eni-0123456789abcdef0"}]}}]}});
        let r = run("ec2:RunInstances", &params, &response, &[]);
        let want = [
            "arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890",
            "arn:aws:ec2:us-east-1:111122223333:instance/*",
            "arn:aws:ec2:us-east-1:111122223333:network-interface/*",
            "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:111122223333:volume/*",
        ];
        for w in want {
            assert!(r.resources.contains(&w.to_string()), "{w} missing in {r:?}");
        }
        assert_eq!(r.resources.len(), want.len(), "{r:?}");
        assert!(!r.whole);
    }

    #[test]
    fn malformed_candidates_never_pass() {
        let r = run(
            "iam:GetRole",
            &json!({"roleName": "app"}),
            &Value::Null,
            &["arn:aws:iam::111122223333:role//app"],
        );
        assert_eq!(r.resources, ["arn:aws:iam::111122223333:role/app"]);
        let r = run(
            "secretsmanager:GetSecretValue",
            &json!({}),
            &Value::Null,
            &[
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:",
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:${SecretId}",
            ],
        );
        assert_eq!(
            r.resources,
            ["arn:aws:secretsmanager:us-east-1:111122223333:secret:*"]
        );
        assert!(r.whole);
    }

    #[test]
    fn request_ids_pick_the_type_of_multi_type_calls() {
        // ssm:StartSession lists document, instance, managed-instance and task; the target
        // is an instance ID.
        let r = run(
            "ssm:StartSession",
            &json!({"target": "i-0123456789abcdef0"}),
            &json!({"sessionId": "me-0abc"}),
            &["arn:aws:ecs:us-east-1:111122223333:task/*"],
        );
        assert_eq!(
            r.resources,
            ["arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"]
        );
        // A flow log ID nested as EC2's XML-style request logs it.
        let r = run(
            "ec2:DeleteFlowLogs",
            &json!({"DeleteFlowLogsRequest": {"FlowLogId": {"content": "fl-0e17aa62a21d4bbfe", "tag": 1}}}),
            &Value::Null,
            &["arn:aws:ec2:us-east-1:111122223333:vpc-flow-log/*"],
        );
        assert_eq!(
            r.resources,
            ["arn:aws:ec2:us-east-1:111122223333:vpc-flow-log/fl-0e17aa62a21d4bbfe"]
        );
    }

    #[test]
    fn response_arns_keep_only_what_the_request_named() {
        let r = run(
            "cloudformation:CreateStack",
            &json!({"stackName": "web"}),
            &json!({"stackId": "arn:aws:cloudformation:us-east-1:111122223333:stack/web/0a1b2c3d-0000-1111-2222-333344445555"}),
            &[],
        );
        assert_eq!(
            r.resources,
            ["arn:aws:cloudformation:us-east-1:111122223333:stack/web/*"]
        );
    }

    #[test]
    fn aws_owned_resources_take_aws_form() {
        assert_eq!(
            aws_owned_form("arn:aws:ssm:us-east-1:111122223333:document/AWS-RunShellScript"),
            "arn:aws:ssm:us-east-1::document/AWS-RunShellScript"
        );
        assert_eq!(
            aws_owned_form(
                "arn:aws:ssm:us-east-1:111122223333:document/SSM-SessionManagerRunShell"
            ),
            "arn:aws:ssm:us-east-1:111122223333:document/SSM-SessionManagerRunShell"
        );
        assert_eq!(
            aws_owned_form(
                "arn:aws:cloudformation:us-east-1:111122223333:transform/Serverless-2016-10-31"
            ),
            "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31"
        );
    }

    #[test]
    fn ids_need_their_shape() {
        assert_eq!(id_type("i-0123456789abcdef0"), Some(("ec2", "instance")));
        assert_eq!(id_type("sg-12345678"), Some(("ec2", "security-group")));
        assert_eq!(id_type("i-am-not"), None);
        assert_eq!(id_type("subnet-"), None);
    }
}
