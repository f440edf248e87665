"""A small proxy in front of the real Rasa for fault tests (real HTTP on 127.0.0.1).

Everything is passed through unchanged, except a REST channel message whose ``sender`` is
in :attr:`SlowRasa.slow`: it is held ``delay_s`` before it goes on to Rasa, as a Rasa busy
with that conversation would (the app's timeout passes; Rasa still answers it, late). It
counts the messages each sender sent through it, so a test sees a turn sent twice.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.stack import free_port
from harness.waiting import eventually_sync

WEBHOOK = "/webhooks/rest/webhook"


class SlowRasa:
    def __init__(self, delay_s: float = 10.0) -> None:
        self.port = free_port()
        self.target = ""  # Rasa's URL, set once its port is known
        self.delay_s = delay_s
        self.slow: set[str] = set()
        self.sent: Counter[str] = Counter()  # sender -> messages passed on
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _proxy(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path
        if path == WEBHOOK and request.method == "POST":
            try:
                sender = str((await request.json()).get("sender"))
            except ValueError:
                sender = ""
            self.sent[sender] += 1
            if sender in self.slow:
                await asyncio.sleep(self.delay_s)  # the fault: Rasa busy with this one
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with httpx.AsyncClient(timeout=300) as client:
            try:
                resp = await client.request(request.method, f"{self.target}{path}",
                                            params=request.query_params, content=body, headers=headers)
            except httpx.HTTPError:
                return Response(status_code=502)
        return Response(resp.content, status_code=resp.status_code,
                        media_type=resp.headers.get("content-type"))

    def start(self) -> None:
        app = Starlette(routes=[Route("/{path:path}", self._proxy, methods=["GET", "POST", "PUT", "DELETE"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                ws="none", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        eventually_sync(lambda: self._server.started, timeout=10, interval=0.02,
                        what="the Rasa proxy starting")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
