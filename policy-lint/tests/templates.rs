//! Linting templates: hand-checked files of the corpus (the policies found, their kinds and
//! labels, findings at the right line and column), intrinsics that never cause errors,
//! suppression by resource metadata, files that are not templates.

use std::path::Path;

use policy_core::PolicyKind;
use policy_lint::file::{FileFormat, FileReport};
use policy_lint::{lint_file, Settings};

fn corpus(rel: &str) -> (String, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/templates")
        .join(rel);
    (rel.to_string(), std::fs::read_to_string(path).unwrap())
}

/// `(code, line, column)` of each finding.
fn positions(text: &str, report: &FileReport) -> Vec<(&'static str, usize, usize)> {
    report
        .findings
        .iter()
        .map(|f| {
            let before = &text[..f.span.start as usize];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
            (f.rule.code, line, column)
        })
        .collect()
}

fn located(report: &FileReport) -> Vec<(&str, PolicyKind)> {
    report
        .located
        .iter()
        .map(|p| (p.label.as_str(), p.kind))
        .collect()
}

fn lint(name: &str, text: &str) -> FileReport {
    lint_file(name, text, None, &Settings::default())
}

#[test]
fn sam_template_with_roles_and_a_queue_policy() {
    let (name, text) =
        corpus("serverless-patterns/apigw-rest-api-eventbridge-sqs-sam/template.yml");
    let report = lint(&name, &text);
    assert_eq!(report.format, FileFormat::CloudFormation);
    assert_eq!(
        located(&report),
        [
            (
                "Resources.ApiGatewayEventBridgeRole.Properties.AssumeRolePolicyDocument",
                PolicyKind::Trust
            ),
            (
                "Resources.ApiGatewayEventBridgeRole.Properties.Policies[0].PolicyDocument",
                PolicyKind::Identity
            ),
            (
                "Resources.CloudWatchRole.Properties.AssumeRolePolicyDocument",
                PolicyKind::Trust
            ),
            (
                "Resources.EventBridgeToToQeuPolicy.Properties.PolicyDocument",
                PolicyKind::Resource
            ),
        ]
    );
    // The queue policy has no `Version` (its `Statement` is on line 175) and lets
    // `events.amazonaws.com` in without a source condition (line 178, at the service name).
    let found = positions(&text, &report);
    assert!(found.contains(&("C006", 175, 9)), "{found:?}");
    assert!(found.contains(&("S020", 178, 22)), "{found:?}");
    let s020 = report
        .findings
        .iter()
        .find(|f| f.rule.code == "S020")
        .unwrap();
    assert_eq!(&text[s020.span.range()], "events.amazonaws.com");
}

#[test]
fn terraform_jsonencode_and_policy_document() {
    let (name, text) = corpus("serverless-patterns/eventbridge-schedule-to-sns-tf/main.tf");
    let report = lint(&name, &text);
    assert_eq!(report.format, FileFormat::Terraform);
    assert_eq!(
        located(&report),
        [
            (
                "aws_iam_policy.eventbridge_scheduler_policy.policy",
                PolicyKind::Identity
            ),
            (
                "aws_iam_role.eventbridge_scheduler_role.assume_role_policy",
                PolicyKind::Trust
            ),
            // The data source takes the kind of the attribute that uses it.
            (
                "data.aws_iam_policy_document.sns_topic_policy",
                PolicyKind::Resource
            ),
        ]
    );
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    let found = positions(&text, &report);
    assert!(found.contains(&("S020", 59, 22)), "{found:?}");
    let s020 = report
        .findings
        .iter()
        .find(|f| f.rule.code == "S020")
        .unwrap();
    assert_eq!(&text[s020.span.range()], "\"events.amazonaws.com\"");
}

#[test]
fn cloudformation_json_role() {
    let (name, text) = corpus(
        "checkov/tests/cloudformation/checks/resource/aws/example_IAMAdminPolicyDocument/iam_role.pass.json",
    );
    let report = lint(&name, &text);
    assert_eq!(
        located(&report),
        [
            (
                "Resources.RootRole.Properties.AssumeRolePolicyDocument",
                PolicyKind::Trust
            ),
            (
                "Resources.RootRole.Properties.Policies[0].PolicyDocument",
                PolicyKind::Identity
            ),
        ]
    );
    let found = positions(&text, &report);
    assert!(found.contains(&("C102", 32, 35)), "{found:?}");
    let c102 = report
        .findings
        .iter()
        .find(|f| f.rule.code == "C102")
        .unwrap();
    assert_eq!(&text[c102.span.range()], "\"s3:HeadBucket\"");
}

