//! `C011` `missing-resource`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a statement with neither `Resource` nor `NotResource`, in every kind of policy but a
    /// role trust policy, and in every resource policy but an ECR repository policy (one read
    /// from the `RepositoryPolicyText` of an `AWS::ECR::Repository` or
    /// `AWS::ECR::PublicRepository`, from an `aws_ecr_repository_policy` or
    /// `aws_ecrpublic_repository_policy`, or from the output of `aws ecr get-repository-policy`).
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`MISSING_RESOURCE`); only trust policies, which apply to their own
    /// role, and ECR repository policies, which apply to their own repository, have no resource.
    ///
    /// Covers Access Analyzer: `MISSING_RESOURCE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub MissingResource { code: "C011", name: "missing-resource", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for MissingResource {}
