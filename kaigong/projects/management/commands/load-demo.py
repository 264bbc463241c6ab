"""`kaigong load-demo`: load the demo city (Houma, 2024) and print one login per role. Idempotent."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import gettext_noop

from kaigong.core.exceptions import KaigongError, bilingual
from kaigong.projects.demo import load_demo

LABELS = {
    "categories": _lazy("项目类别"),
    "levels": _lazy("项目级别"),
    "departments": _lazy("部门"),
    "organizations": _lazy("企业/投资方"),
    "projects": _lazy("重点项目"),
    "batches": _lazy("集中开工批次"),
    "users": _lazy("用户"),
    "checklists": _lazy("审批清单"),
    "plans": _lazy("项目方案"),
}


class Command(BaseCommand):
    help = "加载演示数据（侯马市2024年重点项目）；可重复运行，不会产生重复数据。Load the demo city (idempotent)."

    def add_arguments(self, parser):
        # `make demo HOST=… PORT=…` passes the address gunicorn will listen on, so the login hint names it.
        parser.add_argument("--host", default="127.0.0.1", help="服务地址 (the host the site is served on)")
        parser.add_argument("--port", type=int, default=8000, help="服务端口 (the port the site is served on)")

    def handle(self, *args, **options):
        url = _address(options["host"], options["port"])
        started = time.monotonic()
        try:
            result = load_demo()
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started

        created = "，".join(f"{LABELS.get(name, name)} {count}" for name, count in result.created.items())
        updated = "，".join(f"{LABELS.get(name, name)} {count}" for name, count in result.updated.items())
        self.stdout.write(
            self.style.SUCCESS(_("演示数据已就绪（%(seconds).1f 秒）。") % {"seconds": elapsed})
            + " "
            + (_("新建：%(items)s。") % {"items": created} if created else _("无新建数据。"))
            + (" " + _("更新：%(items)s。") % {"items": updated} if updated else "")
        )
        self.stdout.write("")
        self.stdout.write(_("打开 %(url)s ，用以下任一账号登录：") % {"url": url})
        self.stdout.write(_("演示密码: %(password)s") % {"password": result.password})
        width = max(len(username) for username, *_rest in result.users)
        for username, role, where, has_demo_password in result.users:
            line = f"  {username.ljust(width)}  {role}" + (f"（{where}）" if where else "")
            if not has_demo_password:
                line += "  " + _("（账号已存在，密码未修改，不是演示密码）")
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(bilingual(gettext_noop("警告：演示账号和密码仅供演示使用，切勿用于生产环境。")))
        )


def _address(host: str, port: int) -> str:
    """The address to open: a server listening on every interface is reached on this machine as 127.0.0.1."""
    host = (host or "").strip().strip("[]") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}/"
