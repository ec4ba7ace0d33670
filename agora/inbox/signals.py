"""Signals the inbox sends to the modules that read it (reports). What runs after a batch of
messages is stored is not a signal: it is the named, ordered steps of agora/inbox/pipeline.py.

``answer_confirmed`` is sent inside the transaction that records a platform's confirmation
of an answer written in Ágora (the moment it starts to count as a response), with
``conversation_ids`` and ``now``.
"""

from __future__ import annotations

from django.dispatch import Signal

answer_confirmed = Signal()
