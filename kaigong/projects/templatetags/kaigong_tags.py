"""Template helpers for Kaigong pages: money in 万元/亿元, icons, sortable column headers, readable changes."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kaigong.core.money import format_wan, format_yi
from kaigong.projects.choices import Pool, Stage

register = template.Library()

HAN = re.compile(r"[\u4e00-\u9fff]")

# Audited fields whose stored value is a choice value: shown by their label.
CHOICE_LABELS = {"stage": Stage, "pool": Pool, "from_stage": Stage, "to_stage": Stage}
MONEY_FIELDS = {"total_investment", "annual_planned_investment"}


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def wan(value):
    """万元 amount with thousands separators, no unit: 1,155,000.5"""
    amount = _decimal(value)
    return "" if amount is None else format_wan(amount, unit=False)


@register.filter
def yi(value):
    """万元 amount shown in 亿元 without trailing zeros, no unit: 115.5"""
    amount = _decimal(value)
    return "" if amount is None else format_yi(amount, unit=False)


def _with_unit(number: str, unit: str) -> str:
    """An amount and its unit in the page's language: '1,155,000万元', '1,155,000 10k yuan'."""
    return f"{number}{unit}" if HAN.search(unit) else f"{number} {unit}"


@register.filter
def money(value, unit="wan"):
    """'1,155,000万元' (default) or, with ``money:"yi"``, '115.5亿元'; in English '115.5 100M yuan'."""
    amount = _decimal(value)
    if amount is None:
        return ""
    if unit == "yi":
        return _with_unit(format_yi(amount, unit=False), _("亿元"))
    return _with_unit(format_wan(amount, unit=False), _("万元"))


@register.simple_tag
def icon(name, label=""):
    """An icon from the vendored Bootstrap Icons sprite; decorative unless a label is given."""
    href = static("vendor/bootstrap-icons/icons.svg") + "#bi-" + name
    if label:
        return format_html('<svg class="icon" role="img" aria-label="{}"><use href="{}"></use></svg>', label, href)
    return format_html('<svg class="icon" aria-hidden="true"><use href="{}"></use></svg>', href)


@register.inclusion_tag("projects/_sort_header.html", takes_context=True)
def sort_header(context, field, label):
    """A column header that sorts by ``field``; a second click reverses the order."""
    request = context["request"]
    current = request.GET.get("ordering", "")
    if current == field:
        target, direction = f"-{field}", "asc"
    elif current == f"-{field}":
        target, direction = field, "desc"
    else:
        target, direction = field, ""
    params = request.GET.copy()
    params["ordering"] = target
    params.pop("page", None)
    return {"href": "?" + params.urlencode(), "label": label, "direction": direction}


def _display_value(field_name, value, model=None):
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field_name in CHOICE_LABELS and isinstance(value, str):
        try:
            return str(CHOICE_LABELS[field_name](value).label)
        except ValueError:
            return value
    choices = _field_choices(model, field_name)
    if choices and not isinstance(value, list | dict) and value in choices:
        return str(choices[value])
    if field_name in MONEY_FIELDS:
        amount = _decimal(value)
        return money(amount) if amount is not None else str(value)
    if isinstance(value, list):
        parts = ["—" if v is None or v == "" else str(v) for v in value]
        return "—" if all(part == "—" for part in parts) else "、".join(parts)
    if isinstance(value, dict):
        return _("(GeoJSON 图形)") if "type" in value else str(value)
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return _local_datetime(value)
    return str(value)


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _local_datetime(value: str) -> str:
    """An audited timestamp ("2024-01-01T01:30:00+00:00") as people read it: local time, to the minute."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _field_choices(model, field_name) -> dict:
    if model is None:
        return {}
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return {}
    return dict(field.flatchoices) if getattr(field, "choices", None) else {}


def _field_label(model, field_name) -> str:
    """The label people read for an audited key, whatever it names: the model's own label for keys that are not
    fields (``AUDIT_LABELS``), a field's verbose name, a reverse relation's model name; the key itself when nothing
    names it. Never raises: a history row must render whatever an old or new event recorded."""
    if model is None:
        return field_name
    labels = getattr(model, "AUDIT_LABELS", {})
    if field_name in labels:
        return str(labels[field_name])
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return field_name
    if field.auto_created and not field.concrete:  # a reverse relation (ManyToOneRel …) has no verbose_name
        return str(field.related_model._meta.verbose_name_plural)
    return str(getattr(field, "verbose_name", "") or field_name)


def _is_pair(value) -> bool:
    return isinstance(value, list) and len(value) == 2


def _item_labels(model, keys) -> dict:
    """Names for the keys of a per-item change ({"ratification": [before, after], …}), from the model if it knows."""
    hook = getattr(model, "audit_item_labels", None)
    return hook(keys) if hook else {}


@register.filter
def change_rows(event, model=None):
    """An audit event's {field: [before, after]} as rows of (label, before, after) for people to read.

    A change that is itself a dict of per-item [before, after] pairs (a plan's items at a new baseline) becomes one
    row per item, labelled "field · item"."""
    if model is None and event.content_type_id:
        # get_for_id is served from ContentType's cache: no query per row.
        model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    rows = []
    for name, pair in (event.changes or {}).items():
        label = _field_label(model, name)
        if isinstance(pair, dict) and pair and "type" not in pair and all(_is_pair(v) for v in pair.values()):
            names = _item_labels(model, list(pair))
            for key, (before, after) in pair.items():
                rows.append(
                    {
                        "field": f"{name}.{key}",
                        "label": f"{label} · {names.get(key, key)}",
                        "before": _display_value(key, before),
                        "after": _display_value(key, after),
                    }
                )
            continue
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append(
            {
                "field": name,
                "label": label,
                "before": _display_value(name, before, model),
                "after": _display_value(name, after, model),
            }
        )
    return rows


@register.filter
def site_name(site):
    """A sub-site stored as a string or as {"name": …}."""
    if isinstance(site, dict):
        return site.get("name") or site.get("site") or ", ".join(str(v) for v in site.values())
    return str(site)
