#![expect(
    clippy::doc_markdown,
    reason = "the docs name AWS products and API calls in prose"
)]
//! One test per class of resource mistake the generator must not make (issue: policies a team
//! can apply without fear). Each is built from a real event of `corpus/cloudtrail/` or from an
//! event written in the record shape the CloudTrail User Guide documents ("CloudTrail record
//! contents for management, data, and network activity events"; EC2 query-style parameters
//! such as `instancesSet.items[]` as in its "Amazon EC2 RunInstances" example). Expected ARNs
//! come from the Service Authorization Reference's ARN formats, not from the generator.

use std::io::Cursor;
use std::path::PathBuf;

use policy_lint::generate::aggregate::{Activity, FailedCalls, PrincipalActivity, Selection};
use policy_lint::generate::cloudtrail::{Input, ReadOptions};
use policy_lint::generate::read_activity;
use serde_json::{json, Value};

const USER: &str = "arn:aws:iam::111122223333:user/alice";

/// A management event as CloudTrail records it (eventVersion 1.08 shape), by IAM user
/// `alice` of account 111122223333 in us-east-1.
fn event(source: &str, name: &str, params: &Value, response: &Value) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": USER,
                         "accountId": "111122223333", "accessKeyId": "AKIAEXAMPLE", "userName": "alice"},
        "eventTime": "2024-08-01T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": params,
        "responseElements": response,
        "requestID": "0f3b1c2e-0000-4000-8000-000000000000",
        "eventID": "5b2d4c1a-0000-4000-8000-000000000000",
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    })
}

fn read_events(events: &[Value], failed_calls: FailedCalls) -> Activity {
    let bytes = serde_json::to_vec(&json!({ "Records": events })).unwrap();
    read_activity(
        vec![Input::Stream {
            name: "test".into(),
            reader: Box::new(Cursor::new(bytes)),
        }],
        Selection {
            failed_calls,
            ..Selection::default()
        },
        &ReadOptions::default(),
        None,
    )
}

fn alice(events: &[Value]) -> PrincipalActivity {
    read_events(events, FailedCalls::Omit)
        .principals
        .remove(USER)
        .expect("alice's activity")
}

fn resources(p: &PrincipalActivity, action: &str) -> Vec<String> {
    p.actions
        .get(action)
        .map(|a| a.resources.keys().cloned().collect())
        .unwrap_or_default()
}

