"""The API docs page (/api/docs/): drf-spectacular's Swagger UI, served from the
drf-spectacular-sidecar package, under the site's Content-Security-Policy.

The split view serves the page's set-up script from its own address (`?script`) instead of
inline, and hub/swagger_ui.html moves the page's inline style to a file, so the page needs
nothing inline. What it needs beyond the site's policy is only what Swagger UI does at run
time, in DOCS_CSP_UPDATE (empty when the site's policy is enough).
"""

from __future__ import annotations

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

DOCS_CSP_UPDATE: dict[str, list[str]] = {}

api_docs = SpectacularSwaggerSplitView.as_view(
    url_name="schema", template_name="hub/swagger_ui.html"
)
if DOCS_CSP_UPDATE:
    api_docs = csp_update(DOCS_CSP_UPDATE)(api_docs)
