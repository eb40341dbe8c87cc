-- iampol summary query, Amazon Security Lake form: the CloudTrail management events table of
-- AWS source version 2 (OCSF 1.1.0, class API Activity), queried with Athena
-- (amazon_security_lake_glue_db_<region>.amazon_security_lake_table_<region>_cloud_trail_mgmt_2_0).
-- Columns, from the Security Lake User Guide ("Security Lake queries for AWS source version 2
-- (OCSF 1.1.0)", https://docs.aws.amazon.com/security-lake/latest/userguide/subscriber-query-examples2.html,
-- and "Example Security Lake queries for CloudTrail data",
-- https://docs.aws.amazon.com/security-lake/latest/userguide/cloudtrail-query-examples-sourceversion2.html):
-- time_dt (a partition, with region and accountid), api.service.name, api.operation,
-- api.response.error, api.response.data, cloud.region, actor.user.uid, actor.user.account.uid,
-- src_endpoint.ip. The rest follow the OCSF project's CloudTrail-to-API-Activity mapping
-- (ocsf/examples, "Amazon CloudTrail Generic API Activity", OCSF 1.1.0): actor.user.type
-- (userIdentity.type), actor.invoked_by, actor.session.issuer (sessionIssuer.arn),
-- actor.session.is_mfa, metadata.event_code (eventType), api.request.data
-- (requestParameters), resources[].uid (resources[].ARN), src_endpoint.ip or .domain
-- (sourceIPAddress); fields it does not map (readOnly) are kept in `unmapped`.
-- OCSF has no sessionIssuer.type: it is read from the issuer ARN (`:role/` is a role).
-- recipientAccountId is the table's accountid partition (the account whose trail it is).
-- One row per distinct combination of everything `iampol generate` reads from an event, with
-- the number of calls and the first and last event time. Feed the CSV result to
-- `iampol generate --from-summary FILE`.
SELECT
    actor.user.type AS user_type,
    actor.user.uid AS user_arn,
    actor.user.account.uid AS user_account_id,
    actor.invoked_by AS invoked_by,
    CASE
        WHEN actor.session.issuer LIKE 'arn:%:iam::%:role/%' THEN 'Role'
        WHEN actor.session.issuer LIKE 'arn:%:iam::%:user/%' THEN 'IAMUser'
        WHEN actor.session.issuer LIKE 'arn:%:iam::%:root' THEN 'Root'
    END AS issuer_type,
    actor.session.issuer AS issuer_arn,
    CAST(actor.session.is_mfa AS VARCHAR) AS mfa_authenticated,
    api.service.name AS event_source,
    api.operation AS event_name,
    metadata.event_code AS event_type,
    cloud.region AS aws_region,
    accountid AS recipient_account_id,
    api.response.error AS error_code,
    element_at(unmapped, 'readOnly') AS read_only,
    coalesce(src_endpoint.ip, src_endpoint.domain) AS source_ip_address,
    api.request.data AS request_parameters,
    api.response.data AS response_elements,
    json_format(CAST(filter(transform(resources, r -> r.uid), u -> u IS NOT NULL) AS JSON))
        AS resource_arns,
    count(*) AS calls,
    min(date_format(time_dt, '%Y-%m-%dT%H:%i:%sZ')) AS first_seen,
    max(date_format(time_dt, '%Y-%m-%dT%H:%i:%sZ')) AS last_seen,
    coalesce(
        lower(api.response.error) LIKE '%accessdenied%'
        OR lower(api.response.error) LIKE '%unauthorized%'
        OR lower(api.response.error) IN ('forbidden', 'forbiddenexception', 'authorizationerror',
            'authorizationerrorexception', 'notauthorized'),
        false) AS denied
FROM {{source}}
{{filter}}
GROUP BY
    actor.user.type, actor.user.uid, actor.user.account.uid, actor.invoked_by,
    actor.session.issuer, CAST(actor.session.is_mfa AS VARCHAR), api.service.name,
    api.operation, metadata.event_code, cloud.region, accountid, api.response.error,
    element_at(unmapped, 'readOnly'), coalesce(src_endpoint.ip, src_endpoint.domain),
    api.request.data, api.response.data,
    json_format(CAST(filter(transform(resources, r -> r.uid), u -> u IS NOT NULL) AS JSON)),
    -- Events without a time get rows of their own (first_seen and last_seen empty).
    time_dt IS NULL
ORDER BY issuer_arn, user_arn, event_source, event_name, first_seen
