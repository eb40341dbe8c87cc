//! The independent check of generated policies: does a policy still allow every successful call
//! that was recorded?
//!
//! The generator derives actions and resources from each CloudTrail event through the SDK→IAM
//! map and its templates. A check that reused that derivation would share its mistakes, so this
//! module builds the requests of each call by a separate and simpler path, and evaluates them
//! with the evaluator of `policy_core`. It imports nothing from the derivation it checks
//! (`mapping`, `map`, `emit`, `tighten`); it uses the reader ([`super::cloudtrail`]), the
//! principal grouping and selection of [`super::aggregate`], and `policy_core`.
//!
//! - **Action**: the IAM action named like the event. The event source's host gives the service
//!   prefix (its first label, or one of a few documented exceptions: `monitoring` →
//!   `cloudwatch`), the event name gives the action (with an API-version suffix such as
//!   Lambda's `20150331v2` removed when the name is not an action as it stands), and a small
//!   documented table covers calls whose action has another name (`HeadObject` →
//!   `s3:GetObject`). A call whose action the IAM reference does not have is unchecked
//!   ([`NO_ACTION`]).
//! - **Resources**: only the event's own ARNs and IDs: `resources[].ARN`, ARN strings anywhere
//!   in `requestParameters` or `responseElements`, and, for each resource type of the action,
//!   its ARN format from the IAM reference filled when every variable other than `${Partition}`,
//!   `${Region}` and `${Account}` has exactly one value in the event (under a key equal to the
//!   variable's name ignoring case, at any depth, EC2's `instancesSet.items[]` shapes
//!   included); region and account come from the event (`awsRegion`, `recipientAccountId` or
//!   the caller's account), and a format's own empty region or account stays empty. Only
//!   concrete ARNs (no wildcard) that match a resource type of the action make requests. The
//!   request side (parameters, `resources[]`) comes first; the response counts for a required
//!   resource type the request names nothing of (it reports what the call created), or for an
//!   action with optional types only when the request names nothing at all. An action without
//!   resource types is checked on `*`.
//! - A call with no concrete resource for its action is unchecked ([`NOT_CONCRETE`]). A call
//!   with concrete resources for some of its required types only is checked on those, and
//!   counted as `partial` when it passes (the IAM reference does not say which required types
//!   are alternatives, such as Bedrock's model types, and which all apply, such as
//!   `ec2:RunInstances`'s).
//! - **Context**: what the event gives: `aws:RequestedRegion`, `aws:SourceIp` (when the source
//!   is an IP address), `aws:CurrentTime` and `aws:EpochTime`, `aws:MultiFactorAuthPresent`,
//!   `aws:ViaAWSService`, and `aws:PrincipalArn` (the session issuer's ARN, with its path); the
//!   request's principal is the caller's own ARN (a role session, a user).
//!
//! Only successful API calls count: `eventType` `AwsApiCall` (or absent) and no `errorCode`;
//! failed and denied calls are not checked and not counted. [`Collector`] gathers the calls
//! during the same read as the generator ([`super::read_activity_and_requests`]), one per
//! reading thread, merged like the aggregator. Identical calls (same caller, source, name,
//! parameters, response, resources and context; the time aside) are kept once with a count,
//! keyed by a hash of their raw text before any parsing, so that repeated calls cost little;
//! past a cap of distinct calls, calls are counted as unchecked ([`OVER_CAP`]). Which calls are
//! kept depends only on the calls, not on the order or thread that read them (the smallest
//! keys are kept), so the result is deterministic.
//!
//! [`check`] evaluates every call of a principal against its identity policies (the given
//! policies are the only ones: no SCP, boundary or session policy; a resource policy that must
//! also allow, such as a role trust policy or a key policy, is taken to allow); [`compare`]
//! checks that a new policy set allows every request an original set allows.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use policy_core::ast::{Policy, PolicyKind};
use policy_core::eval::{CompiledPolicy, Decision, PolicySet, PolicyType};
use policy_core::parse::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::service_ref::{Action, ActionResourceType, ResourceType, ServiceRef};
use serde::Serialize;
use serde_json::Value;

use super::aggregate::{normalize_time, principal_matches, principal_of, Selection};
use super::cloudtrail::{Event, InputProblem, InputStats, Position, Sink};
use super::scoped::ActionScoped;

/// Unchecked: the IAM reference has no action named like the call.
pub const NO_ACTION: &str = "no action of this name";
/// Unchecked: the event names no concrete resource of a type the action authorizes.
pub const NOT_CONCRETE: &str = "resource not concrete";
/// Unchecked: the call came after the cap of distinct calls was reached.
pub const OVER_CAP: &str = "over cap";
/// Unchecked: neither the caller nor its principal is an ARN the evaluator reads.
pub const NOT_A_PRINCIPAL: &str = "caller not a principal";
/// Unchecked: the request parameters or response elements could not be read (too deep).
pub const UNREADABLE: &str = "parameters not readable";
/// Unchecked by [`compare`]: the original policies allow none of the call's requests.
pub const NOT_IN_ORIGINAL: &str = "not allowed by the original";

/// Distinct calls kept by default (all principals together).
pub const DEFAULT_CAP: usize = 100_000;

/// Failures listed in a report (the rest are counted in `failedOmitted`).
pub const FAILURE_CAP: usize = 1000;

/// ARN strings kept per event side (parameters, response): enough for any real call, and a
/// bound for pathological ones.
const ARN_CAP: usize = 1000;

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/// Event sources whose host's first label is not the service prefix of the Service
/// Authorization Reference (SAR).
const SOURCE_PREFIXES: [(&str, &str); 4] = [
    // CloudWatch's API endpoint is `monitoring.<region>.amazonaws.com`; SAR: "Amazon
    // CloudWatch (service prefix: cloudwatch)".
    ("monitoring", "cloudwatch"),
    // Amazon SES's API endpoint is `email.<region>.amazonaws.com`; SAR: "Amazon SES (service
    // prefix: ses)".
    ("email", "ses"),
    // Bedrock's runtime API (`InvokeModel`, `Converse`) is served by
    // `bedrock-runtime.<region>.amazonaws.com`; SAR: "Amazon Bedrock (service prefix: bedrock)".
    ("bedrock-runtime", "bedrock"),
    // The Resource Groups Tagging API's endpoint is `tagging.<region>.amazonaws.com`; SAR:
    // "Amazon Resource Group Tagging API (service prefix: tag)".
    ("tagging", "tag"),
];

/// Calls whose IAM action has another name: (service prefix, event name, action).
const RENAMED: [(&str, &str, &str); 7] = [
    // S3 API reference, ListObjectsV2: "You must have permission to perform the s3:ListBucket
    // action."; the same page: "For backward compatibility, Amazon S3 continues to support the
    // prior version of this API, ListObjects."
    ("s3", "ListObjects", "s3:ListBucket"),
    ("s3", "ListObjectsV2", "s3:ListBucket"),
    // S3 API reference, HeadBucket: "To use this operation, you must have permissions to
    // perform the s3:ListBucket action."
    ("s3", "HeadBucket", "s3:ListBucket"),
    // S3 API reference, HeadObject: "To use HEAD, you must have the s3:GetObject permission."
    ("s3", "HeadObject", "s3:GetObject"),
    // S3 API reference, ListObjectVersions: "To use this operation, you must have permission
    // to perform the s3:ListBucketVersions action. Be aware of the name difference."
    ("s3", "ListObjectVersions", "s3:ListBucketVersions"),
    // S3 API reference, ListBuckets: "To use this operation, you must have the
    // s3:ListAllMyBuckets permission."
    ("s3", "ListBuckets", "s3:ListAllMyBuckets"),
    // Lambda API reference, Invoke (CloudTrail's data event name): "This operation requires
    // permission for the lambda:InvokeFunction action."
    ("lambda", "Invoke", "lambda:InvokeFunction"),
];

/// The service prefix of an event source: the host's first label, or a documented exception.
fn service_prefix(source: &str) -> &str {
    let host = source.split('.').next().unwrap_or(source);
    SOURCE_PREFIXES
        .iter()
        .find(|(h, _)| *h == host)
        .map_or(host, |(_, p)| *p)
}

