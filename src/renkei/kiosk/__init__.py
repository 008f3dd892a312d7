"""コンビニ交付: the kiosk terminal and 証明書交付センター (J-LIS), a national service that talks only over protocol.

The kiosk reads the card (利用者証明用 certificate, PIN checked on the card), the center checks the certificate by
OCSP and the login signature at jpki, finds the municipality, and asks its 証明書発行サーバ. Decision 0086.
"""
