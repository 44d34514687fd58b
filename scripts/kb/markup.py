"""The syntax of the Markdown subset data text may use, defined once for the validator and the renderer.

``[label](target)`` links (``![…](…)`` would be an image) and ``[@source-id]`` citations.
"""

from __future__ import annotations

import re

LINK = re.compile(r"(?P<image>!?)\[(?P<label>[^\]]*)\]\(\s*(?P<target>[^)\s]*)[^)]*\)")
CITATION = re.compile(r"\[@(?P<cite>[^\]\s]+)\]")
LINK_OR_CITATION = re.compile(f"{CITATION.pattern}|{LINK.pattern}")
ENTITY_PREFIX = "id:"
