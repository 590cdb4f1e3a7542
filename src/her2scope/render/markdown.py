"""Making text inert in Markdown: patient-file values, sample ids and knowledge-base ids.

CommonMark lets a backslash escape any ASCII punctuation character; escaping
the characters that start markup (emphasis, code, links, images, raw HTML,
entities, headings, tables, strikethrough) leaves the text exactly as written
when rendered and unable to add a link, an image or HTML. Used by the
Markdown patient report (:mod:`her2scope.tumorboard.views`) for every value it
did not write itself, ids included (a sample id such as ``P_1*<b>`` or an
``NCT`` id that is not one).
"""

from __future__ import annotations

import re

#: Characters that open or close Markdown/HTML markup in a line: emphasis, code, links
#: and images (``[``/``]``: with them escaped no ``(url)`` can follow a link text),
#: raw HTML, tables, strikethrough, headings; and ``&``, since an entity such as
#: ``&lt;`` would be shown as ``<``, not as the id that was written.
_SPECIAL = "\\`*_[]|<>~#!&"
_TABLE = str.maketrans({c: "\\" + c for c in _SPECIAL} | {"\n": " ", "\r": " ", "\t": " "})
_NCT = re.compile(r"NCT\d{8}")


def md_escape(text: object) -> str:
    """``text`` with every markup character backslash-escaped and line breaks as spaces.

    Examples
    --------
    >>> md_escape("P_1*<img src=x>")
    'P\\\\_1\\\\*\\\\<img src=x\\\\>'
    """
    return str(text).translate(_TABLE)


def md_code(text: object) -> str:
    """``text`` as an inline code span that no backtick inside it can close early."""
    value = str(text).replace("\n", " ").replace("\r", " ")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def md_nct_link(nct: object) -> str:
    """`` [NCT01234567](<https://clinicaltrials.gov/study/NCT01234567>)`` for a
    well-formed NCT id; anything else is shown escaped, never made a link."""
    text = str(nct).strip()
    if _NCT.fullmatch(text):
        return f" [{text}](<https://clinicaltrials.gov/study/{text}>)"
    return f" {md_escape(text)}" if text else ""
