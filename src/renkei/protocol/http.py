"""The server side of `HttpTransport`: one route that hands `/rpc/{service}/{operation}` to a dispatcher."""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from renkei.core import errors
from renkei.protocol.transport import Dispatcher


def rpc_router(dispatchers: Mapping[str, Dispatcher]) -> APIRouter:
    router = APIRouter()

    @router.post("/rpc/{service}/{operation}")
    async def rpc(service: str, operation: str, request: Request) -> Response:
        dispatcher = dispatchers.get(service)
        if dispatcher is None:
            return JSONResponse(errors.NotFound(f"不明なサービスです: {service}").as_dict(), status_code=404)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse(errors.Invalid("JSONとして読めません").as_dict(), status_code=422)
        if not isinstance(body, dict):
            return JSONResponse(errors.Invalid("JSONオブジェクトではありません").as_dict(), status_code=422)
        try:
            from starlette.concurrency import run_in_threadpool

            answer = await run_in_threadpool(dispatcher, operation, body)
        except errors.RenkeiError as exc:
            return JSONResponse(exc.as_dict(), status_code=exc.status_code)
        return JSONResponse(answer)

    return router
