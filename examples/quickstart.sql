-- weir quickstart: batch data in, a materialized view in the results database out.
--   weir examples/quickstart.sql          (run from the repository root)
--   sqlite3 weir.db 'SELECT * FROM page_counts'

-- A table read from a CSV file (the reader parses only the columns a query uses).
CREATE TABLE clicks (user_id BIGINT, url TEXT, ts TIMESTAMP)
    WITH (connector = 'file', path = 'examples/data/clicks.csv', format = 'csv', header = 'true');

-- A table filled by INSERT.
CREATE TABLE users (user_id BIGINT, country TEXT);
INSERT INTO users VALUES (1, 'KR'), (2, 'DE'), (3, 'US'), (4, 'KR');

-- Clicks per page per one-minute tumbling window, kept as table page_counts in weir.db.
CREATE MATERIALIZED VIEW page_counts AS
    SELECT window_start, window_end, url, COUNT(*) AS n
    FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)
    GROUP BY window_start, window_end, url;

-- A stream-static style join, here as a batch query.
SELECT u.country, COUNT(*) AS clicks, COUNT(DISTINCT c.url) AS pages
FROM clicks c JOIN users u ON c.user_id = u.user_id
GROUP BY u.country
ORDER BY clicks DESC, u.country;

SELECT url, SUM(n) AS clicks FROM page_counts GROUP BY url ORDER BY clicks DESC, url LIMIT 3;
