//! Synthetic CloudTrail for benchmarks: files as S3 delivers them (`{"Records":[…]}`, a few MB
//! each, optionally gzip'd, under `AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`),
//! with records shaped after real ones (the Stratus Red Team detonation logs and the AWS docs'
//! examples): role sessions, users and a federated user in three accounts and regions; S3
//! data events, KMS, STS, EC2, Lambda, DynamoDB, SQS, SNS, CloudWatch Logs and metrics, SSM,
//! Secrets Manager and IAM calls with their request parameters, `resources[]`, response
//! elements of realistic size, denied and failed calls, service events and console sign-ins.
//! Deterministic for a seed.
//!
//! A tool for benchmarks, not library API: it lives with its binary (as Ruff keeps its
//! developer tools in `ruff_dev`). The tests and the `cloudtrail_read` bench compile this module
//! into themselves, so that they need no build of the binary.
#![expect(
    clippy::doc_markdown,
    reason = "CloudTrail, DynamoDB and CloudWatch are product names, not code"
)]

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to write.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticOptions {
    /// Bytes of JSON to write in all (before compression).
    pub size: u64,
    /// Bytes of JSON per file (about).
    pub file_size: u64,
    /// Write `.json.gz` files.
    pub gzip: bool,
    /// The random seed.
    pub seed: u64,
    /// Writing threads.
    pub threads: usize,
}

impl Default for SyntheticOptions {
    fn default() -> Self {
        SyntheticOptions {
            size: 64 << 20,
            file_size: 4 << 20,
            gzip: false,
            seed: 1,
            threads: 2,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyntheticStats {
    /// Files written.
    pub files: usize,
    /// Records written.
    pub records: u64,
    /// Bytes of JSON.
    pub json_bytes: u64,
    /// Bytes on disk.
    pub disk_bytes: u64,
}

/// Reads a size: `1GB`, `512MB`, `64KiB`, `1000` (bytes). Decimal units are powers of 1000,
/// binary ones of 1024.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let num: f64 = num.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = num * factor;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a size within u64, checked to be finite and positive"
    )]
    (bytes.is_finite() && (0.0..1.8e19).contains(&bytes)).then_some(bytes as u64)
}

/// SplitMix64: small, fast, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// An index into a slice of length `n`.
    pub fn index(&mut self, n: usize) -> usize {
        usize::try_from(self.below(n as u64)).unwrap_or(0)
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(len);
        s
    }

    fn upper(&mut self, len: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..len)
            .map(|_| char::from(*A.get(self.index(A.len())).unwrap_or(&b'A')))
            .collect()
    }

    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            h.get(0..8).unwrap_or_default(),
            h.get(8..12).unwrap_or_default(),
            h.get(12..16).unwrap_or_default(),
            h.get(16..20).unwrap_or_default(),
            h.get(20..32).unwrap_or_default()
        )
    }
}

const ACCOUNTS: [&str; 3] = ["111122223333", "444455556666", "777788889999"];
const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];
const ROLES: [&str; 12] = [
    "app-api",
    "app-worker",
    "service-role/etl-glue",
    "data-pipeline",
    "ci-deployer",
    "lambda-ingest",
    "lambda-thumbnails",
    "ecs-task-orders",
    "ops-readonly",
    "security-audit",
    "backup-runner",
    "service-role/monitoring",
];
const USERS: [&str; 6] = [
    "alice",
    "bob",
    "carol",
    "deploy-bot",
    "terraform",
    "christophe",
];
const AGENTS: [&str; 4] = [
    "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2",
    "Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.219 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144",
    "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#s3.cp",
    "aws-sdk-java/2.26.20 Linux/5.10.220-209.869.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard",
];

/// A caller: its `userIdentity` JSON and account.
struct Caller {
    identity: String,
    account: &'static str,
    name: String,
}

