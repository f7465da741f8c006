#!/usr/bin/env python3
"""An independent eHSM-KMS client written from ONE document: shared/specs/ehsm-api-v2-keyid.md
(the 2023 keyid REST API reference). Python 3 standard library plus the `openssl` CLI (OpenSSL 3).

Every request is built and signed exactly as the document's python samples do it:

    payload = OrderedDict()            # the sample's own field order (not necessarily sorted)
    params = OrderedDict()
    params["appid"] = appid
    params["payload"] = urllib.parse.unquote_plus(urllib.parse.urlencode(payload))
    params["timestamp"] = str(int(time.time() * 1000))
    sign_string = urllib.parse.unquote_plus(urllib.parse.urlencode(params))
    sign = base64(HMAC-SHA256(apikey, sign_string)).upper()
    params["payload"] = payload
    params["sign"] = sign
    POST <base>/ehsm?Action=<Name>   body = json.dumps(params)

Results are checked locally (signatures verified and ciphertexts made with openssl from the public
key). Usage:

    doc-keyid-client.py --base http://127.0.0.1:PORT [--appid A --apikey K] [--backend soft|pkcs11]

Prints ONE JSON line: a list of {"name", "ok", "detail"}. Each case is independent: a failing case
records ok=false with what went wrong (and the server's last reply) and the run continues.
On --backend pkcs11 (a SoftHSM2 token) SM2 and SM4 keys cannot be held: a case that needs such a
key asserts that CreateKey is refused with the eHSM failure reply instead.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from hashlib import sha256

# --------------------------------------------------------------------------------------------
# The transport, per the document's samples
# --------------------------------------------------------------------------------------------

HEADERS = {"Content-Type": "application/json"}
REFUSAL = {"code": 500, "message": "Server exception.", "result": {}}
NOT_ON_PKCS11 = {"EH_SM2", "EH_SM4_CTR", "EH_SM4_CBC"}


class Fail(Exception):
    """A failed check; `reply` is the server reply that showed it (if any)."""

    def __init__(self, msg, reply=None):
        super().__init__(msg)
        self.reply = reply


class Refused(Exception):
    """The case needed a key the backend under test cannot hold, and CreateKey was refused as expected."""

    def __init__(self, detail):
        super().__init__("refused")
        self.detail = detail


def b64(b):
    if isinstance(b, str):
        b = b.encode()
    return base64.b64encode(b).decode()


def unb64(s):
    return base64.b64decode(s, validate=True)


def same(s, data):
    """True when `s` is a base64 string of exactly `data`."""
    try:
        return isinstance(s, str) and unb64(s) == data
    except ValueError:
        return False


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.appid = None
        self.apikey = None
        self.last = None
        self._last_ts = 0

    def timestamp(self):
        # Requests without a nonce are told apart by their timestamp: never send two in the same ms.
        while True:
            ts = int(time.time() * 1000)
            if ts > self._last_ts:
                self._last_ts = ts
                return str(ts)
            time.sleep(0.001)

    def http(self, method, action, body=None):
        url = f"{self.base}/ehsm?Action={urllib.parse.quote(action)}"
        data = body.encode("utf-8") if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers=HEADERS if data is not None else {})
        try:
            with urllib.request.urlopen(req, timeout=120) as res:
                status, text = res.status, res.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode("utf-8", "replace")
        try:
            reply = json.loads(text)
        except ValueError:
            reply = {"http_status": status, "text": text[:2000]}
        if status != 200 and isinstance(reply, dict):
            reply = dict(reply, http_status=status)
        self.last = {"action": action, "reply": reply}
        return reply

    def get(self, action):
        return self.http("GET", action)

    def signed_body(self, payload=None, timestamp=None, appid=None, apikey=None):
        """The body as the document's sample builds it. payload: an OrderedDict (or None: no payload)."""
        appid = appid or self.appid
        apikey = apikey or self.apikey
        params = OrderedDict()
        params["appid"] = appid
        if payload is not None:
            params["payload"] = urllib.parse.unquote_plus(urllib.parse.urlencode(payload))
        params["timestamp"] = timestamp or self.timestamp()
        sign_string = urllib.parse.unquote_plus(urllib.parse.urlencode(params))
        sign = str(base64.b64encode(hmac.new(apikey.encode("utf-8"), sign_string.encode("utf-8"), digestmod=sha256).digest()), "utf-8").upper()
        if payload is not None:
            params["payload"] = payload
        params["sign"] = sign
        return json.dumps(params), sign_string

    def post(self, action, payload=None, timestamp=None, who=None):
        appid, apikey = who if who else (None, None)
        body, _ = self.signed_body(payload, timestamp, appid, apikey)
        return self.http("POST", action, body)


def od(*pairs):
    return OrderedDict(pairs)


def ok(reply, what):
    """Expect code 200; return the result object."""
    if not isinstance(reply, dict) or reply.get("code") != 200:
        raise Fail(f"{what}: expected code 200", reply)
    res = reply.get("result")
    if not isinstance(res, dict):
        raise Fail(f"{what}: code 200 without a result object", reply)
    return res


def not_ok(reply, what):
    """Expect a failure: a reply whose code is not 200, with a message."""
    if not isinstance(reply, dict) or reply.get("code") == 200:
        raise Fail(f"{what}: expected a failure code (not 200)", reply)
    if not isinstance(reply.get("code"), int) or not isinstance(reply.get("message"), str) or not reply.get("message"):
        raise Fail(f"{what}: a failure must carry an int code and a message", reply)
    return reply


def field(res, name, typ, what, reply=None):
    v = res.get(name)
    if not isinstance(v, typ) or isinstance(v, bool) and typ is not bool:
        raise Fail(f"{what}: result.{name} should be {typ.__name__}, got {v!r}", reply if reply is not None else res)
    return v


def check(cond, msg, reply=None):
    if not cond:
        raise Fail(msg, reply)


# --------------------------------------------------------------------------------------------
# openssl
# --------------------------------------------------------------------------------------------

WORK = tempfile.mkdtemp(prefix="doc-keyid-")


