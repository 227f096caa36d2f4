INSERT INTO users VALUES (1, 'KR'), (2, 'DE');
INSERT INTO users (country, user_id) VALUES ('it''s', -3 + 4);
INSERT INTO t SELECT * FROM users WHERE user_id > 1;