#!/usr/bin/env bash
# Dump the current AWS account's IAM state, resource policies and (when allowed) its
# AWS Organizations structure into iampol's snapshot layout, for
# `iampol can --account DIR` and the other account commands.
#
# Usage:
#   scripts/dump-account.sh --out DIR [--regions us-east-1,eu-west-1] [--no-organization]
#
# Credentials and profile are the aws CLI's own (AWS_PROFILE, --profile in AWS_DEFAULT_*,
# instance roles, ...). Nothing is changed in the account: every call is a read
# (Get*/List*/Describe*). Permissions needed: iam:GetAccountAuthorizationDetails (in the AWS
# managed SecurityAudit policy), the List/Get policy calls of the services below, and for the
# organization organizations:Describe*/List* (management account or delegated administrator;
# skipped with a note otherwise).
#
# Layout written (what iampol reads):
#   DIR/accounts/<account-id>/gaad.json                aws iam get-account-authorization-details
#   DIR/accounts/<account-id>/resources/<ARN>.json     one resource policy per file; the file
#                                                      name is the ARN with % -> %25, / -> %2F
#   DIR/organization/describe-organization.json       aws organizations describe-organization
#   DIR/organization/list-roots.json                  aws organizations list-roots
#   DIR/organization/list-accounts.json               aws organizations list-accounts
#   DIR/organization/children/<parent>.ou.json        list-children --child-type ORGANIZATIONAL_UNIT
#   DIR/organization/children/<parent>.account.json   list-children --child-type ACCOUNT
#   DIR/organization/policies/<policy-id>.json        describe-policy (SCPs and RCPs)
#   DIR/organization/targets/<policy-id>.json         list-targets-for-policy
#
# Resource policies: S3 buckets (every region), and in each region of --regions (default: the
# CLI's configured region): KMS keys, SQS queues, SNS topics, Lambda functions, Secrets
# Manager secrets, ECR repositories. A resource without a policy gets no file.
#
# Run it once per account (with that account's credentials) into the same DIR to get several
# accounts; run it from the management account to get the organization.

set -uo pipefail

out=""
regions=""
organization=1

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="${2:-}"; shift 2 ;;
        --regions) regions="${2:-}"; shift 2 ;;
        --no-organization) organization=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "error: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

if [ -z "$out" ]; then
    echo "error: --out DIR is required" >&2
    usage >&2
    exit 2
fi
if ! command -v aws >/dev/null 2>&1; then
    echo "error: the aws CLI is not installed (https://aws.amazon.com/cli/)" >&2
    exit 2
fi

if [ -z "$regions" ]; then
    regions="$(aws configure get region || true)"
    regions="${regions:-us-east-1}"
fi

account="$(aws sts get-caller-identity --query Account --output text)" || {
    echo "error: cannot call sts get-caller-identity: no credentials?" >&2
    exit 2
}

acct_dir="$out/accounts/$account"
res_dir="$acct_dir/resources"
mkdir -p "$res_dir"

note() { echo "dump-account: $*" >&2; }

# The file of a resource policy: the ARN with % -> %25 and / -> %2F, then .json.
res_file() {
    local name="${1//%/%25}"
    name="${name//\//%2F}"
    printf '%s/%s.json' "$res_dir" "$name"
}

# Runs an aws call into a file; removes the file (and says why) when the call fails.
# Expected failures (no policy on the resource) are silent with --quiet.
save() {
    local file="$1" quiet=0
    shift
    if [ "$1" = "--quiet" ]; then quiet=1; shift; fi
    local err
    if err="$(aws "$@" --output json 2>&1 >"$file.tmp")"; then
        mv "$file.tmp" "$file"
        return 0
    fi
    rm -f "$file.tmp"
    if [ "$quiet" = 0 ]; then note "skipped ($*): ${err//$'\n'/ }"; fi
    return 1
}

note "account $account: get-account-authorization-details"
save "$acct_dir/gaad.json" iam get-account-authorization-details || exit 2

# S3 buckets (global list; each policy is read in the bucket's own region).
for bucket in $(aws s3api list-buckets --query 'Buckets[].Name' --output text 2>/dev/null); do
    loc="$(aws s3api get-bucket-location --bucket "$bucket" --query LocationConstraint --output text 2>/dev/null || true)"
    case "$loc" in None|null|"") loc=us-east-1 ;; EU) loc=eu-west-1 ;; esac
    save "$(res_file "arn:aws:s3:::$bucket")" --quiet s3api get-bucket-policy --bucket "$bucket" --region "$loc" || true
