CREATE MATERIALIZED VIEW page_counts AS
    SELECT window_start, window_end, url, COUNT(*) AS n
    FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)
    GROUP BY window_start, window_end, url
    EMIT APPEND
    TRIGGER AVAILABLE NOW;