#!/usr/bin/env python3
"""An independent eHSM-KMS REST client, standard library only, written from the vendor's
protocol (notes/ehsm.md §2.3) rather than from the gateway's code.

Run as `client.py --serve`: it reads one JSON request per line on stdin and answers one JSON
line on stdout, so a test can drive a whole scenario through one process. A request is
  {"base": "http://host:port", "action": "Encrypt", "method": "POST"|"GET",
   "appid": ..., "apikey": ..., "payload": {...} (omit for none), "nonce": ... (optional),
   "timestamp": "..." (default now), "sign": "..." (override), "upper": true (upper-case sign),
   "raw": "<body text sent as is>", "path": "/ehsm/" (default "/ehsm"),
   "v1": true (sign as the 2022 v1 API: no nonce in the signed string)}
and the answer is {"status": <http status>, "body": <parsed JSON or null>, "text": <raw body>}.
"""
import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def _loosely_empty(v):
    # The server skips what JavaScript finds `== ''`: '', 0, false, null, [] and [''].
    if v is None or v is False or v == "":
        return True
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v == 0:
        return True
    if isinstance(v, list) and ",".join("" if x is None else str(x) for x in v) == "":
        return True
    return False


def _text(v):
    if v is True:
        return "true"
    if isinstance(v, dict):
        return sort_str(v)
    return str(v)


def sort_str(params):
    """appid=..&nonce=..&payload=k=v&k=v&timestamp=.. : sorted keys, flattened, no escaping."""
    return "&".join(f"{k}={_text(params[k])}" for k in sorted(params) if not _loosely_empty(params[k]))


def sign(apikey, params):
    mac = hmac.new(apikey.encode("utf-8"), sort_str(params).encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def call(req):
    base = req["base"].rstrip("/")
    path = req.get("path", "/ehsm")
    query = urllib.parse.urlencode({"Action": req["action"]})
    url = f"{base}{path}?{query}"
    method = req.get("method", "POST")
    data = None
    if method == "POST":
        if "raw" in req:
            data = req["raw"].encode("utf-8")
        else:
            body = {"appid": req.get("appid"), "timestamp": req.get("timestamp") or str(int(time.time() * 1000))}
            if "nonce" in req:
                body["nonce"] = req["nonce"]
            if "payload" in req:
                body["payload"] = req["payload"]
            # v1 (2022-01) signs {appid, timestamp, payload}: its nonce is the timestamp itself.
            fields = ("appid", "timestamp", "payload") if req.get("v1") else ("appid", "nonce", "timestamp", "payload")
            signed = {k: body.get(k) for k in fields}
            s = req.get("sign") or sign(req.get("apikey", ""), signed)
            body["sign"] = s.upper() if req.get("upper") else s
            for k, v in req.get("override", {}).items():
                body[k] = v
            data = json.dumps(body).encode("utf-8")
    r = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        r.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            status, text = resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return {"status": status, "body": parsed, "text": text}


def main():
    if "--serve" not in sys.argv:
        print(__doc__)
        return 2
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = call(json.loads(line))
        except Exception as e:  # report, keep serving
            out = {"status": 0, "body": None, "text": f"client error: {e!r}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
