"""Every failure a person can meet, mapped once: the Japanese error page for browsers, JSON for API clients.

Domain errors (`renkei.core.errors`), FastAPI's request validation (a missing form field, ``?page=abc``) and
Starlette's 404/405 all end here. A browser gets the error page naming the field in Japanese; a client that asks
for JSON (a path under ``/api/`` or ``/rpc/``, or an ``Accept`` header that prefers ``application/json`` to
HTML) gets ``{"error", "message", "record", "field"}`` (decision 0121).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pydantic
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from renkei.core.errors import Invalid, NotFound, RenkeiError
from renkei.web.templating import templates

log = logging.getLogger(__name__)

# The names of form and query fields as the forms label them; a field not listed is shown by its own name.
FIELD_LABELS: dict[str, str] = {
    "address": "住所",
    "affected_count": "影響人数",
    "asset_code": "情報資産ID",
    "auth_pin": "利用者証明用PIN",
    "availability": "可用性",
    "aware_at": "覚知日時",
    "birth_date": "生年月日",
    "born_on": "生年月日",
    "card_number": "カード番号",
    "category": "区分",
    "code": "番号",
    "confidentiality": "機密性",
    "current_password": "現在のパスワード",
    "department": "所属",
    "description": "内容",
    "destination_lg_code": "転出先の団体コード",
    "died_on": "死亡日",
    "effective_on": "異動日",
    "fiscal_year": "年度",
    "given_name": "名",
    "given_name_kana": "名（カナ）",
    "handler_code": "職員番号",
    "handler_count": "取扱者数",
    "handlers": "取扱者数",
    "held_on": "開催日",
    "hours": "時間",
    "household_number": "世帯番号",
    "identity_document": "本人確認書類",
    "integrated_number": "統合宛名番号",
    "integrity": "完全性",
    "jm": "事務",
    "jt": "事務手続",
    "kind": "種別",
    "last_published_on": "評価書公表日",
    "lg_code": "団体コード",
    "limit": "件数",
    "login": "ログイン名",
    "name": "名称",
    "new_password": "新しいパスワード",
    "new_password_again": "新しいパスワード（確認）",
    "new_pin": "新しいPIN",
    "notified_on": "届出日",
    "offset": "開始位置",
    "page": "ページ",
    "password": "パスワード",
    "place": "場所",
    "postal_code": "郵便番号",
    "provider": "情報提供者",
    "reason": "理由",
    "relationship": "続柄",
    "roles": "役割",
    "session_code": "研修番号",
    "sex": "性別",
    "sign_pin": "署名用PIN",
    "slot": "PIN",
    "subject_count": "対象人数",
    "subjects": "対象人数",
    "surname": "氏",
    "surname_kana": "氏（カナ）",
    "threat_rating": "脅威評価",
    "title": "件名",
    "tm": "特定個人情報名",
    "tm_code": "特定個人情報名コード",
    "unit": "単位",
    "value": "値",
    "vulnerability_rating": "脆弱性評価",
}

# Pydantic error types in Japanese (https://docs.pydantic.dev/latest/errors/validation_errors/).
_REASONS: dict[str, str] = {
    "missing": "入力されていません",
    "int_parsing": "整数で入力してください",
    "int_type": "整数で入力してください",
    "float_parsing": "数値で入力してください",
    "decimal_parsing": "数値で入力してください",
    "bool_parsing": "はい・いいえで入力してください",
    "date_from_datetime_parsing": "日付（例: 2026-04-01）で入力してください",
    "date_parsing": "日付（例: 2026-04-01）で入力してください",
    "datetime_parsing": "日時（例: 2026-04-01T09:30）で入力してください",
    "string_too_long": "長すぎます",
    "string_too_short": "短すぎます",
    "greater_than_equal": "小さすぎます",
    "greater_than": "小さすぎます",
    "less_than_equal": "大きすぎます",
    "less_than": "大きすぎます",
    "literal_error": "選択肢にない値です",
    "enum": "選択肢にない値です",
    "string_pattern_mismatch": "形式が正しくありません",
    "json_invalid": "JSONとして読めません",
    "model_attributes_type": "形式が正しくありません",
}

_WHERE = {"query": "URLの", "path": "URLの", "body": "", "header": "ヘッダの", "cookie": "Cookieの"}


def wants_json(request: Request) -> bool:
    """An API client: a path under /api/ or /rpc/, or an Accept header preferring JSON to HTML."""
    if request.url.path.startswith(("/api/", "/rpc/")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def _describe(error: Mapping[str, Any]) -> tuple[str, str]:
    """(field name, Japanese sentence) for one pydantic error."""
    loc: Sequence[Any] = error.get("loc", ())
    where = _WHERE.get(str(loc[0]), "") if loc else ""
    names = [str(part) for part in loc[1:] if not isinstance(part, int)] or [str(p) for p in loc]
    name = names[-1] if names else "?"
    kind = str(error.get("type", ""))
    reason = _REASONS.get(kind.split(".", maxsplit=1)[0], "値が正しくありません")
    given = error.get("input")
    shown = f"（入力値: {given!r}）" if kind != "missing" and isinstance(given, str | int | float) else ""
    return name, f"{where}「{field_label(name)}」が{reason}{shown}" if kind == "missing" else (
        f"{where}「{field_label(name)}」は{reason}{shown}"
    )


def validation_failure(
    exc: RequestValidationError | pydantic.ValidationError, *, record: str | None = None
) -> Invalid:
    """The first problem as an `Invalid` naming the field; the others are joined into its message."""
    described = [_describe(e) for e in exc.errors()]
    if not described:
        return Invalid("入力に誤りがあります", record=record)
    names = [name for name, _ in described]
    message = "入力に誤りがあります: " + "、".join(sentence for _, sentence in described)
    return Invalid(message, record=record, field="、".join(dict.fromkeys(field_label(n) for n in names)))


def render(request: Request, exc: RenkeiError) -> Response:
    """The one mapping of a domain error to a response (JSON for API clients, the error page otherwise)."""
    if wants_json(request):
        return JSONResponse(exc.as_dict(), status_code=exc.status_code)
    return templates.TemplateResponse(request, "error.html", {"error": exc}, status_code=exc.status_code)


def install(app: FastAPI) -> None:
    """Register the handlers on `app` (called once by create_app)."""

    @app.exception_handler(RenkeiError)
    async def domain_error(request: Request, exc: RenkeiError) -> Response:
        return render(request, exc)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        failure = validation_failure(exc, record=request.url.path)
        if wants_json(request):
            body = failure.as_dict() | {"detail": exc.errors()}
            return JSONResponse(_jsonable(body), status_code=failure.status_code)
        return render(request, failure)

    @app.exception_handler(pydantic.ValidationError)
    async def model_invalid(request: Request, exc: pydantic.ValidationError) -> Response:
        # A service's own schema refused a value the route passed on: still bad input, still the person's words.
        return render(request, validation_failure(exc, record=request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Redirects (the login dependency raises 303) and anything else pass through unchanged.
        if exc.status_code == 404 and not wants_json(request):
            return render(request, NotFound("ページが見つかりません", record=request.url.path))
        if exc.status_code == 405 and not wants_json(request):
            failure = RenkeiError(
                "この画面はこの方法では開けません（405 Method Not Allowed）", record=request.url.path
            )
            failure.status_code = 405
            return render(request, failure)
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # A bug, not bad input: logged with its traceback; the person still reads Japanese, never a stack trace.
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        failure = RenkeiError(
            "システムエラーが発生しました。時間をおいてやり直し、続く場合は管理者に連絡してください"
        )
        failure.status_code = 500
        return render(request, failure)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
