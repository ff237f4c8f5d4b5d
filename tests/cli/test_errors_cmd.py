from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.e2e.support import free_port

# A made-up code that no curated entry covers, so only the downloaded list can explain it.
CATALOGUE = [
    {
        "code": 99001,
        "message": "Widget frobnicated",
        "description": "The widget was frobnicated twice.",
        "causes": "- A second request arrived too soon.",
        "solutions": "- Wait, then send it once.",
    }
]


@pytest.fixture
def catalogue_url() -> Iterator[str]:
    """A local HTTP server handing out a small catalogue in Twilio's format."""
    body = json.dumps(CATALOGUE).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/twilio-error-codes.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_errors_explain_prints_a_curated_entry_as_text_or_json(run: Invoke) -> None:
    found = run("errors", "explain", "21211")
    assert found.exit_code == 0, found.stderr
    assert found.stdout.startswith("21211")
    assert "What to do, in order:" in found.stdout
    as_json = json.loads(run("errors", "explain", "twilio.21211", "--json").stdout)
    assert as_json["code"] == 21211
    assert as_json["remediation"]
    assert as_json["source"] == "curated"


def test_errors_explain_of_an_unknown_code_points_to_the_docs_and_sync(run: Invoke) -> None:
    missing = run("errors", "explain", "99001")
    assert missing.exit_code == 1
    assert "https://www.twilio.com/docs/errors/99001" in missing.stderr
    assert "twilio-skill errors sync" in missing.stderr


def test_errors_explain_rejects_what_is_not_a_code(run: Invoke) -> None:
    result = run("errors", "explain", "abc")
    assert result.exit_code == 2
    assert "not a Twilio error code" in result.stderr


def test_errors_sync_downloads_the_list_so_more_codes_are_explained(
    run: Invoke, cli_home: Path, catalogue_url: str
) -> None:
    synced = run("errors", "sync", "--url", catalogue_url)
    assert synced.exit_code == 0, synced.stderr
    assert str(cli_home) in synced.stdout
    explained = run("errors", "explain", "99001", "--json")
    assert explained.exit_code == 0, explained.stderr
    assert "Widget frobnicated" in json.loads(explained.stdout)["title"]
    assert "full list: 1 codes" in run("doctor").stdout


def test_errors_sync_that_cannot_connect_is_a_one_line_error(run: Invoke) -> None:
    result = run("errors", "sync", "--url", f"http://127.0.0.1:{free_port()}/codes.json")
    assert result.exit_code == 1
    assert "Could not download the error catalogue" in result.stderr
    assert "Traceback" not in result.stderr
