CREATE SOURCE clicks (
    user_id BIGINT, url TEXT, ts TIMESTAMP,
    WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH (connector = 'file', path = 'in/clicks', format = 'csv', header = 'true',
        max_files_per_trigger = '1');