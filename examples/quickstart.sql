-- weir quickstart: a stream of clicks in, live result tables in the results database out.
--   weir examples/quickstart.sql          (run from the repository root)
--   sqlite3 weir.db 'SELECT * FROM page_counts'

-- An input read from CSV files (every file matching the glob, in name order). Event time
-- is ts; rows may arrive up to 10 seconds late. bounded: the query ends when the files are read.
CREATE SOURCE clicks (
    user_id BIGINT, url TEXT, ts TIMESTAMP,
    WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH (connector = 'file', path = 'examples/data/clicks*.csv', format = 'csv', header = 'true',
        max_files_per_trigger = '1', bounded = 'true');

-- A static table, joinable with the stream.
CREATE TABLE users (user_id BIGINT, country TEXT);
INSERT INTO users VALUES (1, 'KR'), (2, 'DE'), (3, 'US'), (4, 'KR');

-- Clicks per page per one-minute window, written once per window when the watermark
-- passes its end, into table page_counts of weir.db.
CREATE MATERIALIZED VIEW page_counts AS
    SELECT window_start, window_end, url, COUNT(*) AS n
    FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)
    GROUP BY window_start, window_end, url
    EMIT APPEND;

-- A stream-static join maintained incrementally (EMIT UPDATE: rows upserted per country).
CREATE MATERIALIZED VIEW clicks_by_country AS
    SELECT u.country, COUNT(*) AS clicks, COUNT(DISTINCT c.url) AS pages
    FROM clicks c JOIN users u ON c.user_id = u.user_id
    GROUP BY u.country;
