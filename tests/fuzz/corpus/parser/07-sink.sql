CREATE SINK alerts WITH (connector = 'kafka', topic = 'alerts', 'bootstrap.servers' = 'localhost:9092',
                         format = 'json')
    AS SELECT user_id, url FROM clicks WHERE url LIKE '%/admin%';