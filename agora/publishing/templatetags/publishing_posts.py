"""``{% commitment_posts commitment %}``: the published posts that cite a commitment, for its
public page (accountability: what an entity announced, next to what it reported)."""

from __future__ import annotations

from typing import Any

from django import template

from agora.commitments.models import Commitment
from agora.publishing.selectors import commitment_posts_public

register = template.Library()


@register.inclusion_tag("publishing/_commitment_posts.html")
def commitment_posts(commitment: Commitment) -> dict[str, Any]:
    return {"variants": list(commitment_posts_public(commitment)[:50])}