done

IFS=',' read -r -a region_list <<<"$regions"
for region in "${region_list[@]}"; do
    note "region $region: resource policies"
    for key in $(aws kms list-keys --region "$region" --query 'Keys[].KeyArn' --output text 2>/dev/null); do
        save "$(res_file "$key")" --quiet kms get-key-policy --key-id "$key" --policy-name default --region "$region" || true
    done
    for url in $(aws sqs list-queues --region "$region" --query 'QueueUrls' --output text 2>/dev/null); do
        [ "$url" = "None" ] && continue
        arn="$(aws sqs get-queue-attributes --queue-url "$url" --attribute-names QueueArn --region "$region" --query Attributes.QueueArn --output text 2>/dev/null)" || continue
        file="$(res_file "$arn")"
        if save "$file" --quiet sqs get-queue-attributes --queue-url "$url" --attribute-names Policy --region "$region"; then
            grep -q '"Policy"' "$file" || rm -f "$file"
        fi
    done
    for topic in $(aws sns list-topics --region "$region" --query 'Topics[].TopicArn' --output text 2>/dev/null); do
        file="$(res_file "$topic")"
        if save "$file" --quiet sns get-topic-attributes --topic-arn "$topic" --region "$region"; then
            grep -q '"Policy"' "$file" || rm -f "$file"
        fi
    done
    for fn in $(aws lambda list-functions --region "$region" --query 'Functions[].FunctionArn' --output text 2>/dev/null); do
        save "$(res_file "$fn")" --quiet lambda get-policy --function-name "$fn" --region "$region" || true
    done
    for secret in $(aws secretsmanager list-secrets --region "$region" --query 'SecretList[].ARN' --output text 2>/dev/null); do
        file="$(res_file "$secret")"
        if save "$file" --quiet secretsmanager get-resource-policy --secret-id "$secret" --region "$region"; then
            grep -q '"ResourcePolicy"' "$file" || rm -f "$file"
        fi
    done
    for repo in $(aws ecr describe-repositories --region "$region" --query 'repositories[].repositoryArn' --output text 2>/dev/null); do
        save "$(res_file "$repo")" --quiet ecr get-repository-policy --repository-name "${repo##*/}" --region "$region" || true
    done
done

if [ "$organization" = 1 ]; then
    org_dir="$out/organization"
    mkdir -p "$org_dir/children" "$org_dir/policies" "$org_dir/targets"
    if ! save "$org_dir/describe-organization.json" organizations describe-organization; then
        note "not in an organization (or not allowed to describe it): no organization dump"
        rmdir "$org_dir/children" "$org_dir/policies" "$org_dir/targets" "$org_dir" 2>/dev/null
    elif ! save "$org_dir/list-roots.json" organizations list-roots; then
        note "organization: list-roots needs the management account or a delegated administrator; the tree, SCPs and RCPs are not dumped"
    else
        save "$org_dir/list-accounts.json" organizations list-accounts || true
        queue="$(aws organizations list-roots --query 'Roots[].Id' --output text)"
        while [ -n "${queue// /}" ]; do
            next=""
            for parent in $queue; do
                save "$org_dir/children/$parent.account.json" organizations list-children --parent-id "$parent" --child-type ACCOUNT || true
                if save "$org_dir/children/$parent.ou.json" organizations list-children --parent-id "$parent" --child-type ORGANIZATIONAL_UNIT; then
                    next="$next $(aws organizations list-children --parent-id "$parent" --child-type ORGANIZATIONAL_UNIT --query 'Children[].Id' --output text)"
                fi
            done
            queue="$next"
        done
        for type in SERVICE_CONTROL_POLICY RESOURCE_CONTROL_POLICY; do
            for id in $(aws organizations list-policies --filter "$type" --query 'Policies[].Id' --output text 2>/dev/null); do
                save "$org_dir/policies/$id.json" organizations describe-policy --policy-id "$id" || continue
                save "$org_dir/targets/$id.json" organizations list-targets-for-policy --policy-id "$id" || true
            done
        done
    fi
fi

note "done: iampol can --account $out --principal ARN --action SERVICE:ACTION --resource ARN"
