//! Policies in CloudFormation and SAM templates (the same tree from the JSON and YAML readers).
#![expect(
    clippy::doc_markdown,
    reason = "CloudFormation and CloudTrail are product names, not code"
)]

use super::{Template, TemplateFormat};
use crate::ast::PolicyKind;
use crate::source::Span;
use crate::syntax::cfn::{self, intrinsic};
use crate::syntax::embedded::{self, Decoded};
use crate::syntax::{Member, Value, ValueKind};

/// Whether a document is a CloudFormation template: it has `AWSTemplateFormatVersion`, or a
/// `Resources` object whose entries have a string `Type`.
pub fn is_cloudformation(value: &Value) -> bool {
    if value.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    value
        .get("Resources")
        .and_then(Value::as_object)
        .is_some_and(|resources| {
            !resources.is_empty()
                && resources
                    .iter()
                    .all(|r| r.value.get("Type").and_then(Value::as_str).is_some())
        })
}

/// Where the policies of one resource type are.
enum Place {
    /// A property holding a policy document.
    Document(&'static str, PolicyKind),
    /// `Policies: [{PolicyName, PolicyDocument}]` of IAM roles, users and groups.
    InlinePolicies,
    /// SAM's `Policies`: managed policy names, policy templates and inline documents.
    SamPolicies,
    /// SAM API `Auth.ResourcePolicy.CustomStatements`.
    SamApiStatements,
    /// An organizations policy (`Content`), an SCP or an RCP by `Type`.
    OrganizationsPolicy,
    /// `AWS::Lambda::Permission`: a resource grant, checked as the statement it adds.
    LambdaPermission,
}

fn places(resource_type: &str) -> &'static [Place] {
    use PolicyKind::{Endpoint, Identity, Resource, Trust};
    match resource_type {
        "AWS::IAM::Role" => &[
            Place::Document("AssumeRolePolicyDocument", Trust),
            Place::InlinePolicies,
        ],
        "AWS::IAM::User" | "AWS::IAM::Group" => &[Place::InlinePolicies],
        "AWS::IAM::Policy"
        | "AWS::IAM::ManagedPolicy"
        | "AWS::IAM::RolePolicy"
        | "AWS::IAM::UserPolicy"
        | "AWS::IAM::GroupPolicy" => &[Place::Document("PolicyDocument", Identity)],
        "AWS::S3::BucketPolicy"
        | "AWS::SQS::QueuePolicy"
        | "AWS::SNS::TopicPolicy"
        | "AWS::S3Express::BucketPolicy"
        | "AWS::S3ObjectLambda::AccessPointPolicy"
        | "AWS::Logs::ResourcePolicy" => &[Place::Document("PolicyDocument", Resource)],
        "AWS::KMS::Key" | "AWS::KMS::ReplicaKey" => &[Place::Document("KeyPolicy", Resource)],
        "AWS::SecretsManager::ResourcePolicy" => &[Place::Document("ResourcePolicy", Resource)],
        "AWS::ECR::Repository" | "AWS::ECR::PublicRepository" => {
            &[Place::Document("RepositoryPolicyText", Resource)]
        }
        "AWS::ECR::RegistryPolicy" => &[Place::Document("PolicyText", Resource)],
        "AWS::EC2::VPCEndpoint" => &[Place::Document("PolicyDocument", Endpoint)],
        "AWS::ApiGateway::RestApi"
        | "AWS::S3::AccessPoint"
        | "AWS::S3::MultiRegionAccessPointPolicy"
        | "AWS::Events::EventBus" => &[Place::Document("Policy", Resource)],
        "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => {
            &[Place::Document("AccessPolicies", Resource)]
        }
        "AWS::EFS::FileSystem" => &[Place::Document("FileSystemPolicy", Resource)],
        "AWS::Backup::BackupVault" => &[Place::Document("AccessPolicy", Resource)],
        "AWS::Logs::Destination" => &[Place::Document("DestinationPolicy", Resource)],
        "AWS::CodeArtifact::Domain" | "AWS::CodeArtifact::Repository" => {
            &[Place::Document("PermissionsPolicyDocument", Resource)]
        }
        "AWS::Organizations::Policy" => &[Place::OrganizationsPolicy],
        "AWS::Serverless::Function" => &[
            Place::Document("AssumeRolePolicyDocument", Trust),
            Place::SamPolicies,
        ],
        "AWS::Serverless::StateMachine" => &[Place::SamPolicies],
        "AWS::Serverless::Api" => &[Place::SamApiStatements],
        "AWS::Lambda::Permission" => &[Place::LambdaPermission],
        _ => &[],
    }
}

