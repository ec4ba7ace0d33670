"""What an app offers to the apps below it, registered at start-up (``AppConfig.ready``) so
that the lower app never imports the higher one (docs/arquitectura.md, the layers checked by
``lint-imports``):

- public data loaders: ``agora load_public_data`` (this app) runs each app's loader, in the
  order given, instead of one command importing every app;
- the text checker: how a citizen's text is read for insults, threats and spam (the language
  app registers its classifier; participation uses it to moderate consultation comments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PublicDataLoader:
    order: int
    name: str
    # Loads (idempotently) and returns the summary line to print (Spanish).
    load: Callable[[], str]


_LOADERS: dict[str, PublicDataLoader] = {}


def public_data_register(order: int, name: str, load: Callable[[], str]) -> None:
    _LOADERS[name] = PublicDataLoader(order, name, load)


def public_data_loaders() -> list[PublicDataLoader]:
    return sorted(_LOADERS.values(), key=lambda loader: (loader.order, loader.name))


# The text checker: the flags (insulto, amenaza, spam, …) of each of ``texts``; no flags when
# no model is available.
TextFlags = Callable[[list[str]], list[list[str]]]
_TEXT_FLAGS: list[TextFlags] = []


def text_flags_register(flags: TextFlags) -> None:
    _TEXT_FLAGS[:] = [flags]


def text_flags(texts: list[str]) -> list[list[str]]:
    """The registered checker's flags for ``texts`` (none while no app registered one)."""
    if not _TEXT_FLAGS:
        return [[] for _ in texts]
    return _TEXT_FLAGS[0](texts)


# Personal data masking (DNI, phones, e-mails, plates, addresses, handles): the language app
# registers its rules; the inbox masks titles and notifications with them.
_MASKERS: list[Callable[[str], str]] = []


def personal_data_mask_register(mask: Callable[[str], str]) -> None:
    _MASKERS[:] = [mask]


def mask_personal_data(text: str) -> str:
    """``text`` with personal data masked by the registered rules. Refuses to run without
    them rather than show personal data unmasked."""
    if not _MASKERS:
        raise RuntimeError("No hay reglas de datos personales registradas (agora.language).")
    return _MASKERS[0](text)
