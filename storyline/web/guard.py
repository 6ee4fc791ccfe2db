"""The request guard: only the expected Host names, and no writes from other sites."""
from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def request_guard(allowed_hosts: list[str] | None):
    """Middleware (for BaseHTTPMiddleware) refusing a Host header not in allowed_hosts
    (None: any), which stops DNS rebinding, and a write whose Origin, when sent, is not
    this server: a page elsewhere may make the browser POST a form here (forms get no
    CORS preflight)."""
    hosts = None if allowed_hosts is None else {h.lower().strip("[]") for h in allowed_hosts}

    async def guard(request: Request, call_next):
        host = request.headers.get("host", "")
        if hosts is not None and (urlsplit("//" + host).hostname or "") not in hosts:
            return JSONResponse({"detail": "unexpected Host header"}, status_code=400)
        origin = request.headers.get("origin")
        if request.method not in SAFE_METHODS and origin is not None and urlsplit(origin).netloc != host:
            return JSONResponse({"detail": "cross-site request refused"}, status_code=403)
        return await call_next(request)

    return guard
