"""Drives hvac's transit engine (and its health and lookup-self calls) against the gateway and
prints one JSON object: for every step its answer as hvac returns it ({"ok": ...}) or the exception
hvac raised ({"error": class name, "errors": [...]}). test/vault/hvac.e2e.ts asserts on it.

Run with Debian's /usr/bin/python3 (python3-hvac 0.11.2). Usage: hvac_client.py BASE_URL TOKEN
The script asserts nothing itself and runs every step on every backend: the jest suite says what
each backend must answer.
"""
import base64
import json
import sys

import hvac
import requests
from hvac import exceptions

base, token = sys.argv[1:3]
client = hvac.Client(url=base, token=token)
transit = client.secrets.transit
out = {}


def b64(value):
    return base64.b64encode(value.encode() if isinstance(value, str) else value).decode()


def plain(result):
    # hvac's JSON adapter answers a 204 (or a HEAD) with the requests response itself.
    if isinstance(result, requests.Response):
        return {"status": result.status_code, "body": result.text}
    return result


class Missing(Exception):
    """A step needs the answer of an earlier one, which failed."""


def step(name, call):
    try:
        out[name] = {"ok": plain(call())}
    except exceptions.VaultError as err:
        # errors is None when the body has no "errors" (a batch whose every item failed): the text then.
        out[name] = {"error": type(err).__name__, "errors": err.errors if err.errors is not None else [err.args[0]]}
    except Missing as err:
        out[name] = {"error": "Missing", "errors": [str(err)]}
    return out[name].get("ok")


def data(name, field):
    answer = out[name].get("ok")
    if answer is None:
        raise Missing(name)
    return answer["data"][field]


# Probes hvac users make first.
step("health_head", lambda: client.sys.read_health_status())
step("health_get", lambda: client.sys.read_health_status(method="GET"))
step("lookup_self", lambda: client.auth.token.lookup_self())

# Keys of every type hvac knows; hvac 0.11.2's create_key has no "hmac" in its allowed types,
# so the hmac key goes through hvac's own adapter with the body Vault documents.
for key_type in ["aes256-gcm96", "chacha20-poly1305", "ecdsa-p256", "ed25519", "rsa-2048"]:
    step("create_" + key_type, lambda: transit.create_key("hv-" + key_type, key_type=key_type, exportable=key_type == "ecdsa-p256"))
step("create_hmac_typed", lambda: transit.create_key("hv-hmac", key_type="hmac"))
step("create_hmac", lambda: client.adapter.post("/v1/transit/keys/hv-hmac", json={"type": "hmac", "key_size": 64, "exportable": True}))
step("create_derived", lambda: transit.create_key("hv-derived", derived=True))
step("create_convergent", lambda: transit.create_key("hv-conv", derived=True, convergent_encryption=True))
step("create_again", lambda: transit.create_key("hv-aes256-gcm96", key_type="aes256-gcm96"))
for key_type in ["aes256-gcm96", "ecdsa-p256", "ed25519", "rsa-2048", "hmac", "derived", "conv"]:
    step("read_" + key_type, lambda: transit.read_key("hv-" + key_type))
step("read_missing", lambda: transit.read_key("hv-none"))
step("list", lambda: transit.list_keys())

