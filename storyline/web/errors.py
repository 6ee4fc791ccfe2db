"""Error answers: JSON under /api, a page elsewhere."""
from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .deps import render_page


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


async def http_error(request: Request, exc: StarletteHTTPException):
    if is_api(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    return render_page(request, "error.html", exc.status_code, status=exc.status_code, detail=exc.detail)


async def bad_request(request: Request, exc: RequestValidationError):
    problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}" for e in exc.errors()]
    if is_api(request):
        return JSONResponse({"detail": problems}, status_code=422)
    return render_page(request, "error.html", 422, status=422, detail="; ".join(problems))


HANDLERS = {StarletteHTTPException: http_error, RequestValidationError: bad_request}
