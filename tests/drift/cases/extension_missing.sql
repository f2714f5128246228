-- kind: extension missing
-- expect: extension citext added
-- citext cannot go without users.email (its only citext column), which takes its
-- unique constraint and the e-mail CHECK with it.
-- expect: column users.email added
-- expect: constraint uq_users_email added
-- expect: constraint ck_users_email_format added
DROP EXTENSION citext CASCADE;
