"""The ledger's rubrics: one named test per kind of claim, with its thresholds and the reason for them, shared by
every claim that uses the same words, and verdicts that carry their uncertainty.

Every threshold verdict compares an interval with its threshold, never a bare number:
  confirmed     the whole interval lies on the claim's side;
  contradicted  the whole interval lies on the other side;
  inconclusive  the interval straddles the threshold (the verdict says which way the estimate leans);
and `sensitivity` gives the thresholds over which the verdict would stay the same. The interval covers the
run-to-run spread where the report trains the setting with several training seeds (a prediction interval for one
more run: the seed's own run is one run), and the evaluation's noise (a Wilson interval for a share, a bootstrap
over images) where only the evaluation varies; each verdict says which.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "OUTCOMES",
    "COUNTED",
    "RUBRICS",
    "Rubric",
    "Verdict",
    "Interval",
    "threshold",
    "share",
    "seeds",
    "within_range",
    "matches_number",
    "recognisable",
    "close_to_standard_normal",
    "collapsed",
    "difference",
    "difference_of",
    "all_of",
    "majority_of",
    "how_many",
]

OUTCOMES = ("confirmed", "contradicted", "inconclusive", "not measured", "not testable")
COUNTED = OUTCOMES  # the five outcomes, in the order the counts show them

Z95 = 1.96  # two-sided 95% normal quantile


@dataclass(frozen=True)
class Rubric:
    """A named test: what it measures, its threshold(s), and why the seeds' words imply them."""

    name: str
    test: str
    thresholds: str
    reason: str


RUBRICS: dict[str, Rubric] = {
    r.name: r
    for r in (
        Rubric(
            "number",
            "our value (over the training seeds where training varies it) against the number the seed quotes",
            "confirmed when the write-up's number lies inside our 95% prediction interval for one run, widened by half a "
            "unit of the write-up's last quoted digit; a miss is inconclusive when our value is still nearer the write-up's "
            "number for this condition than for its others (another epoch or beta), or within three half-widths of a "
            "spread borrowed from a related setting; a range: our interval inside it (contradicted: wholly outside)",
            "the write-up's number is one run, quoted to the digits it writes; a window wider than that, or than the "
            "effect under test, could hardly fail",
        ),
        Rubric(
            "recognisable",
            "share of images the domain classifier recognises (reconstructions: the true class; generated images: "
            "top-1 probability above 0.9), over the same share on real test images",
            "'recognisable', 'most', 'many', 'mostly', 'captures the category': ratio above 0.5; 'realistic', "
            "'high-quality': ratio at least 0.9; 'often' / 'occasionally' unsure (top-1 under 0.5): 20% or more / "
            "under 20%",
            "'most' is a majority (its plain meaning); 'realistic' is about as recognisable as real images, within "
            "the classifier's own error; one cut for 'often' and 'occasionally', which are complements",
        ),
        Rubric(
            "close to N(0, 1)",
            "codes drawn from the posterior of every test image (the aggregate posterior), per active dimension "
            "(std above 0.1), on each training seed",
            "|mean| < 0.5 and 0.5 ≤ std ≤ 1.5 in every active dimension; over several training seeds: all pass "
            "(confirmed), none (contradicted), some (inconclusive)",
            "the seeds write 'mean ≈ 0, std ≈ 1' at integer precision; their failure symptom is 'std ≫ 1'",
        ),
        Rubric(
            "clusters",
            "a 10-NN classifier fitted on training codes, silhouette and class-centroid distances of test codes",
            "'each category its own region': every class's 10-NN recall above 0.5; 'clear / meaningful clustering': "
            "10-NN accuracy above 0.5 and silhouette above 0; 'loose clusters': accuracy above 0.5 and silhouette in "
            "(0, 0.5); 'near each other': within-group over across-group centroid distance below 1",
            "a distinct region means a class is the majority of its own neighbourhood; 'near' is a comparison, so "
            "its cut is a ratio of 1",
        ),
        Rubric(
            "sharpness",
            "mean Laplacian variance of images over that of the real test images (bootstrap over images; training "
            "seeds for comparisons where the report has them)",
            "'blurry', 'loses fine detail': ratio below 0.8; 'sharp': 0.8 or more; 'sharper' / 'more blur': a "
            "difference whose interval lies wholly on one side",
            "one threshold for the pair of words; a comparison needs no threshold, only a sign",
        ),
        Rubric(
            "diverse",
            "the effective number of classes (exp of the entropy of the classifier's labels) of prior samples; for "
            "comparisons the write-up's own metric, mean pairwise L2 of decoded samples, over 20 draws",
            "'diverse', 'variety across categories': at least 5 of 10 effective classes; orderings: differences "
            "whose intervals lie wholly on one side",
            "variety across categories means most categories present",
        ),
        Rubric(
            "collapsed",
            "active units (Var over test images of the posterior mean above 0.01) and test KL in nats per image",
            "collapsed: 0 active units and KL below 0.1 nat; not collapsed: at least one active unit and KL above "
            "0.1 nat",
            "'all inputs map to the same point' is a latent with no active unit; one cut for every use of the word",
        ),
        Rubric(
            "stable training",
            "per-epoch loss curves (over the training seeds where the report has several)",
            "'decreases': last epoch below the first; 'stable': no epoch-to-epoch rise above 1%; 'stabilizes': the "
            "change over the last 5 epochs under 10% of the curve's whole change, with an interval from the curve's "
            "own epoch-to-epoch jitter; 'minor variations between runs' and 'slightly': under 5% (the final losses' "
            "coefficient of variation, or the total change); 'oscillates / does not improve': 3 or more rises in "
            "the last 10 epochs, or a final value more than 1% above the best",
            "'stabilizes' is relative to the curve's own change; 'minor' and 'slightly' allow a few percent (5%)",
        ),
        Rubric(
            "smooth interpolation",
            "decoding straight lines between test codes (or the grid's neighbouring cells): the largest step between "
            "decoded neighbours over the mean step",
            "smooth: under 3",
            "an even path gives 1, a hard switch over 10 steps about 9: 3 is their geometric middle",
        ),
        Rubric(
            "novel",
            "each prior sample's L2 distance to its nearest training image, against the nearest-training distances "
            "of real test images (new images by definition)",
            "novel: at most 5% of samples nearer a training image than the closest 5% of test images are",
            "a new sample should be no nearer a training image than a genuinely new image is",
        ),
        Rubric(
            "comparison",
            "a difference between two settings, with the interval of the difference (training seeds where the report "
            "has them, else the evaluation's noise)",
            "confirmed when the interval lies wholly on the side the write-up states; contradicted when wholly on "
            "the other; else inconclusive. Where the report has one training seed and no noise estimate for the "
            "quantity, the interval has no width and the sign decides: the row says 'no spread measured' (or 'signs "
            "of two changes'), a weaker verdict than one with an interval",
            "an ordering that matches the write-up's but is not significant is not evidence against it",
        ),
    )
}