# Encryption: one item, a batch (hvac sends "plaintext": null beside batch_input), RSA-OAEP, ChaCha20.
aes = "hv-aes256-gcm96"
step("encrypt", lambda: transit.encrypt_data(aes, b64("hello hvac")))
step("decrypt", lambda: transit.decrypt_data(aes, data("encrypt", "ciphertext")))
step("encrypt_batch", lambda: transit.encrypt_data(aes, None, batch_input=[{"plaintext": b64("one")}, {"plaintext": b64("two"), "reference": "r2"}]))
step(
    "decrypt_batch",
    lambda: transit.decrypt_data(aes, None, batch_input=[{"ciphertext": item["ciphertext"]} for item in data("encrypt_batch", "batch_results")]),
)
step("encrypt_rsa", lambda: transit.encrypt_data("hv-rsa-2048", b64("to an rsa key")))
step("decrypt_rsa", lambda: transit.decrypt_data("hv-rsa-2048", data("encrypt_rsa", "ciphertext")))
# On a missing key this upserts a ChaCha20 key (refused where the backend has no ChaCha20).
step("encrypt_chacha", lambda: transit.encrypt_data("hv-chacha20-poly1305", b64("chacha"), type="chacha20-poly1305"))
step("decrypt_chacha", lambda: transit.decrypt_data("hv-chacha20-poly1305", data("encrypt_chacha", "ciphertext")))

# Derived and convergent keys: the context in the body, and in every batch item.
ctx = b64("tenant-42")
step("encrypt_derived", lambda: transit.encrypt_data("hv-derived", b64("derived"), context=ctx))
step("decrypt_derived", lambda: transit.decrypt_data("hv-derived", data("encrypt_derived", "ciphertext"), context=ctx))
step("decrypt_derived_other_context", lambda: transit.decrypt_data("hv-derived", data("encrypt_derived", "ciphertext"), context=b64("tenant-43")))
step("encrypt_derived_no_context", lambda: transit.encrypt_data("hv-derived", b64("derived")))
step(
    "encrypt_derived_batch",
    lambda: transit.encrypt_data("hv-derived", None, batch_input=[{"plaintext": b64("a"), "context": b64("c1")}, {"plaintext": b64("b"), "context": b64("c2")}]),
)
step(
    "decrypt_derived_batch",
    lambda: transit.decrypt_data(
        "hv-derived",
        None,
        batch_input=[{"ciphertext": item["ciphertext"], "context": c} for item, c in zip(data("encrypt_derived_batch", "batch_results"), [b64("c1"), b64("c2")])],
    ),
)
step("encrypt_convergent_1", lambda: transit.encrypt_data("hv-conv", b64("same"), context=ctx))
step("encrypt_convergent_2", lambda: transit.encrypt_data("hv-conv", b64("same"), context=ctx))
step("decrypt_convergent", lambda: transit.decrypt_data("hv-conv", data("encrypt_convergent_1", "ciphertext"), context=ctx))

# Data keys, for the AES key and the derived one.
step("datakey_plaintext", lambda: transit.generate_data_key(aes, key_type="plaintext"))
step("datakey_unwrap", lambda: transit.decrypt_data(aes, data("datakey_plaintext", "ciphertext")))
step("datakey_wrapped_512", lambda: transit.generate_data_key(aes, key_type="wrapped", bits=512))
step("datakey_wrapped_unwrap", lambda: transit.decrypt_data(aes, data("datakey_wrapped_512", "ciphertext")))
step("datakey_derived", lambda: transit.generate_data_key("hv-derived", key_type="plaintext", bits=128, context=ctx))

# Versions: rotate, rewrap, the minimum versions (hvac itself wants min_encryption_version above
# min_decryption_version), exportable through config, trim.
step("rotate", lambda: transit.rotate_key(aes))
step("rotate_again", lambda: transit.rotate_key(aes))
step("rewrap", lambda: transit.rewrap_data(aes, data("encrypt", "ciphertext")))
step("decrypt_rewrapped", lambda: transit.decrypt_data(aes, data("rewrap", "ciphertext")))
step("config_versions_client_check", lambda: transit.update_key_configuration(aes, min_decryption_version=2, min_encryption_version=2))
step("config_versions", lambda: transit.update_key_configuration(aes, min_decryption_version=2, min_encryption_version=3))
step("decrypt_too_old", lambda: transit.decrypt_data(aes, data("encrypt", "ciphertext")))
step("trim", lambda: transit.trim_key(aes, min_version=2))
step("config_exportable", lambda: transit.update_key_configuration(aes, exportable=True))
step("rotate_exportable", lambda: transit.rotate_key(aes))
step("encrypt_latest", lambda: transit.encrypt_data(aes, b64("under the latest")))
step("read_after_config", lambda: transit.read_key(aes))
step("export_encryption_latest", lambda: transit.export_key(aes, key_type="encryption-key", version="latest"))

