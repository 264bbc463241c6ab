"""`kaigong heritage import FILE`: import heritage sites (protection areas, control zones) from GeoJSON.

Exit status 1 with a bilingual message (中文 (English)) per problem when the file cannot be imported.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from kaigong.audit.events import command_actor
from kaigong.core.exceptions import KaigongError
from kaigong.heritage import geojson, services

ACTOR_LABEL = command_actor("heritage import")


class Command(BaseCommand):
    help = "文物保护范围与建设控制地带: import FILE (GeoJSON FeatureCollection, WGS84)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="import heritage sites from a GeoJSON file")
        load.add_argument("file", type=Path)

    def handle(self, *args, action, **options):
        path: Path = options["file"]
        try:
            geojson.check_size(path.stat().st_size)  # before reading it whole
            content = path.read_bytes()
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc
        except OSError:
            raise CommandError(
                str(KaigongError(gettext_noop("无法读取文件 %(path)s"), params={"path": str(path)}))
            ) from None
        try:
            result = services.import_sites(content=content, actor=None, actor_label=ACTOR_LABEL, source_name=path.name)
        except KaigongError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(" ".join(f"{key}={value}" for key, value in result.summary.items()))