const ROLE: &str = "AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Metadata:
      iampol:
        ignore: [security, suggestion, suspicious, unknown-action]
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [s3:GetObjekt, !Sub '${Service}:Get*']
                Resource: arn:aws:s3:::logs/*
              - Effect: Allow
                Action: s3:GetObject
                Resource: '*'
              - Effect: Allow
                Action: s3:GetObject
                Resource:
                  - !Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'
                  - !GetAtt Bucket.Arn
                  - !Join ['', ['arn:aws:s3:::', !Ref Bucket, '/*']]
                  - !ImportValue SharedBucketArn
                Condition:
                  StringEquals:
                    aws:SourceAccount: !Ref AWS::AccountId
                  Bool: !If [IsProd, {aws:SecureTransport: 'true'}, !Ref AWS::NoValue]
";

#[test]
fn intrinsics_never_cause_errors() {
    let text = ROLE.replace(
        "        ignore: [security, suggestion, suspicious, unknown-action]\n",
        "        ignore: []\n",
    );
    let report = lint("t.yaml", &text);
    assert_eq!(report.policies, 2);
    // The only correctness finding is the misspelt action: no stand-in is taken for an
    // invalid ARN, an unknown service or a policy variable where none is allowed.
    let correctness: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule.category == policy_lint::Category::Correctness)
        .map(|f| &text[f.span.range()])
        .collect();
    assert_eq!(correctness, ["s3:GetObjekt"], "{:#?}", report.findings);
    // Rules still see the literal parts: the `*` resource is reported.
    assert!(report.findings.iter().any(|f| f.rule.code == "S003"));
}

#[test]
fn metadata_suppresses_codes_and_names() {
    let report = lint("t.yaml", ROLE);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let json = r#"{"Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy",
      "Metadata": {"iampol": {"ignore": ["C1"]}},
      "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"}]}}}}}"#;
    assert!(lint("t.json", json).findings.is_empty());
    let unsuppressed = json.replace("[\"C1\"]", "[]");
    assert_eq!(lint("t.json", &unsuppressed).findings.len(), 1);
}

#[test]
fn terraform_comments_suppress_codes_and_names() {
    let tf = r#"
# iampol: ignore C1
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObjekt", Resource = "arn:aws:s3:::b/*" }] })
}
"#;
    assert!(lint("main.tf", tf).findings.is_empty());
    let unsuppressed = tf.replace("# iampol: ignore C1", "# reviewed");
    assert_eq!(lint("main.tf", &unsuppressed).findings.len(), 1);
}

#[test]
fn files_that_are_not_templates_yield_nothing() {
    for (name, text) in [
        (
            "docker-compose.yaml",
            "services:\n  web:\n    image: nginx\n",
        ),
        ("broken.yml", "a: [1,\nb: 2\n"),
        (
            "k8s.yaml",
            "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Service\n",
        ),
        ("empty.yaml", ""),
        ("vars.tf", "variable \"x\" {\n  default = 1\n}\n"),
    ] {
        let report = lint(name, text);
        assert!(report.findings.is_empty(), "{name}: {:#?}", report.findings);
        assert_eq!(report.policies, 0, "{name}");
    }
}

#[test]
fn unreadable_templates_are_reported_where_they_break() {
    let report = lint(
        "t.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n",
    );
    assert_eq!(report.findings.len(), 1);
    let f = &report.findings[0];
    assert_eq!(f.rule.name, "json-syntax");
    assert!(f.message.starts_with("invalid YAML: "), "{}", f.message);
    let report = lint(
        "main.tf",
        "resource \"aws_iam_policy\" \"p\" {\n  policy = \n}\n",
    );
    assert_eq!(report.findings.len(), 1);
    assert!(report.findings[0].message.starts_with("invalid HCL: "));
    assert!(report.findings[0].span.start > 0);
    let report = lint(
        "t.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\n---\nResources: {}\n",
    );
    assert!(report.findings[0]
        .message
        .contains("more than one YAML document"));
}

#[test]
fn json_inside_strings_points_into_the_file() {
    // A heredoc with an interpolation, and a quoted string with escapes.
    let tf = r#"resource "aws_s3_bucket_policy" "b" {
  policy = <<-EOF
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
      "Action": "s3:GetObjekt", "Resource": "${aws_s3_bucket.b.arn}/*"}]}
  EOF
}
resource "aws_iam_policy" "p" {
  policy = "{\"Version\": \"2012-10-17\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:PutObjekt\", \"Resource\": \"*\"}}"
}
"#;
    let report = lint("main.tf", tf);
    let unknown: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule.code == "C102")
        .map(|f| &tf[f.span.range()])
        .collect();
    assert_eq!(unknown, ["\"s3:GetObjekt\"", "\\\"s3:PutObjekt\\\""]);
    // Fixes are JSON edits: the escaped string's are shown only (no edits); the heredoc's,
    // which holds the JSON verbatim, apply and leave a file that still reads.
    let escaped_from = tf.find("resource \"aws_iam_policy\"").unwrap();
    for f in &report.findings {
        if let Some(fix) = &f.fix {
            if f.span.start as usize > escaped_from {
                assert!(fix.edits.is_empty(), "{}", fix.message);
            }
        }
    }
    let fixed = policy_lint::fix::apply_edits(
        tf,
        &report.findings,
        policy_lint::Applicability::DisplayOnly,
    )
    .text;
    let again = lint("main.tf", &fixed);
    assert_eq!(again.policies, 2, "{fixed}");
    assert!(
        again.findings.iter().all(|f| f.rule.code != "C001"),
        "{fixed}"
    );
}

#[test]
fn terraform_plan() {
    let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.5",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_iam_role.r", "type": "aws_iam_role", "name": "r",
     "values": {"assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}"}}
  ]}}}"#;
    let report = lint("plan.json", plan);
    assert_eq!(report.format, FileFormat::TerraformPlan);
    assert_eq!(
        located(&report),
        [("aws_iam_role.r.assume_role_policy", PolicyKind::Trust)]
    );
    assert!(!report.findings.is_empty());
    for f in &report.findings {
        let s = &plan[f.span.range()];
        assert!(!s.is_empty() && plan.contains(s));
    }
    assert!(report
        .findings
        .iter()
        .any(|f| &plan[f.span.range()] == "\\\"*\\\""));
}

#[test]
fn api_gateway_shorthand_resources_are_not_invalid_arns() {
    let text = "Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Policy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: '*'
            Action: execute-api:Invoke
            Resource: execute-api:/*
            Condition:
              StringEquals:
                aws:SourceVpce: vpce-1234567890abcdef0
";
    let report = lint("t.yaml", text);
    assert!(
        !report.findings.iter().any(|f| f.rule.code == "C109"),
        "{:#?}",
        report.findings
    );
}

/// The labels of the policies with a `missing-resource` finding.
fn missing_resource(report: &FileReport, text: &str) -> Vec<(usize, usize)> {
    positions(text, report)
        .into_iter()
        .filter(|(code, _, _)| *code == "C011")
        .map(|(_, line, column)| (line, column))
        .collect()
}

// Amazon ECR User Guide, "Private repository policy examples": repository policy statements
// have `Principal`, `Effect` and `Action` and no `Resource` (the policy applies to the
// repository it is attached to). A bucket policy still needs one.
#[test]
fn ecr_repository_policies_need_no_resource_cloudformation() {
    let text = "\
Resources:
  Repo:
    Type: AWS::ECR::Repository
    Properties:
      RepositoryName: app
      RepositoryPolicyText:
        Version: '2012-10-17'
        Statement:
          - Sid: AllowPushPull
            Effect: Allow
            Principal:
              AWS: arn:aws:iam::111122223333:root
            Action:
              - ecr:BatchGetImage
              - ecr:GetDownloadUrlForLayer
  Bucket:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: reports
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: arn:aws:iam::111122223333:root
            Action: s3:GetObject
";
    let report = lint("template.yaml", text);
    assert_eq!(report.format, FileFormat::CloudFormation);
    assert_eq!(report.policies, 2);
    // Only the bucket policy's statement (line 23, column 13) lacks a resource.
    assert_eq!(missing_resource(&report, text), [(23, 13)]);
}

#[test]
fn ecr_repository_policies_need_no_resource_terraform() {
    let text = r#"
resource "aws_ecr_repository_policy" "repo" {
  repository = aws_ecr_repository.repo.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowPull"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    }]
  })
}
resource "aws_s3_bucket_policy" "b" {
  bucket = "reports"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
      Action    = "s3:GetObject"
    }]
  })
}
"#;
    let report = lint("main.tf", text);
    assert_eq!(report.policies, 2);
    assert_eq!(missing_resource(&report, text), [(18, 18)]);
}

// `aws ecr get-repository-policy` (AWS CLI Command Reference): `registryId`,
// `repositoryName` and `policyText`, the policy as a string.
#[test]
fn ecr_repository_policies_need_no_resource_aws_cli() {
    let text = r#"{
    "registryId": "111122223333",
    "repositoryName": "app",
    "policyText": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowPull\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":[\"ecr:BatchGetImage\",\"ecr:GetDownloadUrlForLayer\"]}]}"
}
"#;
    let report = lint("repo.json", text);
    assert_eq!(report.format, FileFormat::AwsCli);
    assert_eq!(report.policies, 1);
    assert_eq!(missing_resource(&report, text), []);
    // The same document from `aws s3api get-bucket-policy` still needs a resource.
    let bucket = text
        .replace("\"registryId\": \"111122223333\",\n", "")
        .replace("\"repositoryName\": \"app\",\n", "")
        .replace("policyText", "Policy");
    let report = lint("bucket.json", &bucket);
    assert_eq!(report.format, FileFormat::AwsCli);
    assert_eq!(missing_resource(&report, &bucket).len(), 1);
}

#[test]
fn ecr_repository_policies_need_no_resource_terraform_plan() {
    let statement = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"ecr:BatchGetImage\"}]}"#;
    let text = format!(
        r#"{{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {{"root_module": {{"resources": [
  {{"address": "aws_ecr_repository_policy.r", "type": "aws_ecr_repository_policy", "values": {{"policy": "{statement}"}}}},
  {{"address": "aws_s3_bucket_policy.b", "type": "aws_s3_bucket_policy", "values": {{"policy": "{statement}"}}}}
]}}}}}}"#
    );
    let report = lint("plan.json", &text);
    assert_eq!(report.format, FileFormat::TerraformPlan);
    assert_eq!(report.policies, 2);
    // Only the bucket policy (line 3) lacks a resource.
    let lines: Vec<usize> = missing_resource(&report, &text)
        .into_iter()
        .map(|(line, _)| line)
        .collect();
    assert_eq!(lines, [3]);
}

/// An unresolved Terraform expression is never a provider host or a condition key name. The
/// IAM User Guide ("Create a role for `OpenID` Connect federation") has the trust policy of an
/// OIDC provider test `<provider host>:aud` and `<provider host>:sub`; in Terraform the host is
/// usually a variable or the provider resource's `url`, so the key is `"${...}:sub"`, and the
/// Federated principal a reference. Neither is a host to compare, nor a key to look up.
#[test]
fn terraform_expressions_are_no_hosts_or_keys() {
    let text = r#"
data "aws_iam_policy_document" "irsa" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::111122223333:oidc-provider/${var.oidc_host}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${replace(aws_iam_openid_connect_provider.eks.url, "https://", "")}:sub"
      values   = ["system:serviceaccount:default:app"]
    }
  }
}

resource "aws_iam_role" "irsa" {
  assume_role_policy = data.aws_iam_policy_document.irsa.json
}

resource "aws_iam_role" "encoded" {
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.eks.arn }
      Condition = { StringEquals = { "${local.oidc_issuer}:aud" = "sts.amazonaws.com" } }
    }]
  })
}

resource "aws_iam_role" "open" {
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.eks.arn }
    }]
  })
}

data "aws_iam_policy_document" "tagged" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::reports/*"]
    condition {
      test     = "StringEquals"
      variable = local.tag_key
      values   = ["x"]
    }
  }
}

resource "aws_iam_policy" "tagged" {
  policy = data.aws_iam_policy_document.tagged.json
}
"#;
    let settings = Settings {
        select: vec!["ALL".to_string()],
        ..Settings::default()
    };
    let report = lint_file("main.tf", text, None, &settings);
    for f in &report.findings {
        assert!(
            !f.message.contains("${") && !f.message.contains("aws_iam_openid_connect_provider"),
            "an expression used as a name: {} {}",
            f.rule.code,
            f.message
        );
    }
    // The role with no claim condition at all is still reported, at its principal (line 40).
    let s024: Vec<_> = positions(text, &report)
        .into_iter()
        .filter(|(code, ..)| *code == "S024")
        .collect();
    assert_eq!(s024, [("S024", 40, 33)]);
}
