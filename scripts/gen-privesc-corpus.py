#!/usr/bin/env python3
"""Write corpus/paths/<id>/{minimal,near-miss}/ for the 65 pathfinding.cloud paths.

Each case is a snapshot in iampol's dump layout (accounts/<id>/gaad.json, and
organization/ when the case needs SCPs) plus an expect.json. The table PATHS below
is the only per-path input: the permissions each path requires (pathfinding.cloud's
`permissions.required`), the service principal its passed or existing role must
trust (its `prerequisites`), and the one change that makes the near-miss
impossible. Expected answers come from the path descriptions and the AWS docs
cited in each expect.json, never from a tool's output.

Usage: python3 scripts/gen-privesc-corpus.py [--check]
  (from the repository root; --check verifies the committed files are current)
"""

import base64
import copy
import hashlib
import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "paths"

ACCT = "111122223333"
MGMT = "444455556666"
ORG = "o-exampleorgid"
ROOT_ID = "r-examplerootid"
OU = "ou-exam-workloads"
DATE = "2026-01-15T10:00:00+00:00"
A = f"arn:aws:iam::{ACCT}"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READONLY_ARN = f"{A}:policy/read-only-s3"
BENIGN = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*"}

PF = "https://pathfinding.cloud/paths/"
UG = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference/"
DOC_EVAL = UG + "reference_policies_evaluation-logic.html"
DOC_PASSROLE = UG + "id_roles_use_passrole.html"
DOC_PASSED = UG + "reference_policies_iam-condition-keys.html#ck_PassedToService"
DOC_POLICYARN = UG + "reference_policies_iam-condition-keys.html#ck_PolicyARN"
DOC_PTAG = UG + "reference_policies_condition-keys.html#condition-keys-principaltag"
DOC_BOUNDARY = UG + "access_policies_boundaries.html"
DOC_SCP = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"
DOC_SCP_EX = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html"
DOC_DENY = UG + "reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html"
DOC_TRUST = UG + "id_roles_manage-assume.html"
DOC_ROLE_COMPARE = UG + "id_roles_compare-resource-policies.html"
DOC_ADMIN = "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html"
DOC_INSTANCE_PROFILE = UG + "id_roles_use_switch-role-ec2_instance-profiles.html"
DOC_POLICY_VERSIONS = UG + "access_policies_managed-versioning.html"
DOC_ACCESS_KEYS = UG + "id_credentials_access-keys.html"
DOC_PASSWORDS = UG + "id_credentials_passwords_admin-change-user.html"
DOC_GROUPS = UG + "id_groups.html"
DOC_STACKSETS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html"
DOC_PTAG_IAM = UG + "access_iam-tags.html#access_iam-tags_control-principals"

SAR_PAGE = {
    "iam": "list_awsidentityandaccessmanagementiam.html",
    "sts": "list_awssecuritytokenservice.html",
    "apprunner": "list_awsapprunner.html",
    "bedrock-agentcore": "list_amazonbedrockagentcore.html",
    "cloudformation": "list_awscloudformation.html",
    "codebuild": "list_awscodebuild.html",
    "datapipeline": "list_awsdatapipeline.html",
    "ec2": "list_amazonec2.html",
    "ec2-instance-connect": "list_amazonec2instanceconnect.html",
    "ecs": "list_amazonelasticcontainerservice.html",
    "glue": "list_awsglue.html",
    "lambda": "list_awslambda.html",
    "sagemaker": "list_amazonsagemaker.html",
    "ssm": "list_awssystemsmanager.html",
}

# ---------------------------------------------------------------------------
# The per-path table.
#
# perms:   [(action, resource)] the attacker's inline policy, one statement each
#          ("target" / "self" / "victim" / ... are replaced by ARNs below)
# svc:     service principal the admin role trusts (passrole paths)
# what:    for the `why` of new/existing passrole paths: the service and the resource it runs
# nm:      (kind, action, detail) the near-miss change
# ---------------------------------------------------------------------------

P = "iam:PassRole"

