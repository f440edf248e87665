"""A casemanager using the inbox over HTTP, as a browser would (cookies, CSRF tokens)."""

from __future__ import annotations

import re

import httpx

DEMO_PASSWORDS = {
    "sanne": "sanne-demo-2026", "yonas": "yonas-demo-2026", "leila": "leila-demo-2026",
    "teamlead": "teamlead-demo-2026", "comms": "comms-demo-2026",
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class InboxUser:
    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        """Over the network, or in-process with ``transport=httpx.ASGITransport(app=…)``."""
        self.http = httpx.AsyncClient(base_url=base_url, follow_redirects=False, timeout=30,
                                      transport=transport)
        self.csrf = ""

    async def login(self, username: str, password: str | None = None) -> httpx.Response:
        page = await self.http.get("/inbox/login")
        self.csrf = _CSRF.search(page.text).group(1)
        resp = await self.http.post("/inbox/login", data={
            "csrf_token": self.csrf, "username": username,
            "password": password if password is not None else DEMO_PASSWORDS[username],
        })
        if resp.status_code == 303:
            # The session (and so the CSRF token) is new after logging in.
            page = await self.http.get("/inbox")
            found = _CSRF.search(page.text)
            self.csrf = found.group(1) if found else self.csrf
        return resp

    async def queue(self) -> str:
        return (await self.http.get("/inbox/queue")).text

    async def post(self, escalation_id: int, action: str, **data: str) -> httpx.Response:
        return await self.http.post(f"/inbox/escalations/{escalation_id}/{action}",
                                    data={"csrf_token": self.csrf, **data})

    async def close(self) -> None:
        await self.http.aclose()
