"""The application's runtime: the generated ORM models (``cadb.models``), the audit hash chain
(``cadb.audit``), idempotent job creation (``cadb.jobs``) and canonical JSON. Applications
import it; it never imports the tool (generator/, cli/), see docs/architecture.md."""
