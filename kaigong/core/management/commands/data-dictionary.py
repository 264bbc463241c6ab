"""`kaigong data-dictionary [--out FILE]`: the data dictionary (docs/data-dictionary.md), from the models."""

import inspect

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.translation import override

HEADER = """# Data dictionary

Generated from the models by `kaigong data-dictionary --out docs/data-dictionary.md`; a test keeps it current.
Money fields are Decimal 万元; limits are working days; dates are calendar dates (Asia/Shanghai).
"""


def _type(field) -> str:
    if field.is_relation and field.related_model is not None:
        kind = "many-to-many" if field.many_to_many else "foreign key"
        return f"{kind} → {field.related_model.__name__}"
    text = field.get_internal_type()
    if getattr(field, "max_digits", None):
        text += f"({field.max_digits},{field.decimal_places})"
    elif getattr(field, "max_length", None) and text == "CharField":
        text += f"({field.max_length})"
    return text


def render() -> str:
    lines = [HEADER]
    with override("zh-hans"):
        for config in sorted(apps.get_app_configs(), key=lambda c: c.name):
            if not config.name.startswith("kaigong."):
                continue
            models = list(config.get_models())
            if not models:
                continue
            lines.append(f"## {config.label}: {config.verbose_name}\n")
            for model in models:
                doc = inspect.cleandoc(model.__doc__ or "").split("\n\n")[0].replace("\n", " ")
                lines.append(f"### {model.__name__} ({model._meta.verbose_name})\n")
                lines.append(f"{doc}\n")
                lines.append("| field | 中文 | type | notes |")
                lines.append("|---|---|---|---|")
                for field in model._meta.get_fields():
                    if field.auto_created and not field.concrete:
                        continue
                    notes = []
                    if getattr(field, "choices", None):
                        notes.append(", ".join(f"`{v}` {label}" for v, label in field.choices))
                    if getattr(field, "null", False):
                        notes.append("optional")
                    if getattr(field, "unique", False) and not field.primary_key:
                        notes.append("unique")
                    if getattr(field, "help_text", ""):
                        notes.append(str(field.help_text))
                    label = str(getattr(field, "verbose_name", field.name))
                    lines.append(f"| `{field.name}` | {label} | {_type(field)} | {'; '.join(notes)} |")
                constraints = [c.name for c in model._meta.constraints]
                if constraints:
                    lines.append("")
                    lines.append("Constraints: " + ", ".join(f"`{c}`" for c in constraints))
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


class Command(BaseCommand):
    help = "Write the data dictionary (Markdown) generated from the models."

    def add_arguments(self, parser):
        parser.add_argument("--out", help="file to write (default: print)")

    def handle(self, *args, out=None, **options):
        text = render()
        if out:
            with open(out, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            self.stdout.write(text, ending="")