PATHS = {
    # --- App Runner
    "apprunner-001": dict(perms=[(P, "target"), ("apprunner:CreateService", "*")],
                          svc="tasks.apprunner.amazonaws.com", what=("App Runner", "service"),
                          nm=("condition", P, "ec2.amazonaws.com")),
    "apprunner-002": dict(perms=[("apprunner:UpdateService", "*")],
                          svc="tasks.apprunner.amazonaws.com", what=("App Runner", "service"),
                          nm=("boundary", "apprunner:UpdateService", None)),
    # --- Bedrock AgentCore
    "bedrock-001": dict(perms=[(P, "target"), ("bedrock-agentcore:CreateCodeInterpreter", "*"),
                               ("bedrock-agentcore:StartCodeInterpreterSession", "*"),
                               ("bedrock-agentcore:InvokeCodeInterpreter", "*")],
                        svc="bedrock-agentcore.amazonaws.com", what=("Bedrock AgentCore", "code interpreter"),
                        nm=("boundary", "bedrock-agentcore:InvokeCodeInterpreter", None)),
    "bedrock-002": dict(perms=[("bedrock-agentcore:StartCodeInterpreterSession", "*"),
                               ("bedrock-agentcore:InvokeCodeInterpreter", "*")],
                        svc="bedrock-agentcore.amazonaws.com", what=("Bedrock AgentCore", "code interpreter"),
                        nm=("scp", "bedrock-agentcore:InvokeCodeInterpreter", None)),
    # --- CloudFormation
    "cloudformation-001": dict(perms=[(P, "target"), ("cloudformation:CreateStack", "*")],
                               svc="cloudformation.amazonaws.com", what=("CloudFormation", "stack"),
                               nm=("condition", P, "ec2.amazonaws.com")),
    "cloudformation-002": dict(perms=[("cloudformation:UpdateStack", "*")],
                               svc="cloudformation.amazonaws.com", what=("CloudFormation", "stack"),
                               nm=("boundary", "cloudformation:UpdateStack", None)),
    "cloudformation-003": dict(perms=[(P, "stackset-admin"), ("cloudformation:CreateStackSet", "*"),
                                      ("cloudformation:CreateStackInstances", "*")],
                               svc="cloudformation.amazonaws.com", what=("CloudFormation", "StackSet"),
                               stackset=True,
                               nm=("scp", "cloudformation:CreateStackInstances", None)),
    "cloudformation-004": dict(perms=[(P, "stackset-admin"), ("cloudformation:UpdateStackSet", "*")],
                               svc="cloudformation.amazonaws.com", what=("CloudFormation", "StackSet"),
                               stackset=True,
                               nm=("deny", "cloudformation:UpdateStackSet", None)),
    "cloudformation-005": dict(perms=[("cloudformation:CreateChangeSet", "*"),
                                      ("cloudformation:ExecuteChangeSet", "*")],
                               svc="cloudformation.amazonaws.com", what=("CloudFormation", "stack"),
                               existing=True,
                               nm=("deny", "cloudformation:ExecuteChangeSet", None)),
    # --- CodeBuild
    "codebuild-001": dict(perms=[(P, "target"), ("codebuild:CreateProject", "*"), ("codebuild:StartBuild", "*")],
                          svc="codebuild.amazonaws.com", what=("CodeBuild", "project"),
                          nm=("condition-tag", "codebuild:StartBuild", None)),
    "codebuild-002": dict(perms=[("codebuild:StartBuild", "*")],
                          svc="codebuild.amazonaws.com", what=("CodeBuild", "project"),
                          nm=("boundary", "codebuild:StartBuild", None)),
    "codebuild-003": dict(perms=[("codebuild:StartBuildBatch", "*")],
                          svc="codebuild.amazonaws.com", what=("CodeBuild", "project"),
                          nm=("scp", "codebuild:StartBuildBatch", None)),
    "codebuild-004": dict(perms=[(P, "target"), ("codebuild:CreateProject", "*"), ("codebuild:StartBuildBatch", "*")],
                          svc="codebuild.amazonaws.com", what=("CodeBuild", "project"),
                          nm=("scp", "codebuild:StartBuildBatch", None)),
    # --- Data Pipeline
    "datapipeline-001": dict(perms=[(P, "target"), ("datapipeline:CreatePipeline", "*"),
                                    ("datapipeline:PutPipelineDefinition", "*"),
                                    ("datapipeline:ActivatePipeline", "*")],
                             svc="datapipeline.amazonaws.com", what=("Data Pipeline", "pipeline"),
                             nm=("deny", "datapipeline:PutPipelineDefinition", None)),
    # --- EC2
    "ec2-001": dict(perms=[(P, "target"), ("ec2:RunInstances", "*")],
                    svc="ec2.amazonaws.com", what=("EC2", "instance"), profile=True,
                    nm=("condition", P, "lambda.amazonaws.com")),
    "ec2-002": dict(perms=[("ec2:ModifyInstanceAttribute", "*"), ("ec2:StopInstances", "*"),
                           ("ec2:StartInstances", "*")],
                    svc="ec2.amazonaws.com", what=("EC2", "instance"), profile=True,
                    nm=("scp", "ec2:ModifyInstanceAttribute", None)),
    "ec2-003": dict(perms=[(P, "target"), ("ec2:RequestSpotInstances", "*")],
                    svc="ec2.amazonaws.com", what=("EC2", "Spot Instance"), profile=True,
                    needs_existing="VPC and subnet to launch the Spot Instance in",
                    nm=("resource-passrole", P, None)),
    "ec2-004": dict(perms=[("ec2:CreateLaunchTemplateVersion", "*"), ("ec2:ModifyLaunchTemplate", "*")],
                    svc="ec2.amazonaws.com", what=("EC2", "launch template"), profile=True,
                    nm=("deny", "ec2:CreateLaunchTemplateVersion", None)),
    "ec2instanceconnect-003": dict(perms=[("ec2-instance-connect:SendSSHPublicKey", "*"),
                                          ("ec2:DescribeInstances", "*")],
                                   svc="ec2.amazonaws.com", what=("EC2", "instance"), profile=True,
                                   nm=("scp", "ec2-instance-connect:SendSSHPublicKey", None)),
    # --- ECS
    "ecs-001": dict(perms=[(P, "target"), ("ecs:CreateCluster", "*"), ("ecs:RegisterTaskDefinition", "*"),
                           ("ecs:CreateService", "*")],
                    svc="ecs-tasks.amazonaws.com", what=("ECS", "task"),
                    nm=("boundary", "ecs:CreateService", None)),
    "ecs-002": dict(perms=[(P, "target"), ("ecs:CreateCluster", "*"), ("ecs:RegisterTaskDefinition", "*"),
                           ("ecs:RunTask", "*")],
                    svc="ecs-tasks.amazonaws.com", what=("ECS", "task"),
                    nm=("condition", P, "lambda.amazonaws.com")),
    "ecs-003": dict(perms=[(P, "target"), ("ecs:RegisterTaskDefinition", "*"), ("ecs:CreateService", "*")],
                    svc="ecs-tasks.amazonaws.com", what=("ECS", "task"), needs_existing="ECS cluster",
                    nm=("resource-passrole", P, None)),
    "ecs-004": dict(perms=[(P, "target"), ("ecs:RegisterTaskDefinition", "*"), ("ecs:RunTask", "*")],
                    svc="ecs-tasks.amazonaws.com", what=("ECS", "task"), needs_existing="ECS cluster",
                    nm=("resource-passrole", P, None)),
    "ecs-005": dict(perms=[(P, "target"), ("ecs:RegisterTaskDefinition", "*"), ("ecs:StartTask", "*")],
                    svc="ecs-tasks.amazonaws.com", what=("ECS", "task"),
                    needs_existing="ECS cluster with a registered EC2 container instance",
                    nm=("deny", "ecs:StartTask", None)),
    # --- Glue
    "glue-001": dict(perms=[(P, "target"), ("glue:CreateDevEndpoint", "*")],
                     svc="glue.amazonaws.com", what=("Glue", "development endpoint"),
                     nm=("resource-passrole", P, None)),
    "glue-002": dict(perms=[("glue:UpdateDevEndpoint", "*")],
                     svc="glue.amazonaws.com", what=("Glue", "development endpoint"),
                     nm=("boundary", "glue:UpdateDevEndpoint", None)),
    "glue-003": dict(perms=[(P, "target"), ("glue:CreateJob", "*"), ("glue:StartJobRun", "*")],
                     svc="glue.amazonaws.com", what=("Glue", "job"),
                     nm=("condition", P, "ec2.amazonaws.com")),
    "glue-004": dict(perms=[(P, "target"), ("glue:CreateJob", "*"), ("glue:CreateTrigger", "*")],
                     svc="glue.amazonaws.com", what=("Glue", "job"),
                     nm=("scp", "glue:CreateTrigger", None)),
    "glue-005": dict(perms=[(P, "target"), ("glue:UpdateJob", "*"), ("glue:StartJobRun", "*")],
                     svc="glue.amazonaws.com", what=("Glue", "job"), needs_existing="Glue job",
                     # Blocks UpdateJob, not PassRole: an existing job that already runs as target could
                     # have its script replaced without passing the role again.
                     nm=("condition-tag", "glue:UpdateJob", None)),
    "glue-006": dict(perms=[(P, "target"), ("glue:UpdateJob", "*"), ("glue:CreateTrigger", "*")],
                     svc="glue.amazonaws.com", what=("Glue", "job"), needs_existing="Glue job",
                     nm=("deny", "glue:UpdateJob", None)),
    # --- Lambda
    "lambda-001": dict(perms=[(P, "target"), ("lambda:CreateFunction", "*"), ("lambda:InvokeFunction", "*")],
                       svc="lambda.amazonaws.com", what=("Lambda", "function"),
                       nm=("condition", P, "ec2.amazonaws.com")),
    "lambda-002": dict(perms=[(P, "target"), ("lambda:CreateFunction", "*"),
                              ("lambda:CreateEventSourceMapping", "*")],
                       svc="lambda.amazonaws.com", what=("Lambda", "function"),
                       needs_existing="event source (DynamoDB stream, Kinesis stream or SQS queue)",
                       nm=("scp", "lambda:CreateEventSourceMapping", None)),
    "lambda-003": dict(perms=[("lambda:UpdateFunctionCode", "*")],
                       svc="lambda.amazonaws.com", what=("Lambda", "function"),
                       nm=("boundary", "lambda:UpdateFunctionCode", None)),
    "lambda-004": dict(perms=[("lambda:UpdateFunctionCode", "*"), ("lambda:InvokeFunction", "*")],
                       svc="lambda.amazonaws.com", what=("Lambda", "function"),
                       nm=("condition-tag", "lambda:UpdateFunctionCode", None)),
    "lambda-005": dict(perms=[("lambda:UpdateFunctionCode", "*"), ("lambda:AddPermission", "*")],
                       svc="lambda.amazonaws.com", what=("Lambda", "function"),
                       nm=("deny", "lambda:UpdateFunctionCode", None)),
    "lambda-006": dict(perms=[(P, "target"), ("lambda:CreateFunction", "*"), ("lambda:AddPermission", "*")],
                       svc="lambda.amazonaws.com", what=("Lambda", "function"),
                       # Not a PassRole near-miss: with lambda:AddPermission on `*` the attacker could
                       # grant itself access to an existing function running as target through the
                       # function's resource policy, so the step blocked is AddPermission itself.
                       nm=("deny", "lambda:AddPermission", None)),
    # --- SageMaker
    "sagemaker-001": dict(perms=[(P, "target"), ("sagemaker:CreateNotebookInstance", "*")],
                          svc="sagemaker.amazonaws.com", what=("SageMaker", "notebook instance"),
                          nm=("resource-passrole", P, None)),
    "sagemaker-002": dict(perms=[(P, "target"), ("sagemaker:CreateTrainingJob", "*")],
                          svc="sagemaker.amazonaws.com", what=("SageMaker", "training job"),
                          needs_existing="S3 bucket for the training data and output",
                          nm=("condition", P, "ec2.amazonaws.com")),
    "sagemaker-003": dict(perms=[(P, "target"), ("sagemaker:CreateProcessingJob", "*")],
                          svc="sagemaker.amazonaws.com", what=("SageMaker", "processing job"),
                          needs_existing="S3 bucket for the input and output data",
                          nm=("resource-passrole", P, None)),
    "sagemaker-004": dict(perms=[("sagemaker:CreatePresignedNotebookInstanceUrl", "*")],
                          svc="sagemaker.amazonaws.com", what=("SageMaker", "notebook instance"),
                          nm=("boundary", "sagemaker:CreatePresignedNotebookInstanceUrl", None)),
    "sagemaker-005": dict(perms=[("sagemaker:CreateNotebookInstanceLifecycleConfig", "*"),
                                 ("sagemaker:StopNotebookInstance", "*"),
                                 ("sagemaker:UpdateNotebookInstance", "*"),
                                 ("sagemaker:StartNotebookInstance", "*")],
                          svc="sagemaker.amazonaws.com", what=("SageMaker", "notebook instance"),
                          nm=("scp", "sagemaker:UpdateNotebookInstance", None)),
    # --- SSM
    "ssm-001": dict(perms=[("ssm:StartSession", "*")],
                    svc="ec2.amazonaws.com", what=("EC2", "instance (managed by SSM)"), profile=True,
                    nm=("scp", "ssm:StartSession", None)),
    "ssm-002": dict(perms=[("ssm:SendCommand", "*")],
                    svc="ec2.amazonaws.com", what=("EC2", "instance (managed by SSM)"), profile=True,
                    nm=("condition-tag", "ssm:SendCommand", None)),
    # --- IAM: self-escalation and principal access
    "iam-001": dict(perms=[], managed_self=True, iam=True,
                    nm=("boundary", "iam:CreatePolicyVersion", None)),
    "iam-002": dict(perms=[("iam:CreateAccessKey", "victim")], victim="admin", bystander_user=True, iam=True,
                    nm=("resource", "iam:CreateAccessKey", "bystander")),
    "iam-003": dict(perms=[("iam:CreateAccessKey", "victim"), ("iam:DeleteAccessKey", "victim")],
                    victim="admin", iam=True,
                    nm=("deny", "iam:CreateAccessKey", None)),
    "iam-004": dict(perms=[("iam:CreateLoginProfile", "victim")], victim="admin", bystander_user=True, iam=True,
                    nm=("resource", "iam:CreateLoginProfile", "bystander")),
    "iam-005": dict(perms=[("iam:PutRolePolicy", "self")], attacker_role=True, iam=True,
                    nm=("scp", "iam:PutRolePolicy", None)),
    "iam-006": dict(perms=[("iam:UpdateLoginProfile", "victim")], victim="admin", iam=True,
                    nm=("boundary", "iam:UpdateLoginProfile", None)),
    "iam-007": dict(perms=[("iam:PutUserPolicy", "self")], bystander_user=True, iam=True,
                    nm=("resource", "iam:PutUserPolicy", "bystander")),
    "iam-008": dict(perms=[("iam:AttachUserPolicy", "self")], admin_policy_exists=True, readonly_policy=True,
                    iam=True, nm=("condition-policyarn", "iam:AttachUserPolicy", None)),
    "iam-009": dict(perms=[("iam:AttachRolePolicy", "self")], attacker_role=True, admin_policy_exists=True,
                    iam=True, nm=("scp", "iam:AttachRolePolicy", None)),
    "iam-010": dict(perms=[("iam:AttachGroupPolicy", "group-devs")], member_of_devs=True,
                    admin_policy_exists=True, iam=True,
                    nm=("deny", "iam:AttachGroupPolicy", None)),
    "iam-011": dict(perms=[("iam:PutGroupPolicy", "group-devs")], member_of_devs=True, iam=True,
                    nm=("boundary", "iam:PutGroupPolicy", None)),
    "iam-012": dict(perms=[("iam:UpdateAssumeRolePolicy", "target")], target="admin-root-trust", iam=True,
                    nm=("boundary", "iam:UpdateAssumeRolePolicy", None)),
    "iam-013": dict(perms=[("iam:AddUserToGroup", "group-admins")], admins_group=True, devs_group=True, iam=True,
                    nm=("resource", "iam:AddUserToGroup", "group-devs")),
    "iam-014": dict(perms=[("iam:AttachRolePolicy", "target"), ("sts:AssumeRole", "target")],
                    target="plain-trusts-attacker", admin_policy_exists=True, iam=True,
                    nm=("scp", "iam:AttachRolePolicy", None)),
    "iam-015": dict(perms=[("iam:AttachUserPolicy", "victim"), ("iam:CreateAccessKey", "victim")],
                    victim="plain", admin_policy_exists=True, readonly_policy=True, iam=True,
                    nm=("condition-policyarn", "iam:AttachUserPolicy", None)),
    "iam-016": dict(perms=[("iam:CreatePolicyVersion", "target-policy"), ("sts:AssumeRole", "target")],
                    target="managed-trusts-attacker", iam=True,
                    nm=("deny", "iam:CreatePolicyVersion", None)),
    "iam-017": dict(perms=[("iam:PutRolePolicy", "target"), ("sts:AssumeRole", "target")],
                    target="plain-trusts-attacker", bystander_user=True, iam=True,
                    nm=("resource-trust", "sts:AssumeRole", "bystander")),
    "iam-018": dict(perms=[("iam:PutUserPolicy", "victim"), ("iam:CreateAccessKey", "victim")],
                    victim="plain", bystander_user=True, iam=True,
                    nm=("resource", "iam:PutUserPolicy", "bystander")),
    "iam-019": dict(perms=[("iam:AttachRolePolicy", "target"), ("iam:UpdateAssumeRolePolicy", "target")],
                    target="plain-root-trust", admin_policy_exists=True, iam=True,
                    nm=("deny", "iam:AttachRolePolicy", None)),
    "iam-020": dict(perms=[("iam:CreatePolicyVersion", "target-policy"), ("iam:UpdateAssumeRolePolicy", "target")],
                    target="managed-root-trust", iam=True,
                    nm=("boundary", "iam:CreatePolicyVersion", None)),
    "iam-021": dict(perms=[("iam:PutRolePolicy", "target"), ("iam:UpdateAssumeRolePolicy", "target")],
                    target="plain-root-trust", iam=True,
                    nm=("deny", "iam:PutRolePolicy", None)),
    "sts-001": dict(perms=[("sts:AssumeRole", "target")], target="admin-trusts-attacker", bystander_user=True,
                    iam=True, nm=("resource-trust", "sts:AssumeRole", "bystander")),
}

