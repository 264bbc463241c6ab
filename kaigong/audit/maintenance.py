"""The audit table's maintenance switch: the one way past its append-only triggers (migration 0003) short of
dropping them.

The triggers refuse UPDATE, DELETE and TRUNCATE on audit_auditevent (but for a deleted user's events losing their
actor, as the foreign key says) unless the transaction has turned the switch on:

- PostgreSQL: the setting ``kaigong.audit_maintenance = on`` (``SET LOCAL``, so it ends with the transaction);
- SQLite, which has no session settings: a row in the table ``audit_maintenance``, inserted and deleted inside
  the transaction, so no other connection ever sees it.

It is for emptying a database on purpose (the test runner's flush), and for what docs/operations.md describes
(the audit log section). Whatever it lets through shows in ``kaigong audit verify``.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

SETTING = "kaigong.audit_maintenance"
SQLITE_TABLE = "audit_maintenance"


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS):
    """Run the block in a transaction whose UPDATE, DELETE and TRUNCATE on the audit table the triggers allow."""
    connection = connections[using]
    with transaction.atomic(using=using):
        _switch(connection, on=True)
        yield
        _switch(connection, on=False)  # an exception rolls the switch back with the rest


def _switch(connection, *, on: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, %s, true)", [SETTING, "on" if on else "off"])
        elif on:
            cursor.execute(f"INSERT INTO {SQLITE_TABLE} (reason) VALUES (%s)", ["maintenance"])
        else:
            cursor.execute(f"DELETE FROM {SQLITE_TABLE}")