@dataclass(frozen=True)
class Interval:
    """An estimate with a 95% interval and what the interval covers."""

    estimate: float
    lo: float
    hi: float
    source: str  # e.g. "3 training seeds", "1,000 samples (Wilson)"

    def text(self, fmt: str = "{:.3g}") -> str:
        """'EST (LO to HI, SOURCE)'."""
        return f"{fmt.format(self.estimate)} ({fmt.format(self.lo)} to {fmt.format(self.hi)}, {self.source})"


@dataclass(frozen=True)
class Verdict:
    """An outcome with our value, its interval, which way an inconclusive one leans, and the thresholds over which
    it would stay the same."""

    outcome: str
    value: str
    interval: str = ""
    lean: str = ""  # inconclusive: "leans confirmed" or "leans contradicted"
    sensitivity: str = ""

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}; one of {', '.join(OUTCOMES)}")


def share(p: float, n: int, source: str = "") -> Interval:
    """A proportion `p` of `n` with its 95% Wilson interval."""
    if n <= 0:
        raise ValueError("a share needs n > 0")
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), source or f"{n:,} images, Wilson")


def seeds(values: Sequence[float], rel_floor: float = 0.0) -> Interval:
    """The mean of `values` (one per training seed) with a 95% prediction interval for one more run: mean ± t·sd·
    sqrt(1 + 1/n). With one value, `rel_floor` (a relative spread measured on a related setting) stands in for sd."""
    n = len(values)
    mean = math.fsum(values) / n
    if n >= 2:
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
        t = {2: 12.71, 3: 4.30, 4: 3.18, 5: 2.78}.get(n, 2.0)  # Student's t, 95%, n-1 degrees of freedom
        half = t * sd * math.sqrt(1 + 1 / n)
        return Interval(mean, mean - half, mean + half, f"{n} training seeds")
    half = Z95 * rel_floor * abs(mean)
    source = (
        f"one training seed; spread {100 * rel_floor:.2g}% measured on a related setting" if rel_floor else "one run"
    )
    return Interval(mean, mean - half, mean + half, source)


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def threshold(
    iv: Interval, cut: float, side: Literal["above", "below"], value: str = "", fmt: str = "{:.3g}"
) -> Verdict:
    """The claim holds when the quantity is `side` `cut`: confirmed / contradicted when the whole interval is on
    the claim's / the other side, inconclusive when it straddles the cut."""
    above = side == "above"
    good_lo, good_hi = (iv.lo > cut, iv.hi > cut) if above else (iv.hi < cut, iv.lo < cut)
    if good_lo:  # the whole interval on the claim's side
        outcome, lean = "confirmed", ""
    elif not good_hi:
        outcome, lean = "contradicted", ""
    else:
        outcome = "inconclusive"
        on_side = iv.estimate > cut if above else iv.estimate < cut
        lean = "leans confirmed" if on_side else "leans contradicted"
    f = fmt.format
    ok, bad = ("below", "above") if above else ("above", "below")
    edge_ok, edge_bad = (iv.lo, iv.hi) if above else (iv.hi, iv.lo)
    sensitivity = {
        "confirmed": f"confirmed for any cut {ok} {f(edge_ok)}",
        "contradicted": f"contradicted for any cut {bad} {f(edge_bad)}",
        "inconclusive": f"confirmed for cuts {ok} {f(edge_ok)}, contradicted {bad} {f(edge_bad)}",
    }[outcome]
    return Verdict(outcome, value or f(iv.estimate), iv.text(fmt), lean, sensitivity)