def tmpfile(data, suffix=".bin"):
    fd, path = tempfile.mkstemp(dir=WORK, suffix=suffix)
    with os.fdopen(fd, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def openssl(*args, input=None):
    p = subprocess.run(["openssl", *args], input=input, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def spki_of(pem, keyspec):
    """Checks the PEM form the document's keys come in and returns the path of an SPKI PEM for openssl."""
    rsa = keyspec.startswith("EH_RSA")
    if rsa:
        check(pem.startswith("-----BEGIN RSA PUBLIC KEY-----") and pem.rstrip().endswith("-----END RSA PUBLIC KEY-----"), f"RSA public key should be PKCS#1 PEM, got {pem[:60]!r}")
        src = tmpfile(pem, ".pem")
        out = src + ".spki.pem"
        rc, _, err = openssl("rsa", "-RSAPublicKey_in", "-in", src, "-pubout", "-out", out)
    else:
        check(pem.startswith("-----BEGIN PUBLIC KEY-----") and pem.rstrip().endswith("-----END PUBLIC KEY-----"), f"EC/SM2 public key should be SPKI PEM, got {pem[:60]!r}")
        src = tmpfile(pem, ".pem")
        out = src + ".spki.pem"
        rc, _, err = openssl("pkey", "-pubin", "-in", src, "-out", out)
    check(rc == 0, f"openssl cannot read the public key: {err.strip()}")
    return out


EXPECTED_KEY_TEXT = {
    "EH_RSA_2048": "(2048 bit)",
    "EH_RSA_3072": "(3072 bit)",
    "EH_RSA_4096": "(4096 bit)",
    "EH_EC_P224": "ASN1 OID: secp224r1",
    "EH_EC_P256": "ASN1 OID: prime256v1",
    "EH_EC_P256K": "ASN1 OID: secp256k1",
    "EH_EC_P384": "ASN1 OID: secp384r1",
    "EH_EC_P521": "ASN1 OID: secp521r1",
    "EH_SM2": "ASN1 OID: SM2",
}

MD = {"EH_SHA_2_224": "sha224", "EH_SHA_2_256": "sha256", "EH_SHA_2_384": "sha384", "EH_SHA_2_512": "sha512", "EH_SM3": "sm3"}
MD_LEN = {"sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64, "sm3": 32}


def local_verify(spki, keyspec, padding, md, data, sig):
    """Verifies `sig` over `data` with openssl; returns (ok, stderr)."""
    d = tmpfile(data)
    s = tmpfile(sig)
    if keyspec == "EH_SM2":
        rc, _, err = openssl("pkeyutl", "-verify", "-pubin", "-inkey", spki, "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-in", d, "-sigfile", s)
    elif keyspec.startswith("EH_RSA") and padding == "EH_PAD_RSA_PKCS1_PSS":
        rc, _, err = openssl("dgst", f"-{md}", "-verify", spki, "-sigopt", "rsa_padding_mode:pss", "-sigopt", f"rsa_pss_saltlen:{MD_LEN[md]}", "-sigopt", f"rsa_mgf1_md:{md}", "-signature", s, d)
    else:
        rc, _, err = openssl("dgst", f"-{md}", "-verify", spki, "-signature", s, d)
    return rc == 0, err.strip()


def local_encrypt(spki, keyspec, padding, pt):
    p = tmpfile(pt)
    out = p + ".ct"
    if keyspec == "EH_SM2":
        rc, _, err = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", spki, "-in", p, "-out", out)
    elif padding == "EH_PAD_RSA_PKCS1_OAEP":
        rc, _, err = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", spki, "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-in", p, "-out", out)
    else:
        rc, _, err = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", spki, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", p, "-out", out)
    check(rc == 0, f"openssl encrypt failed: {err.strip()}")
    with open(out, "rb") as f:
        return f.read()


def der_items(buf):
    """The elements (tag, value) of one DER SEQUENCE filling `buf`."""

    def read(b, i):
        tag = b[i]
        ln = b[i + 1]
        i += 2
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(b[i:i + n], "big")
            i += n
        return tag, b[i:i + ln], i + ln

    tag, body, end = read(buf, 0)
    check(tag == 0x30 and end == len(buf), "not one DER SEQUENCE")
    items, i = [], 0
    while i < len(body):
        t, v, i = read(body, i)
        items.append((t, v))
    return items


# --------------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------------

ARGS = None
C = None  # the Client
KEYS = {}
CASES = []

SYMMETRIC = ["EH_AES_GCM_128", "EH_AES_GCM_192", "EH_AES_GCM_256", "EH_SM4_CTR", "EH_SM4_CBC"]
ASYMMETRIC = ["EH_RSA_2048", "EH_RSA_3072", "EH_RSA_4096", "EH_EC_P224", "EH_EC_P256K", "EH_EC_P256", "EH_EC_P384", "EH_EC_P521", "EH_SM2"]
ALL_KEYSPECS = ["EH_AES_GCM_128", "EH_AES_GCM_192", "EH_AES_GCM_256", "EH_RSA_2048", "EH_RSA_3072", "EH_RSA_4096", "EH_EC_P224", "EH_EC_P256K", "EH_EC_P256", "EH_EC_P384", "EH_EC_P521", "EH_SM2", "EH_SM4_CTR", "EH_SM4_CBC"]
ENC = "EH_PURPOSE_ENCRYPT_DECRYPT"
SIG = "EH_PURPOSE_SIGN_VERIFY"


def case(name):
    def reg(fn):
        CASES.append((name, fn))
        return fn

    return reg


def holds(keyspec):
    return ARGS.backend != "pkcs11" or keyspec not in NOT_ON_PKCS11


def create_payload(keyspec, purpose=None, padding=None, digest=None, spaced=False):
    """CreateKey's payload: the sample's keyspec, origin, then the table's purpose, padding mode, digest mode."""
    p = od(("keyspec", keyspec), ("origin", "EH_INTERNAL_KEY"))
    if purpose:
        p["purpose"] = purpose
    if padding:
        p["padding mode" if spaced else "padding_mode"] = padding
    if digest:
        p["digest mode" if spaced else "digest_mode"] = digest
    return p


def expect_refused(keyspec, payload):
    r = C.post("CreateKey", payload)
    check(r == REFUSAL, f"{keyspec} cannot be held by the pkcs11 backend: CreateKey must answer {json.dumps(REFUSAL)}", r)
    raise Refused({"refused": keyspec, "reply": r})


def key(keyspec, purpose=None, padding=None, digest=None, spaced=False, fresh=False):
    """A keyid for these CreateKey parameters (created once and reused unless `fresh`)."""
    k = (keyspec, purpose, padding, digest, spaced)
    payload = create_payload(keyspec, purpose, padding, digest, spaced)
    if not holds(keyspec):
        expect_refused(keyspec, payload)
    if not fresh and k in KEYS:
        v = KEYS[k]
        if isinstance(v, Fail):
            raise Fail(f"(earlier) {v}", v.reply)
        return v
    r = C.post("CreateKey", payload)
    try:
        res = ok(r, f"CreateKey {json.dumps(payload)}")
        kid = field(res, "keyid", str, "CreateKey", r)
        check(len(kid) > 0, "CreateKey: empty keyid", r)
    except Fail as e:
        if not fresh:
            KEYS[k] = e
        raise
    if not fresh:
        KEYS[k] = kid
    return kid


PUBKEYS = {}


def public_key(keyid):
    """GetPublicKey {keyid}: the PEM string of the result."""
    if keyid in PUBKEYS:
        return PUBKEYS[keyid]
    r = C.post("GetPublicKey", od(("keyid", keyid)))
    res = ok(r, "GetPublicKey")
    pem = res.get("pubkey")
    if not isinstance(pem, str):
        pems = [v for v in res.values() if isinstance(v, str) and v.startswith("-----BEGIN")]
        check(len(pems) == 1, "GetPublicKey: no PEM public key in the result", r)
        pem = pems[0]
    PUBKEYS[keyid] = pem
    return pem


# ---- common parameters and wire ------------------------------------------------------------


@case("GetVersion")
def _():
    r = C.get("GetVersion")
    res = ok(r, "GetVersion")
    field(res, "version", str, "GetVersion", r)
    field(res, "git_sha", str, "GetVersion", r)
    return res


@case("Enroll")
def _():
    r = C.get("Enroll")
    res = ok(r, "Enroll")
    appid = field(res, "appid", str, "Enroll", r)
    apikey = field(res, "apikey", str, "Enroll", r)
    check(appid and apikey, "Enroll: empty appid/apikey", r)
    if not C.appid:
        C.appid, C.apikey = appid, apikey
    # The new pair works at once.
    ok(C.post("ListKey", who=(appid, apikey)), "ListKey with the enrolled appid/apikey")
    return {"appid": appid}


@case("common: timestamp 5 minutes old is accepted")
def _():
    ts = str(int(time.time() * 1000) - 5 * 60 * 1000)
    check(len(ts) == 13, "timestamp is 13 digits")
    ok(C.post("ListKey", timestamp=ts), "ListKey with a 5-minute-old timestamp")


@case("common: a replayed identical request is refused")
def _():
    kid = key("EH_AES_GCM_128", ENC)
    body, _ = C.signed_body(od(("aad", b64("replay")), ("keyid", kid), ("plaintext", b64("once"))))
    ok(C.http("POST", "Encrypt", body), "first Encrypt")
    r = not_ok(C.http("POST", "Encrypt", body), "the identical Encrypt request again")
    return r


@case("common: upper-cased sign and the samples' unsorted payload order (Decrypt, AsymmetricDecrypt, Sign, Verify)")
def _():
    # Every request of this client uses the sample's order; here the unsorted ones are made explicit.
    kid = key("EH_AES_GCM_256", ENC)
    aad = b64("order")
    enc = ok(C.post("Encrypt", od(("aad", aad), ("keyid", kid), ("plaintext", b64("sample order")))), "Encrypt")
    p = od(("aad", aad), ("keyid", kid), ("ciphertext", enc["ciphertext"]))
    _, s = C.signed_body(p)
    check("aad=" in s and s.index("keyid=") < s.index("ciphertext="), "self-check: Decrypt payload is in the sample's order")
    body, _ = C.signed_body(p)
    sign = json.loads(body)["sign"]
    check(sign == sign.upper() and sign != sign.lower(), "self-check: the sign is upper-cased")
    res = ok(C.http("POST", "Decrypt", body), "Decrypt {aad, keyid, ciphertext}")
    check(unb64(res.get("plaintext", "")) == b"sample order", "Decrypt plaintext", res)
    # AsymmetricDecrypt {keyid, ciphertext}
    rk = key("EH_RSA_2048", ENC, "EH_PAD_RSA_PKCS1_OAEP")
    ct = ok(C.post("AsymmetricEncrypt", od(("keyid", rk), ("plaintext", b64("abc")))), "AsymmetricEncrypt")["ciphertext"]
    res = ok(C.post("AsymmetricDecrypt", od(("keyid", rk), ("ciphertext", ct))), "AsymmetricDecrypt {keyid, ciphertext}")
    check(same(res.get("plaintext"), b"abc"), "AsymmetricDecrypt plaintext", res)
    # Sign {keyid, digest}, Verify {keyid, digest, signature}
    sk = key("EH_EC_P256", SIG, None, "EH_SHA_2_256")
    sig = ok(C.post("Sign", od(("keyid", sk), ("digest", b64("abc")))), "Sign {keyid, digest}")["signature"]
    res = ok(C.post("Verify", od(("keyid", sk), ("digest", b64("abc")), ("signature", sig))), "Verify {keyid, digest, signature}")
    check(res.get("result") is True, "Verify result true", res)


@case("common: payload sorted in ASCII order (the Common Parameters text) is accepted too")
def _():
    kid = key("EH_AES_GCM_256", ENC)
    aad = b64("sorted")
    enc = ok(C.post("Encrypt", od(("aad", aad), ("keyid", kid), ("plaintext", b64("sorted order")))), "Encrypt")
    res = ok(C.post("Decrypt", od(("aad", aad), ("ciphertext", enc["ciphertext"]), ("keyid", kid))), "Decrypt {aad, ciphertext, keyid}")
    check(unb64(res.get("plaintext", "")) == b"sorted order", "Decrypt plaintext", res)
    rk = key("EH_RSA_2048", ENC, "EH_PAD_RSA_PKCS1_OAEP")
    ct = ok(C.post("AsymmetricEncrypt", od(("keyid", rk), ("plaintext", b64("abc")))), "AsymmetricEncrypt")["ciphertext"]
    res = ok(C.post("AsymmetricDecrypt", od(("ciphertext", ct), ("keyid", rk))), "AsymmetricDecrypt {ciphertext, keyid}")
    check(same(res.get("plaintext"), b"abc"), "AsymmetricDecrypt plaintext", res)
    sk = key("EH_EC_P256", SIG, None, "EH_SHA_2_256")
    sig = ok(C.post("Sign", od(("digest", b64("abc")), ("keyid", sk))), "Sign {digest, keyid}")["signature"]
    res = ok(C.post("Verify", od(("digest", b64("abc")), ("keyid", sk), ("signature", sig))), "Verify {digest, keyid, signature}")
    check(res.get("result") is True, "Verify result true", res)


# ---- CreateKey: every keyspec of the table ---------------------------------------------------

for _spec in ALL_KEYSPECS:

    def _mk(spec):
        @case(f"CreateKey {spec}")
        def _():
            # The sample's own payload {keyspec, origin}.
            kid = key(spec)
            return {"keyid": kid}

    _mk(_spec)


@case("CreateKey EH_HMAC is not supported (failure code)")
def _():
    r = C.post("CreateKey", create_payload("EH_HMAC"))
    return not_ok(r, "CreateKey EH_HMAC")


# ---- GetPublicKey --------------------------------------------------------------------------

for _spec in ASYMMETRIC:

    def _mk(spec):
        form = "PKCS#1 PEM" if spec.startswith("EH_RSA") else "SPKI PEM"

        @case(f"GetPublicKey {spec} ({form})")
        def _():
            kid = key(spec)
            pem = public_key(kid)
            spki = spki_of(pem, spec)
            rc, out, err = openssl("pkey", "-pubin", "-in", spki, "-text", "-noout")
            check(rc == 0, f"openssl pkey -text: {err}")
            check(EXPECTED_KEY_TEXT[spec] in out.decode(), f"public key should show {EXPECTED_KEY_TEXT[spec]!r}: {out.decode()[:200]}")

    _mk(_spec)


# ---- Sign / Verify ---------------------------------------------------------------------------


def sign_verify(spec, purpose, padding, digest, spaced=False):
    kid = key(spec, purpose, padding, digest, spaced)
    spki = spki_of(public_key(kid), spec)
    data = secrets.token_bytes(37) + b" The quick brown fox +/= & % jumps"
    r = C.post("Sign", od(("keyid", kid), ("digest", b64(data))))
    sig_b64 = field(ok(r, "Sign"), "signature", str, "Sign", r)
    sig = unb64(sig_b64)
    md = MD[digest] if digest else "sha256"
    pad = padding or "EH_PAD_RSA_PKCS1"
    if spec.startswith("EH_RSA"):
        check(len(sig) == int(spec[-4:]) // 8, f"RSA signature length {len(sig)}", r)
    else:
        items = der_items(sig)
        check(len(items) == 2 and items[0][0] == 2 and items[1][0] == 2, "signature should be DER SEQUENCE{r, s}", r)
    good, err = local_verify(spki, spec, pad, md, data, sig)
    check(good, f"openssl does not verify the signature as {spec} {pad if spec.startswith('EH_RSA') else ''} {md} over the data: {err}", r)
    r = C.post("Verify", od(("keyid", kid), ("digest", b64(data)), ("signature", sig_b64)))
    res = ok(r, "Verify (good)")
    check(res.get("result") is True, "Verify of the good signature should be true", r)
    r = C.post("Verify", od(("keyid", kid), ("digest", b64(data + b"!")), ("signature", sig_b64)))
    res = ok(r, "Verify (tampered digest)")
    check(res.get("result") is False, "Verify with a tampered digest should be false", r)
    return {"keyid": kid, "verified_locally": f"{pad if spec.startswith('EH_RSA') else spec} {md}"}


SIGN_CASES = [
    # name, keyspec, purpose, padding, digest, spaced
    ("Sign/Verify EH_RSA_2048 (no padding/digest mode: PKCS#1 v1.5, SHA-256)", "EH_RSA_2048", SIG, None, None, False),
    ("Sign/Verify EH_RSA_2048 EH_PAD_RSA_PKCS1 EH_SHA_2_256", "EH_RSA_2048", SIG, "EH_PAD_RSA_PKCS1", "EH_SHA_2_256", False),
    ("Sign/Verify EH_RSA_3072 EH_PAD_RSA_PKCS1_PSS EH_SHA_2_256", "EH_RSA_3072", SIG, "EH_PAD_RSA_PKCS1_PSS", "EH_SHA_2_256", False),
    ("Sign/Verify EH_RSA_2048 EH_PAD_RSA_PKCS1 EH_SHA_2_384", "EH_RSA_2048", SIG, "EH_PAD_RSA_PKCS1", "EH_SHA_2_384", False),
    ("Sign/Verify EH_RSA_2048 EH_PAD_RSA_PKCS1_PSS EH_SHA_2_512", "EH_RSA_2048", SIG, "EH_PAD_RSA_PKCS1_PSS", "EH_SHA_2_512", False),
    ("Sign/Verify EH_RSA_2048 EH_PAD_RSA_PKCS1_PSS EH_SHA_2_256 via spaced 'padding mode'/'digest mode'", "EH_RSA_2048", SIG, "EH_PAD_RSA_PKCS1_PSS", "EH_SHA_2_256", True),
    ("Sign/Verify EH_RSA_3072 key from the CreateKey sample (purpose vacant: PKCS#1 v1.5, SHA-256)", "EH_RSA_3072", None, None, None, False),
    ("Sign/Verify EH_RSA_4096 key from the CreateKey sample (purpose vacant: PKCS#1 v1.5, SHA-256)", "EH_RSA_4096", None, None, None, False),
    ("Sign/Verify EH_EC_P256 EH_SHA_2_256", "EH_EC_P256", SIG, None, "EH_SHA_2_256", False),
    ("Sign/Verify EH_EC_P256 (no digest mode: SHA-256)", "EH_EC_P256", SIG, None, None, False),
    ("Sign/Verify EH_EC_P256 key from the CreateKey sample (purpose vacant)", "EH_EC_P256", None, None, None, False),
    ("Sign/Verify EH_EC_P384 EH_SHA_2_256", "EH_EC_P384", SIG, None, "EH_SHA_2_256", False),
    ("Sign/Verify EH_EC_P384 EH_SHA_2_384", "EH_EC_P384", SIG, None, "EH_SHA_2_384", False),
    ("Sign/Verify EH_EC_P521 EH_SHA_2_256", "EH_EC_P521", SIG, None, "EH_SHA_2_256", False),
    ("Sign/Verify EH_EC_P521 EH_SHA_2_512", "EH_EC_P521", SIG, None, "EH_SHA_2_512", False),
    ("Sign/Verify EH_EC_P224 EH_SHA_2_256", "EH_EC_P224", SIG, None, "EH_SHA_2_256", False),
    ("Sign/Verify EH_EC_P224 EH_SHA_2_224", "EH_EC_P224", SIG, None, "EH_SHA_2_224", False),
    ("Sign/Verify EH_EC_P256K EH_SHA_2_256", "EH_EC_P256K", SIG, None, "EH_SHA_2_256", False),
    ("Sign/Verify EH_SM2 EH_SM3 (ID 1234567812345678)", "EH_SM2", SIG, None, "EH_SM3", False),
]

for _c in SIGN_CASES:

    def _mk(name, spec, purpose, padding, digest, spaced):
        @case(name)
        def _():
            return sign_verify(spec, purpose, padding, digest, spaced)

    _mk(*_c)


# ---- AsymmetricEncrypt / AsymmetricDecrypt -----------------------------------------------------


def asym_local(spec, purpose, padding, spaced=False):
    kid = key(spec, purpose, padding, None, spaced)
    spki = spki_of(public_key(kid), spec)
    pt = secrets.token_bytes(32) + b"local openssl"
    ct = local_encrypt(spki, spec, padding, pt)
    r = C.post("AsymmetricDecrypt", od(("keyid", kid), ("ciphertext", b64(ct))))
    res = ok(r, "AsymmetricDecrypt of the local openssl ciphertext")
    check(same(res.get("plaintext"), pt), "AsymmetricDecrypt should return the plaintext openssl encrypted", r)
    return {"keyid": kid}


def asym_server(spec, purpose, padding):
    kid = key(spec, purpose, padding)
    pt = secrets.token_bytes(24) + b"server round trip"
    r = C.post("AsymmetricEncrypt", od(("keyid", kid), ("plaintext", b64(pt))))
    ct_b64 = field(ok(r, "AsymmetricEncrypt"), "ciphertext", str, "AsymmetricEncrypt", r)
    ct = unb64(ct_b64)
    if spec.startswith("EH_RSA"):
        check(len(ct) == int(spec[-4:]) // 8, f"RSA ciphertext length {len(ct)}", r)
    else:
        items = der_items(ct)
        check([t for t, _ in items] == [2, 2, 4, 4] and len(items[2][1]) == 32 and len(items[3][1]) == len(pt),
              "SM2 ciphertext should be DER SEQUENCE{x, y, C3 (32 bytes), C2}", r)
    r2 = C.post("AsymmetricDecrypt", od(("keyid", kid), ("ciphertext", ct_b64)))
    res = ok(r2, "AsymmetricDecrypt")
    check(same(res.get("plaintext"), pt), "AsymmetricDecrypt should return the plaintext", r2)
    return {"keyid": kid}


@case("AsymmetricDecrypt EH_RSA_2048 EH_PAD_RSA_PKCS1_OAEP of a local OpenSSL OAEP-SHA256 ciphertext")
def _():
    return asym_local("EH_RSA_2048", ENC, "EH_PAD_RSA_PKCS1_OAEP")


@case("AsymmetricEncrypt/AsymmetricDecrypt EH_RSA_2048 EH_PAD_RSA_PKCS1_OAEP")
def _():
    return asym_server("EH_RSA_2048", ENC, "EH_PAD_RSA_PKCS1_OAEP")


@case("AsymmetricDecrypt EH_RSA_2048 EH_PAD_RSA_PKCS1_OAEP key refuses a PKCS#1 v1.5 ciphertext")
def _():
    kid = key("EH_RSA_2048", ENC, "EH_PAD_RSA_PKCS1_OAEP")
    spki = spki_of(public_key(kid), "EH_RSA_2048")
    ct = local_encrypt(spki, "EH_RSA_2048", "EH_PAD_RSA_PKCS1", b"pkcs1 plaintext")
    return not_ok(C.post("AsymmetricDecrypt", od(("keyid", kid), ("ciphertext", b64(ct)))), "AsymmetricDecrypt of a PKCS#1 v1.5 ciphertext with an OAEP key")


@case("AsymmetricDecrypt EH_RSA_3072 EH_PAD_RSA_PKCS1 of a local OpenSSL PKCS#1 v1.5 ciphertext")
def _():
    return asym_local("EH_RSA_3072", ENC, "EH_PAD_RSA_PKCS1")


@case("AsymmetricEncrypt/AsymmetricDecrypt EH_RSA_3072 EH_PAD_RSA_PKCS1")
def _():
    return asym_server("EH_RSA_3072", ENC, "EH_PAD_RSA_PKCS1")


@case("AsymmetricDecrypt EH_RSA_2048 OAEP via spaced 'padding mode' of a local OpenSSL OAEP-SHA256 ciphertext")
def _():
    return asym_local("EH_RSA_2048", ENC, "EH_PAD_RSA_PKCS1_OAEP", spaced=True)


@case("AsymmetricDecrypt EH_SM2 of a local OpenSSL SM2 ciphertext")
def _():
    return asym_local("EH_SM2", ENC, None)


@case("AsymmetricEncrypt/AsymmetricDecrypt EH_SM2 (C1C3C2 DER)")
def _():
    return asym_server("EH_SM2", ENC, None)


@case("AsymmetricEncrypt/AsymmetricDecrypt EH_SM2 key from the CreateKey sample (purpose vacant)")
def _():
    return asym_server("EH_SM2", None, None)


# ---- Encrypt / Decrypt -----------------------------------------------------------------------


def sym_round_trip(spec, sizes):
    kid = key(spec, ENC)
    aad = b64("Y2hhbGxlbmdl-" + spec)
    for n in sizes:
        pt = secrets.token_bytes(n)
        r = C.post("Encrypt", od(("aad", aad), ("keyid", kid), ("plaintext", b64(pt))))
        ct = field(ok(r, f"Encrypt {n} bytes"), "ciphertext", str, "Encrypt", r)
        check(len(unb64(ct)) > n, f"ciphertext of {n} bytes should be longer than the plaintext", r)
        r = C.post("Decrypt", od(("aad", aad), ("keyid", kid), ("ciphertext", ct)))
        res = ok(r, f"Decrypt of the {n}-byte Encrypt ciphertext ({len(unb64(ct))} bytes)")
        check(same(res.get("plaintext"), pt), f"Decrypt should give the {n}-byte plaintext back", r)
    return {"keyid": kid, "sizes": sizes}


for _spec in SYMMETRIC:

    def _mk(spec):
        @case(f"Encrypt/Decrypt {spec}")
        def _():
            return sym_round_trip(spec, [1, 15, 16, 17, 100, 1000])

        @case(f"Encrypt/Decrypt {spec} 6144 bytes (largest plaintext, <6KB)")
        def _():
            return sym_round_trip(spec, [6143, 6144])

    _mk(_spec)


@case("Decrypt EH_AES_GCM_128/192/256 with a wrong aad fails")
def _():
    out = {}
    for spec in ["EH_AES_GCM_128", "EH_AES_GCM_192", "EH_AES_GCM_256"]:
        kid = key(spec, ENC)
        r = C.post("Encrypt", od(("aad", b64("right aad")), ("keyid", kid), ("plaintext", b64("aad matters"))))
        ct = field(ok(r, "Encrypt"), "ciphertext", str, "Encrypt", r)
        out[spec] = not_ok(C.post("Decrypt", od(("aad", b64("wrong aad")), ("keyid", kid), ("ciphertext", ct))), f"{spec} Decrypt with a wrong aad")
        ok(C.post("Decrypt", od(("aad", b64("right aad")), ("keyid", kid), ("ciphertext", ct))), f"{spec} Decrypt with the right aad")
    return out


# ---- data keys --------------------------------------------------------------------------------


@case("GenerateDataKey then Decrypt gives the plaintext data key (EH_AES_GCM_256, keylen 32)")
def _():
    kid = key("EH_AES_GCM_256", ENC)
    aad = b64("datakey aad")
    r = C.post("GenerateDataKey", od(("aad", aad), ("keyid", kid), ("keylen", 32)))
    res = ok(r, "GenerateDataKey")
    pt = field(res, "plaintext", str, "GenerateDataKey", r)
    ct = field(res, "ciphertext", str, "GenerateDataKey", r)
    check(len(unb64(pt)) == 32, "data key should be 32 bytes", r)
    r = C.post("Decrypt", od(("aad", aad), ("keyid", kid), ("ciphertext", ct)))
    check(ok(r, "Decrypt of the data key").get("plaintext") == pt, "Decrypt should give the data key back", r)


@case("GenerateDataKey keylen 16 (the sample) and 1024 (the maximum)")
def _():
    kid = key("EH_AES_GCM_128", ENC)
    aad = b64("len")
    for n in (16, 1024):
        r = C.post("GenerateDataKey", od(("aad", aad), ("keyid", kid), ("keylen", n)))
        res = ok(r, f"GenerateDataKey keylen {n}")
        check(len(unb64(field(res, "plaintext", str, "GenerateDataKey", r))) == n, f"data key of {n} bytes", r)
        r2 = C.post("Decrypt", od(("aad", aad), ("keyid", kid), ("ciphertext", res["ciphertext"])))
        check(ok(r2, "Decrypt").get("plaintext") == res["plaintext"], "Decrypt gives the data key back", r2)


@case("GenerateDataKeyWithoutPlaintext then Decrypt gives a keylen-byte key")
def _():
    kid = key("EH_AES_GCM_256", ENC)
    aad = b64("no plaintext")
    r = C.post("GenerateDataKeyWithoutPlaintext", od(("aad", aad), ("keyid", kid), ("keylen", 48)))
    res = ok(r, "GenerateDataKeyWithoutPlaintext")
    ct = field(res, "ciphertext", str, "GenerateDataKeyWithoutPlaintext", r)
    check("plaintext" not in res, "GenerateDataKeyWithoutPlaintext must not return the plaintext", r)
    r = C.post("Decrypt", od(("aad", aad), ("keyid", kid), ("ciphertext", ct)))
    check(len(unb64(ok(r, "Decrypt").get("plaintext", ""))) == 48, "Decrypt gives a 48-byte data key", r)


def export_data_key(ukey_spec, padding):
    cmk = key("EH_AES_GCM_256", ENC)
    ukey = key(ukey_spec, ENC, padding)
    aad = b64("export aad")
    r = C.post("GenerateDataKey", od(("aad", aad), ("keyid", cmk), ("keylen", 32)))
    gen = ok(r, "GenerateDataKey")
    r = C.post("ExportDataKey", od(("aad", aad), ("keyid", cmk), ("olddatakey", gen["ciphertext"]), ("ukeyid", ukey)))
    newdk = field(ok(r, "ExportDataKey"), "newdatakey", str, "ExportDataKey", r)
    if ukey_spec.startswith("EH_RSA"):
        check(len(unb64(newdk)) == int(ukey_spec[-4:]) // 8, "newdatakey should be one RSA block", r)
    r = C.post("AsymmetricDecrypt", od(("keyid", ukey), ("ciphertext", newdk)))
    res = ok(r, "AsymmetricDecrypt {keyid: ukeyid, ciphertext: newdatakey}")
    check(res.get("plaintext") == gen["plaintext"], "AsymmetricDecrypt of newdatakey should give the data key", r)
    return {"cmk": cmk, "ukeyid": ukey}


@case("ExportDataKey to an EH_RSA_2048 EH_PAD_RSA_PKCS1_OAEP ukey, AsymmetricDecrypt gives the data key")
def _():
    return export_data_key("EH_RSA_2048", "EH_PAD_RSA_PKCS1_OAEP")


@case("ExportDataKey to an EH_SM2 ukey, AsymmetricDecrypt gives the data key")
def _():
    return export_data_key("EH_SM2", None)


# ---- key management ------------------------------------------------------------------------


def list_keys(who=None):
    r = C.post("ListKey", who=who)
    res = ok(r, "ListKey")
    lst = res.get("list")
    check(isinstance(lst, list), "ListKey result.list should be a list", r)
    return lst, r


@case("ListKey shows the created keys (keyid, creationDate, expireTime, alias, keyspec, keyState 1)")
def _():
    want = {key("EH_AES_GCM_128", ENC): "EH_AES_GCM_128", key("EH_RSA_2048", ENC, "EH_PAD_RSA_PKCS1_OAEP"): "EH_RSA_2048", key("EH_EC_P256", SIG, None, "EH_SHA_2_256"): "EH_EC_P256"}
    lst, r = list_keys()
    by_id = {k.get("keyid"): k for k in lst if isinstance(k, dict)}
    for kid, spec in want.items():
        k = by_id.get(kid)
        check(k is not None, f"ListKey should list {kid}", r)
        for f in ("keyid", "creationDate", "expireTime", "alias", "keyspec", "keyState"):
            check(f in k, f"ListKey entry should have {f}: {k}")
        check(k["keyspec"] == spec, f"ListKey keyspec {k['keyspec']} should be {spec}")
        check(k["keyState"] == 1, f"ListKey keyState {k['keyState']} should be 1 (enabled)")
        check(isinstance(k["creationDate"], int) and k["creationDate"] > 1600000000000, f"creationDate {k['creationDate']!r} (ms)")
    return {"listed": len(lst)}


def key_state(kid):
    lst, r = list_keys()
    for k in lst:
        if isinstance(k, dict) and k.get("keyid") == kid:
            return k.get("keyState")
    raise Fail(f"ListKey does not list {kid}", r)


@case("DisableKey: Encrypt fails and ListKey shows keyState 0")
def _():
    kid = key("EH_AES_GCM_128", ENC, fresh=True)
    ok(C.post("Encrypt", od(("aad", b64("a")), ("keyid", kid), ("plaintext", b64("before")))), "Encrypt before DisableKey")
    ok(C.post("DisableKey", od(("keyid", kid))), "DisableKey")
    r = not_ok(C.post("Encrypt", od(("aad", b64("a")), ("keyid", kid), ("plaintext", b64("disabled")))), "Encrypt with a disabled key")
    check(key_state(kid) == 0, "keyState after DisableKey should be 0")
    KEYS["disabled"] = kid
    return r


@case("EnableKey: Encrypt works again and ListKey shows keyState 1")
def _():
    kid = KEYS.get("disabled")
    if not kid:
        kid = key("EH_AES_GCM_128", ENC, fresh=True)
        ok(C.post("DisableKey", od(("keyid", kid))), "DisableKey")
    ok(C.post("EnableKey", od(("keyid", kid))), "EnableKey")
    r = C.post("Encrypt", od(("aad", b64("a")), ("keyid", kid), ("plaintext", b64("enabled"))))
    ct = ok(r, "Encrypt after EnableKey")["ciphertext"]
    r = C.post("Decrypt", od(("aad", b64("a")), ("keyid", kid), ("ciphertext", ct)))
    check(same(ok(r, "Decrypt after EnableKey").get("plaintext"), b"enabled"), "Decrypt after EnableKey", r)
    check(key_state(kid) == 1, "keyState after EnableKey should be 1")


@case("DeleteKey: the key leaves ListKey and cannot be used")
def _():
    kid = key("EH_AES_GCM_256", ENC, fresh=True)
    ok(C.post("DeleteKey", od(("keyid", kid))), "DeleteKey")
    lst, r = list_keys()
    check(all(k.get("keyid") != kid for k in lst if isinstance(k, dict)), "ListKey still lists the deleted key", r)
    return not_ok(C.post("Encrypt", od(("aad", b64("a")), ("keyid", kid), ("plaintext", b64("gone")))), "Encrypt with a deleted key")


@case("DeleteALLKey empties ListKey (a freshly enrolled appid)")
def _():
    r = C.get("Enroll")
    res = ok(r, "Enroll")
    who = (res["appid"], res["apikey"])
    for spec in ("EH_AES_GCM_128", "EH_EC_P256"):
        ok(C.post("CreateKey", create_payload(spec), who=who), f"CreateKey {spec}")
    lst, r = list_keys(who)
    check(len(lst) == 2, "ListKey should show the 2 keys", r)
    ok(C.post("DeleteALLKey", who=who), "DeleteALLKey")
    lst, r = list_keys(who)
    check(lst == [], "ListKey after DeleteALLKey should be empty", r)
    # The other appid's keys are untouched.
    lst, r = list_keys()
    check(len(lst) > 0, "DeleteALLKey of one appid must not delete another's keys", r)


# ---- remote attestation ----------------------------------------------------------------------


@case("GenerateQuote without SGX: failure code with a message")
def _():
    return not_ok(C.post("GenerateQuote", od(("challenge", "Y2hhbGxlbmdl"))), "GenerateQuote")


POLICY = {}


@case("UploadQuotePolicy then GetQuotePolicy round-trips mr_enclave/mr_signer")
def _():
    mre, mrs = secrets.token_hex(32), secrets.token_hex(32)
    r = C.post("UploadQuotePolicy", od(("mr_enclave", mre), ("mr_signer", mrs)))
    pid = field(ok(r, "UploadQuotePolicy"), "policyId", str, "UploadQuotePolicy", r)
    POLICY["id"] = pid
    r = C.post("GetQuotePolicy", od(("policyId", pid)))
    res = ok(r, "GetQuotePolicy")
    check(res.get("policyId") == pid and res.get("mr_enclave") == mre and res.get("mr_signer") == mrs, "GetQuotePolicy should return the uploaded policy", r)
    return {"policyId": pid}


@case("VerifyQuote without SGX: failure code with a message")
def _():
    pid = POLICY.get("id", "326f2049-56ab-474f-a1c0-516de2300000")
    quote = b64(b"\x03\x00\x02\x00" + secrets.token_bytes(600))
    return not_ok(C.post("VerifyQuote", od(("quote", quote), ("nonce", "bm9uY2U="), ("policyId", pid))), "VerifyQuote")


# ---- secrets ---------------------------------------------------------------------------------

SECRET = {}


def secret_name(tag):
    return f"secretName{tag}{secrets.token_hex(4)}"


def get_secret(name, version=None):
    p = od(("secretName", name))
    if version is not None:
        p["versionId"] = version
    r = C.post("GetSecretValue", p)
    return ok(r, f"GetSecretValue {name} v{version}"), r


def main_secret():
    """secretName01 of the samples: created with every field, then a second version put."""
    if "name" in SECRET:
        return SECRET["name"]
    name = secret_name("01")
    kid = key("EH_AES_GCM_256", ENC)
    r = C.post("CreateSecret", od(("description", "desc01"), ("encryptionKeyId", kid), ("rotationInterval", "30h"), ("secretData", "secretData01"), ("secretName", name)))
    ok(r, "CreateSecret")
    SECRET["name"] = name
    return name


@case("CreateSecret (description, encryptionKeyId, rotationInterval, secretData, secretName) then GetSecretValue")
def _():
    name = main_secret()
    res, r = get_secret(name)
    check(res.get("secretName") == name and res.get("secretData") == "secretData01" and res.get("versionId") == 1, "GetSecretValue of the new secret", r)
    check(isinstance(res.get("createTime"), int), "GetSecretValue createTime (ms)", r)


@case("CreateSecret with only secretName and secretData")
def _():
    name = secret_name("min")
    ok(C.post("CreateSecret", od(("secretData", "minimal data"), ("secretName", name))), "CreateSecret")
    res, r = get_secret(name)
    check(res.get("secretData") == "minimal data" and res.get("versionId") == 1, "GetSecretValue", r)
    r = C.post("DescribeSecret", od(("secretName", name)))
    res = ok(r, "DescribeSecret")
    check(res.get("rotationInterval") == "30d", "default rotationInterval should be 30d", r)


@case("UpdateSecretDesc then DescribeSecret shows the new description")
def _():
    name = main_secret()
    ok(C.post("UpdateSecretDesc", od(("description", "newDesc"), ("secretName", name))), "UpdateSecretDesc")
    r = C.post("DescribeSecret", od(("secretName", name)))
    check(ok(r, "DescribeSecret").get("description") == "newDesc", "description after UpdateSecretDesc", r)


@case("PutSecretValue adds version 2; GetSecretValue by versionId and latest")
def _():
    name = main_secret()
    if not SECRET.get("v2"):
        ok(C.post("PutSecretValue", od(("secretData", "secretData02"), ("secretName", name))), "PutSecretValue")
        SECRET["v2"] = True
    res, r = get_secret(name)
    check(res.get("secretData") == "secretData02" and res.get("versionId") == 2, "latest version should be 2", r)
    res, r = get_secret(name, 1)
    check(res.get("secretData") == "secretData01" and res.get("versionId") == 1, "versionId 1", r)
    res, r = get_secret(name, 2)
    check(res.get("secretData") == "secretData02" and res.get("versionId") == 2, "versionId 2", r)


@case("ListSecretVersionIds lists both versions")
def _():
    name = main_secret()
    if not SECRET.get("v2"):
        ok(C.post("PutSecretValue", od(("secretData", "secretData02"), ("secretName", name))), "PutSecretValue")
        SECRET["v2"] = True
    r = C.post("ListSecretVersionIds", od(("secretName", name)))
    res = ok(r, "ListSecretVersionIds")
    check(res.get("secretName") == name and res.get("totalCount") == 2, "secretName and totalCount 2", r)
    v = res.get("versionIds")
    check(isinstance(v, list) and sorted(x.get("versionId") for x in v) == [1, 2] and all(isinstance(x.get("createTime"), int) for x in v), "versionIds [{versionId, createTime}] for 1 and 2", r)


@case("ListSecrets with and without secretName")
def _():
    name = main_secret()
    r = C.post("ListSecrets", od(("secretName", name)))
    res = ok(r, "ListSecrets {secretName}")
    lst = res.get("secretList")
    check(res.get("totalCount") == 1 and isinstance(lst, list) and len(lst) == 1 and lst[0].get("secretName") == name, "ListSecrets by name: one entry", r)
    check("description" in lst[0] and isinstance(lst[0].get("createTime"), int), "entry has description and createTime", r)
    r = C.post("ListSecrets", od())
    res = ok(r, "ListSecrets {}")
    lst = res.get("secretList")
    check(isinstance(lst, list) and any(s.get("secretName") == name for s in lst) and res.get("totalCount") == len(lst), "ListSecrets lists the secret", r)


@case("DescribeSecret metadata (rotationInterval 30h, nextRotationDate = createTime + 30h)")
def _():
    name = main_secret()
    r = C.post("DescribeSecret", od(("secretName", name)))
    res = ok(r, "DescribeSecret")
    for f in ("secretName", "description", "createTime", "rotationInterval", "lastRotationDate", "nextRotationDate"):
        check(f in res, f"DescribeSecret should have {f}", r)
    check(res["secretName"] == name and res["rotationInterval"] == "30h", "secretName and rotationInterval", r)
    check(isinstance(res["createTime"], int) and isinstance(res["nextRotationDate"], int), "createTime and nextRotationDate in ms", r)
    check(abs(res["nextRotationDate"] - res["createTime"] - 30 * 3600 * 1000) < 60000, "nextRotationDate should be createTime + 30h", r)


@case("DeleteSecret with recoveryPeriod schedules deletion; RestoreSecret brings it back")
def _():
    name = secret_name("del")
    ok(C.post("CreateSecret", od(("secretData", "to restore"), ("secretName", name))), "CreateSecret")
    ok(C.post("DeleteSecret", od(("secretName", name), ("recoveryPeriod", 50))), "DeleteSecret {secretName, recoveryPeriod: 50}")
    r = C.post("DescribeSecret", od(("secretName", name)))
    res = ok(r, "DescribeSecret of a secret pending deletion")
    pdt = res.get("plannedDeleteTime")
    now = int(time.time() * 1000)
    check(isinstance(pdt, int) and abs(pdt - (now + 50 * 86400000)) < 3600000, "plannedDeleteTime should be about now + 50 days", r)
    ok(C.post("RestoreSecret", od(("secretName", name))), "RestoreSecret")
    res, r = get_secret(name)
    check(res.get("secretData") == "to restore", "GetSecretValue after RestoreSecret", r)


@case("DeleteSecret without recoveryPeriod schedules deletion in 30 days")
def _():
    name = secret_name("def")
    ok(C.post("CreateSecret", od(("secretData", "default period"), ("secretName", name))), "CreateSecret")
    ok(C.post("DeleteSecret", od(("secretName", name))), "DeleteSecret {secretName}")
    r = C.post("DescribeSecret", od(("secretName", name)))
    pdt = ok(r, "DescribeSecret").get("plannedDeleteTime")
    check(isinstance(pdt, int) and abs(pdt - (int(time.time() * 1000) + 30 * 86400000)) < 3600000, "plannedDeleteTime should be about now + 30 days", r)


@case("DeleteSecret forceDelete true: the secret is gone and cannot be restored")
def _():
    name = secret_name("force")
    ok(C.post("CreateSecret", od(("secretData", "forced"), ("secretName", name))), "CreateSecret")
    ok(C.post("DeleteSecret", od(("secretName", name), ("forceDelete", "true"))), "DeleteSecret {secretName, forceDelete: true}")
    not_ok(C.post("GetSecretValue", od(("secretName", name))), "GetSecretValue of a force-deleted secret")
    # The document does not say how DescribeSecret answers for a secret that does not exist: a failure
    # code, or success with no metadata of it.
    r = C.post("DescribeSecret", od(("secretName", name)))
    check(r.get("code") != 200 or not (r.get("result") or {}).get("secretName"), "DescribeSecret of a force-deleted secret should fail or describe nothing", r)
    not_ok(C.post("RestoreSecret", od(("secretName", name))), "RestoreSecret of a force-deleted secret")
    r = C.post("ListSecrets", od(("secretName", name)))
    res = ok(r, "ListSecrets")
    check(res.get("totalCount") == 0 and res.get("secretList") == [], "ListSecrets should not list a force-deleted secret", r)


# --------------------------------------------------------------------------------------------


def main():
    global ARGS, C
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--appid")
    ap.add_argument("--apikey")
    ap.add_argument("--backend", choices=["soft", "pkcs11"], default="soft")
    ap.add_argument("--only", help="run only cases whose name contains this (debugging)")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    ARGS = ap.parse_args()
    if ARGS.list:
        print(json.dumps([n for n, _ in CASES]))
        return
    C = Client(ARGS.base)
    C.appid, C.apikey = ARGS.appid, ARGS.apikey
    out = []
    try:
        for name, fn in CASES:
            if ARGS.only and ARGS.only not in name and name != "Enroll":
                continue
            C.last = None
            t0 = time.time()
            try:
                if not C.appid and name != "GetVersion" and name != "Enroll":
                    raise Fail("no appid/apikey (Enroll failed and none given)")
                detail = fn()
                out.append({"name": name, "ok": True, "detail": detail if detail is not None else "ok"})
            except Refused as e:
                out.append({"name": name, "ok": True, "detail": e.detail})
            except Fail as e:
                d = {"error": str(e)}
                if e.reply is not None:
                    d["reply"] = e.reply
                elif C.last is not None:
                    d["last"] = C.last
                out.append({"name": name, "ok": False, "detail": d})
            except Exception as e:  # a client-side crash is a failed case too
                out.append({"name": name, "ok": False, "detail": {"error": f"{type(e).__name__}: {e}", "last": C.last, "trace": traceback.format_exc()[-1500:]}})
            print(f"{'ok  ' if out[-1]['ok'] else 'FAIL'} {time.time() - t0:6.2f}s {name}", file=sys.stderr)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
