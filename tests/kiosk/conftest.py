"""コンビニ交付 tests reuse jpki's pool of RSA keys so a card costs no key generation."""

from tests.jpki.conftest import pooled_rsa_keys, rsa_pool

__all__ = ["pooled_rsa_keys", "rsa_pool"]
