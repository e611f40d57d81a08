"""The ledger's rubrics on synthetic numbers: every outcome each can return, and the sensitivity it reports."""

from __future__ import annotations

import pytest

from vaelib import rubrics as R


def iv(est, lo, hi):
    return R.Interval(est, lo, hi, "test")


@pytest.mark.parametrize(
    ("interval", "side", "outcome", "lean"),
    [
        (iv(0.7, 0.6, 0.8), "above", "confirmed", ""),
        (iv(0.3, 0.2, 0.4), "above", "contradicted", ""),
        (iv(0.52, 0.45, 0.6), "above", "inconclusive", "leans confirmed"),
        (iv(0.48, 0.4, 0.55), "above", "inconclusive", "leans contradicted"),
        (iv(0.3, 0.2, 0.4), "below", "confirmed", ""),
        (iv(0.7, 0.6, 0.8), "below", "contradicted", ""),
        (iv(0.48, 0.4, 0.55), "below", "inconclusive", "leans confirmed"),
    ],
)
def test_a_threshold_verdict_follows_the_whole_interval(interval, side, outcome, lean):
    v = R.threshold(interval, 0.5, side)
    assert (v.outcome, v.lean) == (outcome, lean)
    assert v.interval.startswith(f"{interval.estimate:.3g} (")


def test_a_margin_inside_the_noise_is_inconclusive_not_a_contradiction():
    # 20.2% against a 20% cut with a spread of a few tenths of a percent over 3 training seeds
    v = R.threshold(R.seeds([0.2005, 0.2021, 0.2035]), 0.2, "below")
    assert v.outcome == "inconclusive" and v.lean == "leans contradicted"
    assert "confirmed for cuts above" in v.sensitivity and "contradicted below" in v.sensitivity


def test_sensitivity_gives_the_cuts_over_which_the_verdict_holds():
    assert R.threshold(iv(0.7, 0.6, 0.8), 0.5, "above").sensitivity == "confirmed for any cut below 0.6"
    assert R.threshold(iv(0.3, 0.2, 0.4), 0.5, "above").sensitivity == "contradicted for any cut above 0.4"


def test_wilson_interval_of_a_share():
    s = R.share(0.46, 1000)
    assert 0.42 < s.lo < 0.43 and 0.49 < s.hi < 0.50
    assert R.share(0.0, 30).lo == 0.0 and R.share(1.0, 30).hi == 1.0
    with pytest.raises(ValueError):
        R.share(0.5, 0)


def test_seeds_gives_a_prediction_interval_and_a_family_spread_for_one_run():
    p = R.seeds([1.0, 1.1, 0.9])
    assert p.estimate == pytest.approx(1.0) and p.lo < 0.6 and p.hi > 1.4  # t(2) = 4.30, sd 0.1, sqrt(4/3)
    one = R.seeds([200.0], rel_floor=0.01)
    assert one.lo == pytest.approx(200 - 1.96 * 2) and "related setting" in one.source


@pytest.mark.parametrize(("seed", "outcome"), [(0.0356, "confirmed"), (0.0330, "contradicted")])
def test_a_number_matches_inside_the_prediction_interval_with_rounding(seed, outcome):
    assert R.matches_number(R.seeds([0.0352, 0.0355, 0.0358]), seed, 4).outcome == outcome


def test_a_range_claim_straddling_an_edge_is_inconclusive():
    assert R.within_range(iv(0.13, 0.12, 0.14), 0.1, 0.2).outcome == "confirmed"
    assert R.within_range(iv(0.03, 0.02, 0.035), 0.04, 0.08).outcome == "contradicted"
    v = R.within_range(iv(0.19, 0.17, 0.22), 0.1, 0.2)
    assert v.outcome == "inconclusive" and v.lean == "leans confirmed"


def test_recognisable_is_relative_to_real_images():
    real = R.share(0.93, 2000)
    assert R.recognisable(R.share(0.76, 2000), real, 0.5).outcome == "confirmed"  # most, relative to real
    assert R.recognisable(R.share(0.76, 2000), real, 0.9).outcome == "contradicted"  # not 'realistic'
    v = R.recognisable(R.share(0.46, 200), R.share(0.92, 2000), 0.5)
    assert v.outcome == "inconclusive"


