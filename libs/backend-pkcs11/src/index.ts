/** The PKCS#11 backend (pkcs11js, SoftHSM2 in CI) arrives with its own issue. */
export {};
