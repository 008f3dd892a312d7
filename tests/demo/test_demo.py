"""`renkei demo`: a newcomer's first command sets everything up, shows the scenario, and can be run again."""

from __future__ import annotations

from click.testing import CliRunner

from renkei.cli import cli


def test_the_demo_shows_a_lawful_query_answered_an_unlawful_one_refused_and_a_revocation(
    cli_env: dict[str, str],
) -> None:
    runner = CliRunner()
    args = ["demo", "--no-serve", "--population", "40", "--card-holders", "6"]

    first = runner.invoke(cli, args, env=cli_env)

    assert first.exit_code == 0, first.output
    out = first.output
    assert "東京都千代田区" in out and "東京都世田谷区" in out
    assert "回答あり（answered）" in out
    assert "照会は許可されていません" in out
    assert "記録（照会者" in out and "記録（提供者" in out and "記録（ハブ" in out
    assert "署名用電子証明書" in out and "失効（" in out
    assert "利用者証明用電子証明書" in out
    assert "リスク分析" in out
    assert (
        "共同調達候補 住民記録: 稼働 2029-04-01" in out and "第0段階まで到達" in out
    )  # the region's joint plan
    assert "事務事業評価シート" in out and "訓練 D-PHISH-2" in out
    assert "移行元と同一です" in out  # the vendor migration round trip

    again = runner.invoke(cli, args, env=cli_env)
    assert again.exit_code == 0, again.output
    assert "再利用" in again.output or "reusing" in again.output
    assert "回答あり（answered）" in again.output


def test_records_of_the_demo_verify(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    setup = runner.invoke(
        cli, ["demo", "--no-serve", "--population", "20", "--card-holders", "2"], env=cli_env
    )
    assert setup.exit_code == 0, setup.output

    verified = runner.invoke(cli, ["records", "verify"], env=cli_env)

    assert verified.exit_code == 0, verified.output
