"""`kaigong audit verify [--expect ID:HASH] [--start HASH]`: walk the audit log's hash chain (kaigong/audit/chain.py)
in id order.

Exit status 0 with the number of events and the chain head: record it somewhere the database's users cannot
write, and give it back with ``--expect`` later: that proves the chain was not rewritten as a whole. Exit status 1
naming the first event that was changed, removed or inserted out of place, bilingual (中文 (English)). ``--start``:
after older events were pruned (docs/operations.md), the chain hash of the last one pruned.
"""

import argparse
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from kaigong.audit import chain
from kaigong.core.exceptions import bilingual

INTACT = gettext_noop("审计链完整:%(count)s 个事件")
HEAD = gettext_noop("链尾:#%(id)s %(hash)s")
BROKEN = {
    "changed": gettext_noop("审计事件 #%(id)s 被改动:内容与链哈希不符(改动或伪造)"),
    "inserted": gettext_noop("审计事件 #%(id)s 是插入的:#%(linked)s 越过它接续前一事件"),
    "removed": gettext_noop("审计事件 #%(id)s 不再接续 #%(linked)s:其间的事件被删除,或 #%(linked)s 连同哈希被改写"),
    "removed_first": gettext_noop("审计事件 #%(id)s 是第一个事件,却不是链首:之前的事件被删除"),
}
REWRITTEN = gettext_noop("审计事件 #%(id)s 的链哈希与记录的不同:审计链被改写或截断")


def _recorded_head(value: str) -> tuple[int, str]:
    match = re.fullmatch(r"#?(\d+):([0-9a-f]{64})", value.strip())
    if match is None:
        raise argparse.ArgumentTypeError("expected ID:HASH, as verify printed the chain head")
    return int(match[1]), match[2]


def _hash(value: str) -> str:
    if re.fullmatch(r"[0-9a-f]{64}", value.strip()) is None:
        raise argparse.ArgumentTypeError("expected a chain hash (64 hexadecimal digits)")
    return value.strip()


class Command(BaseCommand):
    help = "审计日志: verify(按编号顺序校验哈希链,指出第一个被改动、删除或插入的事件)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser(
            "verify", help="walk the hash chain; exit 1 naming the first event changed, removed or inserted"
        )
        verify.add_argument("--batch-size", type=int, default=5000, help="events read at a time (default 5000)")
        verify.add_argument("--database", default="default", help="database alias (default: default)")
        verify.add_argument(
            "--expect",
            type=_recorded_head,
            metavar="ID:HASH",
            help="a chain head printed before: that event must still have that chain hash",
        )
        verify.add_argument(
            "--start", type=_hash, default=None, help="after pruning: the chain hash of the last pruned event"
        )

    def handle(self, *args, subcommand, **options):
        getattr(self, f"_{subcommand}")(**options)

    def _verify(self, *, batch_size, database, expect, start, **options):
        report = chain.walk(using=database, batch_size=batch_size, start=start or chain.GENESIS)
        broken = report.broken
        if broken is not None:
            kind = "removed_first" if broken.kind == "removed" and broken.linked_id is None else broken.kind
            raise CommandError(bilingual(BROKEN[kind], {"id": broken.event_id, "linked": broken.linked_id}))
        if expect is not None and chain.chain_hash_of(expect[0], using=database) != expect[1]:
            raise CommandError(bilingual(REWRITTEN, {"id": expect[0]}))
        self.stdout.write(bilingual(INTACT, {"count": report.count}))
        if report.head_id is not None:
            self.stdout.write(bilingual(HEAD, {"id": report.head_id, "hash": report.head_hash}))
