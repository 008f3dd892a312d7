"""Object identifiers of the JPKI profile (fidelity addendum §5.2) and the RFC 5280 reason codes renkei uses."""

from __future__ import annotations

from enum import IntEnum

JPKI_ARC = "1.2.392.200149.8.5"

# Certificate policies (jsrsasign-oid-jpki): jpki-cp-sign-class20 and jpki-cp-auth-class30.
POLICY_SIGN = f"{JPKI_ARC}.1.1.20"
POLICY_AUTH = f"{JPKI_ARC}.1.3.30"

# 基本4情報 in subjectAltName otherName entries of the 署名用 certificate (personalData arc …8.5.5).
PERSONAL_DATA = f"{JPKI_ARC}.5"  # 1.2.392.200149.8.5.5
NAME = f"{PERSONAL_DATA}.1"
NAME_SUBSTITUTE = f"{PERSONAL_DATA}.2"
GENDER = f"{PERSONAL_DATA}.3"
DATE_OF_BIRTH = f"{PERSONAL_DATA}.4"
ADDRESS = f"{PERSONAL_DATA}.5"
ADDRESS_SUBSTITUTE = f"{PERSONAL_DATA}.6"
# 旧氏 has no public OID in the sources; renkei uses the next free arc (docs/decisions/0061-jpki-certificate-profile.md).
FORMER_SURNAME = f"{PERSONAL_DATA}.7"

PERSONAL_FIELDS = {
    NAME: "name",
    GENDER: "sex",
    DATE_OF_BIRTH: "birth_date",
    ADDRESS: "address",
    FORMER_SURNAME: "former_surname",
}


class Reason(IntEnum):
    """CRLReason, RFC 5280 §5.3.1 (7 is unused)."""

    UNSPECIFIED = 0
    KEY_COMPROMISE = 1
    CA_COMPROMISE = 2
    AFFILIATION_CHANGED = 3
    SUPERSEDED = 4
    CESSATION_OF_OPERATION = 5
    CERTIFICATE_HOLD = 6
    REMOVE_FROM_CRL = 8
    PRIVILEGE_WITHDRAWN = 9
    AA_COMPROMISE = 10

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.UNSPECIFIED: "失効申請（理由指定なし）",
    Reason.KEY_COMPROMISE: "鍵の危殆化（カード紛失の確定など）",
    Reason.CA_COMPROMISE: "認証局の危殆化",
    Reason.AFFILIATION_CHANGED: "基本4情報の変更（異動）",
    Reason.SUPERSEDED: "更新による置換",
    Reason.CESSATION_OF_OPERATION: "利用の終了（死亡・廃止）",
    Reason.CERTIFICATE_HOLD: "一時停止（カード紛失の届出）",
    Reason.REMOVE_FROM_CRL: "一時停止の解除",
    Reason.PRIVILEGE_WITHDRAWN: "職権による失効",
    Reason.AA_COMPROMISE: "属性認証局の危殆化",
}

REASON_NAMES = {reason.name.lower().replace("_", "-"): reason for reason in Reason}