fn caller(rng: &mut Rng) -> Caller {
    let account = *ACCOUNTS
        .get(rng.index(ACCOUNTS.len()))
        .unwrap_or(&ACCOUNTS[0]);
    let roll = rng.below(100);
    if roll < 70 {
        let role = *ROLES.get(rng.index(ROLES.len())).unwrap_or(&ROLES[0]);
        let name = role.rsplit('/').next().unwrap_or(role);
        let session = if rng.chance(500) {
            format!("i-0{}", rng.hex(16))
        } else {
            format!("{name}-{}", rng.below(40))
        };
        let role_id = format!("AROA{}", rng.upper(17));
        let identity = format!(
            r#"{{"type":"AssumedRole","principalId":"{role_id}:{session}","arn":"arn:aws:sts::{account}:assumed-role/{name}/{session}","accountId":"{account}","accessKeyId":"ASIA{}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{role_id}","arn":"arn:aws:iam::{account}:role/{role}","accountId":"{account}","userName":"{name}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"2024-08-01T00:00:00Z","mfaAuthenticated":"false"}}}}}}"#,
            rng.upper(16)
        );
        Caller {
            identity,
            account,
            name: name.to_string(),
        }
    } else if roll < 95 {
        let user = *USERS.get(rng.index(USERS.len())).unwrap_or(&USERS[0]);
        let identity = format!(
            r#"{{"type":"IAMUser","principalId":"AIDA{}","arn":"arn:aws:iam::{account}:user/{user}","accountId":"{account}","accessKeyId":"AKIA{}","userName":"{user}"}}"#,
            rng.upper(17),
            rng.upper(16)
        );
        Caller {
            identity,
            account,
            name: user.to_string(),
        }
    } else {
        let identity = format!(
            r#"{{"type":"FederatedUser","principalId":"{account}:partner","arn":"arn:aws:sts::{account}:federated-user/partner","accountId":"{account}","accessKeyId":"ASIA{}","sessionContext":{{"sessionIssuer":{{"type":"IAMUser","principalId":"AIDA{}","arn":"arn:aws:iam::{account}:user/federation-broker","accountId":"{account}","userName":"federation-broker"}},"attributes":{{"creationDate":"2024-08-01T00:00:00Z","mfaAuthenticated":"false"}}}}}}"#,
            rng.upper(16),
            rng.upper(17)
        );
        Caller {
            identity,
            account,
            name: "partner".to_string(),
        }
    }
}

/// The call part of a record: source, name, request parameters, response elements,
/// resources, read-only, management event.
struct Call {
    source: &'static str,
    name: &'static str,
    params: String,
    response: String,
    resources: String,
    read_only: bool,
    management: bool,
}

