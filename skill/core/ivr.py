"""IVR menus: a declarative menu turned into TwiML documents, and the routing of a caller's input.

    validate_menu(menu, region)             warnings (unreachable nodes); raises with every problem
    build_ivr(menu, region)                 one document per node, plus no-input and invalid-input
                                            documents for every menu node
    route_input(menu, node_id, digits, speech)   the URL a caller's input leads to

URLs are `{base_url}/{name}/{node_id}` for a node, with `/no-input` and `/invalid` after it for the
retry documents, and `/recorded` for the end of a voicemail. A menu node's <Gather> posts the
caller's input back to the node's own URL; the server serving the menu answers such a post with a
<Redirect> to `route_input(...)`. The retry documents repeat the node's prompt up to `max_retries`
times, then say goodbye and hang up, or connect to `operator` when one is set.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import phones
from skill.core.display import quoted
from skill.core.twiml_build import Dial, Enqueue, Gather, Hangup, Record, Redirect, Renderable, Say, render
from skill.core.twiml_lint import lint_errors
from skill.core.urls import is_local_host, try_split, url_problem
from skill.errors import InputError
from skill.results import Model

Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$", max_length=40)]
Phone = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Role = Literal["node", "no-input", "invalid", "recorded"]
VOICEMAIL_SECONDS = 120


class MenuOption(Model):
    digits: str = Field(pattern=r"^[0-9*#]{1,6}$", description="Keys that choose it, e.g. '1'.")
    speech: str | None = Field(default=None, min_length=1, max_length=100, description="Spoken words that choose it.")
    goto: Slug = Field(description="Id of the node it leads to.")


class MenuAction(Model):
    kind: Literal["dial", "enqueue", "voicemail", "hangup"] = Field(description="What ends the menu here.")
    number: Phone | None = Field(default=None, description="dial: the number to connect.")
    queue: str | None = Field(default=None, min_length=1, max_length=64, description="enqueue: queue name.")
    max_length: int | None = Field(default=None, ge=1, le=3600, description="voicemail: most seconds; default 120.")


class MenuNode(Model):
    id: Slug = Field(description="Node id, used in its URL.")
    prompt: str = Field(min_length=1, max_length=3000, description="Spoken first; for a menu, name the choices.")
    voice: str | None = Field(default=None, max_length=64, description="Say voice, e.g. Polly.Joanna.")
    language: str | None = Field(default=None, max_length=16, description="Language tag, e.g. en-US.")
    options: list[MenuOption] = Field(default_factory=list, max_length=12, description="Choices of a menu node.")
    action: MenuAction | None = Field(default=None, description="Terminal action, instead of options.")


class Menu(Model):
    name: Slug = Field(description="Menu name, used in every URL.")
    base_url: str = Field(min_length=1, max_length=500, description="Where it is served: https://host/path.")
    nodes: list[MenuNode] = Field(min_length=1, max_length=50, description="The menu's nodes.")
    start: Slug = Field(description="Id of the first node.")
    timeout: int = Field(default=5, ge=1, le=60, description="Seconds to wait for input.")
    max_retries: int = Field(default=2, ge=0, le=5, description="Re-prompts after no or invalid input.")
    operator: Phone | None = Field(default=None, description="Number dialed when retries run out; else hang up.")
    no_input_message: str = Field(
        default="Sorry, I did not get a choice.", min_length=1, max_length=300, description="Said on no input."
    )
    invalid_message: str = Field(
        default="Sorry, that is not one of the choices.",
        min_length=1,
        max_length=300,
        description="Said on a wrong choice.",
    )
    goodbye_message: str = Field(
        default="Goodbye.", min_length=1, max_length=300, description="Said before hanging up."
    )


class MenuDocument(Model):
    url: str = Field(description="Where this document is served.")
    node_id: str = Field(description="The node it belongs to.")
    role: Role = Field(description="node, no-input, invalid or recorded.")
    xml: str = Field(description="The TwiML.")


class MenuRoute(Model):
    node_id: str = Field(description="The menu node.")
    digits: str = Field(description="Keys pressed.")
    speech: str | None = Field(default=None, description="Words spoken instead.")
    url: str = Field(description="The node it leads to.")


class MenuPlan(Model):
    start_url: str = Field(description="URL to configure as the number's voice webhook.")
    documents: list[MenuDocument] = Field(description="Every document of the menu.")
    routes: list[MenuRoute] = Field(description="Where each choice leads.")
    warnings: list[str] = Field(description="Problems that do not stop the menu, e.g. unreachable nodes.")


def stored_menu(data: Mapping[str, Any]) -> Menu:
    """A menu as the store keeps it. Menus deployed before an action's `kind` was named so say `type`.

    Raises:
        pydantic.ValidationError: the stored menu is not a menu.
    """
    nodes = data.get("nodes")
    if isinstance(nodes, list):
        nodes = [_renamed_action(node) for node in nodes]
        data = {**data, "nodes": nodes}
    return Menu.model_validate(data)


def _renamed_action(node: Any) -> Any:
    action = node.get("action") if isinstance(node, dict) else None
    if isinstance(action, dict) and "type" in action and "kind" not in action:
        renamed = {("kind" if key == "type" else key): value for key, value in action.items()}
        return {**node, "action": renamed}
    return node


def node_url(menu: Menu, node_id: str, suffix: str = "") -> str:
    """The URL of a node's document, or of one of its retry documents (suffix '/no-input')."""
    return f"{menu.base_url.rstrip('/')}/{menu.name}/{node_id}{suffix}"


