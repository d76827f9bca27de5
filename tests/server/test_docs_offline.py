"""``/docs`` and ``/redoc`` work offline: every script, style and icon they load comes from this
server (FastAPI's defaults load Swagger UI and ReDoc from a CDN: a blank page without a network)."""

from __future__ import annotations

import re

import pytest

# Every URL an HTML page can make the browser load or call: attributes and the Swagger UI config.
_URLS = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']*)["']|\burl:\s*'([^']*)'""")


def _references(html: str) -> list[str]:
    return [a or b for a, b in _URLS.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_page_references_only_this_servers_urls_and_each_is_served_without_a_token(api, page):
    response = api.client.get(page)
    assert response.status_code == 200
    html = response.text
    refs = _references(html)
    assert "/openapi.json" in refs
    assert len(refs) >= 3  # the spec, the script(s), the icon
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref  # a path on this server
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    for ref in refs:
        asset = api.client.get(ref)  # no Authorization header: the docs are open
        assert asset.status_code == 200, ref
        assert len(asset.content) > 1000, ref


def test_swagger_ui_gets_its_script_and_style_with_their_types_and_no_online_validator(api):
    html = api.client.get("/docs").text
    refs = _references(html)
    (script,) = [ref for ref in refs if ref.endswith("swagger-ui-bundle.js")]
    (style,) = [ref for ref in refs if ref.endswith("swagger-ui.css")]
    assert "javascript" in api.client.get(script).headers["content-type"]
    assert api.client.get(style).headers["content-type"].startswith("text/css")
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise call validator.swagger.io
