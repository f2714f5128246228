-- kind: index with a different WHERE or USING
-- expect: index ix_notifications_user_id_created_at_unread changed
DROP INDEX ix_notifications_user_id_created_at_unread;
CREATE INDEX ix_notifications_user_id_created_at_unread ON notifications (user_id, created_at)
    WHERE read_at IS NOT NULL;