def within_range(iv: Interval, lo: float, hi: float, value: str = "", fmt: str = "{:.3g}") -> Verdict:
    """The claim: the quantity lies in [lo, hi]. Confirmed when our interval is inside, contradicted when wholly
    outside, inconclusive when it straddles an edge."""
    f = fmt.format
    if lo <= iv.lo and iv.hi <= hi:
        outcome, lean = "confirmed", ""
    elif iv.hi < lo or iv.lo > hi:
        outcome, lean = "contradicted", ""
    else:
        outcome = "inconclusive"
        lean = "leans confirmed" if lo <= iv.estimate <= hi else "leans contradicted"
    sensitivity = f"the range {f(lo)} to {f(hi)} against our interval {f(iv.lo)} to {f(iv.hi)}"
    return Verdict(outcome, value or f(iv.estimate), iv.text(fmt), lean, sensitivity)


def matches_number(
    iv: Interval, seed_value: float, decimals: int, fmt: str = "{:.4g}", others: Sequence[float] = ()
) -> Verdict:
    """The seed's number against our prediction interval, widened by half a unit of its last quoted digit.

    A miss is a contradiction only when it tells the seed's conditions apart: when our value lies nearer the seed's
    number for this condition than its numbers for its other conditions (`others`: another epoch, another beta),
    the miss is a small offset, not a different result, and the verdict is inconclusive (leaning contradicted). The
    same when our interval is borrowed from a related setting (one training seed) and the miss is within three of
    its half-widths: a spread measured elsewhere does not settle a near miss."""
    tol = 0.5 * 10.0**-decimals
    lo, hi = iv.lo - tol, iv.hi + tol
    f = fmt.format
    sensitivity = f"the write-up's {seed_value:.{decimals}f} against our {f(lo)} to {f(hi)} (rounding included)"
    if lo <= seed_value <= hi:
        return Verdict("confirmed", f(iv.estimate), iv.text(fmt), "", sensitivity)
    nearest_own = all(abs(iv.estimate - seed_value) < abs(iv.estimate - o) for o in others) if others else False
    half = max((iv.hi - iv.lo) / 2, tol)
    borrowed = "related setting" in iv.source and abs(iv.estimate - seed_value) <= 3 * half + tol
    if nearest_own or borrowed:
        why = (
            "nearer the write-up's number for this condition than for its others"
            if nearest_own
            else "a borrowed spread"
        )
        return Verdict("inconclusive", f(iv.estimate), iv.text(fmt), "leans contradicted", f"{sensitivity}; {why}")
    return Verdict("contradicted", f(iv.estimate), iv.text(fmt), "", sensitivity)


def recognisable(ours: Interval, real: Interval, cut: float, noise: Interval | None = None) -> Verdict:
    """Our recognised share over the real test images' share, against `cut` (0.5 tier A, 0.9 tier B). With `noise`
    (the share of uniform noise the classifier is as sure of, for images without a label to check), a classifier
    that would pass noise by the same cut cannot decide: the verdict is inconclusive, leaning as the test does."""
    if real.estimate == 0:  # a classifier that recognises no real image (a smoke run's) gives no reference
        return Verdict("not measured", f"the classifier recognises none of the real test images ({real.source})")
    hi = ours.hi / real.lo if real.lo > 0 else math.inf
    ratio = Interval(ours.estimate / real.estimate, ours.lo / real.hi, hi, f"{ours.source}; real images {real.source}")
    v = threshold(ratio, cut, "above", fmt="{:.2f}")
    value = f"{ours.estimate:.1%} recognised; real test images {real.estimate:.1%}; ratio {ratio.estimate:.2f}"
    if noise is not None and noise.estimate / real.estimate >= cut:
        lean = v.lean or ("leans confirmed" if v.outcome == "confirmed" else "leans contradicted")
        value += f"; uniform noise {noise.estimate:.1%}: the classifier is as sure of noise, so this test cannot decide"
        return Verdict("inconclusive", value, v.interval, lean, v.sensitivity)
    return Verdict(v.outcome, value, v.interval, v.lean, v.sensitivity)