# Why each IAM/STS minimal case reaches admin (paraphrasing the path's description).
IAM_WHY = {
    "iam-001": "The attacker's customer managed policy attacker-policy allows iam:CreatePolicyVersion on itself; a new default version granting `*` on `*` makes the attacker admin.",
    "iam-002": "The attacker may create an access key for user victim, who has AdministratorAccess; with that key it acts as victim (the path assumes victim has fewer than 2 access keys, which a GAAD does not show).",
    "iam-003": "The attacker may delete and create access keys of user victim, who has AdministratorAccess, so even with 2 keys already present it can replace one and act as victim.",
    "iam-004": "The attacker may create a console password for user victim, who has AdministratorAccess, and sign in as victim (the path assumes victim has no login profile yet, which a GAAD does not show).",
    "iam-005": "The attacker role may put an inline policy on itself; an inline policy allowing `*` on `*` makes it admin.",
    "iam-006": "The attacker may change the console password of user victim, who has AdministratorAccess, and sign in as victim (the path assumes victim already has a login profile, which a GAAD does not show).",
    "iam-007": "The attacker may put an inline policy on its own user; an inline policy allowing `*` on `*` makes it admin.",
    "iam-008": "The attacker may attach managed policies to its own user, and AdministratorAccess exists, so attaching it makes the attacker admin.",
    "iam-009": "The attacker role may attach managed policies to itself, and AdministratorAccess exists, so attaching it makes the role admin.",
    "iam-010": "The attacker is a member of group devs and may attach managed policies to it; attaching AdministratorAccess to devs makes its members, the attacker included, admin.",
    "iam-011": "The attacker is a member of group devs and may put inline policies on it; an inline group policy allowing `*` on `*` makes the attacker admin.",
    "iam-012": "The attacker may rewrite the trust policy of role target (AdministratorAccess) to name the attacker's ARN; a same-account trust policy that names the user allows the AssumeRole without an identity permission, so the attacker becomes target.",
    "iam-013": "The attacker may add users to group admins, which has AdministratorAccess; adding itself makes it admin.",
    "iam-014": "The attacker may attach AdministratorAccess to role target, whose trust policy names the attacker, and may assume target; it then acts as an admin role.",
    "iam-015": "The attacker may attach AdministratorAccess to user victim and create an access key for victim, then act as admin victim (the path assumes victim has fewer than 2 access keys).",
    "iam-016": "The attacker may create a new default version of target-policy, the customer managed policy attached to role target, granting `*` on `*`, and may assume target, whose trust policy names it.",
    "iam-017": "The attacker may put an admin inline policy on role target, whose trust policy names the attacker, and may assume target.",
    "iam-018": "The attacker may put an admin inline policy on user victim and create an access key for victim, then act as admin victim (the path assumes victim has fewer than 2 access keys).",
    "iam-019": "The attacker may attach AdministratorAccess to role target and rewrite its trust policy to name the attacker, which then assumes target without an identity sts:AssumeRole permission.",
    "iam-020": "The attacker may create a new default version (`*` on `*`) of target-policy, attached to role target, and rewrite target's trust policy to name the attacker, which then assumes target.",
    "iam-021": "The attacker may put an admin inline policy on role target and rewrite its trust policy to name the attacker, which then assumes target.",
    "sts-001": "Role target has AdministratorAccess and its trust policy names the attacker, who also holds sts:AssumeRole on it, so the attacker assumes target.",
}

