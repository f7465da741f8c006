"""Sends LIST the way Vault's Python clients do (requests, and hvac's adapter) and prints JSON.

Run by test/list-method.e2e.ts with Debian's /usr/bin/python3 (python3-hvac, python3-requests).
Usage: list-client.py BASE_URL BEARER_TOKEN KID
"""
import json
import sys

import hvac
import requests

base, token, kid = sys.argv[1:4]
bearer = {"Authorization": "Bearer " + token}


def answer(response):
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return {"method": response.request.method, "url": response.request.url, "status": response.status_code, "body": body}


out = {}
# One session, so one pooled keep-alive connection while the server keeps it open.
session = requests.Session()
out["session"] = [
    answer(session.request("GET", base + "/health/live")),
    answer(session.request("LIST", base + "/v1/crypto/keys/" + kid, headers=bearer)),
    answer(session.request("GET", base + "/v1/crypto/keys/" + kid + "?list=true", headers=bearer)),
    answer(session.request("LIST", base + "/v1/crypto/keys/" + kid)),
    answer(session.request("LIST", base + "/version?a=b")),
    answer(session.request("GET", base + "/health/live")),
]
out["sessionConnections"] = session.get_adapter(base).poolmanager.connection_from_url(base).num_connections

# hvac as shipped: its adapter's list(), and the transit engine's list_keys, with the raw
# adapter so that a refusal comes back as a response rather than an exception.
client = hvac.Client(url=base, token="not-a-vault-token", adapter=hvac.adapters.RawAdapter, ignore_exceptions=True)
out["hvacList"] = answer(client.adapter.list("/v1/crypto/keys/" + kid, headers=bearer))
out["hvacListKeys"] = answer(client.secrets.transit.list_keys())
out["getListKeys"] = answer(
    requests.get(base + "/v1/transit/keys?list=true", headers={"X-Vault-Token": "not-a-vault-token", "X-Vault-Request": "true"})
)
print(json.dumps(out))
