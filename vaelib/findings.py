"""Generated findings: the rules that turn notebook 09's tables into verdicts and sentences, so the words on the
sharper-decoders page follow its numbers (and a rule is written once, here, not in a notebook cell)."""

from __future__ import annotations

import pandas as pd

__all__ = [
    "DATASET_WORDS",
    "GOAL_FID_CHANGE",
    "GOAL_SSIM_CHANGE",
    "VARIANT_WORDS",
    "sharpening_goal",
    "sharpening_findings",
]

# The data sets and the variants as sentences name them (the tables keep their short labels).
DATASET_WORDS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
VARIANT_WORDS = {"pixel": "the pixel loss alone", "perceptual": "pixel + perceptual loss",
                 "perceptual+gan": "pixel + perceptual + GAN loss"}  # fmt: skip

# The sharpening goal: perceptual + GAN lowers the reconstruction FID by at least 30% against the pixel loss alone
# while losing at most 0.02 of SSIM.
GOAL_FID_CHANGE = -0.30
GOAL_SSIM_CHANGE = -0.02


def sharpening_goal(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (data set, latent) with both the pixel and the perceptual+gan variant: their reconstruction
    FIDs, the changes in FID, SSIM and sample FID, and whether the goal is met (data sets in table order)."""
    goal = []
    for ds in dict.fromkeys(table["data set"]):
        for z in sorted(set(table.loc[table["data set"] == ds, "latent"])):
            t = table[(table["data set"] == ds) & (table["latent"] == z)].set_index("variant")
            if not {"pixel", "perceptual+gan"} <= set(t.index):
                continue
            base, best = t.loc["pixel"], t.loc["perceptual+gan"]
            change = (best["FID recon"] - base["FID recon"]) / base["FID recon"]
            d_ssim = best["SSIM"] - base["SSIM"]
            goal.append({
                "data set": ds,
                "latent": z,
                "FID recon, pixel": base["FID recon"],
                "FID recon, perceptual+gan": best["FID recon"],
                "FID change": f"{change:+.0%}",
                "SSIM change": d_ssim,
                "FID samples change": f"{(best['FID samples'] - base['FID samples']) / base['FID samples']:+.0%}",
                "goal met": "yes" if change <= GOAL_FID_CHANGE and d_ssim >= GOAL_SSIM_CHANGE else "no",
            })  # fmt: skip
    return pd.DataFrame(goal)


def sharpening_findings(table: pd.DataFrame, goal: pd.DataFrame) -> str:
    """Sentences, built from notebook 09's tables, on what the sharpening variants changed (Markdown bullets)."""

    def pct(new: float, old: float) -> str:
        return f"{(new - old) / old:+.0%}"

    lines = []
    for g in goal.to_dict("records"):
        met = "met" if g["goal met"] == "yes" else "**not met**"
        lines.append(
            f"* {DATASET_WORDS.get(g['data set'], g['data set'])}, latent {g['latent']}: perceptual + GAN changes the reconstruction FID by "
            f"{g['FID change']} and SSIM by {g['SSIM change']:+.3f} against the pixel loss alone: the goal is {met}."
        )
    for (ds, z), t in table.groupby(["data set", "latent"], sort=False):
        t = t.set_index("variant")
        if "pixel" not in t.index:
            continue
        base = t.loc["pixel"]
        data_sharp = base["sharpness data"]
        for v in (v for v in t.index if v != "pixel"):
            r = t.loc[v]
            lines.append(
                f"* {DATASET_WORDS.get(ds, ds)}, latent {z}, {VARIANT_WORDS.get(v, v)} against the pixel loss alone: "
                f"reconstruction FID {pct(r['FID recon'], base['FID recon'])}, "
                f"SSIM {r['SSIM'] - base['SSIM']:+.3f}, PSNR {r['PSNR'] - base['PSNR']:+.2f} dB, test negative ELBO "
                f"{r['ELBO (nats)'] - base['ELBO (nats)']:+.1f} nats (higher is a worse likelihood); reconstruction sharpness "
                f"{r['sharpness recon'] / data_sharp:.0%} of the test images' (pixel: "
                f"{base['sharpness recon'] / data_sharp:.0%}); prior samples: FID {pct(r['FID samples'], base['FID samples'])}, "
                f"precision {r['precision'] - base['precision']:+.2f}, recall {r['recall'] - base['recall']:+.2f}, "
                f"sharpness {r['sharpness samples'] / data_sharp:.0%} of the test images' (pixel: "
                f"{base['sharpness samples'] / data_sharp:.0%})."
            )
    return "\n".join(lines) + "\n"