IAM_DOCS = {
    "iam-001": [DOC_POLICY_VERSIONS],
    "iam-002": [DOC_ACCESS_KEYS],
    "iam-003": [DOC_ACCESS_KEYS],
    "iam-004": [DOC_PASSWORDS],
    "iam-006": [DOC_PASSWORDS],
    "iam-010": [DOC_GROUPS],
    "iam-011": [DOC_GROUPS],
    "iam-012": [DOC_TRUST, DOC_ROLE_COMPARE],
    "iam-013": [DOC_GROUPS],
    "iam-014": [DOC_TRUST],
    "iam-015": [DOC_ACCESS_KEYS],
    "iam-016": [DOC_POLICY_VERSIONS, DOC_TRUST],
    "iam-017": [DOC_TRUST],
    "iam-018": [DOC_ACCESS_KEYS],
    "iam-019": [DOC_TRUST, DOC_ROLE_COMPARE],
    "iam-020": [DOC_POLICY_VERSIONS, DOC_TRUST, DOC_ROLE_COMPARE],
    "iam-021": [DOC_TRUST, DOC_ROLE_COMPARE],
    "sts-001": [DOC_TRUST, DOC_ROLE_COMPARE],
}


# ---------------------------------------------------------------------------
# Builders

def ident(prefix, name):
    """A deterministic IAM-style id: 4-letter prefix + 17 characters of [A-Z2-7]."""
    h = hashlib.sha256(f"{prefix}/{name}".encode()).digest()
    return prefix + base64.b32encode(h).decode()[:17]


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def admin_doc():
    # AWS managed policy AdministratorAccess, default version (AWS Managed Policy Reference).
    return doc({"Effect": "Allow", "Action": "*", "Resource": "*"})


def managed(name, arn, document, attachments, boundary_uses=0, policy_id=None):
    return {
        "PolicyName": name,
        "PolicyId": policy_id or ident("ANPA", arn),
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": boundary_uses,
        "IsAttachable": True,
        "CreateDate": DATE,
        "UpdateDate": DATE,
        "PolicyVersionList": [
            {"Document": document, "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": DATE}
        ],
    }


def user(name, inline=None, groups=(), attached=(), boundary=None, tags=()):
    u = {
        "Path": "/",
        "UserName": name,
        "UserId": ident("AIDA", name),
        "Arn": f"{A}:user/{name}",
        "CreateDate": DATE,
        "UserPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in (inline or [])],
        "GroupList": list(groups),
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached],
        "Tags": [{"Key": k, "Value": v} for k, v in tags],
    }
    if boundary:
        u["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                    "PermissionsBoundaryArn": boundary}
    return u


def group(name, inline=None, attached=()):
    return {
        "Path": "/",
        "GroupName": name,
        "GroupId": ident("AGPA", name),
        "Arn": f"{A}:group/{name}",
        "CreateDate": DATE,
        "GroupPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in (inline or [])],
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached],
    }