def close_to_standard_normal(per_seed: Sequence[tuple[float, float, float]]) -> Verdict:
    """Each training seed's (max |mean|, min std, max std) over active dimensions: |mean| < 0.5, std in [0.5, 1.5]."""
    passes = [m < 0.5 and 0.5 <= lo and hi <= 1.5 for m, lo, hi in per_seed]
    n, k = len(passes), sum(passes)
    outcome = "confirmed" if k == n else "contradicted" if k == 0 else "inconclusive"
    lean = "" if outcome != "inconclusive" else ("leans confirmed" if 2 * k > n else "leans contradicted")
    value = "; ".join(f"|mean| ≤ {m:.2f}, std {lo:.2f} to {hi:.2f}" for m, lo, hi in per_seed)
    interval = f"{how_many(k, n)} {'pass' if k > 1 else 'passes'}" if n > 1 else "one training seed"
    worst_m = max(m for m, _, _ in per_seed)
    worst_sd = max(max(abs(1 - lo), abs(hi - 1)) for _, lo, hi in per_seed)
    sensitivity = (
        f"every training seed passes for |mean| cuts above {worst_m:.2f} and std windows wider than 1 ± {worst_sd:.2f}"
    )
    return Verdict(outcome, value, interval, lean, sensitivity)


def collapsed(active_units: int, kl: float, claim: bool = True) -> Verdict:
    """Posterior collapse (claim=True) or its absence (claim=False): 0 active units and KL below 0.1 nat."""
    is_collapsed = active_units == 0 and kl < 0.1
    alive = active_units >= 1 and kl > 0.1
    if is_collapsed or alive:
        outcome = "confirmed" if is_collapsed == claim else "contradicted"
        lean = ""
    else:
        outcome, lean = "inconclusive", "leans " + ("confirmed" if (kl < 0.1) == claim else "contradicted")
    value = f"{active_units} active units, KL {kl:.2g} nats"
    return Verdict(outcome, value, "exact on the test images", lean, f"KL {kl:.2g} against the 0.1-nat cut")


def difference(a: float, a_se: float, b: float, b_se: float, source: str, fmt: str = "{:.3g}") -> Interval:
    """a - b with a 95% interval from the two standard errors."""
    se = math.sqrt(a_se**2 + b_se**2)
    return Interval(a - b, a - b - Z95 * se, a - b + Z95 * se, source)


def difference_of(x: Interval, y: Interval, source: str) -> Interval:
    """x - y for two 95% intervals, each read as estimate ± 1.96 standard errors."""
    return difference(x.estimate, (x.hi - x.lo) / (2 * Z95), y.estimate, (y.hi - y.lo) / (2 * Z95), source)


def all_of(*verdicts: Verdict, value: str = "") -> Verdict:
    """A claim that needs every part: contradicted if any part is, confirmed if all are, else inconclusive."""
    outcomes = [v.outcome for v in verdicts]
    if "contradicted" in outcomes:
        outcome = "contradicted"
    elif all(o == "confirmed" for o in outcomes):
        outcome = "confirmed"
    else:
        outcome = "inconclusive"
    lean = (
        "leans confirmed"
        if outcome == "inconclusive" and all(v.lean != "leans contradicted" for v in verdicts)
        else ("leans contradicted" if outcome == "inconclusive" else "")
    )
    return Verdict(
        outcome,
        value or "; ".join(v.value for v in verdicts),
        "; ".join(v.interval for v in verdicts if v.interval),
        lean,
        "; ".join(v.sensitivity for v in verdicts if v.sensitivity),
    )


NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def how_many(k: int, n: int, noun: str = "training seed") -> str:
    """The count "k of n" as a person writes it: "no training seed", "both training seeds", "two of the three training seeds"."""
    word = NUMBER_WORDS[k] if k < len(NUMBER_WORDS) else str(k)
    total = NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)
    if k == 0:
        return f"neither {noun}" if n == 2 else f"no {noun}"
    if k == n:
        return f"both {noun}s" if n == 2 else f"the {noun}" if n == 1 else f"all {total} {noun}s"
    return f"{word} of the {total} {noun}s"


def majority_of(flags: Sequence[bool], what: str) -> Verdict:
    """A property seen in each training seed or not: all (confirmed), none (contradicted), some (inconclusive)."""
    n, k = len(flags), sum(flags)
    outcome = "confirmed" if k == n else "contradicted" if k == 0 else "inconclusive"
    lean = "" if outcome != "inconclusive" else ("leans confirmed" if 2 * k > n else "leans contradicted")
    return Verdict(outcome, f"{what}: {how_many(k, n)}", f"{n} training seeds", lean, "")