/// An event name without an API-version suffix: `UpdateFunctionCode20150331v2` →
/// `UpdateFunctionCode`, `CreateDistribution2020_05_31` → `CreateDistribution`. `None` when the
/// name has no such suffix.
fn strip_version(name: &str) -> Option<&str> {
    let base = match name.rfind('v') {
        Some(i)
            if name
                .get(i + 1..)
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) =>
        {
            name.get(..i)?
        }
        _ => name,
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let n = base.len();
    // `YYYYMMDD`
    if n > 8 {
        if let (Some(head), Some(tail)) = (base.get(..n - 8), base.get(n - 8..)) {
            if digits(tail) && !head.ends_with(|c: char| c.is_ascii_digit()) {
                return Some(head);
            }
        }
    }
    // `YYYY_MM_DD`
    if n > 10 {
        if let (Some(head), Some(tail)) = (base.get(..n - 10), base.get(n - 10..)) {
            let parts: Vec<&str> = tail.split('_').collect();
            if let [y, m, d] = parts.as_slice() {
                if y.len() == 4
                    && m.len() == 2
                    && d.len() == 2
                    && digits(y)
                    && digits(m)
                    && digits(d)
                {
                    return Some(head);
                }
            }
        }
    }
    None
}

/// The IAM action of a call, if the reference has it.
fn action_for(source: &str, name: &str) -> Option<Action<'static>> {
    let sr = ServiceRef::get();
    let prefix = service_prefix(source);
    if let Some((_, _, action)) = RENAMED
        .iter()
        .find(|(p, n, _)| *p == prefix && n.eq_ignore_ascii_case(name))
    {
        return sr.action(action);
    }
    sr.action(&format!("{prefix}:{name}")).or_else(|| {
        let stripped = strip_version(name)?;
        sr.action(&format!("{prefix}:{stripped}"))
    })
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/// The values seen under one key: none, exactly one, or several.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    One(String),
    Many,
}

/// What one side of an event (its parameters, or its response) names.
#[derive(Debug, Default)]
struct Side {
    /// ARN strings, anywhere.
    arns: BTreeSet<String>,
    /// Scalar values by lower-cased key, at any depth.
    values: HashMap<String, Seen>,
}

impl Side {
    fn read(raw: Option<&serde_json::value::RawValue>) -> Result<Side, serde_json::Error> {
        let mut side = Side::default();
        if let Some(raw) = raw {
            let value: Value = serde_json::from_str(raw.get())?;
            side.walk(&value, None);
        }
        Ok(side)
    }

    fn add(&mut self, key: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let key = key.to_ascii_lowercase();
        match self.values.get_mut(&key) {
            None => {
                self.values.insert(key, Seen::One(value.to_string()));
            }
            Some(Seen::One(v)) if v != value => {
                self.values.insert(key, Seen::Many);
            }
            Some(_) => {}
        }
    }

    /// Walks a JSON value; `key` is the key it is under (an array's items are under the
    /// array's key).
    fn walk(&mut self, value: &Value, key: Option<&str>) {
        match value {
            Value::String(s) => {
                if is_arn(s) && self.arns.len() < ARN_CAP {
                    self.arns.insert(s.clone());
                }
                if let Some(k) = key {
                    self.add(k, s);
                }
            }
            Value::Number(n) => {
                if let Some(k) = key {
                    self.add(k, &n.to_string());
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item, key);
                }
            }
            Value::Object(map) => {
                // EC2's query-API shapes write a value as `{"content": "fl-…", "tag": 1}`.
                if let (Some(k), Some(Value::String(content))) = (key, map.get("content")) {
                    self.add(k, content);
                }
                for (k, v) in map {
                    self.walk(v, Some(k));
                }
            }
            Value::Bool(_) | Value::Null => {}
        }
    }

    fn value(&self, format: &str, variable: &str) -> Option<&Seen> {
        let lower = variable.to_ascii_lowercase();
        if let Some(seen) = self.values.get(&lower) {
            return Some(seen);
        }
        // A list of one (`instanceIds: ["i-…"]`).
        if let Some(seen) = self.values.get(&format!("{lower}s")) {
            return Some(seen);
        }
        // An IAM name without a path: the entity's ARN when it has the default path `/`
        // (IAM User Guide, IAM identifiers: `arn:aws:iam::account:role/path/name`).
        if let Some(base) = lower.strip_suffix("withpath") {
            if !self.values.contains_key("path") {
                return self.values.get(base);
            }
        }
        VARIABLE_KEYS
            .iter()
            .find(|(part, var, _)| format.contains(part) && var.eq_ignore_ascii_case(variable))
            .and_then(|(_, _, key)| self.values.get(*key))
    }
}

/// Request keys that name a variable of one ARN format under another name (the format by a
/// part of it), each as the API reference names the parameter.
const VARIABLE_KEYS: &[(&str, &str, &str)] = &[
    // EC2 API Reference, AuthorizeSecurityGroupIngress and others: `GroupId`, "the ID of the
    // security group".
    (":security-group/", "SecurityGroupId", "groupid"),
    // EC2 API Reference, DeleteFlowLogs: `FlowLogId.N`, "one or more flow log IDs".
    (":vpc-flow-log/", "VpcFlowLogId", "flowlogid"),
    // CloudTrail API Reference, DeleteTrail / StopLogging / StartLogging: `Name`, "the name or
    // the CloudTrail ARN of the trail".
    (":cloudtrail:", "TrailName", "name"),
    // RDS API Reference, ModifyDBSnapshotAttribute: `DBSnapshotIdentifier`.
    (":rds:", "DbSnapshotName", "dbsnapshotidentifier"),
    // Systems Manager API Reference, StartSession: `Target`, "the managed node to connect to"
    // (an EC2 instance ID).
    (
        ":ec2:${Region}:${Account}:instance/",
        "InstanceId",
        "target",
    ),
    // Bedrock Runtime API Reference, InvokeModel: `modelId`, "the unique identifier of the
    // model" (a foundation model's ID is its ARN's last part).
    (":foundation-model/", "ResourceId", "modelid"),
];

/// Whether text is an ARN (six colon-separated parts, the first `arn`).
fn is_arn(text: &str) -> bool {
    text.len() <= 2048 && text.starts_with("arn:") && text.splitn(6, ':').count() == 6
}

/// Whether an ARN names one resource: no wildcard, no policy variable.
fn is_concrete(arn: &str) -> bool {
    !arn.contains(['*', '?']) && !arn.contains("${")
}

/// Values that name a resource whose ARN the value alone does not give.
fn is_partial_id(service: &str, variable: &str, value: &str) -> bool {
    match (service, variable) {
        // Secrets Manager API reference, CreateSecret, `Name`: "Secrets Manager automatically
        // adds a hyphen and six random characters after the secret name at the end of the
        // ARN." A secret named by its name alone has an ARN the event does not give (a full
        // ARN is read as an ARN).
        ("secretsmanager", "SecretId") => true,
        // SSM API reference, CreateDocument, `Name`: "You can't use the following strings as
        // document name prefixes. These are reserved by Amazon Web Services for use as
        // document name prefixes: aws, amazon, amzn". Such a document is AWS's, not in the
        // caller's account.
        ("ssm", "DocumentName") => {
            let lower = value.to_ascii_lowercase();
            ["aws", "amazon", "amzn"]
                .iter()
                .any(|p| lower.starts_with(p))
        }
        // Systems Manager User Guide, managed nodes: a node that is not an EC2 instance has an
        // ID starting `mi-`; an EC2 instance ID (`i-…`) names an `ec2` instance, not a
        // `managed-instance`.
        ("ssm", "InstanceId") => value.starts_with("i-"),
        // KMS API reference, `KeyId`: "To specify a KMS key, use its key ID, key ARN, alias
        // name, or alias ARN"; an alias (`alias/…`) is not the key's ID.
        ("kms", "KeyId") => value.starts_with("alias/"),
        _ => false,
    }
}

/// Which sides of the event a format may be filled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Request,
    RequestThenResponse,
}

/// What an event gives to build its requests.
#[derive(Debug)]
struct Facts {
    partition: String,
    region: Option<String>,
    account: Option<String>,
    /// `resources[].ARN`.
    listed: Vec<String>,
    request: Side,
    response: Side,
}

impl Facts {
    fn read(event: &Event<'_>) -> Result<Facts, serde_json::Error> {
        let identity = event.user_identity.as_ref();
        let caller = identity.and_then(|i| i.arn.as_deref()).unwrap_or_default();
        let region = event
            .aws_region
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let partition = caller
            .split(':')
            .nth(1)
            .filter(|p| caller.starts_with("arn:") && !p.is_empty())
            .map_or_else(
                || partition_of_region(region.as_deref()).to_string(),
                str::to_string,
            );
        let account = event
            .recipient_account_id
            .as_deref()
            .or_else(|| identity.and_then(|i| i.account_id.as_deref()))
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        Ok(Facts {
            partition,
            region,
            account,
            listed: event
                .resources
                .iter()
                .flatten()
                .filter_map(|r| r.arn.as_deref())
                .filter(|a| is_arn(a))
                .map(str::to_string)
                .collect(),
            request: Side::read(event.request_parameters)?,
            response: Side::read(event.response_elements)?,
        })
    }

