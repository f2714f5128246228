-- A small, fixed set of customers and invoices for the reporting view customer_invoice_totals
-- (docs/queries.md shows the view's output on it; tests/integrity/test_reporting_view.py).
-- Due dates are far in the past or future, so "overdue" does not depend on the day it runs.
INSERT INTO users (email) VALUES ('atolye@example.com'), ('kalip@example.com'), ('freze@example.com');
INSERT INTO invoices (user_id, number, amount_cents, tax_cents, currency, status, issued_at, due_at)
SELECT u.id, v.number, v.amount_cents, v.amount_cents / 6, 'TRY', v.status::invoice_status,
       v.issued_at::timestamptz, v.due_at::timestamptz
FROM (VALUES
    ('atolye@example.com', 'INV-2026-0001', 1249900, 'paid',     '2026-01-05', '2026-01-20'),
    ('atolye@example.com', 'INV-2026-0002', 1249900, 'issued',   '2026-02-05', '2999-02-20'),
    ('atolye@example.com', 'INV-2026-0003',  399000, 'draft',    NULL,         NULL),
    ('kalip@example.com',  'INV-2026-0004', 4990000, 'paid',     '2026-01-10', '2026-01-25'),
    ('kalip@example.com',  'INV-2020-0005', 4990000, 'issued',   '2020-02-10', '2020-02-25'),
    ('kalip@example.com',  'INV-2026-0006',  150000, 'refunded', '2026-02-11', '2026-02-26'),
    ('freze@example.com',  'INV-2026-0007',  599000, 'void',     '2026-03-01', '2026-03-15'),
    ('freze@example.com',  'INV-2026-0008',  599000, 'paid',     '2026-03-02', '2026-03-16')
) AS v(email, number, amount_cents, status, issued_at, due_at)
JOIN users u ON u.email = v.email;
-- Another currency: not in the view (it reports TRY).
SET app.multi_currency = on;
INSERT INTO invoices (user_id, number, amount_cents, currency, status, issued_at, due_at)
SELECT id, 'INV-2020-0009', 100000, 'EUR', 'issued', '2020-03-05', '2020-03-20' FROM users WHERE email = 'kalip@example.com';
