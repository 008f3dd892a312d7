"""証明書発行サーバ: the municipality's server that answers 証明書交付センター (コンビニ交付) with sealed certificate PDFs.

A municipal component: it reads the register through `renkei.residents.service`, seals each PDF with the
municipality's organisation certificate (PAdES), records every issuance and keeps the fees. Decision 0086.
"""