def role(name, trust, inline=None, attached=(), profile=False, boundary=None, tags=()):
    arn = f"{A}:role/{name}"
    r = {
        "Path": "/",
        "RoleName": name,
        "RoleId": ident("AROA", name),
        "Arn": arn,
        "CreateDate": DATE,
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in (inline or [])],
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached],
        "Tags": [{"Key": k, "Value": v} for k, v in tags],
        "RoleLastUsed": {},
    }
    if profile:
        r["InstanceProfileList"] = [{
            "Path": "/",
            "InstanceProfileName": name,
            "InstanceProfileId": ident("AIPA", name),
            "Arn": f"{A}:instance-profile/{name}",
            "CreateDate": DATE,
            "Roles": [{k: r[k] for k in ("Path", "RoleName", "RoleId", "Arn", "CreateDate",
                                         "AssumeRolePolicyDocument")}],
            "Tags": [],
        }]
    if boundary:
        r["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                    "PermissionsBoundaryArn": boundary}
    return r


def trust_service(svc):
    return doc({"Effect": "Allow", "Principal": {"Service": svc}, "Action": "sts:AssumeRole"})


def trust_aws(arn):
    return doc({"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"})


def sid(action):
    svc, name = action.split(":")
    return "".join(part.capitalize() for part in svc.split("-")) + name


# ---------------------------------------------------------------------------
# Organization (SPEC layout 2)

def org_files(deny_scp):
    """The organization dump: attacker account 111122223333 in OU ou-exam-workloads under the root,
    management account 444455556666 directly under the root; FullAWSAccess on root, OU and both
    accounts (as AWS attaches it by default); deny_scp (a document) attached to the OU if given."""
    files = {}
    files["describe-organization.json"] = {"Organization": {
        "Id": ORG,
        "Arn": f"arn:aws:organizations::{MGMT}:organization/{ORG}",
        "FeatureSet": "ALL",
        "MasterAccountArn": f"arn:aws:organizations::{MGMT}:account/{ORG}/{MGMT}",
        "MasterAccountId": MGMT,
        "MasterAccountEmail": "management@example.com",
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
    }}
    root_arn = f"arn:aws:organizations::{MGMT}:root/{ORG}/{ROOT_ID}"
    ou_arn = f"arn:aws:organizations::{MGMT}:ou/{ORG}/{OU}"
    files["list-roots.json"] = {"Roots": [{
        "Id": ROOT_ID, "Arn": root_arn, "Name": "Root",
        "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
    }]}

    def account(i, name):
        return {"Id": i, "Arn": f"arn:aws:organizations::{MGMT}:account/{ORG}/{i}",
                "Email": f"{name}@example.com", "Name": name, "Status": "ACTIVE", "State": "ACTIVE",
                "JoinedMethod": "CREATED" if i != MGMT else "INVITED",
                "JoinedTimestamp": "2025-06-01T09:00:00+00:00"}

    files["list-accounts.json"] = {"Accounts": [account(ACCT, "workload"), account(MGMT, "management")]}
    files[f"children/{ROOT_ID}.ou.json"] = {"Children": [{"Id": OU, "Type": "ORGANIZATIONAL_UNIT"}]}
    files[f"children/{ROOT_ID}.account.json"] = {"Children": [{"Id": MGMT, "Type": "ACCOUNT"}]}
    files[f"children/{OU}.ou.json"] = {"Children": []}
    files[f"children/{OU}.account.json"] = {"Children": [{"Id": ACCT, "Type": "ACCOUNT"}]}
    full = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    files["policies/p-FullAWSAccess.json"] = {"Policy": {
        "PolicySummary": {
            "Id": "p-FullAWSAccess",
            "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
            "Name": "FullAWSAccess",
            "Description": "Allows access to every operation",
            "Type": "SERVICE_CONTROL_POLICY",
            "AwsManaged": True,
        },
        "Content": json.dumps(full, indent=4),
    }}
    files["targets/p-FullAWSAccess.json"] = {"Targets": [
        {"TargetId": ROOT_ID, "Arn": root_arn, "Name": "Root", "Type": "ROOT"},
        {"TargetId": OU, "Arn": ou_arn, "Name": "workloads", "Type": "ORGANIZATIONAL_UNIT"},
        {"TargetId": ACCT, "Arn": f"arn:aws:organizations::{MGMT}:account/{ORG}/{ACCT}", "Name": "workload",
         "Type": "ACCOUNT"},
        {"TargetId": MGMT, "Arn": f"arn:aws:organizations::{MGMT}:account/{ORG}/{MGMT}", "Name": "management",
         "Type": "ACCOUNT"},
    ]}
    if deny_scp is not None:
        pid = "p-examplescp1"
        files[f"policies/{pid}.json"] = {"Policy": {
            "PolicySummary": {
                "Id": pid,
                "Arn": f"arn:aws:organizations::{MGMT}:policy/{ORG}/service_control_policy/{pid}",
                "Name": "deny-escalation-step",
                "Description": "Denies one step of a privilege-escalation path to all but the named roles",
                "Type": "SERVICE_CONTROL_POLICY",
                "AwsManaged": False,
            },
            "Content": json.dumps(deny_scp, indent=4),
        }}
        files[f"targets/{pid}.json"] = {"Targets": [
            {"TargetId": OU, "Arn": ou_arn, "Name": "workloads", "Type": "ORGANIZATIONAL_UNIT"},
        ]}
    return files


# ---------------------------------------------------------------------------
# One path → two snapshots


def build(pid, spec, near_miss):
    """Return (gaad, org_files or None, notes) for one case."""
    kind, nm_action, nm_detail = spec["nm"]
    users, groups, roles = [], [], []
    policies = {}  # arn -> (name, document, attachments, boundary uses, id)
    attacker_is_role = spec.get("attacker_role", False)
    attacker_arn = f"{A}:role/attacker" if attacker_is_role else f"{A}:user/attacker"
    tags = [("team", "dev")] if kind == "condition-tag" else []

    def add_policy(arn, name, document, attach=0, boundary=0, policy_id=None):
        if arn in policies:
            n, d, a, b, i = policies[arn]
            policies[arn] = (n, d, a + attach, b + boundary, i)
        else:
            policies[arn] = (name, document, attach, boundary, policy_id)

    admin_id = "ANPAIWMBCKSKIEE64ZLYK"  # AdministratorAccess's policy id (the same in every account)

    # ---- the role(s) the path reaches
    svc = spec.get("svc")
    target_kind = spec.get("target")
    role_names = []
    if svc and not spec.get("stackset"):
        roles.append(role("target", trust_service(svc), attached=[ADMIN_ARN], profile=spec.get("profile", False)))
        add_policy(ADMIN_ARN, "AdministratorAccess", admin_doc(), attach=1, policy_id=admin_id)
        role_names.append("target")
        if kind == "resource-passrole":
            roles.append(role("limited", trust_service(svc), inline=[("read-example-bucket", doc(BENIGN))],
                              profile=spec.get("profile", False)))
            role_names.append("limited")
    if spec.get("stackset"):
        # Self-managed StackSet permissions (CloudFormation User Guide, "Grant self-managed permissions"):
        # the administration role trusts cloudformation.amazonaws.com and may assume the execution role;
        # the execution role has the administrative permissions.
        exec_arn = f"{A}:role/AWSCloudFormationStackSetExecutionRole"
        roles.append(role("AWSCloudFormationStackSetAdministrationRole", trust_service(svc),
                          inline=[("AssumeRole-AWSCloudFormationStackSetExecutionRole", doc(
                              {"Effect": "Allow", "Action": "sts:AssumeRole",
                               "Resource": "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"}))]))
        roles.append(role("AWSCloudFormationStackSetExecutionRole",
                          trust_aws(f"{A}:role/AWSCloudFormationStackSetAdministrationRole"),
                          attached=[ADMIN_ARN]))
        add_policy(ADMIN_ARN, "AdministratorAccess", admin_doc(), attach=1, policy_id=admin_id)
        role_names += ["AWSCloudFormationStackSetAdministrationRole", "AWSCloudFormationStackSetExecutionRole"]
        _ = exec_arn

    if target_kind:
        root_trust = trust_aws(f"arn:aws:iam::{ACCT}:root")
        attacker_trust = trust_aws(attacker_arn)
        if kind == "resource-trust" and near_miss:
            attacker_trust = trust_aws(f"{A}:user/{nm_detail}")
        if target_kind == "admin-root-trust":
            roles.append(role("target", root_trust, attached=[ADMIN_ARN]))
            add_policy(ADMIN_ARN, "AdministratorAccess", admin_doc(), attach=1, policy_id=admin_id)
        elif target_kind == "admin-trusts-attacker":
            roles.append(role("target", attacker_trust, attached=[ADMIN_ARN]))
            add_policy(ADMIN_ARN, "AdministratorAccess", admin_doc(), attach=1, policy_id=admin_id)
        elif target_kind == "plain-trusts-attacker":
            roles.append(role("target", attacker_trust, inline=[("read-example-bucket", doc(BENIGN))]))
        elif target_kind == "plain-root-trust":
            roles.append(role("target", root_trust, inline=[("read-example-bucket", doc(BENIGN))]))
        elif target_kind in ("managed-trusts-attacker", "managed-root-trust"):
            tp = f"{A}:policy/target-policy"
            roles.append(role("target", attacker_trust if target_kind == "managed-trusts-attacker" else root_trust,
                              attached=[tp]))
            add_policy(tp, "target-policy", doc(BENIGN), attach=1)
        role_names.append("target")

    victim = spec.get("victim")
    if victim == "admin":
        users.append(user("victim", attached=[ADMIN_ARN]))
        add_policy(ADMIN_ARN, "AdministratorAccess", admin_doc(), attach=1, policy_id=admin_id)
    elif victim == "plain":
        users.append(user("victim"))
    if spec.get("bystander_user"):
        users.append(user("bystander"))
    if spec.get("admins_group"):
        groups.append(group("admins", attached=[ADMIN_ARN]))
        add_policy(ADMIN_ARN, "AdministratorAccess", admin_doc(), attach=1, policy_id=admin_id)
    if spec.get("devs_group") or spec.get("member_of_devs"):
        groups.append(group("devs"))
    if spec.get("admin_policy_exists"):
        add_policy(ADMIN_ARN, "AdministratorAccess", admin_doc(), policy_id=admin_id)
    if spec.get("readonly_policy"):
        add_policy(READONLY_ARN, "read-only-s3", doc(BENIGN))

    # ---- the attacker's permissions
    def res(r):
        return {
            "*": "*",
            "target": f"{A}:role/target",
            "stackset-admin": f"{A}:role/AWSCloudFormationStackSetAdministrationRole",
            "self": attacker_arn,
            "victim": f"{A}:user/victim",
            "bystander": f"{A}:user/bystander",
            "group-devs": f"{A}:group/devs",
            "group-admins": f"{A}:group/admins",
            "target-policy": f"{A}:policy/target-policy",
            "limited": f"{A}:role/limited",
        }[r]

    statements = []
    for action, r in spec["perms"]:
        st = {"Sid": sid(action), "Effect": "Allow", "Action": action, "Resource": res(r)}
        if near_miss and action == nm_action:
            if kind == "condition":
                st["Condition"] = {"StringEquals": {"iam:PassedToService": nm_detail}}
            elif kind == "condition-tag":
                st["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": "platform"}}
            elif kind == "condition-policyarn":
                st["Condition"] = {"ArnEquals": {"iam:PolicyARN": READONLY_ARN}}
            elif kind == "resource":
                st["Resource"] = res(nm_detail)
            elif kind == "resource-passrole":
                st["Resource"] = res("limited")
        statements.append(st)
    if near_miss and kind == "deny":
        statements.append({"Sid": "Deny" + sid(nm_action), "Effect": "Deny", "Action": nm_action, "Resource": "*"})

    boundary_arn = None
    if near_miss and kind == "boundary":
        boundary_arn = f"{A}:policy/attacker-boundary"
        allowed = [a for a, _ in spec["perms"] if a != nm_action] or []
        if spec.get("managed_self"):
            allowed = []
        bstmts = [{"Sid": "ReadIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}]
        if allowed:
            bstmts.insert(0, {"Sid": "PathStepsButOne", "Effect": "Allow", "Action": sorted(set(allowed)),
                              "Resource": "*"})
        add_policy(boundary_arn, "attacker-boundary", doc(*bstmts), boundary=1)

    inline = [("path-permissions", doc(*statements))] if statements else []
    attached = []
    if spec.get("managed_self"):
        ap = f"{A}:policy/attacker-policy"
        attached.append(ap)
        add_policy(ap, "attacker-policy", doc({"Sid": "IamCreatePolicyVersion", "Effect": "Allow",
                                               "Action": "iam:CreatePolicyVersion", "Resource": ap}), attach=1)
    if attacker_is_role:
        roles.insert(0, role("attacker", trust_service("ec2.amazonaws.com"), inline=inline, attached=attached,
                             boundary=boundary_arn, tags=tags))
    else:
        users.insert(0, user("attacker", inline=inline, attached=attached, boundary=boundary_arn, tags=tags,
                             groups=["devs"] if spec.get("member_of_devs") else []))

    gaad = {
        "UserDetailList": sorted(users, key=lambda u: u["UserName"].lower()),
        "GroupDetailList": sorted(groups, key=lambda g: g["GroupName"].lower()),
        "RoleDetailList": sorted(roles, key=lambda r: r["RoleName"].lower()),
        "Policies": [managed(n, arn, d, a, b, i) for arn, (n, d, a, b, i) in sorted(policies.items())],
    }

    org = None
    if kind == "scp":
        exempt = [f"arn:aws:iam::*:role/{n}" for n in scp_exempt(spec)]
        assert sorted(scp_exempt(spec)) == sorted(n for n in role_names if n != "attacker"), pid
        scp = None
        if near_miss:
            st = {"Sid": "Deny" + sid(nm_action), "Effect": "Deny", "Action": nm_action, "Resource": "*"}
            if exempt:
                st["Condition"] = {"ArnNotLike": {"aws:PrincipalArn": exempt if len(exempt) > 1 else exempt[0]}}
            scp = doc(st)
        org = org_files(scp)
    return gaad, org, attacker_arn


def scp_exempt(spec):
    """The roles the near-miss SCP exempts: every role of the snapshot but the attacker."""
    if spec.get("stackset"):
        return ["AWSCloudFormationStackSetAdministrationRole", "AWSCloudFormationStackSetExecutionRole"]
    if spec.get("svc") or spec.get("target"):
        return ["target"]
    return []


def reached_role(pid, spec):
    if spec.get("stackset"):
        return f"{A}:role/AWSCloudFormationStackSetExecutionRole"
    if spec.get("svc") or spec.get("target"):
        return f"{A}:role/target"
    if spec.get("victim"):
        return f"{A}:user/victim"
    return None


def category(pid):
    return CATALOGUE[pid]["category"]


def actions_text(spec):
    return ", ".join(a for a, _ in spec["perms"])


def minimal_why(pid, spec):
    if pid in IAM_WHY:
        return IAM_WHY[pid]
    svcname, thing = spec["what"]
    cat = category(pid)
    if spec.get("stackset"):
        return ("The attacker may pass AWSCloudFormationStackSetAdministrationRole (trusts "
                "cloudformation.amazonaws.com, may assume AWSCloudFormationStackSetExecutionRole, which has "
                f"AdministratorAccess) and holds {actions_text(spec)}; the stack instances are created by the "
                "execution role, so the attacker's template runs with admin permissions"
                + (" (the path assumes a StackSet with deployed instances exists, which a GAAD cannot show)."
                   if pid == "cloudformation-004" else "."))
    if cat == "new-passrole" and spec["perms"][0][0] == P:
        extra = ""
        if spec.get("needs_existing"):
            extra = f" (the path assumes an existing {spec['needs_existing']}, which a GAAD cannot show)"
        prof = " and has an instance profile" if spec.get("profile") else ""
        return (f"The attacker may pass role target (AdministratorAccess, trusts {spec['svc']}{prof}) and holds "
                f"{actions_text(spec)}; the {svcname} {thing} it sets up runs the attacker's code with target's "
                f"credentials, so it reaches admin{extra}.")
    return (f"The attacker holds {actions_text(spec)}; role target has AdministratorAccess and trusts {spec['svc']}, "
            f"and the edge assumes {assumes(pid, spec)} (a GAAD cannot show it); per the path, the attacker "
            f"then runs its own code there with target's credentials.")


def near_miss_why(pid, spec):
    kind, action, detail = spec["nm"]
    assumption = ""
    if category(pid) == "existing-passrole" or pid == "cloudformation-005":
        assumption = ", whether or not a resource running as the admin role exists"
    if kind == "condition":
        svcname = spec["what"][0]
        return (f"iam:PassRole on the admin role is now allowed only when iam:PassedToService is {detail}; the path "
                f"passes the role to {svcname} ({spec['svc']} must assume it), never to {detail}, so the PassRole "
                "is implicitly denied and the path is shut.")
    if kind == "condition-tag":
        return (f"The statement allowing {action} now requires aws:PrincipalTag/team = platform; the attacker's only "
                "tag is team=dev and it holds no permission to change its tags, so the condition fails and "
                f"{action} is implicitly denied" + assumption + ".")
    if kind == "condition-policyarn":
        return (f"{action} is now allowed only when iam:PolicyARN is {READONLY_ARN} (a policy granting s3:GetObject "
                "on one bucket), so AdministratorAccess cannot be attached and no other admin policy exists.")
    if kind == "boundary":
        return (f"The attacker now has a permissions boundary that does not allow {action}; an identity-based "
                "allow is effective only where the boundary also allows it, so the step is implicitly denied"
                + assumption + ".")
    if kind == "scp":
        exempt = scp_exempt(spec)
        who = ("every principal of the account" if not exempt else
               "every principal except role " + " and role ".join(exempt)
               + " (ArnNotLike on aws:PrincipalArn, so the roles the path reaches are not restricted)")
        return (f"An SCP attached to the OU holding account {ACCT} denies {action} to {who}; an explicit deny in "
                "an SCP applies to the attacker whatever its identity policy allows, so the step is denied"
                + assumption + ".")
    if kind == "deny":
        return (f"The attacker's policy now also has an explicit Deny of {action}, which overrides its Allow, so "
                "the step is denied" + assumption + ".")
    if kind == "resource-passrole":
        return ("iam:PassRole is now allowed only on role limited (s3:GetObject on one bucket), not on the admin "
                "role target, so the service can only be given the non-admin role.")
    if kind == "resource":
        if pid in ("iam-002", "iam-004"):
            return (f"{action} is now allowed only on user bystander, who has no permissions, not on the admin "
                    "user victim, so the credentials the attacker can create are not admin.")
        if pid == "iam-007":
            return ("iam:PutUserPolicy is now allowed only on user bystander, not on the attacker itself, and the "
                    "attacker cannot obtain bystander's credentials, so neither becomes an admin it controls.")
        if pid == "iam-018":
            return ("iam:PutUserPolicy is now allowed only on user bystander while iam:CreateAccessKey is allowed "
                    "only on user victim: the user it can make admin is not the user whose keys it can create.")
        if pid == "iam-013":
            return ("iam:AddUserToGroup is now allowed only on group devs, which has no policies, not on group "
                    "admins, so joining a group gives the attacker nothing.")
    if kind == "resource-trust":
        return ("Role target's trust policy now names user bystander instead of the attacker; an AssumeRole needs "
                "the role's trust policy to allow the caller as well as the caller's identity policy, so the "
                "attacker cannot assume target.")
    raise ValueError(f"no near-miss text for {pid}")


def sources(pid, spec, near_miss):
    urls = [PF + pid]
    services = sorted({a.split(":")[0] for a, _ in spec["perms"]}
                      | ({"iam"} if spec.get("managed_self") else set()))
    urls += [SAR + SAR_PAGE[s] for s in services]
    if any(a == P for a, _ in spec["perms"]):
        urls.append(DOC_PASSROLE)
    if spec.get("profile"):
        urls.append(DOC_INSTANCE_PROFILE)
    if spec.get("stackset"):
        urls.append(DOC_STACKSETS)
    urls += IAM_DOCS.get(pid, [])
    urls.append(DOC_ADMIN)
    urls.append(DOC_EVAL)
    kind = spec["nm"][0]
    if near_miss or kind == "scp":
        urls += {
            "condition": [DOC_PASSED],
            "condition-tag": [DOC_PTAG, DOC_PTAG_IAM],
            "condition-policyarn": [DOC_POLICYARN],
            "boundary": [DOC_BOUNDARY],
            "scp": [DOC_SCP, DOC_SCP_EX],
            "deny": [DOC_DENY],
            "resource": [],
            "resource-passrole": [DOC_PASSROLE],
            "resource-trust": [DOC_TRUST],
        }[kind]
    seen, out = set(), []
    for u in urls:
        if u not in seen:
            seen.add(u)
            out.append(u)
    return " ; ".join(out)


NEAR_KIND = {
    "condition": "condition", "condition-tag": "condition", "condition-policyarn": "condition",
    "boundary": "boundary", "scp": "scp", "deny": "deny",
    "resource": "resource", "resource-passrole": "resource", "resource-trust": "resource",
}


def also_via(pid, spec):
    """Other catalogue paths whose required actions the attacker of this minimal case also holds."""
    held = {a for a, _ in spec["perms"]}
    if spec.get("managed_self"):
        held.add("iam:CreatePolicyVersion")
    out = []
    for other, c in CATALOGUE.items():
        if other == pid:
            continue
        need = set(c["_required_actions"]) - {"ec2:DescribeInstances"}
        if need and need <= held:
            out.append(other)
    return sorted(out)


def assumes(pid, spec):
    """What the path needs that a GAAD cannot show (pathfinding.cloud's prerequisites)."""
    if pid in ASSUMES:
        return ASSUMES[pid]
    if spec.get("stackset"):
        return None
    if spec.get("needs_existing"):
        return f"an existing {spec['needs_existing']}"
    if spec.get("svc") and spec["perms"][0][0] != P:
        svcname, thing = spec["what"]
        return f"an existing {svcname} {thing} running as role target"
    return None


ASSUMES = {
    "cloudformation-004": "an existing StackSet with deployed stack instances that uses AWSCloudFormationStackSetExecutionRole",
    "cloudformation-002": "an existing CloudFormation stack whose service role is role target",
    "cloudformation-005": "an existing CloudFormation stack whose service role is role target",
    "ec2-004": "an existing launch template referencing role target's instance profile, from which instances are launched",
    "codebuild-002": "an existing CodeBuild project whose service role is role target and which allows buildspec overrides",
    "codebuild-003": "an existing CodeBuild project configured for batch builds whose service role is role target and which allows buildspec overrides",
    "ec2-002": "an existing EC2 instance with role target's instance profile",
    "ec2instanceconnect-003": "a running EC2 instance with EC2 Instance Connect and role target's instance profile, reachable on port 22",
    "ssm-001": "a running EC2 instance with role target's instance profile and the SSM agent running",
    "ssm-002": "a running EC2 instance with role target's instance profile and the SSM agent installed",
    "sagemaker-004": "an existing SageMaker notebook instance in service whose execution role is role target",
    "sagemaker-005": "an existing SageMaker notebook instance whose execution role is role target",
    "bedrock-002": "an existing Bedrock AgentCore code interpreter, ready, whose execution role is role target",
    "glue-002": "an existing Glue development endpoint whose role is role target",
    "apprunner-002": "an existing App Runner service whose instance role is role target",
    "lambda-003": "an existing Lambda function whose execution role is role target, invoked by a trigger",
    "lambda-004": "an existing Lambda function whose execution role is role target",
    "lambda-005": "an existing Lambda function whose execution role is role target",
    "iam-002": "user victim has fewer than 2 access keys",
    "iam-004": "user victim has no login profile yet",
    "iam-006": "user victim has a login profile",
    "iam-015": "user victim has fewer than 2 access keys",
    "iam-018": "user victim has fewer than 2 access keys",
}


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=4) + "\n")