    /// The one value of a variable, from the request, or (for `RequestThenResponse`) from the
    /// response when the request has none.
    fn value(&self, format: &str, variable: &str, layer: Layer) -> Option<&str> {
        let seen = match (self.request.value(format, variable), layer) {
            (Some(s), _) => s,
            (None, Layer::RequestThenResponse) => self.response.value(format, variable)?,
            (None, Layer::Request) => return None,
        };
        match seen {
            Seen::One(v)
                if !v.starts_with("arn:")
                    && is_concrete(v)
                    && !is_partial_id(
                        format.split(':').nth(2).unwrap_or_default(),
                        variable,
                        v,
                    ) =>
            {
                Some(v)
            }
            _ => None,
        }
    }

    /// A resource type's ARN format filled from the event; `None` when a variable has no single
    /// value, or when the format has no variable of its own (it would name nothing the event
    /// gave).
    fn fill(&self, format: &str, layer: Layer) -> Option<String> {
        let mut out = String::with_capacity(format.len() + 32);
        let mut rest = format;
        let mut named = 0;
        while let Some(start) = rest.find("${") {
            out.push_str(rest.get(..start)?);
            let after = rest.get(start + 2..)?;
            let end = after.find('}')?;
            let variable = after.get(..end)?;
            // The account segment is the fifth: `${AccountId}` there is the account (Chime,
            // DataSync), elsewhere an ID of its own (`organizations` accounts).
            let in_account = out.matches(':').count() == 4
                && after.get(end + 1..).is_some_and(|r| r.starts_with(':'))
                && out.ends_with(':');
            let value = match variable {
                "Partition" => self.partition.as_str(),
                "Region" => self.region.as_deref()?,
                "Account" => self.account.as_deref()?,
                "AccountId" if in_account => self.account.as_deref()?,
                _ => {
                    named += 1;
                    self.value(format, variable, layer)?
                }
            };
            out.push_str(value);
            rest = after.get(end + 1..)?;
        }
        out.push_str(rest);
        (named > 0).then_some(out)
    }
}

/// The partition of a region, when the caller's ARN does not say.
fn partition_of_region(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    }
}

/// The concrete ARNs of an event that fit a resource type.
fn fitting<'a>(
    arns: impl Iterator<Item = &'a String>,
    resource_type: ResourceType<'_>,
) -> BTreeSet<String> {
    arns.filter(|a| is_concrete(a) && resource_type.matches_arn(a))
        .cloned()
        .collect()
}

/// The concrete resources of a call for its action, and whether some required resource type
/// got none.
fn resources_of(action: Action<'static>, facts: &Facts) -> (BTreeSet<String>, bool) {
    let types: Vec<_> = action.resource_types().collect();
    let has_required = types.iter().any(ActionResourceType::is_required);
    let filled = |rt: ResourceType<'_>, layer: Layer| {
        facts
            .fill(rt.arn_format(), layer)
            .filter(|a| is_concrete(a) && rt.matches_arn(a))
    };
    let mut found: Vec<BTreeSet<String>> = types
        .iter()
        .map(|t| {
            let rt = t.resource_type();
            let mut set = fitting(facts.listed.iter().chain(&facts.request.arns), rt);
            // An ARN the event names is the resource; a value named like the variable is read
            // only when there is none (a KMS `keyId` may be an alias while `resources[]`
            // names the key).
            if set.is_empty() {
                set.extend(filled(rt, Layer::Request));
            }
            set
        })
        .collect();
    let request_named_nothing = found.iter().all(BTreeSet::is_empty);
    for (t, set) in types.iter().zip(found.iter_mut()) {
        if set.is_empty() && (t.is_required() || (!has_required && request_named_nothing)) {
            let rt = t.resource_type();
            set.extend(fitting(facts.response.arns.iter(), rt));
            set.extend(filled(rt, Layer::RequestThenResponse));
        }
    }
    let missing_required = types
        .iter()
        .zip(&found)
        .any(|(t, set)| t.is_required() && set.is_empty());
    (found.into_iter().flatten().collect(), missing_required)
}

// ---------------------------------------------------------------------------------------------
// Recorded calls
// ---------------------------------------------------------------------------------------------

/// Where a call was recorded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventAt {
    /// The input's name.
    pub file: String,
    /// 1-based index of the record in its input.
    pub record: u64,
    /// Byte offset of the record (in the decompressed stream).
    pub offset: u64,
}

impl EventAt {
    fn new(at: Position<'_>) -> Self {
        EventAt {
            file: at.file.to_string(),
            record: at.record,
            offset: at.offset,
        }
    }

    fn is_before(&self, at: &Position<'_>) -> bool {
        (self.file.as_str(), self.record) <= (at.file, at.record)
    }
}

impl fmt::Display for EventAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: record #{} at byte {}",
            self.file, self.record, self.offset
        )
    }
}

/// What to check for a call: its requests, or why it cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallPlan {
    /// One request per resource, all with the same action.
    Requests {
        /// `service:Action`.
        action: String,
        /// Concrete ARNs (or `*` for an action without resource types), sorted.
        resources: Vec<String>,
        /// Whether some required resource type of the action has no concrete ARN.
        partial: bool,
    },
    /// Why the call is unchecked (one of the reason constants of this module).
    Unchecked(&'static str),
}

/// The request context an event gives (the time aside: see [`RecordedCall::time`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct CallContext {
    region: Option<String>,
    source_ip: Option<String>,
    mfa: Option<bool>,
    via_service: bool,
    principal_arn: Option<String>,
}

/// One distinct recorded call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    /// The caller's own ARN (a role session, a user).
    pub caller: String,
    /// `eventSource eventName`.
    pub call: String,
    /// Where the call was first recorded (smallest input name, then record index).
    pub at: EventAt,
    /// How many identical calls were recorded.
    pub count: u64,
    /// The earliest `eventTime` of those calls.
    pub time: Option<String>,
    /// What to check.
    pub plan: CallPlan,
    context: CallContext,
}

impl RecordedCall {
    fn from_event(event: &Event<'_>, at: Position<'_>, group: &str) -> Self {
        let source = event.event_source.as_deref().unwrap_or_default();
        let name = event.event_name.as_deref().unwrap_or_default();
        let identity = event.user_identity.as_ref();
        let caller = identity
            .and_then(|i| i.arn.as_deref())
            .unwrap_or_default()
            .to_string();
        let session = identity.and_then(|i| i.session_context.as_ref());
        let context = CallContext {
            region: event.aws_region.as_deref().map(str::to_string),
            source_ip: event
                .source_ip_address
                .as_deref()
                .filter(|s| s.parse::<std::net::IpAddr>().is_ok())
                .map(str::to_string),
            mfa: session
                .and_then(|s| s.attributes.as_ref())
                .and_then(|a| a.mfa_authenticated.as_deref())
                .and_then(|m| m.parse().ok()),
            via_service: identity.and_then(|i| i.invoked_by.as_deref()).is_some(),
            principal_arn: session
                .and_then(|s| s.session_issuer.as_ref())
                .and_then(|i| i.arn.as_deref())
                .filter(|a| a.contains(":role/"))
                .map(str::to_string),
        };
        RecordedCall {
            plan: plan(event, &caller, group),
            caller,
            call: format!("{source} {name}"),
            at: EventAt::new(at),
            count: 1,
            time: event.event_time.as_deref().map(str::to_string),
            context,
        }
    }

    /// Joins the same call as seen by another reading thread.
    fn absorb(&mut self, other: RecordedCall) {
        self.count += other.count;
        if other.at < self.at {
            self.at = other.at;
        }
        self.see_time(other.time.as_deref());
    }

    /// Keeps the earliest time.
    fn see_time(&mut self, time: Option<&str>) {
        if let Some(t) = time {
            if self.time.as_deref().is_none_or(|mine| t < mine) {
                self.time = Some(t.to_string());
            }
        }
    }

