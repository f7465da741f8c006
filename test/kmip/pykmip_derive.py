"""Derive Key through PyKMIP (Debian python3-pykmip 0.10.0) against the gateway's KMIP listener, and
one JSON object on stdout: for every step what PyKMIP answered ({"ok": ...}) or the KMIP failure it
raised ({"error": class, "reason": Result Reason, "message": Result Message}). test/kmip/derive.e2e.ts
computes the expected bytes locally and asserts; this script asserts nothing itself.

Run with Debian's /usr/bin/python3. Usage:
  pykmip_derive.py HOST PORT CERT KEY CA VERSION(1.0..1.4|2.0)
Reads three hex lines on stdin: the password, the HMAC base key (32 bytes), the salt.
"""
import binascii
import enum
import json
import sys

from kmip.core import enums
from kmip.pie import exceptions, objects
from kmip.pie.client import ProxyKmipClient

host, port, cert, key, ca, version = sys.argv[1:7]
VERSIONS = {
    "1.0": enums.KMIPVersion.KMIP_1_0,
    "1.1": enums.KMIPVersion.KMIP_1_1,
    "1.2": enums.KMIPVersion.KMIP_1_2,
    "1.3": enums.KMIPVersion.KMIP_1_3,
    "1.4": enums.KMIPVersion.KMIP_1_4,
    "2.0": enums.KMIPVersion.KMIP_2_0,
}
client = ProxyKmipClient(
    hostname=host, port=int(port), cert=cert, key=key, ca=ca,
    ssl_version="PROTOCOL_SSLv23", kmip_version=VERSIONS[version], config_file="/dev/null",
)
out = {}
M = enums.CryptographicUsageMask
D = enums.DerivationMethod
H = enums.HashingAlgorithm
SYM = enums.ObjectType.SYMMETRIC_KEY
AES = enums.CryptographicAlgorithm.AES

password = binascii.unhexlify(sys.stdin.readline().strip())
hmac_base = binascii.unhexlify(sys.stdin.readline().strip())
salt = binascii.unhexlify(sys.stdin.readline().strip())
data = b"derivation data for KMIP"


def plain(value):
    if isinstance(value, (bytes, bytearray)):
        return binascii.hexlify(value).decode()
    if isinstance(value, enum.Enum):
        return value.name
    return value


class Missing(Exception):
    """A step needs the answer of an earlier one, which failed."""


def step(name, call):
    try:
        out[name] = {"ok": plain(call())}
    except exceptions.KmipOperationFailure as err:
        out[name] = {"error": "KmipOperationFailure", "reason": err.reason.name, "message": err.message}
    except Missing as err:
        out[name] = {"error": "Missing", "message": str(err)}
    except Exception as err:  # a client-side failure is an answer too: the suite shows it
        out[name] = {"error": type(err).__name__, "message": str(err)}


def need(name):
    answer = out.get(name, {}).get("ok")
    if answer is None:
        raise Missing("step %s failed" % name)
    return answer


def pbkdf2(hash_algorithm=H.SHA_256, **extra):
    params = {"cryptographic_parameters": {"hashing_algorithm": hash_algorithm}, "salt": salt, "iteration_count": 1000}
    params.update(extra)
    return params


def hmac(hash_algorithm=H.SHA_256):
    return {"cryptographic_parameters": {"hashing_algorithm": hash_algorithm}, "derivation_data": data}


def derive(name, bases, method, params, object_type=SYM, **attributes):
    """Derives from the objects earlier steps named (one step name, or a tuple of them)."""
    names = (bases,) if isinstance(bases, str) else bases
    step(name, lambda: client.derive_key(object_type, [need(b) for b in names], method, params, **attributes))


def derived_bytes(name):
    """Activates the derived object and Gets its bytes."""
    step(name + "_activate", lambda: client.activate(need(name)))
    step(name + "_get", lambda: client.get(need(name)).value)