/// Finds the policies of a CloudFormation template read by either reader. `text` is the file
/// (for policies written as JSON strings).
pub fn read_cloudformation(value: &Value, text: &str) -> Template {
    let mut out = Template::new(TemplateFormat::CloudFormation);
    let global = ignore_list(value.get("Metadata"));
    let Some(resources) = value.get("Resources").and_then(Value::as_object) else {
        return out;
    };
    for resource in resources {
        let id = &*resource.key;
        let Some(resource_type) = resource.value.get("Type").and_then(Value::as_str) else {
            continue;
        };
        let mut ignore = global.clone();
        ignore.extend(ignore_list(resource.value.get("Metadata")));
        let props = resource.value.get("Properties");
        let mut cx = Cx {
            out: &mut out,
            text,
            prefix: format!("Resources.{id}.Properties"),
            ignore: &ignore,
        };
        let first = cx.out.policies.len();
        for place in places(resource_type) {
            let Some(props) = props else { continue };
            match place {
                Place::Document(name, kind) => {
                    if let Some(doc) = props.get(name) {
                        cx.document(Some(*kind), name, doc);
                    }
                }
                Place::InlinePolicies => cx.inline_policies(props),
                Place::SamPolicies => cx.sam_policies(props),
                Place::SamApiStatements => cx.sam_api(props),
                Place::OrganizationsPolicy => cx.organizations(props),
                Place::LambdaPermission => cx.lambda_permission(props),
            }
        }
        if matches!(
            resource_type,
            "AWS::ECR::Repository" | "AWS::ECR::PublicRepository"
        ) {
            cx.out.imply_resource(first);
        }
        if matches!(
            resource_type,
            "AWS::ApiGateway::RestApi" | "AWS::Serverless::Api"
        ) {
            cx.out.expand_execute_api(first);
        }
    }
    out
}