fn corpus_events(file: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/cloudtrail/stratus-red-team-detonation-logs")
        .join(file);
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn corpus_activity(file: &str) -> Activity {
    read_events(&corpus_events(file), FailedCalls::Omit)
}

#[test]
fn run_instances_covers_every_required_type_from_nested_values() {
    // Amazon EC2 User Guide, Launch instances (RunInstances): an AMI, the instance, a subnet,
    // a network interface, a security group and volumes are all authorized.
    let params = json!({
        "instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 1, "maxCount": 1}]},
        "instanceType": "t3.micro",
        "blockDeviceMapping": {},
        "subnetId": "subnet-0123456789abcdef0",
        "groupSet": {"items": [{"groupId": "sg-0123456789abcdef0"}]}
    });
    let response = json!({"instancesSet": {"items": [{
        "instanceId": "i-0123456789abcdef0", "imageId": "ami-0abcdef1234567890",
        "networkInterfaceSet": {"items": [{"networkInterfaceId": "eni-0123456789abcdef0"}]}}]}});
    let p = alice(&[event(
        "ec2.amazonaws.com",
        "RunInstances",
        &params,
        &response,
    )]);
    let got = resources(&p, "ec2:RunInstances");
    let mut want = [
        "arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890",
        "arn:aws:ec2:us-east-1:111122223333:instance/*",
        "arn:aws:ec2:us-east-1:111122223333:network-interface/*",
        "arn:aws:ec2:us-east-1:111122223333:security-group/sg-0123456789abcdef0",
        "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-0123456789abcdef0",
        "arn:aws:ec2:us-east-1:111122223333:volume/*",
    ];
    want.sort_unstable();
    assert_eq!(got, want);
}

#[test]
fn no_arn_has_an_empty_segment_or_an_unfilled_template() {
    // IAM API Reference, CreateRole: `Path` defaults to `/`; the role's ARN is
    // `role/<path without leading slash><name>`.
    let p = alice(&[
        event(
            "iam.amazonaws.com",
            "CreateRole",
            &json!({"roleName": "app", "path": "/", "assumeRolePolicyDocument": "{}"}),
            &Value::Null,
        ),
        event(
            "iam.amazonaws.com",
            "CreateRole",
            &json!({"roleName": "svc", "path": "/service-role/", "assumeRolePolicyDocument": "{}"}),
            &Value::Null,
        ),
    ]);
    assert_eq!(
        resources(&p, "iam:CreateRole"),
        [
            "arn:aws:iam::111122223333:role/app",
            "arn:aws:iam::111122223333:role/service-role/svc"
        ]
    );
    for a in p.actions.values() {
        for r in a.resources.keys() {
            let tail = r.splitn(6, ':').nth(5).unwrap_or_default();
            assert!(
                !tail.contains("//") && !tail.ends_with('/') && !r.contains("%%"),
                "{r}"
            );
        }
    }
}

#[test]
fn the_events_own_arn_wins_over_a_template() {
    // Real event: Lambda UpdateFunctionCode names the function by ARN.
    let a = corpus_activity("aws.persistence.lambda-overwrite-code.json");
    let (_, p) = a
        .principals
        .iter()
        .find(|(_, p)| p.actions.contains_key("lambda:UpdateFunctionCode"))
        .unwrap();
    assert_eq!(
        resources(p, "lambda:UpdateFunctionCode"),
        ["arn:aws:lambda:ap-westeast-2r:266106314375:function:stratus-red-team-olc-func-vayhjqkdav"]
    );
    // A response ARN gives what the request named; parts AWS assigned become `*`
    // (CloudFormation: a stack ID ends with a UUID assigned at creation).
    let p = alice(&[event(
        "cloudformation.amazonaws.com",
        "CreateStack",
        &json!({"stackName": "web", "templateURL": "https://example.com/t.json"}),
        &json!({"stackId": "arn:aws:cloudformation:us-east-1:111122223333:stack/web/4f2a3c80-0000-4000-8000-000000000000"}),
    )]);
    assert_eq!(
        resources(&p, "cloudformation:CreateStack"),
        ["arn:aws:cloudformation:us-east-1:111122223333:stack/web/*"]
    );
}

#[test]
fn resources_aws_owns_take_aws_form() {
    // Real event: SSM SendCommand with the AWS-owned document AWS-RunShellScript, whose ARN
    // has no account (SSM API Reference, CreateDocument: names starting with `AWS` are
    // reserved for AWS).
    let a = corpus_activity("aws.execution.ssm-send-command.json");
    let p = a
        .principals
        .values()
        .find(|p| p.actions.contains_key("ssm:SendCommand"))
        .unwrap();
    let got = resources(p, "ssm:SendCommand");
    assert!(
        got.iter()
            .any(|r| r.starts_with("arn:aws:ssm:") && r.ends_with("::document/AWS-RunShellScript")),
        "{got:?}"
    );
    assert!(
        got.iter().all(|r| !r.contains("managed-instance")),
        "{got:?}"
    );
    // Real event: Bedrock InvokeModel of a foundation model (AWS-owned, no account).
    let a = corpus_activity("aws.impact.bedrock-invoke-model.json");
    let p = a
        .principals
        .values()
        .find(|p| p.actions.contains_key("bedrock:InvokeModel"))
        .unwrap();
    assert_eq!(
        resources(p, "bedrock:InvokeModel"),
        ["arn:aws:bedrock:megov-northeast-1r::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0"]
    );
}

#[test]
fn multi_type_calls_resolve_to_the_type_named() {
    // Real event: SSM StartSession whose target is an instance ID: the instance, not every
    // type StartSession supports.
    let a = corpus_activity("aws.execution.ssm-start-session.json");
    let p = a
        .principals
        .values()
        .find(|p| p.actions.contains_key("ssm:StartSession"))
        .unwrap();
    let got = resources(p, "ssm:StartSession");
    assert!(!got.is_empty());
    assert!(
        got.iter()
            .all(|r| r.contains(":ec2:") && r.contains(":instance/i-")),
        "{got:?}"
    );
    // EC2 CreateTags as CloudTrail logs it (`resourcesSet.items[].resourceId`): the types of
    // the IDs named.
    let p = alice(&[event(
        "ec2.amazonaws.com",
        "CreateTags",
        &json!({"resourcesSet": {"items": [{"resourceId": "vol-0123456789abcdef0"},
                                          {"resourceId": "i-0123456789abcdef0"}]},
                "tagSet": {"items": [{"key": "team", "value": "a"}]}}),
        &json!({"_return": true}),
    )]);
    assert_eq!(
        resources(&p, "ec2:CreateTags"),
        [
            "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0",
            "arn:aws:ec2:us-east-1:111122223333:volume/vol-0123456789abcdef0",
        ]
    );
    // Real event: a flow log ID nested as EC2 logs DeleteFlowLogs.
    let a = corpus_activity("aws.defense-evasion.vpc-remove-flow-logs.json");
    let p = a
        .principals
        .values()
        .find(|p| p.actions.contains_key("ec2:DeleteFlowLogs"))
        .unwrap();
    assert_eq!(
        resources(p, "ec2:DeleteFlowLogs"),
        ["arn:aws:ec2:megov-south-1r:498376118699:vpc-flow-log/fl-0e17aa62a21d4bbfe"]
    );
}

#[test]
fn known_wrong_map_entries_are_corrected() {
    let p = alice(&[
        // CloudTrail User Guide, CreateTrail: the bucket policy lets CloudTrail write; the
        // caller needs no s3:PutObject.
        event(
            "cloudtrail.amazonaws.com",
            "CreateTrail",
            &json!({"name": "org-trail", "s3BucketName": "trail-logs", "isMultiRegionTrail": true}),
            &json!({"name": "org-trail", "s3BucketName": "trail-logs",
                    "trailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"}),
        ),
        // Secrets Manager CreateSecret names the secret by `name`; its ARN ends with six
        // random characters.
        event(
            "secretsmanager.amazonaws.com",
            "CreateSecret",
            &json!({"name": "db/password", "clientRequestToken": "a1b2c3d4-0000-4000-8000-000000000000"}),
            &json!({"aRN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db/password-Ab12Cd", "name": "db/password"}),
        ),
        // S3 control API (access points) logged by s3.amazonaws.com: an s3 action.
        event(
            "s3.amazonaws.com",
            "GetAccessPointPolicy",
            &json!({"name": "reports-ap", "accountId": "111122223333"}),
            &Value::Null,
        ),
    ]);
    assert!(
        !p.actions.contains_key("s3:PutObject"),
        "{:?}",
        p.actions.keys()
    );
    assert_eq!(
        resources(&p, "cloudtrail:CreateTrail"),
        ["arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"]
    );
    assert_eq!(
        resources(&p, "secretsmanager:CreateSecret"),
        ["arn:aws:secretsmanager:us-east-1:111122223333:secret:db/password-??????"]
    );
    assert!(p.actions.keys().all(|a| !a.starts_with("s3-outposts:")));
    assert_eq!(
        resources(&p, "s3:GetAccessPointPolicy"),
        ["arn:aws:s3:us-east-1:111122223333:accesspoint/reports-ap"]
    );
    // Real event: GetFederationToken names the federated user.
    let a = corpus_activity("aws.persistence.sts-federation-token.json");
    let p = a
        .principals
        .values()
        .find(|p| p.actions.contains_key("sts:GetFederationToken"))
        .unwrap();
    assert_eq!(
        resources(p, "sts:GetFederationToken"),
        ["arn:aws:sts::742491224508:federated-user/stratus_red_team"]
    );
}

#[test]
fn failed_and_parameterless_calls_never_widen_a_grant() {
    let events = [
        // Throttled before authorization, and naming nothing.
        {
            let mut e = event(
                "secretsmanager.amazonaws.com",
                "GetSecretValue",
                &Value::Null,
                &Value::Null,
            );
            e["errorCode"] = json!("ThrottlingException");
            e
        },
        // Not found, naming a secret by ARN.
        {
            let mut e = event(
                "secretsmanager.amazonaws.com",
                "DescribeSecret",
                &json!({"secretId": "arn:aws:secretsmanager:us-east-1:111122223333:secret:gone-Ab12Cd"}),
                &Value::Null,
            );
            e["errorCode"] = json!("ResourceNotFoundException");
            e
        },
        // Succeeded but the record names no parameter at all.
        event(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            &Value::Null,
            &Value::Null,
        ),
        event(
            "secretsmanager.amazonaws.com",
            "ListSecrets",
            &Value::Null,
            &Value::Null,
        ),
    ];
    let omit = read_events(&events, FailedCalls::Omit);
    let p = omit.principals.get(USER).unwrap();
    assert!(!p.actions.contains_key("secretsmanager:GetSecretValue"));
    assert!(!p.actions.contains_key("secretsmanager:DescribeSecret"));
    assert_eq!(resources(p, "secretsmanager:ListSecrets"), ["*"]);
    assert_eq!(p.left_out.values().sum::<u64>(), 3, "{:?}", p.left_out);
    // Kept where the ARN is known exactly: the not-found call's ARN, nothing for the others.
    let known = read_events(&events, FailedCalls::KnownArns);
    let p = known.principals.get(USER).unwrap();
    assert_eq!(
        resources(p, "secretsmanager:DescribeSecret"),
        ["arn:aws:secretsmanager:us-east-1:111122223333:secret:gone-Ab12Cd"]
    );
    assert!(!p.actions.contains_key("secretsmanager:GetSecretValue"));
    // Real event: DeleteLoginProfile failed with EntityTemporarilyUnmodifiable.
    let a = corpus_activity("aws.persistence.iam-create-user-login-profile.json");
    let p = a
        .principals
        .values()
        .find(|p| p.actions.contains_key("iam:CreateLoginProfile"))
        .unwrap();
    assert!(!p.actions.contains_key("iam:DeleteLoginProfile"));
    assert!(p.left_out.keys().any(|k| k.contains("DeleteLoginProfile")));
}

#[test]
fn pass_role_only_for_roles_really_passed() {
    // Real event: Roles Anywhere CreateProfile passes the roles of `roleArns`.
    let a = corpus_activity("aws.persistence.rolesanywhere-create-trust-anchor.json");
    let p = a
        .principals
        .values()
        .find(|p| p.actions.contains_key("rolesanywhere:CreateProfile"))
        .unwrap();
    assert_eq!(
        resources(p, "iam:PassRole"),
        ["arn:aws:iam::791182566784:role/stratus-red-team-trust-anchor-role"]
    );
    // RunInstances with an instance profile: the role is known only from an IAM call of the
    // same trail (IAM API Reference, AddRoleToInstanceProfile).
    let run = event(
        "ec2.amazonaws.com",
        "RunInstances",
        &json!({"instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890"}]},
                "iamInstanceProfile": {"name": "web-profile"}}),
        &Value::Null,
    );
    let p = alice(std::slice::from_ref(&run));
    assert!(!p.actions.contains_key("iam:PassRole"), "{:?}", p.actions);
    assert_eq!(
        p.pass_role_unresolved.iter().collect::<Vec<_>>(),
        ["111122223333/web-profile"]
    );
    let link = event(
        "iam.amazonaws.com",
        "AddRoleToInstanceProfile",
        &json!({"instanceProfileName": "web-profile", "roleName": "web"}),
        &Value::Null,
    );
    let p = alice(&[run, link]);
    assert_eq!(
        resources(&p, "iam:PassRole"),
        ["arn:aws:iam::111122223333:role/web"]
    );
    assert!(p.pass_role_unresolved.is_empty());
    for a in p.actions.values() {
        assert!(a.resources.keys().all(|r| !r.ends_with(":role/*")));
    }
}

