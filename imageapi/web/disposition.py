"""``Content-Disposition: attachment`` per RFC 6266, from any stored name.

Image names are the client's own text: quotes, backslashes, semicolons,
control characters or non-ASCII letters must neither break the header nor add
parameters to it. The quoted ``filename`` keeps only characters that are safe
everywhere (others become ``_``); ``filename*`` (RFC 8187) carries the exact
name percent-encoded as UTF-8 for clients that read it, which all current
browsers do.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Outside this set a character is replaced in the quoted ASCII fallback.
UNSAFE_IN_FALLBACK = re.compile(r"[^A-Za-z0-9 !#$&'()+,.=@\[\]^_`{}~-]")
# RFC 8187 attr-char besides letters and digits (quote() keeps "-._~" itself).
ATTR_CHAR_PUNCTUATION = "!#$&+^`|"


def attachment(filename: str) -> str:
    fallback = UNSAFE_IN_FALLBACK.sub("_", filename).strip() or "image"
    encoded = quote(filename, safe=ATTR_CHAR_PUNCTUATION, encoding="utf-8")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