def write_case(base, pid, spec, near_miss):
    gaad, org, attacker_arn = build(pid, spec, near_miss)
    write_json(base / "accounts" / ACCT / "gaad.json", gaad)
    if org:
        for rel, value in org.items():
            write_json(base / "organization" / rel, value)
    exp = {
        "path": pid,
        "source": sources(pid, spec, near_miss),
        "from": attacker_arn,
        "to": "admin",
        "reachable": not near_miss,
    }
    target = reached_role(pid, spec)
    if target:
        exp["target"] = target
    if assumes(pid, spec):
        exp["assumes"] = assumes(pid, spec)
    if near_miss:
        exp["near_miss"] = NEAR_KIND[spec["nm"][0]]
        exp["why"] = near_miss_why(pid, spec)
    else:
        exp["via"] = [pid]
        also = also_via(pid, spec)
        if also:
            exp["also_via"] = also
        exp["why"] = minimal_why(pid, spec)
    write_json(base / "expect.json", exp)


README = """# corpus/paths — the 65 pathfinding.cloud escalation paths as account snapshots

Written by `scripts/gen-privesc-corpus.py` (do not edit the JSON by hand: change the table in the script
and run `python3 scripts/gen-privesc-corpus.py`; `--check` tells whether the files are current).

For every path of DataDog's pathfinding.cloud catalogue (the 65 ids of `policy-lint/data/privesc-paths.json`)
there are two snapshots in iampol's dump layout (SPEC layout 2, as `--account DIR` reads it):

```
<id>/minimal/      the path is open: `paths` must find the attacker reaching admin through <id>
<id>/near-miss/    the same snapshot with ONE change that closes the path according to the AWS docs
each of them:
  accounts/111122223333/gaad.json    aws iam get-account-authorization-details (CLI form: documents as objects)
  organization/...                   only for the SCP cases (see below)
  expect.json                        the expected answer and where it comes from
```

## What a snapshot holds

* `user/attacker` (a role `role/attacker`, trusting `ec2.amazonaws.com`, for `iam-005` and `iam-009`, whose
  paths start from a role) with one inline policy `path-permissions`: exactly the path's
  `permissions.required`, one statement per action (Sid = service + action name). `iam-001` holds its one
  permission through the attached customer managed policy `attacker-policy`, as its prerequisite asks.
* Resources are as narrow as the path allows: `iam:PassRole` names the role the path passes; IAM actions on
  principals name the victim user, role, group or policy; `sts:AssumeRole` names the role. Actions on
  compute resources (functions, stacks, instances, projects, ...) are on `*`: a GAAD lists no such resources,
  so a narrower ARN would name something the snapshot cannot tie to a role.
* The principal the path reaches, given admin permissions (the AWS managed `AdministratorAccess`, with its
  document in `Policies` as the default version `v1`), or the means to make one admin:
  * **new-passrole**: role `target` with `AdministratorAccess`, trusting the service principal the path's
    prerequisites name (`lambda.amazonaws.com`, `ecs-tasks.amazonaws.com`, ...), with an instance profile
    where the path launches EC2 instances. `cloudformation-003`/`-004` use self-managed StackSet roles:
    `AWSCloudFormationStackSetAdministrationRole` (trusts `cloudformation.amazonaws.com`, may assume the
    execution role) and `AWSCloudFormationStackSetExecutionRole` (`AdministratorAccess`, trusts the
    administration role) — CloudFormation User Guide, "Grant self-managed permissions".
  * **existing-passrole**: a GAAD cannot list Lambda functions, instances, stacks, notebooks, projects...
    So role `target` (`AdministratorAccess`) trusts the service, and the case *assumes* a resource of that
    service running as `target` exists (`expect.json` `assumes`). An engine is expected to report such an
    edge as conditional on that resource existing.
  * **principal-access**: the victim `user/victim` or `role/target`, admin from the start where the path
    only takes it over (`iam-002/003/004/006/012`, `sts-001`), or a non-admin one that the attacker makes
    admin (`iam-014` ... `iam-021`; `AdministratorAccess` is then listed in `Policies` with
    `AttachmentCount` 0 where the path attaches it). Trust policies name the attacker's ARN where the path
    says so (`iam-014/016/017`, `sts-001`), or the account root where the attacker must rewrite them
    (`iam-012/019/020/021`; the account root alone needs an identity `sts:AssumeRole`, which the attacker
    lacks).
  * **self-escalation**: the attacker itself; groups `devs` (attacker is a member) and `admins`
    (`AdministratorAccess`) where the path needs them.
* Bystanders that make a one-change near-miss possible are present in both snapshots: `user/bystander`
  (no permissions), `role/limited` (trusts the same service, may only `s3:GetObject` one bucket), group
  `devs` (no policies), customer managed policy `read-only-s3`. A tag `team=dev` on the attacker where the
  near-miss tests `aws:PrincipalTag`.
* Nothing else escalates: no other principal has permissions that lead anywhere.

Account ids follow the SPEC: 111122223333 (the attacker's account), 444455556666 (the organization's
management account). IAM ids are derived from names (deterministic, 21 characters, AWS's prefixes).

## Near-miss kinds

| kind | the one change | doc |
|---|---|---|
| `condition` | the statement allowing one step gains a condition the attacker cannot satisfy: `iam:PassedToService` naming a service the path does not pass the role to; `aws:PrincipalTag/team` = `platform` while the attacker is tagged `team=dev` and cannot retag itself; `iam:PolicyARN` limited to the harmless `read-only-s3` | IAM UG, IAM condition keys; global condition keys |
| `boundary` | a permissions boundary `attacker-boundary` on the attacker allowing the path's other actions (and `iam:Get*`/`iam:List*`) but not one step | IAM UG, Permissions boundaries |
| `scp` | both snapshots hold an organization (`o-exampleorgid`; the attacker's account in OU `ou-exam-workloads`, `FullAWSAccess` attached to root, OU and accounts); the near-miss adds an SCP on the OU denying one step to every principal except the path's service roles (`ArnNotLike aws:PrincipalArn`, the exemption pattern of the Organizations SCP examples), so the roles the path reaches stay admin | Organizations UG, SCPs and SCP examples |
| `resource` | one step's resource points elsewhere: PassRole only on `role/limited`; the credential or policy action only on `user/bystander`; `iam:AddUserToGroup` only on group `devs`; or the target role's trust policy names `user/bystander` instead of the attacker | IAM UG, PassRole; roles' trust policies |
| `deny` | the attacker's policy gains an explicit `Deny` of one step | IAM UG, explicit and implicit denies |

The step that a near-miss blocks is chosen so that no other catalogue path the attacker still holds reopens
the escalation: e.g. `lambda-004` blocks `lambda:UpdateFunctionCode` (not `lambda:InvokeFunction`, since
`lambda-003` needs only the former), `iam-003` denies `iam:CreateAccessKey` (not `iam:DeleteAccessKey`, since
`iam-002` suffices when the victim has fewer than two keys, which a GAAD cannot show).

## expect.json

```
{
  "path": "<id>",
  "source": "<pathfinding.cloud page of the path> ; <the IAM UG / SAR / Organizations pages relied on>",
  "from": "<attacker ARN>",
  "to": "admin",
  "reachable": true | false,
  "target": "<the role or user whose permissions the attacker ends up with, if not itself>",
  "assumes": "<what the path needs that a GAAD cannot show, if anything>",
  "via": ["<id>"],                    (minimal only) the catalogue path the escalation must be found through
  "also_via": ["<id>", ...],          (minimal only, informational) other catalogue paths whose required
                                      actions the attacker also holds: an engine may report the same
                                      escalation through them, alone or chained
  "near_miss": "condition|boundary|scp|resource|deny",   (near-miss only)
  "why": "one sentence: why reachable / why not, per the docs"
}
```

"admin" means allowed every action on every resource after boundaries and SCPs (what `AdministratorAccess`
grants). Expected answers come from the path descriptions and the AWS documentation named in `source`, not
from any tool's output.

## Provenance

The paths (ids, required permissions, prerequisites) are DataDog's pathfinding.cloud
(github.com/DataDog/pathfinding.cloud @ `84dd65c97fc21dee54f4587be6dfd5b7b5fe320c`), Apache License 2.0,
Copyright 2025-Present Datadog, Inc.: see `policy-lint/data/LICENSE-pathfinding-cloud.txt` and
`policy-lint/data/NOTICE-pathfinding-cloud.txt`, and `policy-lint/data/PROVENANCE.md` for the copy in this
repository. The snapshots are written for this project; the `why` texts paraphrase the path descriptions;
each case links its path at `https://pathfinding.cloud/paths/<id>`.

## Cases

| path | category | near-miss | blocked step | change |
|---|---|---|---|---|
{table}
"""


