//! Corrections to the SDK→IAM map ([`super::map`], iam-dataset 2022-08-19) where it is known to
//! be wrong, each with the documentation that says so. Small on purpose: a correction is data
//! with a source and a test, not a special case hidden in the mapping code.

use serde_json::Value;

use super::resolve::escape;

/// Map entries that add an action the caller does not need: (event source prefix, API name,
/// action, why).
pub const DROPPED_ACTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "cloudtrail",
        "CreateTrail",
        "s3:PutObject",
        "CloudTrail writes log files as the service principal `cloudtrail.amazonaws.com`, which \
         the bucket policy allows (CloudTrail User Guide, Amazon S3 bucket policy for \
         CloudTrail); the caller of CreateTrail needs no `s3:PutObject`",
    ),
    (
        "s3",
        "CopyObject",
        "s3:ListBucket",
        "CopyObject needs `s3:GetObject` on the source and `s3:PutObject` on the destination \
         (S3 API Reference, CopyObject, Permissions); the map's `s3:ListBucket` on the \
         destination bucket is not asked for",
    ),
    (
        "cloudtrail",
        "UpdateTrail",
        "s3:PutObject",
        "as for CreateTrail: the bucket policy grants `cloudtrail.amazonaws.com` the write",
    ),
];

/// Whether the map's `action` for a call of `api` to `prefix` is one the caller does not need.
pub fn is_dropped(prefix: &str, api: &str, action: &str) -> bool {
    DROPPED_ACTIONS.iter().any(|(p, a, act, _)| {
        *p == prefix && a.eq_ignore_ascii_case(api) && act.eq_ignore_ascii_case(action)
    })
}

/// The action that authorises a map entry's `action` for a call to `prefix`: S3 control calls
/// (`S3Control.GetAccessPoint`) are mapped to `s3-outposts:*`, which only S3 on Outposts
/// authorizes; a call to `s3.amazonaws.com` is authorized as the `s3:` action of the same
/// name (Service Authorization Reference, Amazon S3 on Outposts: "s3-outposts" actions apply to
/// Outposts endpoints and resources).
pub fn action_for(prefix: &str, action: &str) -> Option<String> {
    let (service, name) = action.split_once(':')?;
    (prefix == "s3" && service.eq_ignore_ascii_case("s3-outposts")).then(|| format!("s3:{name}"))
}

/// What an override needs of a call.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The request parameters.
    pub params: Option<&'a Value>,
    /// The caller's partition.
    pub partition: &'a str,
    /// `awsRegion`.
    pub region: Option<&'a str>,
    /// The account of the call.
    pub account: Option<&'a str>,
    /// The caller's ARN.
    pub caller: Option<&'a str>,
}

/// Resources (policy form, unescaped text escaped) that replace the map's templates for
/// `action`, when the override knows the call's shape.
pub fn resources(api: &str, action: &str, call: &Call<'_>) -> Option<Vec<String>> {
    let p = call.partition;
    let region = call.region.unwrap_or("*");
    let account = call.account.unwrap_or("*");
    let param = |name: &str| -> Option<&str> {
        let Some(Value::Object(map)) = call.params else {
            return None;
        };
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
            .filter(|s| !s.is_empty())
    };
    // CopyObject reads the source (`x-amz-copy-source`, `bucket/key[?versionId=…]`,
    // URL-encoded) and writes the destination: "you must have s3:GetObject on the source
    // object and s3:PutObject on the destination" (S3 API Reference, CopyObject,
    // Permissions). The map reads the destination for both.
    if api.eq_ignore_ascii_case("CopyObject")
        && (action.eq_ignore_ascii_case("s3:GetObject")
            || action.eq_ignore_ascii_case("s3:GetObjectTagging"))
    {
        let source = param("x-amz-copy-source").or_else(|| param("copySource"))?;
        let source = source.split('?').next().unwrap_or(source);
        let decoded = percent_decode(source);
        let (bucket, key) = decoded.trim_start_matches('/').split_once('/')?;
        if bucket.is_empty() || key.is_empty() {
            return None;
        }
        return Some(vec![format!(
            "arn:{p}:s3:::{}/{}",
            escape(bucket),
            escape(key)
        )]);
    }
    match action.to_ascii_lowercase().as_str() {
        // The map reads `SecretId`, which CreateSecret does not take: its parameter is `Name`.
        // A secret's ARN ends with `-` and six random characters (Secrets Manager User Guide,
        // Permissions policy examples: "use `SecretName-??????`" to match a secret by name).
        "secretsmanager:createsecret" => {
            let name = param("name")?;
            Some(vec![format!(
                "arn:{p}:secretsmanager:{region}:{account}:secret:{}-??????",
                escape(name)
            )])
        }
        // The federated user is named by the call's `Name` (STS API Reference,
        // GetFederationToken; ARN format `federated-user/${UserName}` in the Service
        // Authorization Reference for AWS STS). The map writes `*`.
        "sts:getfederationtoken" => {
            let name = param("name")?;
            Some(vec![format!(
                "arn:{p}:sts::{account}:federated-user/{}",
                escape(name)
            )])
        }
        // Bedrock runtime calls name a model by ID or ARN (`modelId`). A foundation model ID
        // is the AWS-owned `foundation-model/<id>` in the Region (no account); an inference
        // profile ID (`us.…`, `eu.…`, `apac.…`, `global.…`) is the caller's
        // `inference-profile/<id>`, and the profile routes to the foundation model in other
        // Regions (Bedrock User Guide, Increase throughput with cross-Region inference:
        // "permissions for the inference profile and for the foundation model in each Region").
        "bedrock:invokemodel"
        | "bedrock:invokemodelwithresponsestream"
        | "bedrock:converse"
        | "bedrock:conversestream"
        | "bedrock:counttokens" => {
            let id = param("modelId")?;
            if id.starts_with("arn:") {
                return Some(vec![escape(id)]);
            }
            let geo = [
                "us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca.",
            ];
            match geo.iter().find(|g| id.starts_with(*g)) {
                Some(g) => {
                    let model = id.get(g.len()..).unwrap_or(id);
                    Some(vec![
                        format!(
                            "arn:{p}:bedrock:{region}:{account}:inference-profile/{}",
                            escape(id)
                        ),
                        format!("arn:{p}:bedrock:*::foundation-model/{}", escape(model)),
                    ])
                }
                None => Some(vec![format!(
                    "arn:{p}:bedrock:{region}::foundation-model/{}",
                    escape(id)
                )]),
            }
        }
        _ => None,
    }
}