def test_close_to_standard_normal_over_training_seeds():
    good, bad = (0.1, 0.9, 1.1), (0.84, 0.74, 1.1)
    assert R.close_to_standard_normal([good, good, good]).outcome == "confirmed"
    assert R.close_to_standard_normal([bad, bad]).outcome == "contradicted"
    v = R.close_to_standard_normal([good, good, bad])
    assert v.outcome == "inconclusive" and v.lean == "leans confirmed"


@pytest.mark.parametrize(
    ("active", "kl", "claim", "outcome"),
    [
        (0, 1e-7, True, "confirmed"),
        (2, 8.0, True, "contradicted"),
        (2, 8.0, False, "confirmed"),
        (0, 0.5, True, "inconclusive"),
    ],  # fmt: skip
)
def test_collapse(active, kl, claim, outcome):
    assert R.collapsed(active, kl, claim).outcome == outcome


def test_a_compound_needs_every_part():
    yes, no = R.threshold(iv(0.7, 0.6, 0.8), 0.5, "above"), R.threshold(iv(0.3, 0.2, 0.4), 0.5, "above")
    maybe = R.threshold(iv(0.52, 0.45, 0.6), 0.5, "above")
    assert R.all_of(yes, yes).outcome == "confirmed"
    assert R.all_of(yes, no).outcome == "contradicted"
    assert R.all_of(yes, maybe).outcome == "inconclusive" and R.all_of(yes, maybe).lean == "leans confirmed"


def test_an_ordering_in_the_seeds_direction_inside_the_noise_is_inconclusive():
    # sharpness 0.207 -> 0.199 with a standard deviation of 0.009 over 3 training seeds
    d = R.difference(0.199, 0.009 / 3**0.5, 0.207, 0.009 / 3**0.5, "3 training seeds")
    v = R.threshold(d, 0.0, "below")
    assert v.outcome == "inconclusive" and v.lean == "leans confirmed"


def test_majority_over_seeds():
    assert R.majority_of([True, True, True], "a fan").outcome == "confirmed"
    assert R.majority_of([False, True, False], "a fan").lean == "leans contradicted"


def test_unknown_outcomes_are_refused_and_every_rubric_states_its_reason():
    with pytest.raises(ValueError):
        R.Verdict("probably", "")
    assert all(r.test and r.thresholds and r.reason for r in R.RUBRICS.values())


def test_recognisable_without_a_reference_is_not_measured():
    assert R.recognisable(R.share(0.3, 100), R.share(0.0, 100), 0.5).outcome == "not measured"


def test_a_small_offset_that_still_tells_the_conditions_apart_is_inconclusive():
    # ours 209.33 (3 seeds, tight) against the seed's 209.47 at beta 0.1; its beta 0.5 and 1 give 209.79 and 210.55
    ours = R.seeds([209.32, 209.33, 209.34])
    assert R.matches_number(ours, 209.47, 2).outcome == "contradicted"
    v = R.matches_number(ours, 209.47, 2, others=[209.79, 210.55])
    assert v.outcome == "inconclusive" and v.lean == "leans contradicted"
    assert R.matches_number(ours, 209.47, 2, others=[209.40]).outcome == "contradicted"  # nearer another condition


def test_a_borrowed_spread_does_not_settle_a_near_miss():
    one = R.seeds([247.19], rel_floor=0.001)  # half-width about 0.48
    assert R.matches_number(one, 247.77, 2).outcome == "inconclusive"
    assert R.matches_number(R.seeds([0.25], rel_floor=0.05), 1.55, 2).outcome == "contradicted"  # a factor of six


def test_how_many_writes_counts_as_prose_not_k_of_n():
    assert R.how_many(0, 2) == "neither training seed"
    assert R.how_many(2, 2) == "both training seeds"
    assert R.how_many(0, 3) == "no training seed"
    assert R.how_many(3, 3) == "all three training seeds"
    assert R.how_many(1, 3) == "one of the three training seeds"
    assert "0 of" not in R.majority_of([False, False], "collapsed").value