with client:
    # Bases: a password (Secret Data) and an HMAC key, both exportable with Derive Key; an AES key
    # with Derive Key that is not exportable; an exportable AES key without Derive Key.
    step("password", lambda: client.register(objects.SecretData(password, enums.SecretDataType.PASSWORD, [M.DERIVE_KEY])))
    step("password_activate", lambda: client.activate(need("password")))
    step("hmac_base", lambda: client.register(objects.SymmetricKey(
        enums.CryptographicAlgorithm.HMAC_SHA256, 256, hmac_base, [M.DERIVE_KEY, M.EXPORT])))
    step("hmac_base_activate", lambda: client.activate(need("hmac_base")))
    step("sealed_base", lambda: client.create(AES, 256, cryptographic_usage_mask=[M.ENCRYPT, M.DERIVE_KEY]))
    step("sealed_base_activate", lambda: client.activate(need("sealed_base")))
    step("no_derive_base", lambda: client.create(AES, 128, cryptographic_usage_mask=[M.ENCRYPT, M.EXPORT]))
    step("no_derive_base_activate", lambda: client.activate(need("no_derive_base")))
    # PyKMIP names every Secret Data "Secret Data" unless told: Names are aliases, unique per tenant.
    step("preactive_base", lambda: client.register(objects.SecretData(password, enums.SecretDataType.PASSWORD, [M.DERIVE_KEY], "pre-active")))

    # Derivations whose bytes the suite checks.
    exportable_aes = dict(cryptographic_algorithm=AES, cryptographic_usage_mask=[M.ENCRYPT, M.DECRYPT, M.EXPORT])
    derive("pbkdf2_aes", "password", D.PBKDF2, pbkdf2(), cryptographic_length=256, **exportable_aes)
    derived_bytes("pbkdf2_aes")
    derive("pbkdf2_sha1", "password", D.PBKDF2, pbkdf2(H.SHA_1), cryptographic_length=128, **exportable_aes)
    derived_bytes("pbkdf2_sha1")
    derive("pbkdf2_default_hash", "password", D.PBKDF2, {"salt": salt, "iteration_count": 1000}, cryptographic_length=128, **exportable_aes)
    derived_bytes("pbkdf2_default_hash")
    derive("hmac_aes", "hmac_base", D.HMAC, hmac(), cryptographic_length=128, **exportable_aes)
    derived_bytes("hmac_aes")
    # The base is an HMAC-SHA256 key: its algorithm names the PRF, the Cryptographic Parameters are ignored.
    derive("hmac_ignores_parameters", "hmac_base", D.HMAC, hmac(H.SHA_512), cryptographic_length=128, **exportable_aes)
    derived_bytes("hmac_ignores_parameters")
    derive("hmac_secret", "hmac_base", D.HMAC, hmac(), object_type=enums.ObjectType.SECRET_DATA, cryptographic_length=256)
    derived_bytes("hmac_secret")
    # Secret Data names no PRF: the Hashing Algorithm says which.
    derive("hmac_from_password", "password", D.HMAC, hmac(H.SHA_512), object_type=enums.ObjectType.SECRET_DATA, cryptographic_length=512)
    derived_bytes("hmac_from_password")
    step("hmac_aes_attributes", lambda: (lambda r: {
        a.attribute_name.value: plain(a.attribute_value.value) for a in r[1]
    })(client.get_attributes(need("hmac_aes"), ["Object Type", "Cryptographic Algorithm", "Cryptographic Length", "State"])))
    # A key derived from one that is not exportable: made, but not handed out; and never exportable.
    derive("sealed_derived", "sealed_base", D.HMAC, hmac(), cryptographic_length=256, cryptographic_algorithm=AES,
           cryptographic_usage_mask=[M.ENCRYPT, M.DECRYPT])
    derived_bytes("sealed_derived")
    derive("sealed_exportable", "sealed_base", D.PBKDF2, pbkdf2(), cryptographic_length=256, **exportable_aes)

    # Refusals.
    derive("no_derive_usage", "no_derive_base", D.HMAC, hmac(), cryptographic_length=128, cryptographic_algorithm=AES)
    derive("preactive", "preactive_base", D.PBKDF2, pbkdf2(), cryptographic_length=128, cryptographic_algorithm=AES)
    derive("method_encrypt", "password", D.ENCRYPT, {"derivation_data": data}, cryptographic_length=128, cryptographic_algorithm=AES)
    derive("method_hash", "password", D.HASH, hmac(), cryptographic_length=128, cryptographic_algorithm=AES)
    derive("pbkdf2_no_salt", "password", D.PBKDF2, {"cryptographic_parameters": {"hashing_algorithm": H.SHA_256}, "iteration_count": 1000},
           cryptographic_length=128, cryptographic_algorithm=AES)
    derive("hmac_from_password_no_hash", "password", D.HMAC, {"derivation_data": data}, cryptographic_length=128, cryptographic_algorithm=AES)
    derive("hmac_too_long", "hmac_base", D.HMAC, hmac(), object_type=enums.ObjectType.SECRET_DATA, cryptographic_length=512)
    derive("pbkdf2_md5", "password", D.PBKDF2, pbkdf2(H.MD5), cryptographic_length=128, cryptographic_algorithm=AES)
    derive("hmac_no_data", "hmac_base", D.HMAC, {"cryptographic_parameters": {"hashing_algorithm": H.SHA_256}},
           cryptographic_length=128, cryptographic_algorithm=AES)
    derive("hmac_with_salt", "hmac_base", D.HMAC, dict(hmac(), salt=salt), cryptographic_length=128, cryptographic_algorithm=AES)
    derive("no_length", "password", D.PBKDF2, pbkdf2(), cryptographic_algorithm=AES)
    derive("two_bases", ("password", "hmac_base"), D.HMAC, hmac(),
           cryptographic_length=128, cryptographic_algorithm=AES)
    derive("private_key_target", "password", D.PBKDF2, pbkdf2(), object_type=enums.ObjectType.PRIVATE_KEY, cryptographic_length=128)

print(json.dumps(out))
