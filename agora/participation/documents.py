"""Consultation documents: Markdown split into numbered sections and paragraphs, safe
rendering of Markdown written by the secretariat, and readable diffs between versions."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import markdown  # type: ignore[import-untyped]
import nh3
from django.utils.translation import gettext as _

from agora.core.errors import DomainError

MAX_DOCUMENT_CHARS = 400_000
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "a", "hr",
}  # fmt: skip


@dataclass
class ParsedSection:
    number: int
    title: str
    paragraphs: list[str] = field(default_factory=list)


def document_parse(source: str) -> list[ParsedSection]:
    """Headings (``#``, ``##`` or ``###``) open numbered sections; blocks separated by blank
    lines are paragraphs. Text before the first heading goes into a "Presentación" section."""
    text = (source or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DomainError(
            _("El documento supera el máximo de %(max)s caracteres.") % {"max": MAX_DOCUMENT_CHARS}
        )
    sections: list[ParsedSection] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            paragraph = " ".join(line.strip() for line in block).strip()
            if paragraph:
                if not sections:
                    sections.append(ParsedSection(1, _("Presentación")))
                sections[-1].paragraphs.append(paragraph)
            block.clear()

    for line in text.split("\n"):
        heading = _HEADING.match(line)
        if heading:
            flush()
            sections.append(ParsedSection(len(sections) + 1, heading.group(2).strip()[:300]))
        elif not line.strip():
            flush()
        else:
            block.append(line)
    flush()
    sections = [s for s in sections if s.paragraphs]
    for index, section in enumerate(sections, start=1):
        section.number = index
    if not sections:
        raise DomainError(
            _("El documento no tiene párrafos: escriba al menos un párrafo de texto.")
        )
    return sections


def markdown_render(source: str) -> str:
    """Markdown to HTML with only harmless tags kept (no raw HTML, scripts or attributes
    beyond links)."""
    html = markdown.markdown(source or "", extensions=["extra", "sane_lists"])
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def document_diff(previous: str, current: str) -> list[DiffLine]:
    """A paragraph-level diff: unchanged paragraphs once, removed and added ones marked."""

    def blocks(text: str) -> list[str]:
        parts = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
        return [" ".join(p.split()) for p in parts if p.strip()]

    before, after = blocks(previous), blocks(current)
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        old = before[a0:a1]
        new = after[b0:b1]
        if tag == "equal":
            lines.extend(DiffLine("same", p) for p in new)
        else:
            lines.extend(DiffLine("removed", p) for p in old)
            lines.extend(DiffLine("added", p) for p in new)
    return lines
