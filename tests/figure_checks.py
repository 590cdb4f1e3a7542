"""Shared checks of figures embedded in HTML pages (imported by the page tests)."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")


def embedded_svgs(page: str) -> list[ET.Element]:
    """Every SVG embedded in ``page`` as a ``data:`` URI, parsed (a broken one raises)."""
    roots = [ET.fromstring(base64.b64decode(m)) for m in _URI.findall(page)]
    for root in roots:
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return roots


def svg_text(root: ET.Element) -> str:
    """All text of an SVG figure (labels stay text: ``svg.fonttype`` none)."""
    return " ".join(t for t in root.itertext() if t.strip())
