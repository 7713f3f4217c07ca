"""The verdict's precedence and levels (portal.domain.verdict), one owner for every surface."""

import pytest

from portal.domain.names import NameMatch
from portal.domain.status import PublicStatus
from portal.domain.verdict import Level, Reason, decide


def test_a_valid_certificate_with_nothing_against_it_is_ok():
    verdict = decide(status=PublicStatus.VALID, name=NameMatch.MATCH, copy_current=True)
    assert (verdict.level, verdict.reasons, verdict.headline) == (Level.OK, (), None)


@pytest.mark.parametrize("status", [s for s in PublicStatus if s is not PublicStatus.VALID])
def test_a_matching_name_never_outweighs_a_certificate_not_in_force(status):
    verdict = decide(status=status, name=NameMatch.MATCH)
    assert verdict.level is Level.REJECT and verdict.headline == Reason(status.value)
    assert verdict.name_matches and not verdict.in_force


def test_reasons_come_in_the_fixed_precedence():
    verdict = decide(status=PublicStatus.SUSPENDED, name=NameMatch.PROBABLE,
                     copy_current=False, counterfeit=True)
    assert verdict.codes == ["counterfeit", "suspended", "copy_superseded", "name_probable"]
    assert verdict.headline is Reason.SUSPENDED  # the rejecting reason leads the caution
    assert decide(status=PublicStatus.VALID, name=NameMatch.NO_MATCH,
                  copy_current=False).codes == ["name_mismatch", "copy_superseded"]


def test_caution_for_a_superseded_paper_or_a_near_name():
    assert decide(status=PublicStatus.VALID, copy_current=False).level is Level.CAUTION
    assert decide(status=PublicStatus.VALID, name=NameMatch.PROBABLE).level is Level.CAUTION
    assert decide(status=PublicStatus.VALID, counterfeit=True).level is Level.CAUTION


def test_an_unknown_number_is_rejected_and_says_why():
    assert decide(status=None).headline is Reason.NOT_FOUND
    assert decide(status=None, other_body=True).headline is Reason.OTHER_BODY
    fake = decide(status=None, counterfeit=True, other_body=True)
    assert fake.level is Level.REJECT and fake.codes == ["counterfeit"]
    assert decide(status=None).codes == []  # told by found: false, not by a reason code