/// `Metadata: {iampol: {ignore: [CODE, ...]}}` (a single string is one code).
fn ignore_list(metadata: Option<&Value>) -> Vec<String> {
    let Some(ignore) = metadata
        .and_then(|m| m.get("iampol"))
        .and_then(|i| i.get("ignore"))
    else {
        return Vec::new();
    };
    match &ignore.kind {
        ValueKind::String(s) => vec![s.to_string()],
        ValueKind::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

struct Cx<'a> {
    out: &'a mut Template,
    text: &'a str,
    prefix: String,
    ignore: &'a [String],
}

impl Cx<'_> {
    fn label(&self, path: &str) -> String {
        format!("{}.{path}", self.prefix)
    }

    /// A property holding a policy document: an object, a JSON string, or an intrinsic.
    fn document(&mut self, kind: Option<PolicyKind>, path: &str, doc: &Value) {
        let label = self.label(path);
        // `Fn::Sub` over JSON text: read the JSON, with the stand-ins unresolved.
        if let Some(("Fn::Sub", arg)) = intrinsic(doc) {
            let template = match &arg.kind {
                ValueKind::Array(parts) => parts.first(),
                _ => Some(arg),
            };
            if let Some(t) = template.filter(|t| t.as_str().is_some_and(looks_like_json)) {
                let mut decoded = self.decode(t);
                decoded.find_stand_ins();
                self.out.add_text(kind, label, &decoded, self.ignore);
                return;
            }
        }
        match cfn::resolve(doc) {
            None => self.out.skip(label, "`AWS::NoValue`", doc.span),
            Some(Value {
                kind: ValueKind::Unresolved(text),
                span,
            }) => self
                .out
                .skip(label, format!("computed at deploy time (`{text}`)"), span),
            Some(Value {
                kind: ValueKind::String(s),
                ..
            }) => {
                let decoded = self.decode(doc);
                if looks_like_json(&s) {
                    self.out.add_text(kind, label, &decoded, self.ignore);
                } else {
                    self.out.skip(label, "not a policy document", doc.span);
                }
            }
            Some(value) => self.out.add_value(kind, label, value, self.ignore),
        }
    }

    /// The text of a string value, mapped to the file.
    fn decode(&self, value: &Value) -> Decoded {
        let s = value.as_str().unwrap_or_default();
        let start = value.span.start as usize;
        let raw = self.text.get(value.span.range()).unwrap_or_default();
        if let Some(d) = embedded::decode_json_string(raw, start).filter(|d| d.text == s) {
            return d;
        }
        if raw == s {
            return Decoded::verbatim(raw, start);
        }
        embedded::align(s, raw, start)
    }

    /// IAM roles, users and groups: `Policies: [{PolicyName, PolicyDocument}]`.
    fn inline_policies(&mut self, props: &Value) {
        let Some(list) = props.get("Policies") else {
            return;
        };
        let Some(list) = cfn::resolve(list) else {
            return;
        };
        let ValueKind::Array(items) = &list.kind else {
            self.out
                .skip(self.label("Policies"), "computed at deploy time", list.span);
            return;
        };
        for (i, item) in items.iter().enumerate() {
            if let Some(doc) = item.get("PolicyDocument") {
                self.document(
                    Some(PolicyKind::Identity),
                    &format!("Policies[{i}].PolicyDocument"),
                    doc,
                );
            }
        }
    }

    /// SAM `Policies`: a managed policy name or ARN, a policy template (`S3ReadPolicy: {...}`),
    /// an inline document (`{Statement: ...}`), or a list of those.
    fn sam_policies(&mut self, props: &Value) {
        let Some(policies) = props.get("Policies") else {
            return;
        };
        match &policies.kind {
            ValueKind::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.sam_policy(&format!("Policies[{i}]"), item);
                }
            }
            _ => self.sam_policy("Policies", policies),
        }
    }

    fn sam_policy(&mut self, path: &str, item: &Value) {
        let label = self.label(path);
        if let Some(s) = item.as_str() {
            self.out
                .skip(label, format!("managed policy `{s}`"), item.span);
            return;
        }
        if let Some((name, _)) = intrinsic(item) {
            if name == "Fn::If" {
                if let Some(resolved) = cfn::resolve(item) {
                    if resolved.as_object().is_some() {
                        self.sam_policy(path, &resolved);
                        return;
                    }
                }
            }
            self.out.skip(
                label,
                format!("managed policy computed at deploy time (`{name}`)"),
                item.span,
            );
            return;
        }
        let Some(members) = item.as_object() else {
            self.out.skip(label, "not a policy", item.span);
            return;
        };
        if item.get("Statement").is_some() {
            self.document(Some(PolicyKind::Identity), path, item);
        } else if let [template] = members {
            self.out.skip(
                label,
                format!("SAM policy template `{}`", template.key),
                item.span,
            );
        } else {
            self.out.skip(label, "not a policy", item.span);
        }
    }

    /// SAM API `Auth.ResourcePolicy.CustomStatements`: the statements of the API's resource
    /// policy (SAM adds `Version: 2012-10-17`).
    fn sam_api(&mut self, props: &Value) {
        let Some(custom) = props
            .get("Auth")
            .and_then(|a| a.get("ResourcePolicy"))
            .and_then(|r| r.as_object())
            .and_then(|m| m.iter().find(|m| &*m.key == "CustomStatements"))
        else {
            return;
        };
        let Some(statements) = cfn::resolve(&custom.value) else {
            return;
        };
        let doc = Value {
            span: custom.value.span,
            kind: ValueKind::Object(vec![
                synthetic("Version", "2012-10-17", custom.key_span),
                Member {
                    key: "Statement".into(),
                    key_span: custom.key_span,
                    value: statements,
                },
            ]),
        };
        let label = self.label("Auth.ResourcePolicy.CustomStatements");
        self.out
            .add_value(Some(PolicyKind::Resource), label, doc, self.ignore);
    }

    /// `AWS::Organizations::Policy`: `Content` is an SCP or an RCP by `Type`; other types (tag,
    /// backup, AI opt-out policies) are not IAM policies.
    fn organizations(&mut self, props: &Value) {
        let Some(content) = props.get("Content") else {
            return;
        };
        let kind = match props.get("Type").and_then(Value::as_str) {
            Some("SERVICE_CONTROL_POLICY") => PolicyKind::Scp,
            Some("RESOURCE_CONTROL_POLICY") => PolicyKind::Rcp,
            other => {
                let reason = match other {
                    Some(t) => format!("`{t}` is not an IAM policy"),
                    None => "policy type not given".to_string(),
                };
                self.out.skip(self.label("Content"), reason, content.span);
                return;
            }
        };
        self.document(Some(kind), "Content", content);
    }

    /// `AWS::Lambda::Permission` grants `Principal` the `Action` on `FunctionName`, under
    /// `SourceArn`, `SourceAccount`, `PrincipalOrgID` and `FunctionUrlAuthType`: it is checked as
    /// the statement it adds to the function's resource policy. The synthesised document's
    /// spans point at the properties.
    fn lambda_permission(&mut self, props: &Value) {
        let resolved = |name: &str| props.get(name).and_then(cfn::resolve);
        let member = |name: &str| {
            props
                .as_object()
                .and_then(|m| m.iter().find(|m| &*m.key == name))
        };
        let (Some(action), Some(principal), Some(function)) = (
            resolved("Action"),
            resolved("Principal"),
            resolved("FunctionName"),
        ) else {
            return;
        };
        let key_span = |name: &str| member(name).map_or(props.span, |m| m.key_span);
        let principal_value = match &principal.kind {
            ValueKind::String(p) if &**p == "*" => principal.clone(),
            ValueKind::String(p) if p.ends_with(".amazonaws.com") || p.ends_with(".amazon.com") => {
                object(
                    principal.span,
                    vec![("Service", principal.span, principal.clone())],
                )
            }
            _ => object(
                principal.span,
                vec![("AWS", principal.span, principal.clone())],
            ),
        };
        let resource = match &function.kind {
            ValueKind::String(name) if !name.starts_with("arn:") => Value {
                kind: ValueKind::Unresolved(
                    format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}")
                        .into(),
                ),
                span: function.span,
            },
            _ => function.clone(),
        };
        let mut conditions: Vec<(&str, Span, Value)> = Vec::new();
        for (property, operator, key) in [
            ("SourceArn", "ArnLike", "AWS:SourceArn"),
            ("SourceAccount", "StringEquals", "AWS:SourceAccount"),
            ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
            (
                "FunctionUrlAuthType",
                "StringEquals",
                "lambda:FunctionUrlAuthType",
            ),
        ] {
            if let Some(v) = resolved(property) {
                let span = key_span(property);
                if let Some(existing) = conditions.iter_mut().find(|(op, _, _)| *op == operator) {
                    if let ValueKind::Object(members) = &mut existing.2.kind {
                        members.push(Member {
                            key: key.into(),
                            key_span: span,
                            value: v,
                        });
                    }
                } else {
                    conditions.push((operator, span, object(v.span, vec![(key, span, v)])));
                }
            }
        }
        let mut statement = vec![
            (
                "Effect",
                key_span("Action"),
                string("Allow", key_span("Action")),
            ),
            ("Principal", key_span("Principal"), principal_value),
            ("Action", key_span("Action"), action),
            ("Resource", key_span("FunctionName"), resource),
        ];
        if !conditions.is_empty() {
            let span = conditions
                .iter()
                .map(|c| c.2.span)
                .reduce(Span::join)
                .unwrap_or(props.span);
            statement.push(("Condition", span, object(span, conditions)));
        }
        let doc = object(
            props.span,
            vec![
                ("Version", props.span, string("2012-10-17", props.span)),
                (
                    "Statement",
                    props.span,
                    Value {
                        kind: ValueKind::Array(vec![object(props.span, statement)]),
                        span: props.span,
                    },
                ),
            ],
        );
        let label = self.label("(AWS::Lambda::Permission statement)");
        self.out
            .add_value(Some(PolicyKind::Resource), label, doc, self.ignore);
    }
}