# Signatures, verified here through hvac and in the jest suite against the public keys.
message = b64("a message hvac signs")
signatures = {
    "ecdsa_sha2-256_asn1": ("hv-ecdsa-p256", {"hash_algorithm": "sha2-256"}),
    "ecdsa_sha2-384_jws": ("hv-ecdsa-p256", {"hash_algorithm": "sha2-384", "marshaling_algorithm": "jws"}),
    "ecdsa_sha2-512_asn1": ("hv-ecdsa-p256", {"hash_algorithm": "sha2-512", "marshaling_algorithm": "asn1"}),
    "ed25519": ("hv-ed25519", {}),
    "rsa_pss_sha2-256": ("hv-rsa-2048", {"hash_algorithm": "sha2-256", "signature_algorithm": "pss"}),
    "rsa_pkcs1v15_sha2-512": ("hv-rsa-2048", {"hash_algorithm": "sha2-512", "signature_algorithm": "pkcs1v15"}),
    "rsa_pkcs1v15_sha2-224_jws": ("hv-rsa-2048", {"hash_algorithm": "sha2-224", "signature_algorithm": "pkcs1v15", "marshaling_algorithm": "jws"}),
}
for label, (name, options) in signatures.items():
    signed = step("sign_" + label, lambda: transit.sign_data(name, message, **options))
    if signed:
        signature = signed["data"]["signature"]
        step("verify_" + label, lambda: transit.verify_signed_data(name, message, signature=signature, **options))
        step("verify_other_" + label, lambda: transit.verify_signed_data(name, b64("another message"), signature=signature, **options))

# HMAC: an hmac key (exported for the local check), and an AES key through its HMAC subkey.
hmacs = {}
for algorithm in ["sha2-256", "sha2-384", "sha2-512"]:
    made = step("hmac_" + algorithm, lambda: transit.generate_hmac("hv-hmac", message, algorithm=algorithm))
    if made:
        mac = made["data"]["hmac"]
        step("hmac_verify_" + algorithm, lambda: transit.verify_signed_data("hv-hmac", message, hmac=mac, hash_algorithm=algorithm))
        step("hmac_verify_other_" + algorithm, lambda: transit.verify_signed_data("hv-hmac", b64("another"), hmac=mac, hash_algorithm=algorithm))
step("export_hmac_key", lambda: transit.export_key("hv-hmac", key_type="hmac-key"))
step("hmac_aes", lambda: transit.generate_hmac(aes, message))

# Exports: the ECDSA key made exportable, a key that is not.
step("export_signing_ecdsa", lambda: transit.export_key("hv-ecdsa-p256", key_type="signing-key", version="1"))
step("export_not_exportable", lambda: transit.export_key("hv-ed25519", key_type="signing-key"))

# Utilities.
step("random_default", lambda: transit.generate_random_bytes())
step("random_hex", lambda: transit.generate_random_bytes(n_bytes=16, output_format="hex"))
step("hash_default", lambda: transit.hash_data(message))
step("hash_sha2-512_base64", lambda: transit.hash_data(message, algorithm="sha2-512", output_format="base64"))

# Deletion: refused until deletion_allowed, then gone from read and list.
step("delete_refused", lambda: transit.delete_key("hv-ed25519"))
step("config_deletion", lambda: transit.update_key_configuration("hv-ed25519", deletion_allowed=True))
step("delete", lambda: transit.delete_key("hv-ed25519"))
step("read_deleted", lambda: transit.read_key("hv-ed25519"))
step("list_after_delete", lambda: transit.list_keys())

print(json.dumps(out))
