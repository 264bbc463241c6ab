"""`kaigong unlock USERNAME [--address IP]`: let an account (and/or an address) locked by failed logins log in again
before its lockout ends. Audited as 解除登录锁定 by "命令 unlock"."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kaigong.accounts.services import unlock_account
from kaigong.audit.events import command_actor
from kaigong.core.exceptions import KaigongError


class Command(BaseCommand):
    help = "解除因登录失败次数过多而锁定的账号或地址。Unlock an account or address locked by failed logins."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help="用户名 (the account to unlock)")
        parser.add_argument("--address", default="", help="IP 地址 (also unlock this address)")

    def handle(self, *args, **options):
        try:
            removed = unlock_account(
                username=options["username"], address=options["address"], actor_label=command_actor("unlock")
            )
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(_("已解锁（清除 %(count)s 条登录失败记录）。") % {"count": removed}))
