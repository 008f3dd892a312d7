"""A resident of 千代田区 with a My Number card, a registered seal and 課税 figures, ready for a kiosk."""

from __future__ import annotations

from dataclasses import dataclass

from renkei.certificates import service as certificates
from renkei.protocol.jpki import Basic4, CardApplication, IdentityCheck, JpkiClient
from renkei.residents import service as residents
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, populate

AUTH_PIN = "4321"


@dataclass(frozen=True)
class Holder:
    resident_id: int
    card_number: str
    check: IdentityCheck


def card_holder(runtime: Runtime, *, seal: bool = True, tax: bool = True) -> Holder:
    people = populate(runtime)
    resident_id = people["太郎"][0]
    runtime.mount_municipality(CITY_A)
    with runtime.municipal_session(CITY_A) as session:
        resident = residents.get_resident(session, resident_id=resident_id)
        if seal:
            residents.register_seal(session, resident_id=resident_id, impression="山田")
        if tax:
            certificates.load_tax(
                session,
                data=f"宛名番号,年度,総所得金額等,市町村民税額,道府県民税額\n{resident.atena_number},2025,3200000,123400,82300\n".encode(),
            )
    basic4 = Basic4(
        name=resident.name, address=resident.address, birth_date=resident.birth_date, sex=resident.sex
    )
    check = IdentityCheck(
        lg_code=CITY_A, resident_id=resident_id, registered=basic4, identity_document="運転免許証"
    )
    issued = JpkiClient(runtime.transport).issue_card(
        CardApplication(check=check, declared=basic4, auth_pin=AUTH_PIN, want_sign=False)
    )
    return Holder(resident_id, issued.card_number, check)
