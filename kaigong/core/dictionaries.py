"""Dictionary entries as people name them: categories, levels and departments are matched by their name, short name
or code and by the aliases the office gives them (市卫体局 for 侯马市卫生健康和体育局), each through
``dictionary_key`` (script, width, case and punctuation do not count). An alias must name one entry only."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kaigong.core.text import dictionary_key


def split_aliases(text: str | None) -> list[str]:
    """The aliases of an ``aliases`` text field: one a line, trimmed, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def entry_names(entry, name_fields: tuple[str, ...]) -> list[str]:
    """Every name an entry answers to: its name fields (name, short name, code) that are filled, then its aliases."""
    names = [str(getattr(entry, field) or "").strip() for field in name_fields]
    return [name for name in names if name] + split_aliases(entry.aliases)


def clean_aliases(entry, name_fields: tuple[str, ...]) -> None:
    """Model.clean for an entry with ``aliases``: each alias once, one a line (an alias that repeats the entry's
    own name is dropped), and refused when another entry of the same dictionary already answers to it; so is a
    name another entry has as an alias. A ValidationError on ``aliases`` (or ``name``) says which entry."""
    own = {dictionary_key(str(getattr(entry, field) or "")) for field in name_fields} - {""}
    kept, seen = [], set(own)
    for alias in split_aliases(entry.aliases):
        key = dictionary_key(alias)
        if key and key not in seen:
            seen.add(key)
            kept.append(alias)
    entry.aliases = "\n".join(kept)

    others = type(entry)._default_manager.all()
    if entry.pk is not None:
        others = others.exclude(pk=entry.pk)
    others = list(others)
    taken: dict[str, object] = {}
    for other in others:
        for name in entry_names(other, name_fields):
            taken.setdefault(dictionary_key(name), other)
    errors: dict[str, list[ValidationError]] = {}
    for alias in kept:
        other = taken.get(dictionary_key(alias))
        if other is not None:
            errors.setdefault("aliases", []).append(
                ValidationError(
                    _("别名“%(alias)s”已是“%(other)s”的名称或别名"),
                    code="alias_taken",
                    params={"alias": alias, "other": str(other)},
                )
            )
    name_key = dictionary_key(str(getattr(entry, name_fields[0]) or ""))
    for other in others:
        if name_key and any(dictionary_key(alias) == name_key for alias in split_aliases(other.aliases)):
            errors.setdefault(name_fields[0], []).append(
                ValidationError(
                    _("名称“%(name)s”已是“%(other)s”的别名"),
                    code="name_is_alias",
                    params={"name": getattr(entry, name_fields[0]), "other": str(other)},
                )
            )
            break
    if errors:
        raise ValidationError(errors)
