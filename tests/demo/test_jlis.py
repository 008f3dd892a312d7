"""The J-LIS demo steps (for `renkei demo`): each runs end to end and a second run is safe."""

from __future__ import annotations

from renkei.demo import jlis
from renkei.demo import jpki as demo_jpki
from renkei.runtime import Runtime
from tests.kiosk.conftest import pooled_rsa_keys, rsa_pool
from tests.web.builders import CITY_A, populate

__all__ = ["pooled_rsa_keys", "rsa_pool"]


def test_the_jlis_demo_provides_shelters_issues_and_registers(runtime: Runtime) -> None:
    populate(runtime)
    demo_jpki.setup(runtime, lg_code=CITY_A, holders=2)
    lines = jlis.setup(runtime, lg_code=CITY_A)
    text = "\n".join(lines)
    assert "日本年金機構へ" in text and "提供状況の開示: 1件" in text
    assert "被災者支援: 「デモ豪雨」" in text and "罹災証明書 第D" in text
    assert "コンビニ交付:" in text and "電子公印 有効" in text and "印鑑登録証（登録番号" in text
    assert "LGWAN-ASP: 「デモ電子申請サービス」を登録（ASP-000001）" in text
    again = "\n".join(jlis.setup(runtime, lg_code=CITY_A))
    assert "提供状況の開示: 2件" in again and "ASP-000001" in again
    assert (runtime.settings.data_dir / "demo").is_dir()
