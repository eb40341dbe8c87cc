-- iampol summary query, DuckDB form: CloudTrail JSON files as S3 delivers them
-- ({"Records": [...]}), JSON arrays of events, or one event per line (NDJSON); plain or .gz.
-- One row per distinct combination of everything `iampol generate` reads from an event, with
-- the number of calls and the first and last eventTime. Feed the result (CSV with a header,
-- JSON array or NDJSON) to `iampol generate --from-summary FILE`.
-- Nested values (requestParameters, responseElements) are kept as JSON text; resource_arns is
-- the JSON array of the event's resources[].ARN, in the event's order.
WITH
documents AS (
    SELECT json AS document
    FROM read_json_objects({{source}}, format = 'auto')
),
events AS (
    SELECT unnest(
        CASE WHEN json_type(document, '$.Records') = 'ARRAY'
            THEN json_extract(document, '$.Records[*]')
            ELSE [document]
        END) AS e
    FROM documents
),
fields AS (
    SELECT
        json_extract_string(e, '$.userIdentity.type') AS user_type,
        json_extract_string(e, '$.userIdentity.arn') AS user_arn,
        json_extract_string(e, '$.userIdentity.accountId') AS user_account_id,
        json_extract_string(e, '$.userIdentity.invokedBy') AS invoked_by,
        json_extract_string(e, '$.userIdentity.sessionContext.sessionIssuer.type') AS issuer_type,
        json_extract_string(e, '$.userIdentity.sessionContext.sessionIssuer.arn') AS issuer_arn,
        json_extract_string(e, '$.userIdentity.sessionContext.attributes.mfaAuthenticated')
            AS mfa_authenticated,
        json_extract_string(e, '$.eventSource') AS event_source,
        json_extract_string(e, '$.eventName') AS event_name,
        json_extract_string(e, '$.eventType') AS event_type,
        json_extract_string(e, '$.awsRegion') AS aws_region,
        json_extract_string(e, '$.recipientAccountId') AS recipient_account_id,
        json_extract_string(e, '$.errorCode') AS error_code,
        json_extract_string(e, '$.readOnly') AS read_only,
        json_extract_string(e, '$.sourceIPAddress') AS source_ip_address,
        -- A JSON null is NULL, as in the Athena table.
        nullif(CAST(json_extract(e, '$.requestParameters') AS VARCHAR), 'null') AS request_parameters,
        nullif(CAST(json_extract(e, '$.responseElements') AS VARCHAR), 'null') AS response_elements,
        CAST(to_json(list_filter(
            list_transform(
                json_extract(e, '$.resources[*]'),
                r -> coalesce(json_extract_string(r, '$.ARN'), json_extract_string(r, '$.arn'))),
            a -> a IS NOT NULL)) AS VARCHAR) AS resource_arns,
        json_extract_string(e, '$.eventTime') AS event_time
    FROM events
)
SELECT
    user_type,
    user_arn,
    user_account_id,
    invoked_by,
    issuer_type,
    issuer_arn,
    mfa_authenticated,
    event_source,
    event_name,
    event_type,
    aws_region,
    recipient_account_id,
    error_code,
    read_only,
    source_ip_address,
    request_parameters,
    response_elements,
    resource_arns,
    count(*) AS calls,
    min(event_time) AS first_seen,
    max(event_time) AS last_seen,
    coalesce(
        lower(error_code) LIKE '%accessdenied%'
        OR lower(error_code) LIKE '%unauthorized%'
        OR lower(error_code) IN ('forbidden', 'forbiddenexception', 'authorizationerror',
            'authorizationerrorexception', 'notauthorized'),
        false) AS denied
FROM fields
{{filter}}
GROUP BY
    user_type, user_arn, user_account_id, invoked_by, issuer_type, issuer_arn,
    mfa_authenticated, event_source, event_name, event_type, aws_region,
    recipient_account_id, error_code, read_only, source_ip_address, request_parameters,
    response_elements, resource_arns,
    -- Events without an eventTime get rows of their own (first_seen and last_seen empty).
    event_time IS NULL
ORDER BY issuer_arn, user_arn, event_source, event_name, first_seen
