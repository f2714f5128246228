-- kind: foreign key re-added NOT VALID (extra)
-- expect: constraint fk_sessions_user_id_users changed
ALTER TABLE sessions DROP CONSTRAINT fk_sessions_user_id_users;
ALTER TABLE sessions ADD CONSTRAINT fk_sessions_user_id_users
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT NOT VALID;
