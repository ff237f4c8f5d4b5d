"""`twilio-skill config export | plan | apply`: staging promoted to prod from the command line, through
the same gate an agent meets."""

from __future__ import annotations

import json
from pathlib import Path

from skill.stores.sqlite import Stores
from tests import approvals
from tests.cli.conftest import Invoke


def test_staging_exported_planned_against_prod_and_applied_once_approved(
    run: Invoke, cli_home: Path, tmp_path: Path
) -> None:
    exported = run("config", "export", "--env", "staging", "--role", "alerts=+18005550301")
    assert exported.exit_code == 0, exported.output
    document = tmp_path / "staging.json"
    document.write_text(exported.stdout)
    assert json.loads(exported.stdout)["numbers"][0]["role"] == "alerts"

    prod = ("--env", "prod", "--role", "alerts=+18005550201")
    planned = run("config", "plan", str(document), *prod)
    assert planned.exit_code == 0, planned.output
    lines = planned.stdout.splitlines()
    assert lines[0].startswith("update number alerts [number_configure] sms_url:")
    assert "delete usage_trigger Old SMS alarm [usage_trigger_delete]" in lines
    assert "update verify_service Login [config_apply] code_length: 6 -> 8" in lines
    digest = lines[-1].removeprefix("plan_digest: ")

    gated = run("config", "apply", str(document), *prod, "--digest", digest)
    assert gated.exit_code == 1
    error = json.loads(gated.stdout)["error"]
    assert error["code"] == "policy.approval_required"
    stores = Stores.open(cli_home / "sandbox.db")
    try:
        approvals.decide(stores, error["approval"]["id"])
    finally:
        stores.close()
    applied = run("config", "apply", str(document), *prod, "--digest", digest, "--approval-id", error["approval"]["id"])
    assert applied.exit_code == 0, applied.output
    result = json.loads(applied.stdout)
    assert result["complete"] is True and len(result["done"]) == 6


def test_a_plan_of_a_file_that_is_not_a_configuration_document_is_refused(run: Invoke, tmp_path: Path) -> None:
    document = tmp_path / "other.json"
    document.write_text('{"numbers": []}')
    result = run("config", "plan", str(document), "--env", "prod")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "input.invalid"
