"""CPU per callback of the webhook receiver app itself, against a bare Starlette endpoint, with no HTTP server.

Run: .venv/bin/python bench/webhooks_app.py [--callbacks 20000] [--concurrency 50] [--repeat 3]
         [--database postgresql://...|auto]
Both apps are called straight through ASGI by `concurrency` tasks in this process, with the same signed
status callbacks as bench/webhooks.py (a share of them repeated), so the figures hold what the app
spends and nothing of a server's or a load generator's: the process's CPU time per callback (threads
included: the receiver's writes and its processing worker), and for PostgreSQL the database server's
too. Each figure is the lowest of `repeat` runs, which sheds most of a shared machine's noise. The
receiver runs with its processing worker and without it; its overhead is what it spends per callback
beyond the bare endpoint.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import tree_cpu  # noqa: E402
from bench.webhooks import PATH, PUBLIC_URL, postgres, signed_callbacks  # noqa: E402

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def bare_app() -> App:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def ok(request: Request) -> Response:
        await request.body()
        return Response(status_code=204)

    return Starlette(routes=[Route(PATH, ok, methods=["POST"])])


def scope_of(signature: str, body: bytes) -> dict[str, Any]:
    """The scope uvicorn would give a status callback posted to 127.0.0.1:8000."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"x-twilio-signature", signature.encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


async def drive(
    app: App, callbacks: list[tuple[str, bytes]], concurrency: int, settled: Callable[[], bool] = lambda: True
) -> float:
    """Post every callback through `app` from `concurrency` tasks, then wait until `settled()` (the worker has
    processed every event); CPU seconds of this process per callback.

    Raises:
        RuntimeError: a callback was not answered 2xx.
    """
    import anyio

    pending = iter(callbacks)

    async def post(signature: str, body: bytes) -> None:
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                await anyio.sleep_forever()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 300:
                raise RuntimeError(f"a callback was answered {message['status']}")

        await app(scope_of(signature, body), receive, send)

    async def client() -> None:
        for signature, body in pending:
            await post(signature, body)

    started = time.process_time()
    async with anyio.create_task_group() as group:
        for _ in range(concurrency):
            group.start_soon(client)
    with anyio.fail_after(60):
        while not settled():
            await anyio.sleep(0.01)
    return (time.process_time() - started) / len(callbacks)


def measure(options: argparse.Namespace, database: str, db_pid: int | None) -> dict[str, tuple[float, float]]:
    """Lowest CPU per callback (this process, the database server) of each app, in microseconds."""
    import anyio

    from skill.config import Settings
    from skill.webhooks.app import build_webhooks_app

    best: dict[str, tuple[float, float]] = {}

    async def one(name: str, app: Any, tag: str, receiver: bool) -> None:
        callbacks = signed_callbacks(options.callbacks, options.duplicates, tag)
        if not receiver:
            cpu, db = await drive(app, callbacks, options.concurrency), 0.0
        else:
            events = app.state.receiver.stores.webhook_events
            async with app.router.lifespan_context(app):
                db_before = tree_cpu([db_pid]) if db_pid else 0.0
                worker = "worker" in name
                cpu = await drive(app, callbacks, options.concurrency, lambda: not worker or not events.pending_count())
                # Read before the lifespan ends: the pool's backends take their CPU time with them when they exit.
                db = (tree_cpu([db_pid]) - db_before) / len(callbacks) if db_pid else 0.0
        previous = best.get(name)
        if previous is None or cpu * 1e6 < previous[0]:
            best[name] = (cpu * 1e6, db * 1e6)

    with tempfile.TemporaryDirectory() as temp:
        for run in range(options.repeat):
            for worker in (False, True):
                home = Path(temp) / f"home-{run}-{worker}"
                settings = Settings(home=home, public_url=PUBLIC_URL, database_url=database or None)
                name = "receiver" + (" + worker" if worker else "")
                app = build_webhooks_app(settings, run_worker=worker)
                anyio.run(one, name, app, f"a{run}{int(worker)}", True)
            anyio.run(one, "bare", bare_app(), f"b{run}", False)
    return best


def main(options: argparse.Namespace) -> None:
    with ExitStack() as stack:
        rows = [("sqlite", measure(options, "", None))]
        if options.database:
            url, pid = postgres(options, stack)
            rows.append(("postgresql", measure(options, url, pid)))
    distinct = f"{options.callbacks} distinct callbacks, {options.duplicates:.0%} repeated"
    print(f"{distinct}, {options.concurrency} tasks, lowest of {options.repeat} runs; CPU us per callback")
    print(f"{'':12s} {'app':18s} {'process':>8s} {'database':>8s} {'x bare':>7s} {'overhead':>8s}")
    for backend, best in rows:
        bare = best["bare"][0]
        for name in ("bare", "receiver", "receiver + worker"):
            cpu, db = best[name]
            print(f"{backend:12s} {name:18s} {cpu:8.1f} {db:8.1f} {cpu / bare:7.2f} {cpu + db - bare:8.1f}")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--callbacks", type=int, default=20_000, help="distinct callbacks per run")
    parser.add_argument("--duplicates", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="", help="a postgresql:// URL, or auto for a throwaway cluster")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse())
