"""A simulated social platform on loopback for send tests: a real HTTP server (a thread on
127.0.0.1) that plays the parts of the Graph API (Facebook, Instagram, Messenger), X API v2 and
YouTube Data API v3 that Ágora's senders and lookups call. It records every POST it receives
and what it published, and can be told how to answer the next POSTs:

- ``ok``: publish and answer as the platform does;
- ``publish_then_hang``: publish, then never answer (the client's read timeout fires);
- ``publish_then_reset``: publish, then drop the connection without answering;
- ``hang``: publish nothing and never answer; ``reset``: publish nothing and drop it.

Shapes (own fixtures, same fields as the documentation): Graph API "Comments" edge
(``id``, ``message``/``text``, ``from``, ``created_time``/``timestamp``) and "Conversations"
with ``messages`` (developers.facebook.com/docs/graph-api/reference/object/comments,
/docs/messenger-platform/conversations); X API v2 ``POST /2/tweets`` and ``GET
/2/users/:id/tweets`` (docs.x.com/x-api/posts/creation-of-a-post, /x-api/users/...-posts);
YouTube ``comments.insert`` and ``comments.list`` (developers.google.com/youtube/v3/docs/comments).
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Item:
    id: str
    target: str
    text: str
    author: str
    created: datetime


@dataclass
class Platform:
    base_url: str = ""
    page_id: str = ""  # the account's own id on every API
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    published: list[Item] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)
    plan: deque[str] = field(default_factory=deque)
    reads_fail: int = 0  # HTTP status for every GET, or 0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    def times_published(self, text: str) -> int:
        return sum(1 for item in self.published if item.text == text)


def _x_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _graph_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _publish(platform: Platform, path: str, query: dict[str, str], body: dict[str, Any]) -> Any:
    """What the platform stores for one POST; returns (item, the body of its answer)."""
    now = datetime.now(tz=UTC)
    parts = [p for p in path.strip("/").split("/") if p]
    n = platform.next_id()
    if parts[0] == "graph" and parts[-1] == "messages":
        target = str((body.get("recipient") or {}).get("id") or "")
        text = str((body.get("message") or {}).get("text") or "")
        item = Item(f"m_{n}", target, text, platform.page_id, now)
        return item, {"recipient_id": target, "message_id": item.id}
    if parts[0] == "graph":
        item = Item(
            f"{parts[1]}_{n}", parts[1], str(body.get("message") or ""), platform.page_id, now
        )
        return item, {"id": item.id}
    if parts[0] == "x":
        target = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
        item = Item(
            str(1900000000000000000 + n), target, str(body.get("text")), platform.page_id, now
        )
        return item, {
            "data": {"id": item.id, "text": item.text, "edit_history_tweet_ids": [item.id]}
        }
    snippet = body.get("snippet") or {}
    parent = str(snippet.get("parentId") or "")
    item = Item(f"{parent}.r{n}", parent, str(snippet.get("textOriginal")), platform.page_id, now)
    return item, {"kind": "youtube#comment", "id": item.id, "snippet": {"parentId": parent}}


def _read(platform: Platform, path: str, query: dict[str, str]) -> dict[str, Any]:
    parts = [p for p in path.strip("/").split("/") if p]
    items = sorted(platform.published, key=lambda i: i.created, reverse=True)
    if parts[0] == "graph" and parts[-1] == "conversations":
        user = query.get("user_id", "")
        messages = [
            {
                "id": i.id,
                "message": i.text,
                "from": {"id": i.author},
                "created_time": _graph_time(i.created),
            }
            for i in items
            if i.target == user
        ]
        return {"data": [{"id": f"t_{user}", "messages": {"data": messages}}]}
    if parts[0] == "graph":
        target = parts[1]
        return {
            "data": [
                {
                    "id": i.id,
                    "message": i.text,
                    "text": i.text,
                    "from": {"id": i.author, "username": "cuenta"},
                    "created_time": _graph_time(i.created),
                    "timestamp": _graph_time(i.created),
                }
                for i in items
                if i.target == target
            ]
        }
    if parts[0] == "x":
        data = [
            {
                "id": i.id,
                "text": i.text,
                "author_id": i.author,
                "created_at": _x_time(i.created),
                "referenced_tweets": [{"type": "replied_to", "id": i.target}],
                "edit_history_tweet_ids": [i.id],
            }
            for i in items
        ]
        return {"data": data, "meta": {"result_count": len(data)}}
    parent = query.get("parentId", "")
    return {
        "kind": "youtube#commentListResponse",
        "items": [
            {
                "kind": "youtube#comment",
                "id": i.id,
                "snippet": {
                    "parentId": parent,
                    "textOriginal": i.text,
                    "textDisplay": i.text,
                    "authorChannelId": {"value": i.author},
                    "publishedAt": _x_time(i.created).replace(".000", ""),
                },
            }
            for i in items
            if i.target == parent
        ],
    }


def _handler(platform: Platform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return

        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _drop(self) -> None:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            with platform.lock:
                platform.gets.append(url.path)
                failing = platform.reads_fail
            if failing:
                self._answer(failing, {"error": {"message": "lectura no permitida", "code": 10}})
                return
            with platform.lock:
                body = _read(platform, url.path, dict(parse_qsl(url.query)))
            self._answer(200, body)

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with platform.lock:
                platform.posts.append((url.path, body))
                action = platform.plan.popleft() if platform.plan else "ok"
            if action in {"ok", "publish_then_hang", "publish_then_reset"}:
                item, answer = _publish(platform, url.path, dict(parse_qsl(url.query)), body)
                with platform.lock:
                    platform.published.append(item)
            if action in {"hang", "publish_then_hang"}:
                platform.release.wait(5)  # the client gave up long before
                self._drop()
            elif action in {"reset", "publish_then_reset"}:
                self._drop()
            else:
                self._answer(201 if url.path.startswith("/x/") else 200, answer)

    return Handler


@contextmanager
def loopback_platform(page_id: str) -> Iterator[Platform]:
    platform = Platform(page_id=page_id)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(platform))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    platform.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield platform
    finally:
        platform.release.set()
        server.shutdown()
        server.server_close()