/// IAM user actions called without `UserName` act on the caller: "If you do not specify a
/// user name, IAM determines the user name implicitly based on the AWS access key ID used to
/// sign the request" (IAM API Reference, e.g. GetUser, ListAccessKeys, CreateAccessKey).
/// Only for IAM calls whose parameters carry no user name, made by an IAM user; the ARN is a
/// candidate beside the map's, used when the action takes a user.
pub fn implicit_user(action: &str, call: &Call<'_>) -> Option<String> {
    if !action
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("iam:"))
    {
        return None;
    }
    let caller = call.caller?;
    let is_user = caller
        .split(':')
        .nth(5)
        .is_some_and(|r| r.starts_with("user/"));
    if !is_user {
        return None;
    }
    let names_user = match call.params {
        Some(Value::Object(map)) => map.keys().any(|k| k.eq_ignore_ascii_case("userName")),
        _ => false,
    };
    (!names_user).then(|| escape(caller))
}

/// `%XX` escapes decoded (invalid ones kept as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(params: &Value) -> Call<'_> {
        Call {
            params: Some(params),
            partition: "aws",
            region: Some("us-east-1"),
            account: Some("111122223333"),
            caller: Some("arn:aws:iam::111122223333:user/alice"),
        }
    }

    #[test]
    fn create_secret_reads_name() {
        let p = json!({"name": "db/password", "secretString": "HIDDEN"});
        assert_eq!(
            resources("CreateSecret", "secretsmanager:CreateSecret", &call(&p)).unwrap(),
            ["arn:aws:secretsmanager:us-east-1:111122223333:secret:db/password-??????"]
        );
    }

    #[test]
    fn federation_token_names_the_federated_user() {
        let p = json!({"name": "bob", "policy": "{}"});
        assert_eq!(
            resources("GetFederationToken", "sts:GetFederationToken", &call(&p)).unwrap(),
            ["arn:aws:sts::111122223333:federated-user/bob"]
        );
    }

    #[test]
    fn bedrock_model_ids() {
        let p = json!({"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"});
        assert_eq!(
            resources("InvokeModel", "bedrock:InvokeModel", &call(&p)).unwrap(),
            ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0"]
        );
        let p = json!({"modelId": "us.anthropic.claude-3-haiku-20240307-v1:0"});
        let r = resources("Converse", "bedrock:Converse", &call(&p)).unwrap();
        assert_eq!(r.len(), 2);
        assert!(r[1].ends_with("::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"));
    }

    #[test]
    fn iam_calls_without_a_user_name_act_on_the_caller() {
        assert_eq!(
            implicit_user("iam:ListAccessKeys", &call(&json!({}))).unwrap(),
            "arn:aws:iam::111122223333:user/alice"
        );
        assert!(implicit_user("iam:ListAccessKeys", &call(&json!({"userName": "bob"}))).is_none());
        assert!(implicit_user("s3:ListBucket", &call(&json!({}))).is_none());
    }

    #[test]
    fn copy_object_reads_the_source() {
        let p = json!({"bucketName": "dst", "key": "c", "x-amz-copy-source": "src/a%20b/c.csv?versionId=3"});
        assert_eq!(
            resources("CopyObject", "s3:GetObject", &call(&p)).unwrap(),
            ["arn:aws:s3:::src/a b/c.csv"]
        );
        assert!(resources("CopyObject", "s3:PutObject", &call(&p)).is_none());
        assert!(is_dropped("s3", "CopyObject", "s3:ListBucket"));
    }

    #[test]
    fn known_wrong_entries() {
        assert!(is_dropped("cloudtrail", "CreateTrail", "s3:PutObject"));
        assert!(!is_dropped(
            "cloudtrail",
            "CreateTrail",
            "cloudtrail:CreateTrail"
        ));
        assert_eq!(
            action_for("s3", "s3-outposts:GetAccessPoint").as_deref(),
            Some("s3:GetAccessPoint")
        );
        assert_eq!(
            action_for("s3-outposts", "s3-outposts:GetAccessPoint"),
            None
        );
    }
}
