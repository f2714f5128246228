-- kind: a procedure outside public missing
-- expect: function billing.close_books() added
DROP PROCEDURE billing.close_books();
