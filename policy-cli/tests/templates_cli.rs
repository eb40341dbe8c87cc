//! `iampol lint` on a tree of templates: `.gitignore` is honoured, YAML and Terraform files are
//! collected, files that are not templates yield nothing, findings point into the template.

use std::path::Path;
use std::process::Command;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A role whose inline policy names an action that does not exist (`s3:GetObjekt`).
const ROLE: &str = "AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: s3:GetObjekt
                Resource: !Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'
";

const TERRAFORM: &str = r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObjekt", Resource = "${aws_s3_bucket.b.arn}/*" }]
  })
}
"#;

const COMPOSE: &str = "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n";

fn lint_json(dir: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(["lint", "--format", "json", "."])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v.as_array().unwrap().clone()
}

#[test]
fn a_tree_of_templates_honours_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".gitignore", "ignored/\n");
    write(root, "stack/template.yaml", ROLE);
    write(root, "stack/ignored/template.yaml", ROLE);
    write(root, "infra/main.tf", TERRAFORM);
    write(root, "infra/.gitignore", "generated.tf\n");
    write(root, "infra/generated.tf", TERRAFORM);
    write(root, ".hidden/template.yaml", ROLE);
    write(root, "docker-compose.yaml", COMPOSE);
    let findings = lint_json(root);
    let mut files: Vec<String> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap().replace('\\', "/"))
        .collect();
    files.dedup();
    assert_eq!(
        files,
        ["./infra/main.tf", "./stack/template.yaml"],
        "{findings:#?}"
    );
    // The unknown action is found where it is written, and the `!Sub` ARN is not an error.
    let yaml: Vec<_> = findings
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with("template.yaml"))
        .collect();
    assert!(
        yaml.iter()
            .any(|f| f["code"] == "C102" && f["line"] == 18 && f["column"] == 25),
        "{yaml:#?}"
    );
    assert!(!yaml.iter().any(|f| f["code"] == "C109"), "{yaml:#?}");
    let tf: Vec<_> = findings
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with("main.tf"))
        .collect();
    assert!(
        tf.iter()
            .any(|f| f["code"] == "C102" && f["line"] == 4 && f["column"] == 47),
        "{tf:#?}"
    );
}
