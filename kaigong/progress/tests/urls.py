"""Test URLconf: the site with the progress pages, until kaigong/urls.py includes kaigong.progress.urls and that
includes the project pages (then this adds nothing the site does not already have)."""

from django.urls import URLResolver, include, path

from kaigong import urls as site
from kaigong.progress import project_urls


def _includes_project_pages(patterns) -> bool:
    return any(
        isinstance(p, URLResolver) and p.urlconf_name in ("kaigong.progress.project_urls", project_urls)
        for p in patterns
    )


try:  # the office's pages (another module, written beside these): the namespace works without them
    from kaigong.progress import urls as progress_urls

    progress_patterns = list(progress_urls.urlpatterns)
except ImportError:
    progress_patterns = []
if not _includes_project_pages(progress_patterns):
    progress_patterns.append(path("", include(project_urls)))

urlpatterns = [
    *[p for p in site.urlpatterns if getattr(p, "namespace", None) != "progress"],
    path("progress/", include((progress_patterns, "progress"))),
]
handler404 = site.handler404
handler500 = site.handler500