    /// The request context of the call.
    fn request_context(&self) -> Context {
        let c = &self.context;
        let mut ctx = Context::new();
        if let Some(r) = &c.region {
            ctx.insert("aws:RequestedRegion", vec![r.clone()]);
        }
        if let Some(ip) = &c.source_ip {
            ctx.insert("aws:SourceIp", vec![ip.clone()]);
        }
        if let Some(t) = &self.time {
            ctx.insert("aws:CurrentTime", vec![t.clone()]);
            if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
                ctx.insert("aws:EpochTime", vec![dt.timestamp().to_string()]);
            }
        }
        if let Some(m) = c.mfa {
            ctx.insert("aws:MultiFactorAuthPresent", vec![m.to_string()]);
        }
        ctx.insert("aws:ViaAWSService", vec![c.via_service.to_string()]);
        if let Some(p) = &c.principal_arn {
            ctx.insert("aws:PrincipalArn", vec![p.clone()]);
        }
        ctx
    }
}

/// The requests of a call, or why there are none.
fn plan(event: &Event<'_>, caller: &str, group: &str) -> CallPlan {
    let source = event.event_source.as_deref().unwrap_or_default();
    let name = event.event_name.as_deref().unwrap_or_default();
    let Some(action) = action_for(source, name) else {
        return CallPlan::Unchecked(NO_ACTION);
    };
    if RequestPrincipal::parse(caller).is_err() && RequestPrincipal::parse(group).is_err() {
        return CallPlan::Unchecked(NOT_A_PRINCIPAL);
    }
    if action.accepts_only_wildcard_resource() {
        return CallPlan::Requests {
            action: action.full_name(),
            resources: vec!["*".to_string()],
            partial: false,
        };
    }
    let Ok(facts) = Facts::read(event) else {
        return CallPlan::Unchecked(UNREADABLE);
    };
    let (resources, partial) = resources_of(action, &facts);
    if resources.is_empty() {
        return CallPlan::Unchecked(NOT_CONCRETE);
    }
    CallPlan::Requests {
        action: action.full_name(),
        resources: resources.into_iter().collect(),
        partial,
    }
}

/// The key of a call: a 128-bit hash of what decides its requests and context, from the raw
/// text before any parsing (the time left out).
fn call_key(event: &Event<'_>) -> u128 {
    // XXH3-128 over the fields, each with its length (a field boundary cannot shift): the raw
    // parameters and response are most of an event, and SipHash over them twice cost an
    // eighth of a whole `generate` run.
    let identity = event.user_identity.as_ref();
    let session = identity.and_then(|i| i.session_context.as_ref());
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut put = |field: Option<&str>| match field {
        Some(text) => {
            h.update(&(text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
        None => h.update(&u64::MAX.to_le_bytes()),
    };
    put(event.event_source.as_deref());
    put(event.event_name.as_deref());
    put(event.aws_region.as_deref());
    put(event.source_ip_address.as_deref());
    put(event.recipient_account_id.as_deref());
    put(identity.and_then(|i| i.arn.as_deref()));
    put(identity.and_then(|i| i.kind.as_deref()));
    put(identity.and_then(|i| i.account_id.as_deref()));
    put(identity.and_then(|i| i.invoked_by.as_deref()));
    put(session
        .and_then(|s| s.session_issuer.as_ref())
        .and_then(|i| i.arn.as_deref()));
    put(session
        .and_then(|s| s.attributes.as_ref())
        .and_then(|a| a.mfa_authenticated.as_deref()));
    put(event
        .request_parameters
        .map(serde_json::value::RawValue::get));
    put(event
        .response_elements
        .map(serde_json::value::RawValue::get));
    for r in event.resources.iter().flatten() {
        put(r.arn.as_deref());
    }
    h.digest128()
}

/// The distinct successful calls of one principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrincipalRequests {
    /// The principal (a role for its sessions, a user, …), as the generator groups them.
    pub principal: String,
    /// The calls, sorted by where they were first recorded.
    pub calls: Vec<RecordedCall>,
    /// Calls past the cap of distinct calls.
    pub over_cap: u64,
}

/// The successful calls of every selected principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedRequests {
    /// By principal ARN (as the generator groups them).
    pub principals: BTreeMap<String, PrincipalRequests>,
}

static NO_REQUESTS: PrincipalRequests = PrincipalRequests {
    principal: String::new(),
    calls: Vec::new(),
    over_cap: 0,
};

impl RecordedRequests {
    /// One principal's calls (none when it made no successful call).
    pub fn principal(&self, arn: &str) -> &PrincipalRequests {
        self.principals.get(arn).unwrap_or(&NO_REQUESTS)
    }
}

#[derive(Debug, Clone)]
struct Entry {
    group: Arc<str>,
    call: RecordedCall,
}

/// Gathers the successful calls of the selected principals while the trail is read; one per
/// reading thread (see the module documentation).
#[derive(Debug)]
pub struct Collector {
    selection: Arc<Selection>,
    cap: usize,
    entries: BTreeMap<u128, Entry>,
    over_cap: HashMap<Arc<str>, u64>,
    /// Caller ARN → the principal it counts for, when selected.
    memo: HashMap<Box<str>, Option<Arc<str>>>,
}

impl Collector {
    /// An empty collector for a selection, keeping at most [`DEFAULT_CAP`] distinct calls.
    pub fn new(selection: Arc<Selection>) -> Self {
        Self::with_cap(selection, DEFAULT_CAP)
    }

    /// An empty collector keeping at most `cap` distinct calls.
    pub fn with_cap(selection: Arc<Selection>, cap: usize) -> Self {
        Collector {
            selection,
            cap,
            entries: BTreeMap::new(),
            over_cap: HashMap::new(),
            memo: HashMap::new(),
        }
    }

    /// The principal a call counts for, when the selection keeps its principal and account.
    fn group_of(&mut self, event: &Event<'_>) -> Option<Arc<str>> {
        let caller = event.user_identity.as_ref()?.arn.as_deref()?;
        if let Some(known) = self.memo.get(caller) {
            return known.clone();
        }
        let (group, _) = principal_of(event)?;
        let sel = &self.selection;
        let account = group.split(':').nth(4).unwrap_or_default();
        let selected = (sel.principals.is_empty()
            || sel
                .principals
                .iter()
                .any(|p| principal_matches(p, &group, caller)))
            && (sel.accounts.is_empty() || sel.accounts.iter().any(|a| a == account));
        let value: Option<Arc<str>> = selected.then(|| Arc::from(group.as_str()));
        if self.memo.len() > 100_000 {
            self.memo.clear();
        }
        self.memo.insert(caller.into(), value.clone());
        value
    }

    /// Whether the call's region and time are selected.
    fn in_selection(&self, event: &Event<'_>) -> bool {
        let sel = &self.selection;
        if !sel.regions.is_empty()
            && !event
                .aws_region
                .as_deref()
                .is_some_and(|r| sel.regions.iter().any(|x| x == r))
        {
            return false;
        }
        if sel.since.is_none() && sel.until.is_none() {
            return true;
        }
        let Some(t) = event.event_time.as_deref().and_then(normalize_time) else {
            return false;
        };
        sel.since.as_deref().is_none_or(|s| t.as_str() >= s)
            && sel.until.as_deref().is_none_or(|u| t.as_str() <= u)
    }

    /// Drops the largest keys past the cap, counting their calls as over the cap.
    fn evict(&mut self) {
        while self.entries.len() > self.cap {
            let Some((_, e)) = self.entries.pop_last() else {
                break;
            };
            *self.over_cap.entry(e.group).or_default() += e.call.count;
        }
    }

    /// Joins another thread's collector into this one.
    pub fn merge(&mut self, other: Collector) {
        for (key, e) in other.entries {
            match self.entries.get_mut(&key) {
                Some(mine) => mine.call.absorb(e.call),
                None => {
                    self.entries.insert(key, e);
                }
            }
        }
        for (group, n) in other.over_cap {
            *self.over_cap.entry(group).or_default() += n;
        }
        self.evict();
    }

    /// The calls, per principal, sorted.
    pub fn finish(self) -> RecordedRequests {
        let mut principals: BTreeMap<String, PrincipalRequests> = BTreeMap::new();
        let slot = |principals: &mut BTreeMap<String, PrincipalRequests>, group: &str| {
            if !principals.contains_key(group) {
                principals.insert(
                    group.to_string(),
                    PrincipalRequests {
                        principal: group.to_string(),
                        ..PrincipalRequests::default()
                    },
                );
            }
        };
        for (_, e) in self.entries {
            slot(&mut principals, &e.group);
            if let Some(p) = principals.get_mut(&*e.group) {
                p.calls.push(e.call);
            }
        }
        for (group, n) in self.over_cap {
            slot(&mut principals, &group);
            if let Some(p) = principals.get_mut(&*group) {
                p.over_cap += n;
            }
        }
        for p in principals.values_mut() {
            p.calls.sort_by(|a, b| a.at.cmp(&b.at));
        }
        RecordedRequests { principals }
    }
}

impl Collector {
    /// Gathers one event standing for `count` identical calls (a row of a summary): as
    /// [`Sink::event`], `count` times.
    pub fn event_weighted(&mut self, event: &Event<'_>, at: Position<'_>, count: u64) {
        if event
            .event_type
            .as_deref()
            .is_some_and(|t| t != "AwsApiCall")
            || event.error_code.as_deref().is_some_and(|c| !c.is_empty())
        {
            return;
        }
        let Some(group) = self.group_of(event) else {
            return;
        };
        if !self.in_selection(event) {
            return;
        }
        let key = call_key(event);
        if let Some(e) = self.entries.get_mut(&key) {
            e.call.count = e.call.count.saturating_add(count);
            if !e.call.at.is_before(&at) {
                e.call.at = EventAt::new(at);
            }
            e.call.see_time(event.event_time.as_deref());
            return;
        }
        let full = self.entries.len() >= self.cap;
        if full
            && self
                .entries
                .last_key_value()
                .is_none_or(|(largest, _)| key > *largest)
        {
            *self.over_cap.entry(group).or_default() += count;
            return;
        }
        let mut call = RecordedCall::from_event(event, at, &group);
        call.count = count;
        self.entries.insert(key, Entry { group, call });
        self.evict();
    }
}

impl Sink for Collector {
    fn event(&mut self, event: &Event<'_>, at: Position<'_>) {
        self.event_weighted(event, at, 1);
    }

    fn problem(&mut self, _problem: InputProblem) {}

    fn input_done(&mut self, _name: &str, _stats: InputStats) {}
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

/// A recorded request the policies do not allow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Failure {
    /// `service:Action`.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// `eventSource eventName`.
    pub call: String,
    /// Where the call was first recorded (`file: record #n at byte m`).
    pub event: String,
    /// The caller.
    pub caller: String,
    /// How many identical calls were recorded.
    pub count: u64,
}

/// The outcome of a check. Counts are recorded calls (identical calls each count).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// Calls checked: every concrete request of the call was evaluated.
    pub checked: u64,
    /// Checked calls whose every request is allowed.
    pub passed: u64,
    /// Passed calls for which some required resource type had no concrete ARN (only the
    /// others were checked).
    pub partial: u64,
    /// Checked calls with a request that is not allowed.
    pub failed_calls: u64,
    /// The requests not allowed, sorted (at most [`FAILURE_CAP`]).
    pub failed: Vec<Failure>,
    /// Failures left out of `failed`.
    #[serde(skip_serializing_if = "is_zero")]
    pub failed_omitted: usize,
    /// Calls that could not be checked, by reason; never counted as passed.
    pub unchecked: BTreeMap<String, u64>,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl CheckReport {
    /// Whether some recorded call is not allowed.
    pub fn has_failures(&self) -> bool {
        self.failed_calls > 0
    }

    /// Calls that could not be checked, in all.
    pub fn unchecked_total(&self) -> u64 {
        self.unchecked.values().sum()
    }

    fn unchecked(&mut self, reason: &str, n: u64) {
        if n > 0 {
            *self.unchecked.entry(reason.to_string()).or_default() += n;
        }
    }
}

/// Parses identity policy documents for [`check`] and [`compare`]; the error names the first
/// document that has errors and its first error.
pub fn parse_identity_policies<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Policy>, String> {
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let parsed = parse_policy(text, Some(PolicyKind::Identity));
            if let Some(e) = parsed.errors.first() {
                return Err(format!("document {}: {}", i + 1, e.kind));
            }
            parsed
                .policy
                .ok_or_else(|| format!("document {}: not a policy document", i + 1))
        })
        .collect()
}

