"""docs/data-dictionary.md is generated from the models; it must describe the models as they are."""

from pathlib import Path

from django.core.management import call_command

DOC = Path(__file__).resolve().parents[3] / "docs" / "data-dictionary.md"


def test_data_dictionary_is_current(tmp_path):
    out = tmp_path / "dd.md"
    call_command("data-dictionary", "--out", str(out))
    assert out.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8"), (
        "docs/data-dictionary.md is out of date: run `kaigong data-dictionary --out docs/data-dictionary.md`"
    )


def test_every_model_is_documented_with_a_docstring():
    from django.apps import apps

    undocumented = [
        m.__name__
        for m in apps.get_models()
        if m.__module__.startswith("kaigong.") and (not m.__doc__ or m.__doc__.startswith(m.__name__ + "("))
    ]
    assert undocumented == []