def _base_url_problem(base_url: str) -> str | None:
    problem = url_problem(base_url)
    if problem is not None:
        return f"base_url {quoted(base_url)} is not usable: {problem}"
    parts = try_split(base_url)
    local = parts is not None and parts.scheme == "http" and is_local_host(parts.hostname)
    if parts is None or not (parts.scheme == "https" or local) or not parts.netloc:
        return (
            f"base_url {quoted(base_url)} must be an absolute https:// URL (http only for this machine, e.g. localhost)"
        )
    if parts.query or parts.fragment:
        return f"base_url {quoted(base_url)} must not have a query or fragment"
    return None


def _node_problems(node: MenuNode, ids: set[str], region: str) -> list[str]:
    problems = []
    where = f"node {node.id!r}"
    if not node.options and node.action is None:
        problems.append(f"{where} has neither options nor an action")
    if node.options and node.action is not None:
        problems.append(f"{where} has both options and an action; give it one or the other")
    problems.extend(
        f"{where} option {option.digits!r} goes to unknown node {option.goto!r}"
        for option in node.options
        if option.goto not in ids
    )
    for digits, count in Counter(option.digits for option in node.options).items():
        if count > 1:
            problems.append(f"{where} uses digits {digits!r} for {count} options")
    spoken = Counter(_words(option.speech) for option in node.options if option.speech)
    problems.extend(f"{where} uses the words {words!r} for {n} options" for words, n in spoken.items() if n > 1)
    action = node.action
    if action is not None and action.kind == "dial":
        problems.extend(_phone_problem(action.number, f"{where} action dial number", region))
    if action is not None and action.kind == "enqueue" and not action.queue:
        problems.append(f"{where} action enqueue needs a queue")
    return problems


def _phone_problem(number: str | None, what: str, region: str) -> list[str]:
    if not number:
        return [f"{what} is missing"]
    try:
        phones.to_e164(number, region=region)
    except InputError:
        return [f"{what} {number!r} is not a valid phone number"]
    return []


def _reachable(menu: Menu) -> set[str]:
    by_id = {node.id: node for node in menu.nodes}
    seen, pending = set(), [menu.start]
    while pending:
        current = pending.pop()
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        pending.extend(option.goto for option in by_id[current].options)
    return seen


def validate_menu(menu: Menu, region: str) -> list[str]:
    """Warnings about a usable menu (unreachable nodes).

    Raises:
        InputError: input.invalid_menu, naming every problem found.
    """
    problems = []
    if problem := _base_url_problem(menu.base_url):
        problems.append(problem)
    ids = [node.id for node in menu.nodes]
    problems.extend(f"node id {node_id!r} is used {n} times" for node_id, n in Counter(ids).items() if n > 1)
    if menu.start not in ids:
        problems.append(f"start {menu.start!r} is not a node")
    for node in menu.nodes:
        problems.extend(_node_problems(node, set(ids), region))
    if menu.operator is not None:
        problems.extend(_phone_problem(menu.operator, "operator", region))
    if problems:
        raise InputError(
            f"The menu has {len(problems)} problem(s): " + "; ".join(problems) + ".",
            code="input.invalid_menu",
            remediation=["Fix every problem listed, then call again with the whole menu."],
        )
    reachable = _reachable(menu)
    return [f"node {node_id!r} cannot be reached from {menu.start!r}" for node_id in ids if node_id not in reachable]


def _words(text: str | None) -> str:
    return " ".join(re.findall(r"[\w']+", (text or "").lower()))


def _say(node: MenuNode, text: str) -> Say:
    return Say(verb="Say", text=text, voice=node.voice, language=node.language)


def _gather(menu: Menu, node: MenuNode) -> Gather:
    digits = [option.digits for option in node.options]
    lengths = {len(value) for value in digits}
    speech = [option.speech for option in node.options if option.speech]
    return Gather(
        verb="Gather",
        input="dtmf speech" if speech else "dtmf",
        num_digits=lengths.pop() if len(lengths) == 1 else None,
        action=node_url(menu, node.id),
        method="POST",
        timeout=menu.timeout,
        # '#' ends input by default; a menu that offers it as a choice must not end on it.
        finish_on_key="" if any("#" in value for value in digits) else None,
        language=node.language if speech else None,
        hints=speech or None,
        verbs=[_say(node, node.prompt)],
    )