def write_readme():
    rows = []
    for pid in sorted(PATHS):
        spec = PATHS[pid]
        kind, action, detail = spec["nm"]
        change = {
            "condition": f"`iam:PassedToService` = `{detail}`",
            "condition-tag": "`aws:PrincipalTag/team` = `platform`",
            "condition-policyarn": "`iam:PolicyARN` = `read-only-s3`",
            "boundary": "boundary without the step",
            "scp": "SCP on the OU denies the step",
            "deny": "explicit Deny in the attacker's policy",
            "resource": "resource = `" + {"bystander": "user/bystander", "group-devs": "group/devs"}.get(detail, "") + "`",
            "resource-passrole": "PassRole only on `role/limited`",
            "resource-trust": f"trust policy names `user/{detail}`",
        }[kind]
        rows.append(f"| `{pid}` | {category(pid)} | {NEAR_KIND[kind]} | `{action}` | {change} |")
    (OUT / "README.md").write_text(README.replace("{table}", "\n".join(rows)))


def policy_documents(case_dir):
    """Every policy document of one case: (where, kind, document)."""
    out = []
    gaad = json.loads((case_dir / "accounts" / ACCT / "gaad.json").read_text())
    for u in gaad["UserDetailList"]:
        out += [(f"user {u['UserName']}", "identity", p["PolicyDocument"]) for p in u["UserPolicyList"]]
    for g in gaad["GroupDetailList"]:
        out += [(f"group {g['GroupName']}", "identity", p["PolicyDocument"]) for p in g["GroupPolicyList"]]
    for r in gaad["RoleDetailList"]:
        out.append((f"trust of role {r['RoleName']}", "trust", r["AssumeRolePolicyDocument"]))
        out += [(f"role {r['RoleName']}", "identity", p["PolicyDocument"]) for p in r["RolePolicyList"]]
    for p in gaad["Policies"]:
        out += [(f"managed {p['PolicyName']}", "identity", v["Document"]) for v in p["PolicyVersionList"]]
    pol = case_dir / "organization" / "policies"
    if pol.is_dir():
        for f in sorted(pol.glob("*.json")):
            out.append((f"SCP {f.name}", "scp", json.loads(json.loads(f.read_text())["Policy"]["Content"])))
    return out