fn call(rng: &mut Rng, c: &Caller, region: &str) -> Call {
    let a = c.account;
    // Each principal has its own small world of resources.
    let bucket = format!("{}-{}-data", c.name, rng.below(3));
    let n = rng.below(1000);
    let day = 1 + rng.below(28);
    let roll = rng.below(1000);
    let simple = |source, name, params: String, read_only| Call {
        source,
        name,
        params,
        response: "null".into(),
        resources: String::new(),
        read_only,
        management: true,
    };
    match roll {
        0..=199 => {
            let key = format!("raw/2024/08/{day:02}/part-{n:05}.parquet");
            Call {
                source: "s3.amazonaws.com",
                name: "GetObject",
                params: format!(
                    r#"{{"bucketName":"{bucket}","Host":"{bucket}.s3.{region}.amazonaws.com","key":"{key}"}}"#
                ),
                response: "null".into(),
                resources: format!(
                    r#"[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::{bucket}/{key}"}},{{"accountId":"{a}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::{bucket}"}}]"#
                ),
                read_only: true,
                management: false,
            }
        }
        200..=279 => {
            let key = if rng.chance(20) {
                format!(r#"reports/Q3 \"final\" {n}.csv"#)
            } else {
                format!("out/{day:02}/{n}.json")
            };
            Call {
                source: "s3.amazonaws.com",
                name: "PutObject",
                params: format!(r#"{{"bucketName":"{bucket}","Host":"{bucket}.s3.{region}.amazonaws.com","key":"{key}","x-amz-server-side-encryption":"aws:kms"}}"#),
                response: r#"{"x-amz-server-side-encryption":"aws:kms","x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}"#.into(),
                resources: format!(r#"[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::{bucket}/{key}"}},{{"accountId":"{a}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::{bucket}"}}]"#),
                read_only: false,
                management: false,
            }
        }
        280..=319 => Call {
            source: "s3.amazonaws.com",
            name: "ListObjects",
            params: format!(
                r#"{{"bucketName":"{bucket}","Host":"{bucket}.s3.{region}.amazonaws.com","prefix":"raw/2024/08/{day:02}/","list-type":"2"}}"#
            ),
            response: "null".into(),
            resources: format!(
                r#"[{{"accountId":"{a}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::{bucket}"}}]"#
            ),
            read_only: true,
            management: false,
        },
        320..=419 => {
            let key_id = format!("{}-1111-2222-3333-{}", rng.hex(8), rng.hex(12));
            let name = if rng.chance(700) {
                "Decrypt"
            } else {
                "GenerateDataKey"
            };
            Call {
                source: "kms.amazonaws.com",
                name,
                params: format!(
                    r#"{{"encryptionContext":{{"aws:s3:arn":"arn:aws:s3:::{bucket}/raw/{n}"}},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#
                ),
                response: "null".into(),
                resources: format!(
                    r#"[{{"accountId":"{a}","type":"AWS::KMS::Key","ARN":"arn:aws:kms:{region}:{a}:key/{key_id}"}}]"#
                ),
                read_only: true,
                management: true,
            }
        }
        420..=469 => {
            let role = format!("cross-{}", rng.below(4));
            Call {
                source: "sts.amazonaws.com",
                name: "AssumeRole",
                params: format!(
                    r#"{{"roleArn":"arn:aws:iam::{a}:role/{role}","roleSessionName":"{}-{}","durationSeconds":3600}}"#,
                    c.name,
                    rng.below(100)
                ),
                response: format!(
                    r#"{{"credentials":{{"accessKeyId":"ASIA{}","sessionToken":"{}","expiration":"Aug 1, 2024, 1:00:00 PM"}},"assumedRoleUser":{{"assumedRoleId":"AROA{}:s","arn":"arn:aws:sts::{a}:assumed-role/{role}/s"}}}}"#,
                    rng.upper(16),
                    rng.hex(300),
                    rng.upper(17)
                ),
                resources: format!(
                    r#"[{{"ARN":"arn:aws:iam::{a}:role/{role}","accountId":"{a}","type":"AWS::IAM::Role"}}]"#
                ),
                read_only: true,
                management: true,
            }
        }
        470..=549 => {
            let mut items = String::new();
            for i in 0..=rng.below(6) {
                if i > 0 {
                    items.push(',');
                }
                let _ = write!(
                    items,
                    r#"{{"instanceId":"i-0{}","imageId":"ami-0{}","instanceState":{{"code":16,"name":"running"}},"privateDnsName":"ip-10-0-{}-{}.ec2.internal","instanceType":"m5.large","placement":{{"availabilityZone":"{region}a","tenancy":"default"}},"subnetId":"subnet-0{}","vpcId":"vpc-0{}","privateIpAddress":"10.0.{}.{}","groupSet":{{"items":[{{"groupId":"sg-0{}","groupName":"default"}}]}},"tagSet":{{"items":[{{"key":"Name","value":"worker-{}"}}]}}}}"#,
                    rng.hex(16),
                    rng.hex(16),
                    rng.below(255),
                    rng.below(255),
                    rng.hex(16),
                    rng.hex(16),
                    rng.below(255),
                    rng.below(255),
                    rng.hex(16),
                    rng.below(50)
                );
            }
            Call {
                source: "ec2.amazonaws.com",
                name: "DescribeInstances",
                params: r#"{"instancesSet":{},"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]}}"#.into(),
                response: format!(r#"{{"requestId":"{}","reservationSet":{{"items":[{{"reservationId":"r-0{}","ownerId":"{a}","instancesSet":{{"items":[{items}]}}}}]}}}}"#, rng.uuid(), rng.hex(16)),
                resources: String::new(),
                read_only: true,
                management: true,
            }
        }
        550..=569 => {
            let name = if rng.chance(500) {
                "StartInstances"
            } else {
                "StopInstances"
            };
            let id = format!("i-0{}", rng.hex(16));
            Call {
                source: "ec2.amazonaws.com",
                name,
                params: format!(r#"{{"instancesSet":{{"items":[{{"instanceId":"{id}"}}]}}}}"#),
                response: format!(
                    r#"{{"requestId":"{}","instancesSet":{{"items":[{{"instanceId":"{id}","currentState":{{"code":0,"name":"pending"}},"previousState":{{"code":80,"name":"stopped"}}}}]}}}}"#,
                    rng.uuid()
                ),
                resources: String::new(),
                read_only: false,
                management: true,
            }
        }
        570..=574 => Call {
            source: "ec2.amazonaws.com",
            name: "RunInstances",
            params: format!(
                r#"{{"instancesSet":{{"items":[{{"imageId":"ami-0{}","minCount":1,"maxCount":1}}]}},"instanceType":"t3.micro","blockDeviceMapping":{{}},"subnetId":"subnet-0{}","iamInstanceProfile":{{"name":"worker-profile"}},"disableApiTermination":false,"clientToken":"{}"}}"#,
                rng.hex(16),
                rng.hex(16),
                rng.uuid()
            ),
            response: format!(
                r#"{{"requestId":"{}","reservationId":"r-0{}","ownerId":"{a}"}}"#,
                rng.uuid(),
                rng.hex(16)
            ),
            resources: String::new(),
            read_only: false,
            management: true,
        },
        575..=629 => {
            let f = format!("{}-fn-{}", c.name, rng.below(4));
            Call {
                source: "lambda.amazonaws.com",
                name: "Invoke",
                params: format!(
                    r#"{{"functionName":"arn:aws:lambda:{region}:{a}:function:{f}","sourceArn":"arn:aws:sqs:{region}:{a}:{f}-queue"}}"#
                ),
                response: "null".into(),
                resources: format!(
                    r#"[{{"accountId":"{a}","type":"AWS::Lambda::Function","ARN":"arn:aws:lambda:{region}:{a}:function:{f}"}}]"#
                ),
                read_only: false,
                management: false,
            }
        }
        630..=634 => {
            let f = format!("{}-fn-{}", c.name, rng.below(4));
            Call {
                source: "lambda.amazonaws.com",
                name: "CreateFunction20150331",
                params: format!(
                    r#"{{"functionName":"{f}","runtime":"python3.12","role":"arn:aws:iam::{a}:role/lambda-exec-{}","handler":"app.handler","code":{{}},"timeout":30,"memorySize":256,"publish":false}}"#,
                    rng.below(3)
                ),
                response: format!(
                    r#"{{"functionName":"{f}","functionArn":"arn:aws:lambda:{region}:{a}:function:{f}","runtime":"python3.12","role":"arn:aws:iam::{a}:role/lambda-exec","handler":"app.handler","codeSize":211,"state":"Pending"}}"#
                ),
                resources: String::new(),
                read_only: false,
                management: true,
            }
        }
        635..=639 => {
            let f = format!("{}-fn-{}", c.name, rng.below(4));
            simple(
                "lambda.amazonaws.com",
                "UpdateFunctionCode20150331v2",
                format!(
                    r#"{{"functionName":"arn:aws:lambda:{region}:{a}:function:{f}","publish":true,"dryRun":false}}"#
                ),
                false,
            )
        }
        640..=719 => {
            let table = format!("{}-table-{}", c.name, rng.below(3));
            let name = match rng.below(3) {
                0 => "GetItem",
                1 => "PutItem",
                _ => "Query",
            };
            Call {
                source: "dynamodb.amazonaws.com",
                name,
                params: format!(
                    r#"{{"tableName":"{table}","key":{{"pk":"ORDER#{n}","sk":"ITEM#{}"}}}}"#,
                    rng.below(20)
                ),
                response: "null".into(),
                resources: format!(
                    r#"[{{"accountId":"{a}","type":"AWS::DynamoDB::Table","ARN":"arn:aws:dynamodb:{region}:{a}:table/{table}"}}]"#
                ),
                read_only: name != "PutItem",
                management: false,
            }
        }
        720..=769 => {
            let q = format!("{}-queue-{}", c.name, rng.below(3));
            let name = match rng.below(3) {
                0 => "SendMessage",
                1 => "ReceiveMessage",
                _ => "DeleteMessage",
            };
            simple(
                "sqs.amazonaws.com",
                name,
                format!(r#"{{"queueUrl":"https://sqs.{region}.amazonaws.com/{a}/{q}"}}"#),
                name == "ReceiveMessage",
            )
        }
        770..=789 => simple(
            "sns.amazonaws.com",
            "Publish",
            format!(
                r#"{{"topicArn":"arn:aws:sns:{region}:{a}:{}-alerts","message":"HIDDEN_DUE_TO_SECURITY_REASONS"}}"#,
                c.name
            ),
            false,
        ),
        790..=829 => {
            let name = if rng.chance(500) {
                "CreateLogStream"
            } else {
                "PutLogEvents"
            };
            simple(
                "logs.amazonaws.com",
                name,
                format!(
                    r#"{{"logGroupName":"/aws/lambda/{}-fn-{}","logStreamName":"2024/08/{day:02}/[$LATEST]{}"}}"#,
                    c.name,
                    rng.below(4),
                    rng.hex(32)
                ),
                false,
            )
        }
        830..=859 => simple(
            "monitoring.amazonaws.com",
            "PutMetricData",
            format!(
                r#"{{"namespace":"App/{}","metricData":[{{"metricName":"Latency","value":{}.5,"unit":"Milliseconds"}}]}}"#,
                c.name,
                rng.below(900)
            ),
            false,
        ),
        860..=899 => {
            let p = format!("/{}/config/param-{}", c.name, rng.below(10));
            Call {
                source: "ssm.amazonaws.com",
                name: "GetParameter",
                params: format!(r#"{{"name":"{p}","withDecryption":true}}"#),
                response: "null".into(),
                resources: format!(
                    r#"[{{"accountId":"{a}","ARN":"arn:aws:ssm:{region}:{a}:parameter{p}"}}]"#
                ),
                read_only: true,
                management: true,
            }
        }
        900..=929 => simple(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            format!(
                r#"{{"secretId":"arn:aws:secretsmanager:{region}:{a}:secret:{}/db-{}-AbCdEf"}}"#,
                c.name,
                rng.below(3)
            ),
            true,
        ),
        930..=949 => simple(
            "iam.amazonaws.com",
            "GetRole",
            format!(
                r#"{{"roleName":"{}"}}"#,
                ROLES
                    .get(rng.index(ROLES.len()))
                    .map_or("x", |r| r.rsplit('/').next().unwrap_or(r))
            ),
            true,
        ),
        950..=959 => simple("iam.amazonaws.com", "ListRoles", "null".into(), true),
        960..=979 => simple(
            "sts.amazonaws.com",
            "GetCallerIdentity",
            "null".into(),
            true,
        ),
        980..=989 => simple(
            "ec2.amazonaws.com",
            "DescribeVolumes",
            r#"{"volumeSet":{},"filterSet":{}}"#.into(),
            true,
        ),
        _ => simple(
            "cloudformation.amazonaws.com",
            "DescribeStacks",
            format!(r#"{{"stackName":"{}-stack"}}"#, c.name),
            true,
        ),
    }
}

/// One record, as S3-delivered CloudTrail writes it (compact JSON).
pub fn record(rng: &mut Rng, time: &str) -> String {
    let region = *REGIONS.get(rng.index(REGIONS.len())).unwrap_or(&REGIONS[0]);
    // A few records are not API calls of a principal.
    if rng.chance(5) {
        let a = ACCOUNTS.first().copied().unwrap_or_default();
        return format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"accountId":"{a}","invokedBy":"cloudtrail.amazonaws.com"}},"eventTime":"{time}","eventSource":"kms.amazonaws.com","eventName":"RotateKey","awsRegion":"{region}","sourceIPAddress":"cloudtrail.amazonaws.com","userAgent":"cloudtrail.amazonaws.com","requestParameters":null,"responseElements":null,"eventID":"{}","readOnly":false,"eventType":"AwsServiceEvent","managementEvent":true,"recipientAccountId":"{a}","serviceEventDetails":{{"keyId":"{}"}},"eventCategory":"Management"}}"#,
            rng.uuid(),
            rng.uuid()
        );
    }
    let c = caller(rng);
    if rng.chance(2) {
        return format!(
            r#"{{"eventVersion":"1.09","userIdentity":{},"eventTime":"{time}","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.{}","userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0","requestParameters":null,"responseElements":{{"ConsoleLogin":"Success"}},"additionalEventData":{{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"}},"eventID":"{}","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"{}","eventCategory":"Management"}}"#,
            c.identity,
            rng.below(255),
            rng.uuid(),
            c.account
        );
    }
    let call = call(rng, &c, region);
    let error = match rng.below(1000) {
        0..=29 => Some((
            if call.source == "ec2.amazonaws.com" {
                "Client.UnauthorizedOperation"
            } else {
                "AccessDenied"
            },
            format!(
                "User: arn:aws:sts::{}:assumed-role/{}/s is not authorized to perform: {}",
                c.account, c.name, call.name
            ),
        )),
        30..=39 => Some(("ThrottlingException", "Rate exceeded".to_string())),
        _ => None,
    };
    let (error_fields, response) = match &error {
        Some((code, message)) => (
            format!(r#""errorCode":"{code}","errorMessage":"{message}","#),
            "null".to_string(),
        ),
        None => (String::new(), call.response.clone()),
    };
    let resources = if call.resources.is_empty() {
        String::new()
    } else {
        format!(r#""resources":{},"#, call.resources)
    };
    let agent = AGENTS
        .get(rng.index(AGENTS.len()))
        .copied()
        .unwrap_or_default();
    let ip = if rng.chance(50) {
        "lambda.amazonaws.com".to_string()
    } else {
        format!("203.0.113.{}", rng.below(255))
    };
    let category = if call.management {
        "Management"
    } else {
        "Data"
    };
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{},"eventTime":"{time}","eventSource":"{}","eventName":"{}","awsRegion":"{region}","sourceIPAddress":"{ip}","userAgent":"{agent}",{error_fields}"requestParameters":{},"responseElements":{response},"additionalEventData":{{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader"}},"requestID":"{}","eventID":"{}","readOnly":{},{resources}"eventType":"AwsApiCall","managementEvent":{},"recipientAccountId":"{}","eventCategory":"{category}","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{}.{region}.amazonaws.com"}}}}"#,
        c.identity,
        call.source,
        call.name,
        call.params,
        rng.upper(16),
        rng.uuid(),
        call.read_only,
        call.management,
        c.account,
        call.source.split('.').next().unwrap_or_default()
    )
}

/// The time of the `i`-th record of a file, within one day.
fn time_for(file: usize, i: u64) -> String {
    let day = 1 + file % 28;
    let secs = (i * 7 + (file as u64) * 13) % 86_400;
    format!(
        "2024-08-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// The path of the `i`-th file under `dir`, as S3 delivery names it.
fn file_path(dir: &Path, i: usize, rng: &mut Rng, gzip: bool) -> PathBuf {
    let account = ACCOUNTS
        .get(i % ACCOUNTS.len())
        .copied()
        .unwrap_or_default();
    let region = REGIONS
        .get((i / 3) % REGIONS.len())
        .copied()
        .unwrap_or_default();
    let day = 1 + i % 28;
    let name = format!(
        "{account}_CloudTrail_{region}_202408{day:02}T{:02}{:02}Z_{}.json{}",
        (i / 60) % 24,
        i % 60,
        rng.upper(16),
        if gzip { ".gz" } else { "" }
    );
    dir.join("AWSLogs")
        .join(account)
        .join("CloudTrail")
        .join(region)
        .join("2024")
        .join("08")
        .join(format!("{day:02}"))
        .join(name)
}

/// Writes one file of about `size` bytes of JSON; returns (records, JSON bytes, disk bytes).
fn write_file(
    path: &Path,
    size: u64,
    seed: u64,
    index: usize,
    gzip: bool,
) -> io::Result<(u64, u64, u64)> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let file = fs::File::create(path)?;
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let mut records = 0;
    let mut json = 0u64;
    let mut write_all = |w: &mut dyn Write| -> io::Result<()> {
        w.write_all(b"{\"Records\":[")?;
        json += 12;
        while json < size {
            if records > 0 {
                w.write_all(b",")?;
                json += 1;
            }
            let r = record(&mut rng, &time_for(index, records));
            w.write_all(r.as_bytes())?;
            json += r.len() as u64;
            records += 1;
        }
        w.write_all(b"]}")?;
        json += 2;
        Ok(())
    };
    if gzip {
        let mut gz = flate2::write::GzEncoder::new(
            BufWriter::with_capacity(1 << 20, file),
            flate2::Compression::new(6),
        );
        write_all(&mut gz)?;
        gz.finish()?.flush()?;
    } else {
        let mut w = BufWriter::with_capacity(1 << 20, file);
        write_all(&mut w)?;
        w.flush()?;
    }
    let disk = fs::metadata(path)?.len();
    Ok((records, json, disk))
}

/// Writes synthetic CloudTrail under `dir`.
pub fn write_trail(dir: &Path, options: &SyntheticOptions) -> io::Result<SyntheticStats> {
    let file_size = options.file_size.max(4096);
    let files = usize::try_from(options.size.div_ceil(file_size).max(1)).unwrap_or(1);
    let mut naming = Rng::new(options.seed);
    let paths: Vec<PathBuf> = (0..files)
        .map(|i| file_path(dir, i, &mut naming, options.gzip))
        .collect();
    let threads = options.threads.clamp(1, 64);
    let results: Vec<io::Result<SyntheticStats>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let paths = &paths;
                scope.spawn(move || {
                    let mut stats = SyntheticStats::default();
                    for (i, path) in paths.iter().enumerate().skip(t).step_by(threads) {
                        let last = i + 1 == files;
                        let size = if last {
                            options
                                .size
                                .saturating_sub(file_size * (files as u64 - 1))
                                .max(1)
                        } else {
                            file_size
                        };
                        let (records, json, disk) =
                            write_file(path, size, options.seed, i, options.gzip)?;
                        stats.files += 1;
                        stats.records += records;
                        stats.json_bytes += json;
                        stats.disk_bytes += disk;
                    }
                    Ok(stats)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(io::Error::other("a writer thread failed")))
            })
            .collect()
    });
    let mut total = SyntheticStats::default();
    for r in results {
        let s = r?;
        total.files += s.files;
        total.records += s.records;
        total.json_bytes += s.json_bytes;
        total.disk_bytes += s.disk_bytes;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    #[test]
    fn records_are_valid_events() {
        // Imported here: a bench that compiles this module builds no tests.
        use super::{parse_size, record, time_for, Rng};
        let mut rng = Rng::new(7);
        for i in 0..2000 {
            let r = record(&mut rng, &time_for(0, i));
            let v: serde_json::Value =
                serde_json::from_str(&r).unwrap_or_else(|e| panic!("{e}: {r}"));
            assert!(v.get("eventName").is_some());
            assert!(policy_lint::generate::cloudtrail::parse_event(r.as_bytes()).is_ok());
        }
        assert_eq!(parse_size("1GB"), Some(1_000_000_000));
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size("x"), None);
    }
}
