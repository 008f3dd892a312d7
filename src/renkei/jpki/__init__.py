"""公的個人認証サービス: CA keys, certificate profiles, cards with PINs, revocation, CRL and OCSP."""
