"""The audit log's hash chain: each event stores ``prev_hash`` (the chain hash of the event before it, by id) and
``chain_hash``, a SHA-256 over ``prev_hash`` and a canonical serialization of the event's content. Changing,
removing or inserting a row behind the application's back breaks the chain where it happened; ``walk`` finds the
first break (``kaigong audit verify``).

The database refuses UPDATE, DELETE and TRUNCATE on the table (triggers, migration 0003; maintenance.py lets a
transaction through on purpose). The chain is what catches whoever can also drop the triggers. It proves the log
consistent with itself: someone who rewrites every hash after a change is caught only against a chain head
recorded elsewhere (``kaigong audit verify`` prints it; docs/operations.md).

Writers (services.record_event, record_events) take ``head`` in the transaction that writes the events: on
PostgreSQL it holds a transaction-level advisory lock until commit, so two transactions cannot both link to the
same event (the unique ``prev_hash`` would refuse the second anyway); SQLite serializes writers itself. So on
PostgreSQL audited writes queue behind a transaction that has written an event, until it commits.
"""

import datetime as dt
import hashlib
import json
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import TextField
from django.db.models.functions import Cast

from kaigong.audit.models import AuditEvent

GENESIS = ""  # the prev_hash of the first event

# The content a chain hash covers, in this order (column names, as values_list reads them). The actor is the id
# recorded when the event was written: ``actor`` itself becomes NULL when that user is deleted.
CONTENT = (
    "action",
    "code",
    "occurred_at",
    "recorded_actor_id",
    "actor_label",
    "content_type_id",
    "object_id",
    "object_repr",
    "project_id",
    "changes",
    "note",
)

# pg_advisory_xact_lock key of the chain's head ("kaigong" in ASCII).
LOCK_KEY = 0x6B6169676F6E67


def event_hash(prev_hash: str, content: Sequence) -> str:
    """The chain hash of an event whose CONTENT values are ``content`` (``changes`` as ``stored_json`` gives it or
    ``decode_changes`` reads it back) following the event whose chain hash is ``prev_hash``."""
    (
        action,
        code,
        occurred_at,
        actor_id,
        actor_label,
        content_type_id,
        object_id,
        object_repr,
        project,
        changes,
        note,
    ) = content
    payload = [
        prev_hash,
        str(action),
        code,
        occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        actor_id,
        actor_label,
        content_type_id,
        object_id,
        object_repr,
        project,
        changes,
        note,
    ]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def stored_json(value):
    """``value`` as an event stores it and as ``decode_changes`` reads it back: tuples become lists, keys strings,
    and a float with an integral value (1.0, 1e16) an integer, as PostgreSQL's jsonb gives it back anyway."""
    return decode_changes(json.dumps(value))


def decode_changes(text: str):
    """An event's ``changes`` from its JSON text (the column read as text), numbers as ``stored_json`` has them."""
    return json.loads(text, parse_float=_number)


def _number(text: str) -> int | float:
    exact = Decimal(text)
    return int(exact) if exact == exact.to_integral_value() else float(text)


def head(connection) -> str:
    """The chain hash the next event links to. Call inside the transaction that writes the event: on PostgreSQL
    the chain stays locked for the other writers until it commits."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    last = AuditEvent.objects.using(connection.alias).order_by("-id").values_list("chain_hash", flat=True).first()
    return GENESIS if last is None else last


# --- verifying ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain is broken. ``kind``: "changed" (the event's content or hash is not what was
    written, or the event was forged), "inserted" (the event was put between two events that still link to each
    other over it; ``linked_id`` is the event that links past it), "removed" (the event no longer links to
    ``linked_id``, the one before it: events between them are gone, or that one was rewritten along with its hash;
    ``linked_id`` None: the event is the first and events before it are gone)."""

    event_id: int
    kind: str
    linked_id: int | None = None


@dataclass(frozen=True)
class ChainReport:
    count: int
    head_id: int | None
    head_hash: str
    broken: ChainBreak | None


_ROW = ("id", "actor_id", "prev_hash", "chain_hash", *CONTENT[:-2], "changes_text", "note")
_RECENT = 1000  # hashes remembered to tell an insertion (a later event links past it) from a removal


def walk(*, using: str = "default", batch_size: int = 5000, start: str = GENESIS) -> ChainReport:
    """Check the chain in id order, reading ``batch_size`` events at a time; stop at the first break. ``start``:
    the hash the first event links to (after older events were pruned: the chain hash of the last one pruned)."""
    recent: deque[tuple[str, int | None]] = deque([(start, None)], maxlen=_RECENT)
    count, previous_id, previous_hash = 0, None, start
    rows = _rows(using, batch_size)
    for row in rows:
        event_id, actor_id, prev_hash, chain_hash, *content = row
        content[-2] = decode_changes(content[-2])
        recorded_actor_id = content[3]
        intact = event_hash(prev_hash, content) == chain_hash and actor_id in (None, recorded_actor_id)
        if not intact:
            following = next(rows, None)
            if following is not None and following[2] == previous_hash:  # the next event links past this one
                return _report(count, previous_id, previous_hash, ChainBreak(event_id, "inserted", following[0]))
            return _report(count, previous_id, previous_hash, ChainBreak(event_id, "changed"))
        if prev_hash != previous_hash:
            skipped_to = next((i for h, i in recent if h == prev_hash), False)
            if skipped_to is not False:  # it links to an earlier event: the ones after that were inserted
                first_inserted = _next_id(using, skipped_to)
                return _report(count, previous_id, previous_hash, ChainBreak(first_inserted, "inserted", event_id))
            return _report(count, previous_id, previous_hash, ChainBreak(event_id, "removed", previous_id))
        count += 1
        previous_id, previous_hash = event_id, chain_hash
        recent.append((chain_hash, event_id))
    return _report(count, previous_id, previous_hash, None)


def chain_hash_of(event_id: int, *, using: str = "default") -> str | None:
    """The stored chain hash of an event (None if there is no such event): to compare with a head recorded before."""
    return AuditEvent.objects.using(using).filter(pk=event_id).values_list("chain_hash", flat=True).first()


def _report(count, head_id, head_hash, broken) -> ChainReport:
    return ChainReport(count=count, head_id=head_id, head_hash=head_hash, broken=broken)


def _rows(using: str, batch_size: int) -> Iterator[tuple]:
    # changes as its JSON text: decoded once, by decode_changes, rather than by the field and then again
    events = AuditEvent.objects.using(using).order_by("id").annotate(changes_text=Cast("changes", TextField()))
    last = 0
    while True:
        batch = list(events.filter(id__gt=last).values_list(*_ROW)[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        last = batch[-1][0]


def _next_id(using: str, after: int | None) -> int:
    events = AuditEvent.objects.using(using).order_by("id")
    if after is not None:
        events = events.filter(id__gt=after)
    return events.values_list("id", flat=True).first()
