"""The clinic's own policy, quoted in blocked-action explanations.

``[clinic] policy_file`` names a text or Markdown file; ``policy_name`` how to cite it.  For
a blocked action the explanation quotes, from THAT file, the passage the rule catalogue
points at:

1. an anchor: a paragraph or heading carrying ``{#<action id>}`` (e.g. ``{#reply_to_review}``)
   -- on a heading, the first paragraph under it;
2. else the catalogue's own quotation (``policy_quote``), when the file contains it word for
   word (the seed clinic's policy is written this way);
3. else nothing: the explanation falls back to the rule's own words.

No other clinic's policy is ever quoted or named: without a policy file there is no quote.
Markdown emphasis (``**not**``) is dropped from the quote, which is shown as plain text.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_ANCHOR = re.compile(r"\{#([a-z][a-z0-9_]*)\}")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def plain(text: str) -> str:
    """Markdown emphasis markers and the anchors dropped; whitespace folded."""
    text = _ANCHOR.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    return (
        " ".join(text.replace("#", " ").split()) if _HEADING.match(text) else " ".join(text.split())
    )


@dataclass(frozen=True)
class Policy:
    name: str
    paragraphs: tuple[str, ...]  # as written (anchors and emphasis still in)

    def passage(self, action_id: str, catalogue_quote: str | None) -> str | None:
        """The passage of this policy for ``action_id`` (see the module), as plain text."""
        for index, paragraph in enumerate(self.paragraphs):
            if f"{{#{action_id}}}" in paragraph:
                if _HEADING.match(paragraph) or _is_heading(paragraph, self.paragraphs, index):
                    following = self.paragraphs[index + 1 : index + 2]
                    return plain(following[0]) if following else None
                return plain(paragraph)
        if catalogue_quote:
            wanted = plain(catalogue_quote)
            for paragraph in self.paragraphs:
                if wanted and wanted in plain(paragraph):
                    return wanted
        return None


def _is_heading(paragraph: str, paragraphs: tuple[str, ...], index: int) -> bool:
    """A short line with no full stop, followed by a paragraph: a plain-text heading."""
    text = plain(paragraph)
    return index + 1 < len(paragraphs) and len(text) < 80 and not text.endswith((".", ":", "?"))


@lru_cache(maxsize=8)
def _read(path: str, mtime: float) -> tuple[str, ...]:
    text = Path(path).read_text(encoding="utf-8-sig")
    return tuple(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip())


def load(path: Path | None, name: str | None) -> Policy | None:
    """The clinic's policy, or None when none is configured.  A file that cannot be read
    raises OSError/UnicodeDecodeError with the path (the dashboard says so in plain words)."""
    if path is None:
        return None
    paragraphs = _read(str(path), path.stat().st_mtime)
    return Policy(name=name or path.stem.replace("-", " ").replace("_", " "), paragraphs=paragraphs)
