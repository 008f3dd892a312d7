"""被災者支援 (the 被災者支援システム of 西宮市, supported by J-LIS): 被災者台帳, 被災住家等台帳, shelters, relief, housing.

A municipal component: it reads the resident register through `renkei.residents.service` and never sees the
My Number or the 住民票コード (decision 0084).
"""