def validate(base):
    """Every action a policy names exists in the IAM reference that policy-core embeds, and every
    condition key is a global key or one the reference lists for that action; GAAD references resolve."""
    import gzip
    ref = json.loads(gzip.open(ROOT / "policy-core" / "data" / "iam-service-reference.json.gz").read())["services"]
    problems = []
    for case_dir in sorted(p.parent for p in base.rglob("expect.json")):
        for where, kind, d in policy_documents(case_dir):
            if d.get("Version") != "2012-10-17" or not isinstance(d.get("Statement"), list):
                problems.append(f"{case_dir}: {where}: not a policy document")
                continue
            for st in d["Statement"]:
                if st.get("Effect") not in ("Allow", "Deny"):
                    problems.append(f"{case_dir}: {where}: bad Effect")
                if ("Principal" in st) != (kind == "trust"):
                    problems.append(f"{case_dir}: {where}: Principal belongs to trust policies only")
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                for a in actions:
                    if a == "*" or a.endswith("*"):
                        continue
                    svc, name = a.split(":")
                    action = ref.get(svc, {}).get("actions", {}).get(name.lower())
                    if action is None:
                        problems.append(f"{case_dir}: {where}: unknown action {a}")
                        continue
                    keys = {k.lower() for k in action["conditionKeys"]}
                    for rt in action["resourceTypes"]:
                        keys |= {k.lower() for k in rt["conditionKeys"]}
                    for op in st.get("Condition", {}).values():
                        for k in op:
                            if not k.lower().startswith("aws:") and k.lower() not in keys:
                                problems.append(f"{case_dir}: {where}: {k} is not a condition key of {a}")
        gaad = json.loads((case_dir / "accounts" / ACCT / "gaad.json").read_text())
        managed_arns = {p["Arn"] for p in gaad["Policies"]}
        groups = {g["GroupName"] for g in gaad["GroupDetailList"]}
        for e in gaad["UserDetailList"] + gaad["GroupDetailList"] + gaad["RoleDetailList"]:
            for a in e["AttachedManagedPolicies"]:
                if a["PolicyArn"] not in managed_arns:
                    problems.append(f"{case_dir}: attached {a['PolicyArn']} is not in Policies")
            b = e.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
            if b and b not in managed_arns:
                problems.append(f"{case_dir}: boundary {b} is not in Policies")
            for g in e.get("GroupList", []):
                if g not in groups:
                    problems.append(f"{case_dir}: group {g} is not in GroupDetailList")
    return problems


CATALOGUE = {}


def main():
    global CATALOGUE
    cat = json.loads((ROOT / "policy-lint" / "data" / "privesc-paths.json").read_text())
    CATALOGUE = {p["id"]: {"category": p["category"], "_required_actions": p["required"]} for p in cat["paths"]}
    missing = sorted(set(CATALOGUE) - set(PATHS))
    extra = sorted(set(PATHS) - set(CATALOGUE))
    if missing or extra:
        sys.exit(f"table and catalogue differ: missing {missing}, extra {extra}")
    for pid, spec in PATHS.items():
        want = list(CATALOGUE[pid]["_required_actions"])
        have = [a for a, _ in spec["perms"]] or (["iam:CreatePolicyVersion"] if spec.get("managed_self") else [])
        if sorted(want) != sorted(have):
            sys.exit(f"{pid}: table actions {have} != required {want}")
    check = "--check" in sys.argv
    target = OUT if not check else ROOT / "target" / "privesc-corpus-check"
    for pid in sorted(PATHS):
        d = target / pid
        if d.exists():
            shutil.rmtree(d)
        write_case(d / "minimal", pid, PATHS[pid], False)
        write_case(d / "near-miss", pid, PATHS[pid], True)
    problems = validate(target)
    if problems:
        sys.exit("invalid:\n" + "\n".join(problems[:40]))
    if not check:
        write_readme()
    if check:
        import filecmp
        bad = []
        for f in sorted(target.rglob("*.json")):
            rel = f.relative_to(target)
            g = OUT / rel
            if not g.exists() or not filecmp.cmp(f, g, shallow=False):
                bad.append(str(rel))
        shutil.rmtree(target)
        if bad:
            sys.exit("stale: " + ", ".join(bad[:20]))
        print("corpus/paths is current")


if __name__ == "__main__":
    main()
