"""The `renkei` command's own behaviour."""

from __future__ import annotations

from click.testing import CliRunner

from renkei.cli import cli


def test_mynumber_check_prints_each_number_and_exits_1_when_any_is_invalid() -> None:
    result = CliRunner().invoke(cli, ["mynumber", "check", "983205673214", "123456789012"])
    assert result.exit_code == 1
    assert "983205673214\tvalid" in result.output
    assert "123456789012\tinvalid" in result.output


def test_mynumber_check_exits_0_when_all_are_valid() -> None:
    result = CliRunner().invoke(cli, ["mynumber", "check", "983205673214", "123456789018"])
    assert result.exit_code == 0, result.output
