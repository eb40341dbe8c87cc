"""Runs a summary query of `iampol generate --emit-sql` with DuckDB and writes its result as
CSV (every value quoted and NULL left empty, as Athena writes query results), NDJSON and a
JSON array. Used by policy-cli/tests/scale_path.rs.

    python duckdb_summary.py DIALECT QUERY_FILE TRAIL_GLOB OUT_PREFIX

DIALECT `duckdb` runs the query as it is, over the files it names. For `athena` and
`security-lake` the trail is first loaded into a table of the shape that dialect's query reads
(the Athena User Guide's CloudTrail table with partition projection; Security Lake's OCSF 1.1.0
CloudTrail table as the query's header describes it), and the few Trino functions the queries
use that DuckDB spells differently are renamed. This checks the query's logic over those
shapes; it does not stand in for Athena.
"""

import sys

import duckdb

dialect, query_file, trail, out = sys.argv[1:5]
query = open(query_file, encoding="utf-8").read().strip().rstrip(";")
con = duckdb.connect()

EVENTS = f"""
CREATE TEMP VIEW events AS
WITH documents AS (
    SELECT json AS document FROM read_json_objects('{trail}', format = 'auto')
)
SELECT unnest(
    CASE WHEN json_type(document, '$.Records') = 'ARRAY'
        THEN json_extract(document, '$.Records[*]') ELSE [document] END) AS e
FROM documents
"""


def s(path):
    return f"json_extract_string(e, '{path}')"


if dialect == "athena":
    con.execute(EVENTS)
    # The columns the query reads, typed as in the guide's CREATE TABLE (STRING is VARCHAR).
    con.execute(f"""
    CREATE TABLE cloudtrail_logs_pp AS SELECT
        {{'type': {s('$.userIdentity.type')},
          'principalid': {s('$.userIdentity.principalId')},
          'arn': {s('$.userIdentity.arn')},
          'accountid': {s('$.userIdentity.accountId')},
          'invokedby': {s('$.userIdentity.invokedBy')},
          'accesskeyid': {s('$.userIdentity.accessKeyId')},
          'username': {s('$.userIdentity.userName')},
          'sessioncontext': {{
              'attributes': {{
                  'mfaauthenticated': {s('$.userIdentity.sessionContext.attributes.mfaAuthenticated')},
                  'creationdate': {s('$.userIdentity.sessionContext.attributes.creationDate')}}},
              'sessionissuer': {{
                  'type': {s('$.userIdentity.sessionContext.sessionIssuer.type')},
                  'principalid': {s('$.userIdentity.sessionContext.sessionIssuer.principalId')},
                  'arn': {s('$.userIdentity.sessionContext.sessionIssuer.arn')},
                  'accountid': {s('$.userIdentity.sessionContext.sessionIssuer.accountId')},
                  'username': {s('$.userIdentity.sessionContext.sessionIssuer.userName')}}}}}}}
            AS useridentity,
        {s('$.eventTime')} AS eventtime,
        {s('$.eventSource')} AS eventsource,
        {s('$.eventName')} AS eventname,
        {s('$.awsRegion')} AS awsregion,
        {s('$.sourceIPAddress')} AS sourceipaddress,
        {s('$.errorCode')} AS errorcode,
        CAST(json_extract(e, '$.requestParameters') AS VARCHAR) AS requestparameters,
        CAST(json_extract(e, '$.responseElements') AS VARCHAR) AS responseelements,
        {s('$.readOnly')} AS readonly,
        list_transform(json_extract(e, '$.resources[*]'),
            r -> {{'arn': json_extract_string(r, '$.ARN'),
                   'accountid': json_extract_string(r, '$.accountId'),
                   'type': json_extract_string(r, '$.type')}}) AS resources,
        {s('$.eventType')} AS eventtype,
        {s('$.recipientAccountId')} AS recipientaccountid,
        strftime(CAST({s('$.eventTime')} AS TIMESTAMP), '%Y/%m/%d') AS "timestamp"
    FROM events
    """)
elif dialect == "security-lake":
    con.execute(EVENTS)
    con.execute("CREATE SCHEMA amazon_security_lake_glue_db_us_east_1")
    sip = s("$.sourceIPAddress")
    con.execute(f"""
    CREATE TABLE amazon_security_lake_glue_db_us_east_1.amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0
    AS SELECT
        {{'user': {{'type': {s('$.userIdentity.type')},
                   'uid': {s('$.userIdentity.arn')},
                   'uid_alt': {s('$.userIdentity.principalId')},
                   'account': {{'uid': {s('$.userIdentity.accountId')}}}}},
          'invoked_by': {s('$.userIdentity.invokedBy')},
          'session': {{
              'issuer': {s('$.userIdentity.sessionContext.sessionIssuer.arn')},
              'is_mfa': TRY_CAST({s('$.userIdentity.sessionContext.attributes.mfaAuthenticated')} AS BOOLEAN)}}}}
            AS actor,
        {{'service': {{'name': {s('$.eventSource')}}},
          'operation': {s('$.eventName')},
          'request': {{'data': nullif(CAST(json_extract(e, '$.requestParameters') AS VARCHAR), 'null')}},
          'response': {{'data': nullif(CAST(json_extract(e, '$.responseElements') AS VARCHAR), 'null'),
                        'error': {s('$.errorCode')}}}}} AS api,
        {{'event_code': {s('$.eventType')}}} AS metadata,
        {{'region': {s('$.awsRegion')}}} AS cloud,
        {s('$.recipientAccountId')} AS accountid,
        {s('$.awsRegion')} AS region,
        MAP {{'readOnly': {s('$.readOnly')}}} AS unmapped,
        {{'ip': CASE WHEN regexp_full_match({sip}, '[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*') THEN {sip} END,
          'domain': CASE WHEN NOT regexp_full_match({sip}, '[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*') THEN {sip} END}}
            AS src_endpoint,
        list_transform(json_extract(e, '$.resources[*]'),
            r -> {{'uid': json_extract_string(r, '$.ARN'),
                   'type': json_extract_string(r, '$.type')}}) AS resources,
        CAST({s('$.eventTime')} AS TIMESTAMP) AS time_dt
    FROM events
    """)
elif dialect != "duckdb":
    sys.exit(f"unknown dialect {dialect}")

if dialect != "duckdb":
    # Trino's names for what DuckDB calls otherwise.
    con.execute("CREATE MACRO json_format(j) AS CAST(j AS VARCHAR)")
    query = (
        query.replace("transform(", "list_transform(")
        .replace("element_at(", "map_extract_value(")
        .replace("date_format(time_dt, '%Y-%m-%dT%H:%i:%sZ')", "strftime(time_dt, '%Y-%m-%dT%H:%M:%SZ')")
    )

con.execute(f"COPY ({query}) TO '{out}.csv' (FORMAT csv, HEADER, FORCE_QUOTE *)")
con.execute(f"COPY ({query}) TO '{out}.ndjson' (FORMAT json)")
con.execute(f"COPY ({query}) TO '{out}.json' (FORMAT json, ARRAY true)")