fn looks_like_json(s: &str) -> bool {
    s.trim_start().starts_with('{')
}

fn string(s: &str, span: Span) -> Value {
    Value {
        kind: ValueKind::String(s.into()),
        span,
    }
}

fn synthetic(key: &str, value: &str, span: Span) -> Member {
    Member {
        key: key.into(),
        key_span: span,
        value: string(value, span),
    }
}

fn object(span: Span, members: Vec<(&str, Span, Value)>) -> Value {
    Value {
        kind: ValueKind::Object(
            members
                .into_iter()
                .map(|(key, key_span, value)| Member {
                    key: key.into(),
                    key_span,
                    value,
                })
                .collect(),
        ),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{json, yaml};

    fn labels(t: &Template) -> Vec<(String, Option<PolicyKind>)> {
        t.policies
            .iter()
            .map(|p| (p.label.clone(), p.kind))
            .collect()
    }

    #[test]
    fn finds_role_and_sam_policies() {
        let text = "
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Role:
    Type: AWS::IAM::Role
    Metadata:
      iampol:
        ignore: [S001]
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: !Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - AWSLambdaBasicExecutionRole
        - S3ReadPolicy:
            BucketName: !Ref Bucket
        - Statement:
            - Effect: Allow
              Action: sqs:SendMessage
              Resource: !GetAtt Queue.Arn
";
        let v = yaml::parse(text).value.unwrap();
        assert!(is_cloudformation(&v));
        let t = read_cloudformation(&v, text);
        assert_eq!(
            labels(&t),
            vec![
                (
                    "Resources.Role.Properties.AssumeRolePolicyDocument".to_string(),
                    Some(PolicyKind::Trust)
                ),
                (
                    "Resources.Role.Properties.Policies[0].PolicyDocument".to_string(),
                    Some(PolicyKind::Identity)
                ),
                (
                    "Resources.Fn.Properties.Policies[2]".to_string(),
                    Some(PolicyKind::Identity)
                ),
            ]
        );
        assert_eq!(t.policies[0].ignore, vec!["S001".to_string()]);
        assert_eq!(t.skipped.len(), 2);
        assert_eq!(t.skipped[1].reason, "SAM policy template `S3ReadPolicy`");
        let doc = t.policies[1].value.as_ref().unwrap();
        let resource = &doc.get("Statement").unwrap();
        let ValueKind::Array(st) = &resource.kind else {
            panic!()
        };
        let r = st[0].get("Resource").unwrap();
        assert!(
            matches!(&r.kind, ValueKind::Unresolved(s) if &**s == "arn:${AWS::Partition}:s3:::${Bucket}/*")
        );
        assert_eq!(
            &text[r.span.range()],
            "!Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'"
        );
    }

    #[test]
    fn json_templates_and_policies_in_strings() {
        let text = r#"{"Resources": {
  "P": {"Type": "AWS::Logs::ResourcePolicy", "Properties": {"PolicyDocument": "{\"Statement\": [{\"Effect\": \"Allow\"}]}"}},
  "Q": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"PolicyDocument": {"Fn::Sub": "{\"Statement\": [{\"Resource\": \"${Queue.Arn}\"}]}"}}},
  "O": {"Type": "AWS::Organizations::Policy", "Properties": {"Type": "TAG_POLICY", "Content": {}}}
}}"#;
        let v = json::parse(text).value.unwrap();
        assert!(is_cloudformation(&v));
        let t = read_cloudformation(&v, text);
        assert_eq!(t.policies.len(), 2);
        let p = t.policies[0].value.as_ref().unwrap();
        let ValueKind::Array(st) = &p.get("Statement").unwrap().kind else {
            panic!()
        };
        assert_eq!(
            &text[st[0].get("Effect").unwrap().span.range()],
            r#"\"Allow\""#
        );
        let q = t.policies[1].value.as_ref().unwrap();
        let ValueKind::Array(st) = &q.get("Statement").unwrap().kind else {
            panic!()
        };
        assert!(matches!(
            st[0].get("Resource").unwrap().kind,
            ValueKind::Unresolved(_)
        ));
        assert_eq!(t.skipped[0].reason, "`TAG_POLICY` is not an IAM policy");
    }

    #[test]
    fn a_lambda_permission_is_a_statement() {
        let text = "Resources:\n  P:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: !Ref Fn\n      Principal: s3.amazonaws.com\n      SourceArn: !GetAtt Bucket.Arn\n";
        let v = yaml::parse(text).value.unwrap();
        let t = read_cloudformation(&v, text);
        let doc = t.policies[0].value.as_ref().unwrap();
        let ValueKind::Array(st) = &doc.get("Statement").unwrap().kind else {
            panic!()
        };
        let service = st[0].get("Principal").unwrap().get("Service").unwrap();
        assert_eq!(&text[service.span.range()], "s3.amazonaws.com");
        assert!(st[0].get("Condition").unwrap().get("ArnLike").is_some());
    }
}
