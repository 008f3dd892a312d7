"""The OpenAPI document of each service's typed API, as `renkei serve X` publishes it at /openapi.json.

`renkei api openapi --out docs/api` writes them; a test fails when the code and the checked-in documents differ,
so a vendor reading docs/api/ reads what the servers answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from renkei.protocol.api import ServiceApi
from renkei.protocol.http import service_app, trust_in_process
from renkei.runtime import (
    NATIONAL_SERVICES,
    Runtime,
    certificates_api,
    municipal_dispatcher,
    national_dispatcher,
)

# A municipality stands for every one: the node and 証明書発行サーバ APIs have the 団体コード as a path parameter.
SAMPLE_LG_CODE = "131016"


def service_apis(runtime: Runtime) -> dict[str, ServiceApi]:
    """Every service's typed API (the national ones present in this installation, and the node API)."""
    apis: dict[str, ServiceApi] = {}
    for name in NATIONAL_SERVICES:
        found = national_dispatcher(name, runtime)
        if found is not None:
            apis[name] = found
    node = municipal_dispatcher(SAMPLE_LG_CODE, runtime)
    if node is not None:
        apis["node"] = node
    certificates = certificates_api(SAMPLE_LG_CODE, runtime)
    if certificates is not None:
        apis["certificates"] = certificates
    return apis


def documents(runtime: Runtime) -> dict[str, dict[str, Any]]:
    out = {}
    for name, api in service_apis(runtime).items():
        app = service_app(api.title, [api], authenticate=trust_in_process)
        out[name] = app.openapi()
    return out


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write(runtime: Runtime, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in documents(runtime).items():
        path = directory / f"{name}.openapi.json"
        path.write_text(render(document), encoding="utf-8")
        written.append(path)
    return written
