-- kind: missing table (extra)
-- expect: table notifications added
DROP TABLE notifications;