fn compile(policies: &[Policy], name: &str) -> PolicySet {
    PolicySet {
        identity: policies
            .iter()
            .enumerate()
            .map(|(i, p)| CompiledPolicy::new(p, &format!("{name}-{}", i + 1), i))
            .collect(),
        ..PolicySet::default()
    }
}

/// Whether the identity policies of a set allow a request. A request that also needs a
/// resource policy's own grant (a role trust policy, a KMS key policy, another account's
/// resource) or a session policy (a federated user) counts as allowed when the identity
/// policies allow it: those other policies are not what is checked.
fn identity_allows(set: &PolicySet, request: &Request) -> bool {
    let response = set.evaluate(request);
    match response.decision {
        Decision::Allowed => true,
        Decision::ExplicitDeny => false,
        Decision::ImplicitDeny => matches!(
            response.blocked_by,
            Some(PolicyType::Resource | PolicyType::Session)
        ),
    }
}

/// Checks that `policies` (a principal's identity policies, the only ones) allow every recorded
/// successful call of `requests`.
pub fn check(policies: &[Policy], requests: &PrincipalRequests) -> CheckReport {
    evaluate(compile(policies, "policy"), None, requests)
}

/// Checks that `new` allows every recorded request that `original` allows (for `tighten`): a
/// call is checked on the requests the original allows, and unchecked ([`NOT_IN_ORIGINAL`]) when
/// the original allows none of them.
pub fn compare(original: &[Policy], new: &[Policy], requests: &PrincipalRequests) -> CheckReport {
    evaluate(
        compile(new, "new"),
        Some(compile(original, "original")),
        requests,
    )
}

fn evaluate(
    set: PolicySet,
    baseline: Option<PolicySet>,
    requests: &PrincipalRequests,
) -> CheckReport {
    let mut report = CheckReport::default();
    let mut failures: Vec<Failure> = Vec::new();
    let mut principals: HashMap<&str, Option<Arc<RequestPrincipal>>> = HashMap::new();
    // The identity policies cut down to each action's statements, the calls taken action by
    // action (the report adds counts up and sorts its failures, so the order does not show).
    let mut set = ActionScoped::new(set.identity);
    let mut baseline = baseline.map(|b| ActionScoped::new(b.identity));
    let mut order: Vec<(String, &RecordedCall)> = requests
        .calls
        .iter()
        .map(|call| {
            let action = match &call.plan {
                CallPlan::Requests { action, .. } => action.to_ascii_lowercase(),
                CallPlan::Unchecked(_) => String::new(),
            };
            (action, call)
        })
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0));
    for call in order.into_iter().map(|(_, call)| call) {
        let (action, resources, partial) = match &call.plan {
            CallPlan::Unchecked(reason) => {
                report.unchecked(reason, call.count);
                continue;
            }
            CallPlan::Requests {
                action,
                resources,
                partial,
            } => (action, resources, *partial),
        };
        let who = principals
            .entry(call.caller.as_str())
            .or_insert_with(|| {
                RequestPrincipal::parse(&call.caller)
                    .or_else(|_| RequestPrincipal::parse(&requests.principal))
                    .ok()
                    .map(Arc::new)
            })
            .clone();
        let Some(who) = who else {
            report.unchecked(NOT_A_PRINCIPAL, call.count);
            continue;
        };
        let context = call.request_context();
        let mut considered = 0;
        let mut denied: Vec<&String> = Vec::new();
        for resource in resources {
            let request = Request::new(
                Arc::clone(&who),
                action,
                resource.clone(),
                None,
                context.clone(),
            );
            if baseline
                .as_mut()
                .is_some_and(|b| !identity_allows(b.set_for(&request.action_lower), &request))
            {
                continue;
            }
            considered += 1;
            if !identity_allows(set.set_for(&request.action_lower), &request) {
                denied.push(resource);
            }
        }
        if considered == 0 {
            report.unchecked(NOT_IN_ORIGINAL, call.count);
            continue;
        }
        report.checked += call.count;
        if denied.is_empty() {
            report.passed += call.count;
            if partial || considered < resources.len() {
                report.partial += call.count;
            }
            continue;
        }
        report.failed_calls += call.count;
        for resource in denied {
            failures.push(Failure {
                action: action.clone(),
                resource: resource.clone(),
                call: call.call.clone(),
                event: call.at.to_string(),
                caller: call.caller.clone(),
                count: call.count,
            });
        }
    }
    report.unchecked(OVER_CAP, requests.over_cap);
    failures.sort();
    report.failed_omitted = failures.len().saturating_sub(FAILURE_CAP);
    failures.truncate(FAILURE_CAP);
    report.failed = failures;
    report
}

#[cfg(test)]
mod tests {
    //! The events below follow the record shape of the CloudTrail User Guide, "CloudTrail
    //! record contents for management, data, and network activity events" and its "CloudTrail
    //! log file examples" (EC2 and IAM examples); the expected ARNs follow the resource types'
    //! ARN formats of the Service Authorization Reference.

    use super::*;
    use crate::generate::cloudtrail::parse_event;
    use serde_json::json;

