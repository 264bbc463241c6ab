"""Template helpers of the progress pages: the unread notices' count in the navigation, amounts in 亿元 where
large, a percentage."""

from decimal import Decimal

from django import template

from kaigong.progress.models import ProgressNotice
from kaigong.projects.templatetags.kaigong_tags import money

register = template.Library()

YI_FROM = Decimal("10000")  # 万元: from 1亿元 up an amount reads better in 亿元


@register.simple_tag(takes_context=True)
def unread_progress_notices(context) -> int:
    """The signed-in user's unread progress notices: one COUNT on an indexed column pair (recipient, read_at), once
    per page (the result is kept on the request for a second use on the same page)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    cached = getattr(request, "_unread_progress_notices", None)
    if cached is None:
        cached = ProgressNotice.objects.filter(recipient=user, read_at__isnull=True).count()
        request._unread_progress_notices = cached
    return cached


@register.filter
def amount(value):
    """An amount in 万元 as a person writes it: '115.5亿元' from 1亿元 up, else '3,200万元'."""
    if value in (None, ""):
        return ""
    return money(value, "yi" if abs(Decimal(str(value))) >= YI_FROM else "wan")


@register.filter
def percent(value):
    """A percentage (already ×100) without trailing zeros: 83.30 → '83.3%'; '—' when there is none."""
    if value in (None, ""):
        return "—"
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


@register.filter
def rate(value):
    """A fraction (完成率 0.9720) as a percentage: '97.2%'."""
    if value in (None, ""):
        return "—"
    return percent(Decimal(str(value)) * 100)
