-- iampol summary query, Amazon Athena form, for the CloudTrail table that the Athena User Guide
-- creates with partition projection ("Create the table for CloudTrail logs in Athena using
-- partition projection",
-- https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html):
-- useridentity STRUCT<type, arn, accountid, invokedby, sessioncontext STRUCT<attributes
-- STRUCT<mfaauthenticated>, sessionissuer STRUCT<type, arn>>>, eventtime, eventsource,
-- eventname, awsregion, sourceipaddress, errorcode, requestparameters, responseelements,
-- readonly, eventtype and recipientaccountid as STRING, resources ARRAY<STRUCT<arn, accountid,
-- type>>, and the partition column `timestamp` (yyyy/MM/dd).
-- One row per distinct combination of everything `iampol generate` reads from an event, with
-- the number of calls and the first and last eventtime. Feed the CSV result to
-- `iampol generate --from-summary FILE`.
SELECT
    useridentity.type AS user_type,
    useridentity.arn AS user_arn,
    useridentity.accountid AS user_account_id,
    useridentity.invokedby AS invoked_by,
    useridentity.sessioncontext.sessionissuer.type AS issuer_type,
    useridentity.sessioncontext.sessionissuer.arn AS issuer_arn,
    useridentity.sessioncontext.attributes.mfaauthenticated AS mfa_authenticated,
    eventsource AS event_source,
    eventname AS event_name,
    eventtype AS event_type,
    awsregion AS aws_region,
    recipientaccountid AS recipient_account_id,
    errorcode AS error_code,
    readonly AS read_only,
    sourceipaddress AS source_ip_address,
    requestparameters AS request_parameters,
    responseelements AS response_elements,
    json_format(CAST(filter(transform(resources, r -> r.arn), a -> a IS NOT NULL) AS JSON))
        AS resource_arns,
    count(*) AS calls,
    min(eventtime) AS first_seen,
    max(eventtime) AS last_seen,
    coalesce(
        lower(errorcode) LIKE '%accessdenied%'
        OR lower(errorcode) LIKE '%unauthorized%'
        OR lower(errorcode) IN ('forbidden', 'forbiddenexception', 'authorizationerror',
            'authorizationerrorexception', 'notauthorized'),
        false) AS denied
FROM {{source}}
{{filter}}
GROUP BY
    useridentity.type, useridentity.arn, useridentity.accountid, useridentity.invokedby,
    useridentity.sessioncontext.sessionissuer.type,
    useridentity.sessioncontext.sessionissuer.arn,
    useridentity.sessioncontext.attributes.mfaauthenticated, eventsource, eventname,
    eventtype, awsregion, recipientaccountid, errorcode, readonly, sourceipaddress,
    requestparameters, responseelements,
    json_format(CAST(filter(transform(resources, r -> r.arn), a -> a IS NOT NULL) AS JSON)),
    -- Events without an eventtime get rows of their own (first_seen and last_seen empty).
    eventtime IS NULL
ORDER BY issuer_arn, user_arn, event_source, event_name, first_seen