    const ACCOUNT: &str = "123456789012";

    fn user(name: &str) -> Value {
        json!({
            "type": "IAMUser",
            "principalId": "AIDAJ45Q7YFFAREXAMPLE",
            "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
            "accountId": ACCOUNT,
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "userName": name
        })
    }

    fn role_session(role_path: &str, role: &str, session: &str) -> Value {
        json!({
            "type": "AssumedRole",
            "principalId": format!("AROAEXAMPLE:{session}"),
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
            "accountId": ACCOUNT,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLE",
                    "arn": format!("arn:aws:iam::{ACCOUNT}:role{role_path}{role}"),
                    "accountId": ACCOUNT,
                    "userName": role
                },
                "attributes": {"creationDate": "2024-08-01T09:00:00Z", "mfaAuthenticated": "true"}
            }
        })
    }

    /// A management event record: `fields` are added to (or replace) the common ones.
    fn record(identity: &Value, source: &str, name: &str, fields: &Value) -> String {
        let mut e = json!({
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventTime": "2024-08-01T10:00:00Z",
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "sourceIPAddress": "192.0.2.10",
            "userAgent": "aws-cli/2.17.20",
            "requestParameters": null,
            "responseElements": null,
            "requestID": "example",
            "eventID": "example",
            "readOnly": false,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": ACCOUNT,
            "eventCategory": "Management"
        });
        if let (Some(e), Some(f)) = (e.as_object_mut(), fields.as_object()) {
            for (k, v) in f {
                e.insert(k.clone(), v.clone());
            }
        }
        e.to_string()
    }

    fn collect_into(collector: &mut Collector, records: &[String]) {
        for (i, r) in records.iter().enumerate() {
            let event = parse_event(r.as_bytes()).unwrap();
            collector.event(
                &event,
                Position {
                    file: "trail.json",
                    offset: 100 * i as u64,
                    record: i as u64 + 1,
                },
            );
        }
    }

    fn collect(records: &[String]) -> RecordedRequests {
        let mut c = Collector::new(Arc::new(Selection::default()));
        collect_into(&mut c, records);
        c.finish()
    }

    /// The one call recorded for a principal.
    fn only_call(recorded: &RecordedRequests, principal: &str) -> RecordedCall {
        let calls = &recorded.principal(principal).calls;
        assert_eq!(calls.len(), 1, "{calls:#?}");
        calls[0].clone()
    }

    fn policy(statements: &Value) -> Policy {
        let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        parse_identity_policies([text.as_str()]).unwrap().remove(0)
    }

    fn run_instances() -> String {
        record(
            &user("Mateo"),
            "ec2.amazonaws.com",
            "RunInstances",
            &json!({
                "requestParameters": {
                    "instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": 1, "keyName": "my-key"}]},
                    "instanceType": "t3.micro",
                    "blockDeviceMapping": {},
                    "monitoring": {"enabled": false},
                    "disableApiTermination": false
                },
                "responseElements": {
                    "requestId": "example",
                    "reservationId": "r-0123456789abcdef0",
                    "ownerId": ACCOUNT,
                    "groupSet": {},
                    "instancesSet": {"items": [{
                        "instanceId": "i-0123456789abcdef0",
                        "imageId": "ami-0abcdef1234567890",
                        "instanceState": {"code": 0, "name": "pending"},
                        "keyName": "my-key",
                        "instanceType": "t3.micro",
                        "placement": {"availabilityZone": "us-east-1a", "tenancy": "default"},
                        "subnetId": "subnet-0123456789abcdef0",
                        "vpcId": "vpc-0123456789abcdef0",
                        "groupSet": {"items": [{"groupId": "sg-0123456789abcdef0", "groupName": "default"}]},
                        "networkInterfaceSet": {"items": [{
                            "networkInterfaceId": "eni-0123456789abcdef0",
                            "subnetId": "subnet-0123456789abcdef0",
                            "vpcId": "vpc-0123456789abcdef0",
                            "ownerId": ACCOUNT,
                            "status": "in-use",
                            "groupSet": {"items": [{"groupId": "sg-0123456789abcdef0", "groupName": "default"}]}
                        }]}
                    }]}
                }
            }),
        )
    }

    #[test]
    fn ec2_run_instances_reads_nested_ids_from_request_and_response() {
        let recorded = collect(&[run_instances()]);
        let call = only_call(&recorded, &format!("arn:aws:iam::{ACCOUNT}:user/Mateo"));
        let CallPlan::Requests {
            action,
            resources,
            partial,
        } = &call.plan
        else {
            panic!("{:?}", call.plan);
        };
        assert_eq!(action, "ec2:RunInstances");
        // SAR, Amazon EC2 resource types: `image` is `arn:${Partition}:ec2:${Region}::image/
        // ${ImageId}` (no account); `instance`, `network-interface` and `subnet` carry the
        // account. The image comes from the request's `instancesSet.items[]`, the security
        // group from its `groupId` (EC2 API Reference: `GroupId`, "the ID of the security
        // group"), the others from the response (the request names none of them).
        assert_eq!(
            resources,
            &vec![
                format!("arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"),
                format!("arn:aws:ec2:us-east-1:{ACCOUNT}:network-interface/eni-0123456789abcdef0"),
                format!("arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-0123456789abcdef0"),
                format!("arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/subnet-0123456789abcdef0"),
                "arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890".to_string(),
            ]
        );
        // Every type the reference marks required (image, instance, network interface,
        // security group, subnet) is named: not partial.
        assert!(!*partial);
        // The key pair is named by its name (`keyName`), not under `${KeyPairName}`: no ARN.
        assert!(!resources.iter().any(|r| r.contains("key-pair")));
    }

    #[test]
    fn s3_get_object_uses_the_data_events_resources() {
        let r = record(
            &role_session("/service-role/", "reader", "job-1"),
            "s3.amazonaws.com",
            "GetObject",
            &json!({
                "requestParameters": {"bucketName": "amzn-s3-demo-bucket", "Host": "amzn-s3-demo-bucket.s3.us-east-1.amazonaws.com", "key": "reports/2024/08/01.csv"},
                "readOnly": true,
                "resources": [
                    {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::amzn-s3-demo-bucket/reports/2024/08/01.csv"},
                    {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::amzn-s3-demo-bucket"}
                ],
                "managementEvent": false,
                "eventCategory": "Data"
            }),
        );
        let recorded = collect(&[r]);
        // The role covers its sessions; the path comes from the session issuer.
        let role = format!("arn:aws:iam::{ACCOUNT}:role/service-role/reader");
        let call = only_call(&recorded, &role);
        assert_eq!(
            call.caller,
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/reader/job-1")
        );
        assert_eq!(
            call.plan,
            CallPlan::Requests {
                action: "s3:GetObject".into(),
                // The bucket ARN does not fit `object` (`${BucketName}/${ObjectName}`).
                resources: vec!["arn:aws:s3:::amzn-s3-demo-bucket/reports/2024/08/01.csv".into()],
                partial: false,
            }
        );
        // The context the event gives.
        let ctx = call.request_context();
        let get = |k: &str| ctx.get(&k.to_ascii_lowercase()).map(<[String]>::to_vec);
        assert_eq!(get("aws:SourceIp"), Some(vec!["192.0.2.10".to_string()]));
        assert_eq!(
            get("aws:RequestedRegion"),
            Some(vec!["us-east-1".to_string()])
        );
        assert_eq!(
            get("aws:CurrentTime"),
            Some(vec!["2024-08-01T10:00:00Z".to_string()])
        );
        assert_eq!(get("aws:EpochTime"), Some(vec!["1722506400".to_string()]));
        assert_eq!(
            get("aws:MultiFactorAuthPresent"),
            Some(vec!["true".to_string()])
        );
        assert_eq!(get("aws:PrincipalArn"), Some(vec![role.clone()]));
        assert_eq!(get("aws:ViaAWSService"), Some(vec!["false".to_string()]));
    }

    #[test]
    fn iam_create_role_takes_the_arn_from_the_response() {
        let r = record(
            &user("Alice"),
            "iam.amazonaws.com",
            "CreateRole",
            &json!({
                "requestParameters": {
                    "path": "/app/",
                    "roleName": "reporting",
                    "assumeRolePolicyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
                    "permissionsBoundary": "arn:aws:iam::aws:policy/AWSDenyAll"
                },
                "responseElements": {"role": {
                    "path": "/app/",
                    "roleName": "reporting",
                    "roleId": "AROAEXAMPLE",
                    "arn": format!("arn:aws:iam::{ACCOUNT}:role/app/reporting"),
                    "createDate": "Aug 1, 2024 10:00:00 AM"
                }}
            }),
        );
        let recorded = collect(&[r]);
        let call = only_call(&recorded, &format!("arn:aws:iam::{ACCOUNT}:user/Alice"));
        // The request names the role only by name (`${RoleNameWithPath}` is not `roleName`);
        // the permissions boundary's ARN is not a role.
        assert_eq!(
            call.plan,
            CallPlan::Requests {
                action: "iam:CreateRole".into(),
                resources: vec![format!("arn:aws:iam::{ACCOUNT}:role/app/reporting")],
                partial: false,
            }
        );
    }

    #[test]
    fn a_call_without_parameters_is_unchecked_unless_its_action_takes_no_resource() {
        // `iam:GetUser` without `UserName` acts on the caller; CloudTrail records no parameters.
        let get_user = record(&user("Bob"), "iam.amazonaws.com", "GetUser", &json!({}));
        let whoami = record(
            &user("Bob"),
            "sts.amazonaws.com",
            "GetCallerIdentity",
            &json!({}),
        );
        let recorded = collect(&[get_user, whoami]);
        let calls = &recorded
            .principal(&format!("arn:aws:iam::{ACCOUNT}:user/Bob"))
            .calls;
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].plan, CallPlan::Unchecked(NOT_CONCRETE));
        assert_eq!(
            calls[1].plan,
            CallPlan::Requests {
                action: "sts:GetCallerIdentity".into(),
                resources: vec!["*".into()],
                partial: false,
            }
        );
        let report = check(
            &[],
            recorded.principal(&format!("arn:aws:iam::{ACCOUNT}:user/Bob")),
        );
        // GetCallerIdentity needs no permission; GetUser is never counted as passed.
        assert_eq!((report.checked, report.passed), (1, 1));
        assert_eq!(report.unchecked.get(NOT_CONCRETE), Some(&1));
    }

    #[test]
    fn failed_and_non_api_events_are_not_recorded() {
        let denied = record(
            &user("Eve"),
            "s3.amazonaws.com",
            "GetObject",
            &json!({
                "errorCode": "AccessDenied",
                "errorMessage": "Access Denied",
                "requestParameters": {"bucketName": "b", "key": "k"},
                "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"}]
            }),
        );
        let throttled = record(
            &user("Eve"),
            "ec2.amazonaws.com",
            "DescribeInstances",
            &json!({"errorCode": "Client.RequestLimitExceeded"}),
        );
        let sign_in = record(
            &user("Eve"),
            "signin.amazonaws.com",
            "ConsoleLogin",
            &json!({"eventType": "AwsConsoleSignIn", "responseElements": {"ConsoleLogin": "Success"}}),
        );
        let recorded = collect(&[denied, throttled, sign_in]);
        assert!(recorded.principals.is_empty(), "{recorded:#?}");
    }

    #[test]
    fn a_wrong_policy_is_caught_and_the_right_one_passes() {
        let object = "arn:aws:s3:::amzn-s3-demo-bucket/reports/a.csv";
        let get = |key: &str| {
            record(
                &user("Carol"),
                "s3.amazonaws.com",
                "GetObject",
                &json!({
                    "requestParameters": {"bucketName": "amzn-s3-demo-bucket", "key": key},
                    "resources": [{"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::amzn-s3-demo-bucket/{key}")}]
                }),
            )
        };
        // Three identical calls and one other.
        let recorded = collect(&[
            get("reports/a.csv"),
            get("reports/a.csv"),
            get("reports/b.csv"),
            get("reports/a.csv"),
        ]);
        let requests = recorded.principal(&format!("arn:aws:iam::{ACCOUNT}:user/Carol"));
        assert_eq!(requests.calls.len(), 2);
        assert_eq!(requests.calls[0].count, 3);
        assert_eq!(requests.calls[0].at.record, 1);

        let right = policy(
            &json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/reports/*"}]),
        );
        let report = check(&[right], requests);
        assert_eq!(
            (report.checked, report.passed, report.failed_calls),
            (4, 4, 0)
        );
        assert!(!report.has_failures());

        // Wrong: the bucket instead of its objects.
        let wrong = policy(
            &json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket"}]),
        );
        let report = check(&[wrong], requests);
        assert!(report.has_failures());
        assert_eq!(
            (report.checked, report.passed, report.failed_calls),
            (4, 0, 4)
        );
        assert_eq!(report.failed.len(), 2);
        assert_eq!(report.failed[0].action, "s3:GetObject");
        assert_eq!(report.failed[0].resource, object);
        assert_eq!(report.failed[0].call, "s3.amazonaws.com GetObject");
        assert_eq!(report.failed[0].count, 3);
        assert_eq!(report.failed[0].event, "trail.json: record #1 at byte 0");

        // Wrong: an explicit deny in another policy wins.
        let right = policy(&json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
        let deny =
            policy(&json!([{"Effect": "Deny", "Action": "s3:GetObject", "Resource": object}]));
        let report = check(&[right, deny], requests);
        assert_eq!((report.passed, report.failed_calls), (1, 3));
    }

    #[test]
    fn conditions_see_the_events_context() {
        let r = record(
            &user("Dan"),
            "s3.amazonaws.com",
            "GetObject",
            &json!({"resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"}]}),
        );
        let recorded = collect(&[r]);
        let requests = recorded.principal(&format!("arn:aws:iam::{ACCOUNT}:user/Dan"));
        let with = |condition: Value| {
            check(
                &[policy(
                    &json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}]),
                )],
                requests,
            )
        };
        assert!(!with(json!({"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})).has_failures());
        assert!(with(json!({"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}})).has_failures());
        assert!(
            !with(json!({"DateLessThan": {"aws:CurrentTime": "2024-08-02T00:00:00Z"}}))
                .has_failures()
        );
        assert!(
            with(json!({"DateLessThan": {"aws:CurrentTime": "2024-07-31T00:00:00Z"}}))
                .has_failures()
        );
        assert!(
            !with(json!({"StringEquals": {"aws:RequestedRegion": "us-east-1"}})).has_failures()
        );
        assert!(!with(json!({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}})).has_failures());
    }

    #[test]
    fn a_role_needs_only_its_identity_policy_to_pass_assume_role() {
        // `sts:AssumeRole` also needs the role's trust policy (UG, policy evaluation logic):
        // not what is checked here.
        let role = format!("arn:aws:iam::{ACCOUNT}:role/deploy");
        let r = record(
            &user("Erin"),
            "sts.amazonaws.com",
            "AssumeRole",
            &json!({
                "requestParameters": {"roleArn": role, "roleSessionName": "s1"},
                "responseElements": {"assumedRoleUser": {"arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/deploy/s1"), "assumedRoleId": "AROAEXAMPLE:s1"}},
                "resources": [{"ARN": role, "accountId": ACCOUNT, "type": "AWS::IAM::Role"}]
            }),
        );
        let recorded = collect(&[r]);
        let requests = recorded.principal(&format!("arn:aws:iam::{ACCOUNT}:user/Erin"));
        let ok =
            policy(&json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}]));
        let report = check(&[ok], requests);
        assert_eq!((report.checked, report.passed), (1, 1), "{report:?}");
        let other = policy(
            &json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role/other")}]),
        );
        assert!(check(&[other], requests).has_failures());
    }

    #[test]
    fn actions_are_named_like_the_event() {
        let name = |source: &str, event: &str| action_for(source, event).map(|a| a.full_name());
        assert_eq!(
            name("lambda.amazonaws.com", "UpdateFunctionCode20150331v2").as_deref(),
            Some("lambda:UpdateFunctionCode")
        );
        assert_eq!(
            name("lambda.amazonaws.com", "CreateFunction20150331").as_deref(),
            Some("lambda:CreateFunction")
        );
        assert_eq!(
            name("lambda.amazonaws.com", "Invoke").as_deref(),
            Some("lambda:InvokeFunction")
        );
        assert_eq!(
            name("monitoring.amazonaws.com", "PutMetricData").as_deref(),
            Some("cloudwatch:PutMetricData")
        );
        assert_eq!(
            name("s3.amazonaws.com", "ListObjectsV2").as_deref(),
            Some("s3:ListBucket")
        );
        assert_eq!(
            name("s3.amazonaws.com", "HeadObject").as_deref(),
            Some("s3:GetObject")
        );
        assert_eq!(name("s3.amazonaws.com", "NoSuchCall"), None);
        assert_eq!(name("signin.amazonaws.com", "ConsoleLogin"), None);
        assert_eq!(
            strip_version("GetDistribution2020_05_31"),
            Some("GetDistribution")
        );
        assert_eq!(strip_version("ListObjectsV2"), None);
        assert_eq!(strip_version("Invoke"), None);
        assert_eq!(strip_version("12345678"), None);
    }

    #[test]
    fn ids_that_do_not_give_the_arn_are_not_filled() {
        let secret_by_name = record(
            &user("Fay"),
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            &json!({"requestParameters": {"secretId": "prod/db"}}),
        );
        let secret_by_arn = record(
            &user("Fay"),
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            &json!({"requestParameters": {"secretId": format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf")}}),
        );
        let aws_document = record(
            &user("Fay"),
            "ssm.amazonaws.com",
            "SendCommand",
            &json!({"requestParameters": {"documentName": "AWS-RunShellScript", "instanceIds": ["i-0123456789abcdef0"]}}),
        );
        let own_document = record(
            &user("Fay"),
            "ssm.amazonaws.com",
            "SendCommand",
            &json!({"requestParameters": {"documentName": "Deploy-App", "instanceIds": ["i-0123456789abcdef0"]}}),
        );
        let two_instances = record(
            &user("Fay"),
            "ec2.amazonaws.com",
            "StopInstances",
            &json!({"requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0aaaaaaaaaaaaaaaa"}, {"instanceId": "i-0bbbbbbbbbbbbbbbb"}]}}}),
        );
        let recorded = collect(&[
            secret_by_name,
            secret_by_arn,
            aws_document,
            own_document,
            two_instances,
        ]);
        let plans: Vec<CallPlan> = recorded
            .principal(&format!("arn:aws:iam::{ACCOUNT}:user/Fay"))
            .calls
            .iter()
            .map(|c| c.plan.clone())
            .collect();
        assert_eq!(
            plans,
            vec![
                CallPlan::Unchecked(NOT_CONCRETE),
                CallPlan::Requests {
                    action: "secretsmanager:GetSecretValue".into(),
                    resources: vec![format!(
                        "arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf"
                    )],
                    partial: false,
                },
                // An AWS-owned document is not in the caller's account: only the instance of
                // `instanceIds` (a list of one) is known, and the call is partial.
                CallPlan::Requests {
                    action: "ssm:SendCommand".into(),
                    resources: vec![format!(
                        "arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
                    )],
                    partial: true,
                },
                CallPlan::Requests {
                    action: "ssm:SendCommand".into(),
                    resources: vec![
                        format!("arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"),
                        format!("arn:aws:ssm:us-east-1:{ACCOUNT}:document/Deploy-App"),
                    ],
                    partial: false,
                },
                // Two values for `${InstanceId}`: not exactly one.
                CallPlan::Unchecked(NOT_CONCRETE),
            ]
        );
    }

    #[test]
    fn compare_checks_what_the_original_allows() {
        let get = |key: &str| {
            record(
                &user("Gus"),
                "s3.amazonaws.com",
                "GetObject",
                &json!({"resources": [{"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::b/{key}")}]}),
            )
        };
        let put = record(
            &user("Gus"),
            "s3.amazonaws.com",
            "PutObject",
            &json!({"resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/out"}]}),
        );
        let recorded = collect(&[get("in/1"), get("in/2"), put]);
        let requests = recorded.principal(&format!("arn:aws:iam::{ACCOUNT}:user/Gus"));
        let original = policy(
            &json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]),
        );
        let narrower = policy(
            &json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/in/1"}]),
        );
        let enough = policy(
            &json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/in/*"}]),
        );
        let report = compare(std::slice::from_ref(&original), &[narrower], requests);
        assert_eq!((report.checked, report.failed_calls), (2, 1));
        assert_eq!(report.failed[0].resource, "arn:aws:s3:::b/in/2");
        // The original never allowed PutObject: not the new policy's to keep.
        assert_eq!(report.unchecked.get(NOT_IN_ORIGINAL), Some(&1));
        let report = compare(&[original], &[enough], requests);
        assert_eq!((report.checked, report.passed), (2, 2));
    }

    fn many_calls() -> Vec<String> {
        (0..40)
            .map(|i| {
                record(
                    &user(if i % 3 == 0 { "Hal" } else { "Ivy" }),
                    "s3.amazonaws.com",
                    "GetObject",
                    &json!({"resources": [{"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::b/{}", i % 17)}]}),
                )
            })
            .collect()
    }

    #[test]
    fn merging_threads_and_the_cap_do_not_depend_on_order() {
        let records = many_calls();
        let selection = Arc::new(Selection::default());
        for cap in [DEFAULT_CAP, 5, 1, 0] {
            let mut one = Collector::with_cap(Arc::clone(&selection), cap);
            collect_into(&mut one, &records);
            let one = one.finish();
            // Split the same records (with their positions) over three "threads", in another
            // order, and merge.
            let mut parts: Vec<Collector> = (0..3)
                .map(|_| Collector::with_cap(Arc::clone(&selection), cap))
                .collect();
            for (i, r) in records.iter().enumerate().rev() {
                let event = parse_event(r.as_bytes()).unwrap();
                parts[i % 3].event(
                    &event,
                    Position {
                        file: "trail.json",
                        offset: 100 * i as u64,
                        record: i as u64 + 1,
                    },
                );
            }
            let mut merged = parts.pop().unwrap();
            while let Some(p) = parts.pop() {
                merged.merge(p);
            }
            let merged = merged.finish();
            assert_eq!(one, merged, "cap {cap}");
            let kept: usize = one.principals.values().map(|p| p.calls.len()).sum();
            let total: u64 = one
                .principals
                .values()
                .map(|p| p.over_cap + p.calls.iter().map(|c| c.count).sum::<u64>())
                .sum();
            assert_eq!(total, 40, "cap {cap}");
            let distinct: BTreeSet<(bool, usize)> = (0..40).map(|i| (i % 3 == 0, i % 17)).collect();
            assert_eq!(kept, cap.min(distinct.len()), "cap {cap}");
            if cap < distinct.len() {
                let allow_all =
                    policy(&json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
                let over: u64 = one
                    .principals
                    .values()
                    .map(|p| {
                        check(std::slice::from_ref(&allow_all), p)
                            .unchecked
                            .get(OVER_CAP)
                            .copied()
                            .unwrap_or(0)
                    })
                    .sum();
                assert!(over > 0, "cap {cap}");
            }
        }
    }

    #[test]
    fn the_selection_is_the_generators() {
        let records = many_calls();
        let mut c = Collector::new(Arc::new(Selection {
            principals: vec![format!("arn:aws:iam::{ACCOUNT}:user/Hal")],
            regions: vec!["us-east-1".into()],
            since: Some("2024-08-01T00:00:00Z".into()),
            ..Selection::default()
        }));
        collect_into(&mut c, &records);
        let r = c.finish();
        assert_eq!(r.principals.len(), 1);
        let mut c = Collector::new(Arc::new(Selection {
            until: Some("2024-07-31T00:00:00Z".into()),
            ..Selection::default()
        }));
        collect_into(&mut c, &records);
        assert!(c.finish().principals.is_empty());
    }

    #[test]
    fn odd_shapes_never_panic() {
        let shapes = [
            json!({"requestParameters": "text", "responseElements": 5}),
            json!({"requestParameters": [1, "arn:aws:s3:::b/k", null, {"content": 3}], "responseElements": [[[]]]}),
            json!({"requestParameters": {"instanceId": {"content": "i-1"}, "x": {"content": ["a"]}}}),
            json!({"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/short"}}),
            json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/no-session"}}),
            json!({"awsRegion": "", "recipientAccountId": ""}),
            json!({"resources": [{"ARN": "not an arn"}, {"ARN": "arn:aws:ec2:*:*:instance/*"}]}),
        ];
        for f in &shapes {
            for name in ["StopInstances", "GetObject", "RunInstances"] {
                let source = if name == "GetObject" {
                    "s3.amazonaws.com"
                } else {
                    "ec2.amazonaws.com"
                };
                let r = record(&user("Zed"), source, name, f);
                let recorded = collect(&[r]);
                for p in recorded.principals.values() {
                    let _ = check(&[], p);
                }
            }
        }
        // A role session ARN without a session name: the role is the principal.
        let r = record(
            &json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/odd"),
                    "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{ACCOUNT}:role/odd")}}}),
            "sts.amazonaws.com",
            "GetCallerIdentity",
            &json!({}),
        );
        let recorded = collect(&[r]);
        let report = check(
            &[],
            recorded.principal(&format!("arn:aws:iam::{ACCOUNT}:role/odd")),
        );
        assert_eq!(report.passed, 1);
    }
}
