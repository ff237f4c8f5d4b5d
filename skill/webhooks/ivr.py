"""Serving deployed IVR menus: POST /twilio/voice/ivr/{menu}/{node}[/no-input|/invalid|/recorded].

The receiver checks the signature first, then hands the request here. A post to a node without
Digits or SpeechResult is the caller arriving there; with them, it is the node's <Gather> reporting
a choice, routed with skill.core.ivr.route_input to the chosen node's document (served at once) or
to the node's no-input or invalid document. Each call's state is kept in the store by CallSid:
the current node, retries there and invalid entries over the whole call, which the documents alone
cannot cap (every invalid document offers fresh retries); past `max_invalid` the caller is sent to
the operator or told goodbye.

Every URL in an answer carries `?step=N`, the call's step counter when the answer was given. A
request is identified by CallSid, node, path, step and input: a repeat of it (Twilio retries after
a timeout) is answered with the stored TwiML and changes nothing, while a caller pressing the same
wrong key again comes from a newer document, with a newer step, and counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace

import anyio
from starlette.responses import PlainTextResponse, Response

from skill.core.ivr import Menu, MenuNode, build_ivr, node_url, route_input, stored_menu
from skill.core.twiml_build import Dial, Hangup, Renderable, Say, render
from skill.stores.ivr_menus import CallState, DeployedMenu, SqliteIvrMenuStore
from skill.webhooks.callbacks import TwilioCallback

TWIML = "text/xml"
ROLES = {"": "node", "no-input": "no-input", "invalid": "invalid", "recorded": "recorded"}


@dataclass(frozen=True)
class ServedMenu:
    """A deployed menu with its documents, by (node id, role)."""

    menu: Menu
    max_invalid: int
    documents: dict[tuple[str, str], str]


def _not_found(what: str) -> Response:
    return PlainTextResponse(f"Not found: {what}\n", status_code=404)


def with_steps(xml: str, menu: Menu, step: int) -> str:
    """The document with `?step=N` after every URL of this menu in it."""
    url = re.escape(node_url(menu, "")) + r"[A-Za-z0-9_-]+(?:/(?:no-input|invalid|recorded))?"
    return re.sub(url, lambda found: f"{found.group(0)}?step={step}", xml)


def give_up(menu: Menu, node: MenuNode, region: str) -> str:
    """The end of a call that ran out of tries: the operator when one is set, else goodbye."""
    verbs: list[Renderable]
    if menu.operator:
        verbs = [
            Say(verb="Say", text="Connecting you to an operator.", voice=node.voice, language=node.language),
            Dial(verb="Dial", numbers=[menu.operator]),
            Hangup(verb="Hangup"),
        ]
    else:
        goodbye = Say(verb="Say", text=menu.goodbye_message, voice=node.voice, language=node.language)
        verbs = [goodbye, Hangup(verb="Hangup")]
    return render(verbs, region)


class IvrServer:
    """The `ivr=` handler of the receiver: answers from the menus in the store."""

    def __init__(self, store: SqliteIvrMenuStore, region: str) -> None:
        self.store = store
        self.region = region
        self._served: dict[str, tuple[float, ServedMenu]] = {}

    def served(self, deployed: DeployedMenu) -> ServedMenu:
        """The menu's documents, built once per deployed version."""
        cached = self._served.get(deployed.name)
        if cached is not None and cached[0] == deployed.updated_at:
            return cached[1]
        menu = stored_menu(deployed.menu)
        plan = build_ivr(menu, self.region)
        documents: dict[tuple[str, str], str] = {(doc.node_id, str(doc.role)): doc.xml for doc in plan.documents}
        served = ServedMenu(menu=menu, max_invalid=deployed.max_invalid, documents=documents)
        self._served[deployed.name] = (deployed.updated_at, served)
        return served

    async def __call__(self, callback: TwilioCallback) -> Response:
        params = callback.request.path_params
        return await anyio.to_thread.run_sync(
            self.answer, callback, str(params["menu"]), str(params["node"]), str(params.get("role", ""))
        )

    def answer(self, callback: TwilioCallback, menu_name: str, node_id: str, role_path: str) -> Response:
        """The TwiML for one request (see the module docstring)."""
        deployed = self.store.get(menu_name)
        if deployed is None:
            return _not_found(f"no IVR menu named {menu_name!r} is deployed")
        served = self.served(deployed)
        menu = served.menu
        role = ROLES.get(role_path)
        if role is None or (node_id, role) not in served.documents:
            return _not_found(f"menu {menu_name!r} has no document {node_id}/{role_path}".rstrip("/"))
        call_sid = callback.value("CallSid")
        if not call_sid:
            return PlainTextResponse("Bad request: CallSid is missing\n", status_code=400)
        digits, speech = callback.value("Digits"), callback.value("SpeechResult")
        gathered = role == "node" and ("Digits" in callback.params or "SpeechResult" in callback.params)
        step = callback.request.query_params.get("step", "")
        identity = json.dumps([menu_name, node_id, role_path, step, digits, speech])
        step_key = hashlib.sha256(identity.encode()).hexdigest()

        def decide(state: CallState | None) -> tuple[str, CallState]:
            if state is None or state.menu != menu_name:
                state = CallState(call_sid=call_sid, menu=menu_name, node=node_id)
            target, kind = node_id, role
            if gathered:
                target, kind = self._routed(menu, node_id, digits, speech)
            xml, after = self._outcome(served, state, target, kind)
            after = replace(after, step=state.step + 1)
            return with_steps(xml, menu, after.step), after

        twiml = self.store.respond(call_sid, step_key, decide)
        return Response(twiml, media_type=TWIML)

    @staticmethod
    def _routed(menu: Menu, node_id: str, digits: str | None, speech: str | None) -> tuple[str, str]:
        """(node id, role) that the caller's input at node_id leads to."""
        url = route_input(menu, node_id, digits, speech)
        rest = url[len(node_url(menu, "")) :]
        target, _, suffix = rest.partition("/")
        return target, ROLES.get(suffix, "node")

    def _outcome(self, served: ServedMenu, state: CallState, node_id: str, role: str) -> tuple[str, CallState]:
        """The document for (node, role) and the call's state after it, caps applied."""
        menu = served.menu
        node = next(candidate for candidate in menu.nodes if candidate.id == node_id)
        retries = state.retries if node_id == state.node else 0
        if role == "invalid":
            after = replace(state, node=node_id, retries=retries + 1, invalid_total=state.invalid_total + 1)
            if after.retries > menu.max_retries or after.invalid_total > served.max_invalid:
                return give_up(menu, node, self.region), after
        elif role == "no-input":
            after = replace(state, node=node_id, retries=retries + 1)
            if after.retries > menu.max_retries:
                return give_up(menu, node, self.region), after
        else:
            after = replace(state, node=node_id, retries=retries)
        return served.documents[(node_id, role)], after
