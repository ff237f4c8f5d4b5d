import json
import pytest
from tests.conftest import call, approve

pytestmark = pytest.mark.anyio


async def test_smoke(client, services, sandbox):
    r = await call(client, "twilio_api_find", {"query": "list TaskRouter workers"})
    print(r)
    r = await call(
        client,
        "twilio_api_call",
        {"operation": "taskrouter_v1.CreateWorkspace", "parameters": json.dumps({"FriendlyName": "Support"})},
    )
    print(r)
    aid = await approve(services, r)
    r = await call(
        client,
        "twilio_api_call",
        {
            "operation": "taskrouter_v1.CreateWorkspace",
            "parameters": json.dumps({"FriendlyName": "Support"}),
            "approval_id": aid,
        },
    )
    print(r)
    ws = r.data["sid"]
    r = await call(
        client,
        "twilio_api_call",
        {"operation": "taskrouter_v1.FetchWorkspace", "path": json.dumps({"Sid": ws}), "fields": ["*"]},
    )
    print(r)
    r = await call(client, "twilio_api_call", {"operation": "taskrouter_v1.ListWorkspace", "limit": 1})
    print(r)
    r = await call(
        client, "twilio_api_call", {"operation": "api_v2010.CreateMessage", "parameters": json.dumps({"To": "+1"})}
    )
    print(r)
    r = await call(client, "twilio_api_call", {"operation": "api_v2010.CreateNewKey"})
    print(r)
    r = await call(
        client,
        "twilio_api_call",
        {
            "operation": "taskrouter_v1.CreateWorker",
            "path": json.dumps({"WorkspaceSid": ws}),
            "parameters": json.dumps({"FriendlyNam": "x", "Attributes": 3}),
        },
    )
    print(r)
    r = await call(client, "twilio_api_call", {"operation": "ListWorker", "path": json.dumps({"WorkspaceSid": ws})})
    print(r)
    r = await call(
        client, "twilio_api_call", {"operation": "api_v2010.FetchMessage", "path": json.dumps({"Sid": "SM" + "0" * 32})}
    )
    print(r)
    r = await call(client, "twilio_api_call", {"operation": "api_v2010.ListQueue"})
    print(r)
