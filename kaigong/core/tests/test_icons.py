"""Every icon a template asks for is in the vendored sprite (a missing one renders as an empty gap in a button)."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
SPRITE = PACKAGE / "static" / "vendor" / "bootstrap-icons" / "icons.svg"
ICON_TAG = re.compile(r"""\{%\s*icon\s+["']([a-z0-9-]+)["']""")


def test_every_icon_used_in_a_template_is_in_the_sprite():
    available = set(re.findall(r'id="bi-([a-z0-9-]+)"', SPRITE.read_text(encoding="utf-8")))
    used = {}
    for template in PACKAGE.rglob("templates/**/*.html"):
        for name in ICON_TAG.findall(template.read_text(encoding="utf-8")):
            used.setdefault(name, template.relative_to(PACKAGE))
    assert used, "the templates use icons"
    missing = {name: str(path) for name, path in used.items() if name not in available}
    assert missing == {}