def _give_up(menu: Menu, node: MenuNode) -> list[Renderable]:
    if menu.operator:
        return [
            _say(node, "Connecting you to an operator."),
            Dial(verb="Dial", numbers=[menu.operator]),
            Hangup(verb="Hangup"),
        ]
    return [_say(node, menu.goodbye_message), Hangup(verb="Hangup")]


def _retry_verbs(menu: Menu, node: MenuNode, first_message: str) -> list[Renderable]:
    verbs: list[Renderable] = []
    for attempt in range(menu.max_retries):
        verbs += [_say(node, first_message if attempt == 0 else menu.no_input_message), _gather(menu, node)]
    if not verbs:
        verbs.append(_say(node, first_message))
    return verbs + _give_up(menu, node)


def _terminal_verbs(menu: Menu, node: MenuNode, action: MenuAction) -> list[Renderable]:
    verbs: list[Renderable] = [_say(node, node.prompt)]
    if action.kind == "dial":
        verbs.append(Dial(verb="Dial", numbers=[action.number or ""]))
    elif action.kind == "enqueue":
        verbs.append(Enqueue(verb="Enqueue", queue=action.queue or ""))
    elif action.kind == "voicemail":
        verbs.append(
            Record(
                verb="Record",
                action=node_url(menu, node.id, "/recorded"),
                method="POST",
                max_length=action.max_length or VOICEMAIL_SECONDS,
                finish_on_key="#",
                play_beep=True,
            )
        )
    return [*verbs, Hangup(verb="Hangup")]


def _documents(menu: Menu, node: MenuNode) -> list[tuple[Role, str, list[Renderable]]]:
    if node.action is not None:
        documents: list[tuple[Role, str, list[Renderable]]] = [("node", "", _terminal_verbs(menu, node, node.action))]
        if node.action.kind == "voicemail":
            documents.append(
                ("recorded", "/recorded", [_say(node, "Thank you. " + menu.goodbye_message), Hangup(verb="Hangup")])
            )
        return documents
    no_input = Redirect(verb="Redirect", url=node_url(menu, node.id, "/no-input"), method="POST")
    return [
        ("node", "", [_gather(menu, node), no_input]),
        ("no-input", "/no-input", _retry_verbs(menu, node, menu.no_input_message)),
        ("invalid", "/invalid", _retry_verbs(menu, node, menu.invalid_message)),
    ]


def build_ivr(menu: Menu, region: str) -> MenuPlan:
    """Every TwiML document of a valid menu, and where each choice leads.

    Raises:
        InputError: input.invalid_menu when the menu is not valid, naming every problem.
    """
    warnings = validate_menu(menu, region)
    documents: list[MenuDocument] = []
    routes: list[MenuRoute] = []
    problems: list[str] = []
    for node in menu.nodes:
        for role, suffix, verbs in _documents(menu, node):
            xml = render(verbs, region)
            url = node_url(menu, node.id, suffix)
            problems.extend(f"{url}: {finding.path}: {finding.message}" for finding in lint_errors(xml, "voice"))
            documents.append(MenuDocument(url=url, node_id=node.id, role=role, xml=xml))
        routes.extend(
            MenuRoute(node_id=node.id, digits=option.digits, speech=option.speech, url=node_url(menu, option.goto))
            for option in node.options
        )
    if problems:
        raise InputError(
            "The menu's TwiML would not work: " + "; ".join(problems) + ".",
            code="input.invalid_menu",
            remediation=["Shorten the prompts or fix the voice and language named, then call again."],
        )
    return MenuPlan(start_url=node_url(menu, menu.start), documents=documents, routes=routes, warnings=warnings)


def route_input(menu: Menu, node_id: str, digits: str | None = None, speech: str | None = None) -> str:
    """The URL a caller's input at `node_id` leads to: the chosen node, or the node's retry document.

    Raises:
        InputError: input.unknown_node when the menu has no such node.
    """
    node = next((candidate for candidate in menu.nodes if candidate.id == node_id), None)
    if node is None:
        raise InputError(
            f"Menu {menu.name!r} has no node {node_id!r}.",
            code="input.unknown_node",
            remediation=["Use a node id from the menu."],
        )
    pressed = (digits or "").strip()
    said = _words(speech)
    for option in node.options:
        if pressed and pressed == option.digits:
            return node_url(menu, option.goto)
    for option in node.options:
        if said and option.speech and re.search(rf"\b{re.escape(_words(option.speech))}\b", said):
            return node_url(menu, option.goto)
    if not pressed and not said:
        return node_url(menu, node.id, "/no-input")
    return node_url(menu, node.id, "/invalid")