#[test]
fn iam_calls_without_a_user_name_act_on_the_caller() {
    // IAM API Reference, ListAccessKeys: "If the UserName is not specified, the user name is
    // determined implicitly based on the AWS access key ID used to sign the request."
    let p = alice(&[event(
        "iam.amazonaws.com",
        "ListAccessKeys",
        &json!({}),
        &Value::Null,
    )]);
    assert_eq!(resources(&p, "iam:ListAccessKeys"), [USER]);
}

#[test]
fn multi_action_calls_read_each_actions_own_resource() {
    // S3 API Reference, CopyObject: s3:GetObject on the source (`x-amz-copy-source`, as
    // CloudTrail logs the header) and s3:PutObject on the destination; `resources[]` lists
    // the destination.
    let mut e = event(
        "s3.amazonaws.com",
        "CopyObject",
        &json!({"bucketName": "dst", "key": "c.csv", "x-amz-copy-source": "src/a%2Bb/c.csv?versionId=7"}),
        &Value::Null,
    );
    e["resources"] = json!([
        {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::dst/c.csv"},
        {"accountId": "111122223333", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::dst"}
    ]);
    let p = alice(&[e]);
    assert_eq!(
        resources(&p, "s3:GetObject"),
        ["arn:aws:s3:::src/a+b/c.csv"]
    );
    assert_eq!(resources(&p, "s3:PutObject"), ["arn:aws:s3:::dst/c.csv"]);
    assert!(!p.actions.contains_key("s3:ListBucket"));
}

#[test]
fn created_and_implied_types_are_covered() {
    let p = alice(&[
        // EC2 CreateSnapshot authorizes the volume and the snapshot it creates (ID only in
        // the response: `snapshot/*`; snapshot ARNs have no account).
        event(
            "ec2.amazonaws.com",
            "CreateSnapshot",
            &json!({"volumeId": "vol-0123456789abcdef0"}),
            &json!({"snapshotId": "snap-0123456789abcdef0", "volumeId": "vol-0123456789abcdef0"}),
        ),
        // Glue GetTable authorizes the account's catalog, the database and the table.
        event(
            "glue.amazonaws.com",
            "GetTable",
            &json!({"databaseName": "sales", "name": "orders"}),
            &Value::Null,
        ),
        // A secret named without its ARN: the ARN ends with six random characters.
        event(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            &json!({"secretId": "db/password"}),
            &Value::Null,
        ),
    ]);
    assert_eq!(
        resources(&p, "ec2:CreateSnapshot"),
        [
            "arn:aws:ec2:us-east-1:111122223333:volume/vol-0123456789abcdef0",
            "arn:aws:ec2:us-east-1::snapshot/*",
        ]
    );
    assert_eq!(
        resources(&p, "glue:GetTable"),
        [
            "arn:aws:glue:us-east-1:111122223333:catalog",
            "arn:aws:glue:us-east-1:111122223333:database/sales",
            "arn:aws:glue:us-east-1:111122223333:table/sales/orders",
        ]
    );
    assert_eq!(
        resources(&p, "secretsmanager:GetSecretValue"),
        ["arn:aws:secretsmanager:us-east-1:111122223333:secret:db/password-??????"]
    );
}
