"""LGWAN-ASP registry: 申請 → 審査中 → 登録 (only when every item passes) → 廃止; the network check refers to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from renkei.cli import cli
from renkei.core.errors import Conflict, Invalid
from renkei.governance import network
from renkei.protocol.lgwan import CHECKLIST, Application, LgwanRegistry
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.web.builders import logged_in


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        staff_service, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


def application(name: str = "電子申請サービス") -> Application:
    return Application(
        provider="株式会社テスト行政",
        provider_kind="民間事業者",
        name=name,
        category="アプリケーション及びコンテンツサービス",
        connection_form="LGWAN-ASP接続セグメントに直接接続",
    )


def test_a_service_is_registered_only_after_every_review_item_passes(runtime: Runtime) -> None:
    registry = LgwanRegistry(runtime.transport)
    applied = registry.apply(application())
    assert applied.status == "申請" and registry.apply(application()).id == applied.id
    with pytest.raises(Conflict, match="先に審査を開始"):
        registry.register(applied.id)
    registry.start_review(applied.id)
    for code in CHECKLIST:
        registry.check(applied.id, code, "不適合" if code == "C07" else "適合")
    with pytest.raises(Conflict, match="C07"):
        registry.register(applied.id)
    registry.check(applied.id, "C07", "適合", "接続試験 2025-04-01 合格")
    registered = registry.register(applied.id)
    assert registered.status == "登録" and registered.registration_number == "ASP-000001"
    assert [s.name for s in registry.services("登録")] == ["電子申請サービス"]
    assert registry.abolish(applied.id).status == "廃止"
    assert registry.services("登録") == []
    with pytest.raises(Conflict):
        registry.check(applied.id, "C01", "適合")


def test_bad_applications_name_the_field(runtime: Runtime) -> None:
    registry = LgwanRegistry(runtime.transport)
    with pytest.raises(Invalid) as caught:
        registry.apply(application().model_copy(update={"category": "SaaS"}))
    assert caught.value.field == "サービス区分"
    with pytest.raises(Invalid) as caught:
        runtime.transport.call("lgwan", "asp_apply", {"provider": "x"})
    with pytest.raises(Invalid):
        registry.check(registry.start_review(registry.apply(application("x")).id).id, "C99", "適合")


INVENTORY = {
    "model": "α",
    "segments": [
        {"区画名": "庁内LAN", "区分": "LGWAN接続系"},
        {"区画名": "ASP:電子申請サービス", "区分": "LGWAN"},
        {"区画名": "ASP:未登録ストレージ", "区分": "LGWAN"},
    ],
    "hosts": [],
    "flows": [
        {"経路ID": "F1", "送信元区画": "庁内LAN", "宛先区画": "ASP:電子申請サービス", "種別": "通信"},
        {"経路ID": "F2", "送信元区画": "庁内LAN", "宛先区画": "ASP:未登録ストレージ", "種別": "通信"},
    ],
}


def test_the_network_check_flags_asp_services_not_registered(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    inventory = network.inventory_from_json(json.dumps(INVENTORY, ensure_ascii=False))
    assert network.check(inventory) == []  # without the registry N8 is not checked (governance stands alone)
    (finding,) = network.check(inventory, asp_services={"電子申請サービス"})
    assert finding.rule == "N8" and "ASP:未登録ストレージ" in finding.message
    registry = LgwanRegistry(runtime.transport)
    service = registry.apply(application())
    registry.start_review(service.id)
    for code in CHECKLIST:
        registry.check(service.id, code, "適合")
    registry.register(service.id)
    path = tmp_path / "net.json"
    path.write_text(json.dumps(INVENTORY, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["governance", "network", "check", "--file", str(path), "--municipality", "131016", "--asp-registry"],
        env=cli_env,
    )
    assert result.exit_code == 1 and "N8 " in result.output and "指摘 1件" in result.output
    assert "F1" not in result.output.split("N8 ")[1]


def test_the_registry_from_the_command_line_and_the_page(runtime: Runtime, cli_env: dict[str, str]) -> None:
    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["lgwan", *args], env=cli_env)
        return result.exit_code, result.output

    code, out = run(
        "apply", "--provider", "県共同センター", "--provider-kind", "地方公共団体の連合組織等", "--name", "施設予約",
        "--category", "ホスティングサービス", "--connection", "ホスティングサービス上で提供",
    )  # fmt: skip
    assert code == 0 and "申請" in out
    service_id = out.split("\t")[0]
    items = [f"--item={c}=適合" for c in CHECKLIST]
    code, out = run("review", service_id, *items)
    assert code == 0 and "審査中" in out
    code, out = run("review", service_id, "--item", "C01")
    assert code == 1 and "C01=適合" in out
    code, out = run("register", service_id)
    assert code == 0 and "ASP-000001\t登録" in out
    code, out = run(
        "apply",
        "--provider",
        "x",
        "--provider-kind",
        "民間事業者",
        "--name",
        "",
        "--category",
        "通信サービス",
        "--connection",
        "トンネリング通信",
    )
    assert code == 1 and "Traceback" not in out
    admin, _ = logged_in(runtime, "admin")
    page = admin.get("/lgwan?status=登録")
    assert page.status_code == 200 and "施設予約" in page.text and "ASP-000001" in page.text
    juki, _ = logged_in(runtime, "juki")
    assert juki.get("/lgwan").status_code == 403
