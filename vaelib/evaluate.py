"""`evaluate_run`: every metric of the report for one trained run, written to its metrics.json and metrics.md."""

from __future__ import annotations

import inspect
import json
import math
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vaelib import classifier as clf
from vaelib import data as data_mod
from vaelib import latent as latent_mod
from vaelib import losses as losses_mod
from vaelib import metrics as M
from vaelib.config_check import check_types, require
from vaelib.io import atomic_write, digest, exclusive, write_json
from vaelib.latent import decode_mean, encode_mean
from vaelib.losses import Objective
from vaelib.runs import Run, RunConfig, load_data, model_inputs
from vaelib.timing import timed

__all__ = [
    "EvalConfig",
    "evaluate_run",
    "kl_per_dimension",
    "summed_objective",
    "ood_scores",
    "TEST_BINARIZATION_SEED",
]

TEST_BINARIZATION_SEED = data_mod.TEST_BINARIZATION_SEED
OOD_PAIRS = {"fashion-mnist": "mnist"}  # in-distribution -> out-of-distribution data set


def _code_digest(*sources) -> str:
    return digest([Path(s.__file__).read_text() if hasattr(s, "__file__") else inspect.getsource(s) for s in sources])


# What the evaluation's numbers depend on besides the run, the config and the classifier: the code of these modules
# and of the functions that prepare a run's inputs. Cached evaluations are keyed on it, so any edit to them
# recomputes every cached evaluation (never a stale hit).
CODE_DIGEST = _code_digest(
    sys.modules[__name__], M, latent_mod, losses_mod, clf, model_inputs, data_mod.binarize, data_mod.static_binarize
)


@dataclass(frozen=True)
class EvalConfig:
    """How much evaluation to do (sizes trade time for precision; all are written into metrics.json)."""

    iwae_k: int = 1000
    iwae_n: int | None = 1000  # test examples for the IWAE estimate (None: all)
    fid_n: int = 10000  # samples / images per FID set
    pr_n: int = 5000  # samples / images for precision and recall
    pr_k: int = 3
    diversity_n: int = 1000
    probe_n: int = 10000  # training examples for the linear and k-NN probes
    ood: bool = True
    ood_n: int | None = 2000  # examples of each test set for the OOD scores (None: all)
    regret_steps: int = 50
    seed: int = 0

    def __post_init__(self) -> None:
        check_types(self)
        for name in ("iwae_k", "regret_steps", "seed"):  # 0 turns the IWAE estimate and the regret off
            require(self, getattr(self, name) >= 0, f"{name} must be non-negative, got {getattr(self, name)}")
        for name in ("iwae_n", "fid_n", "pr_n", "pr_k", "diversity_n", "probe_n", "ood_n"):
            value = getattr(self, name)
            require(self, value is None or value >= 1, f"{name} must be at least 1, got {value}")


def summed_objective(run: Run) -> Objective:
    """The run's objective with its reconstruction term summed over pixels: evaluation reports every model in the
    same units (nats, or summed squared error), whichever reduction it was trained with."""
    return Objective(replace(run.config.objective, reduction="sum"))


def kl_per_dimension(run: Run, images: torch.Tensor) -> np.ndarray:
    """KL of each latent dimension from the prior (nats, mean over `images`, uint8 or float as the model sees them)."""
    return M.elbo_terms(run.model.eval(), model_inputs(run.config, images), summed_objective(run).reconstruction)[
        "kl_per_dim"
    ].numpy()


def _blur(x: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """Gaussian blur (a reference 'VAE-like blurry' image set for FID)."""
    r = int(math.ceil(3 * sigma))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    k1 = torch.exp(-(t**2) / (2 * sigma**2))
    k1 = k1 / k1.sum()
    k2 = (k1[:, None] * k1[None, :])[None, None]
    return F.conv2d(F.pad(x, (r, r, r, r), mode="replicate"), k2)


def ood_scores(
    run: Run, x: torch.Tensor, raw: torch.Tensor, regret_steps: int = 50, seed: int = 0
) -> dict[str, np.ndarray]:
    """Per-example OOD scores (higher = more anomalous): negative ELBO, complexity-corrected, posterior regret.

    The negative ELBO is in nats; the input-complexity corrected score of Serra et al. 2020 is S(x) = NLL(x) in
    bits - L(x), L the zlib code length in bits; the posterior regret is a cheap variant of Xiao et al. 2020's
    likelihood regret (VAEs only). Seeded, and without touching the caller's RNG: the same inputs give the same
    scores whatever ran before.
    """
    with torch.random.fork_rng(), timed("eval", f"{Path(run.path).name} ood"):
        torch.manual_seed(seed)
        return _ood_scores(run, x, raw, regret_steps)


def _ood_scores(run: Run, x: torch.Tensor, raw: torch.Tensor, regret_steps: int) -> dict[str, np.ndarray]:
    objective = summed_objective(run)
    terms = M.elbo_terms(run.model, x, objective.reconstruction)
    nll = (terms["recon"] + terms["kl"]).numpy().astype(np.float64)
    # The compressor sees the image the model sees: binarized runs compress their binarized input.
    complexity = M.compression_bits(x if run.config.optim.binarize != "none" else raw)
    out = {"nll": nll, "complexity": nll / math.log(2) - complexity}
    if not run.config.model.deterministic:
        out["regret"] = M.posterior_regret(run.model, x, objective.reconstruction, steps=regret_steps)
    return out


def evaluate_run(
    run: Run,
    data_root: str | os.PathLike = "data",
    runs_root: str | os.PathLike = "runs",
    cfg: EvalConfig | None = None,
    quiet: bool = False,
    write: bool = True,
    classifier_cfg: clf.ClassifierConfig | None = None,
) -> dict[str, Any]:
    """Compute the report's metrics for `run`; merge them into RUN/metrics.json and write RUN/metrics.md."""
    with timed("eval", Path(run.path).name):
        return _evaluate_run(run, data_root, runs_root, cfg or EvalConfig(), quiet, write, classifier_cfg)


def _evaluate_run(
    run: Run,
    data_root: str | os.PathLike,
    runs_root: str | os.PathLike,
    cfg: EvalConfig,
    quiet: bool,
    write: bool,
    classifier_cfg: clf.ClassifierConfig | None,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    model = run.model.cpu().eval()
    rc = run.config
    splits = load_data(rc, data_root)
    x_test = model_inputs(run.config, splits.test.images)
    x_train = model_inputs(run.config, splits.train.images[: cfg.probe_n])
    objective = summed_objective(run)
    out: dict[str, Any] = {"likelihood": rc.objective.likelihood, "binarized": rc.optim.binarize != "none"}

    # Likelihood: the one-sample ELBO split into its terms, and the IWAE bound for Bernoulli VAEs.
    terms = M.elbo_terms(model, x_test, objective.reconstruction)
    out["test_recon"] = float(terms["recon"].mean())
    out["test_kl"] = float(terms["kl"].mean())
    out["test_elbo"] = out["test_recon"] + out["test_kl"]
    out["kl_per_dim"] = [float(v) for v in terms["kl_per_dim"]]
    is_vae = not rc.model.deterministic
    # A Bernoulli likelihood is a proper likelihood only of binary data: on grey levels it is skipped.
    if rc.objective.likelihood == "bernoulli" and out["binarized"] and is_vae and cfg.iwae_k > 0:
        n = len(x_test) if cfg.iwae_n is None else min(cfg.iwae_n, len(x_test))
        ll = M.iwae_log_likelihood(model, x_test[:n], k=cfg.iwae_k, generator=g, progress=not quiet)
        out.update(test_nll_iwae=float(-ll.mean()), iwae_k=cfg.iwae_k, iwae_n=n)
        out["test_elbo_iwae_subset"] = float((terms["recon"][:n] + terms["kl"][:n]).mean())

    # Reconstruction quality (decoded posterior means) on train and test.
    for name, x in (("train", x_train), ("test", x_test)):
        x_hat = decode_mean(model, encode_mean(model, x))
        for k, v in M.image_quality(x, x_hat).items():
            out[f"{name}_{k}"] = v

    # Latent space.
    mu_test, mu_train = encode_mean(model, x_test), encode_mean(model, x_train)
    out["active_units"] = M.active_units(mu_test) if is_vae else None
    out["latent_dim"] = rc.model.latent_dim
    out["latent_stats"] = M.latent_stats(mu_test)
    out["pca_explained_variance"] = [float(v) for v in M.pca_explained_variance(mu_test)]
    out.update(_probes(mu_train, splits.train.labels[: cfg.probe_n], mu_test, splits.test.labels))

    # Generation, in the domain classifier's feature space.
    ccfg = replace(classifier_cfg, dataset=rc.data.dataset) if classifier_cfg else None
    classifier, clf_metrics, refs = _references(rc, splits, data_root, runs_root, cfg, ccfg, quiet)
    out["classifier_test_accuracy"] = clf_metrics["test_accuracy"]
    real_feats = refs["real_feats"]
    z = torch.randn(cfg.fid_n, rc.model.latent_dim, generator=g)
    samples = decode_mean(model, z)
    sample_feats = clf.features(classifier, samples)
    recon_feats = clf.features(classifier, decode_mean(model, encode_mean(model, x_test[: cfg.fid_n])))
    out["fid_samples"] = M.fid_from_features(real_feats, sample_feats)
    out["fid_recon"] = M.fid_from_features(real_feats, recon_feats)
    out["fid_floor"], out["fid_ref_noise"], out["fid_ref_blur"] = refs["floor"], refs["noise"], refs["blur"]
    out["fid_n"] = min(cfg.fid_n, len(real_feats))
    pr = M.precision_recall(real_feats[: cfg.pr_n], sample_feats[: cfg.pr_n], k=cfg.pr_k)
    out["precision"], out["recall"] = pr["precision"], pr["recall"]
    out.update(M.class_entropy(clf.predict(classifier, samples)))
    out["diversity_pixel_l2"] = M.mean_pairwise_l2(samples[: cfg.diversity_n])
    out["diversity_feature_l2"] = M.mean_pairwise_l2(sample_feats[: cfg.diversity_n])

    # Out of distribution: the in-distribution test set against another data set's test set.
    ood_name = OOD_PAIRS.get(rc.data.dataset)
    if cfg.ood and ood_name and rc.data.classes is None:
        other = data_mod.load_dataset(ood_name, "test", data_root)
        n = cfg.ood_n or len(x_test)
        s_in = ood_scores(run, x_test[:n], splits.test.images[:n], cfg.regret_steps)
        s_out = ood_scores(run, model_inputs(run.config, other.images[:n]), other.images[:n], cfg.regret_steps)
        out["ood_n"] = min(n, len(x_test), len(other))
        for key in s_in:
            out[f"ood_auroc_{key}"] = M.auroc(s_out[key], s_in[key])
            out[f"ood_aupr_{key}"] = M.aupr(s_out[key], s_in[key])
        out["ood_dataset"] = ood_name
    out["eval_seconds"] = time.perf_counter() - t0
    out["eval_config"] = cfg.__dict__.copy()

    if write:
        with exclusive(run.path, "evaluated"):  # read-modify-write of metrics.json: one writer at a time
            path = Path(run.path) / "metrics.json"
            merged = json.loads(path.read_text()) if path.exists() else {}
            merged.update(out)
            write_json(path, merged)
            atomic_write(Path(run.path) / "metrics.md", metrics_markdown(run, merged).encode())
    return out


_REFERENCES: dict[tuple, tuple] = {}


def _references(rc: RunConfig, splits, data_root, runs_root, cfg: EvalConfig, ccfg, quiet: bool) -> tuple:
    """The domain classifier, its metrics, and the model-independent FID references (real test features; the
    floor = train vs test; noise and blur references), computed once per process for a data set and size."""
    key = (rc.data, str(data_root), str(runs_root), ccfg, cfg.fid_n, cfg.seed)
    if key not in _REFERENCES:
        classifier, clf_metrics = clf.get_classifier(rc.data.dataset, runs_root, data_root, ccfg, quiet=quiet)
        grey_test = splits.test.float()[: cfg.fid_n]
        real = clf.features(classifier, grey_test)
        g = torch.Generator().manual_seed(cfg.seed + 1)  # its own stream: references do not depend on the model
        noise = (0.5 + 0.25 * torch.randn(grey_test.shape, generator=g)).clamp(0, 1)
        refs = {
            "real_feats": real,
            "floor": M.fid_from_features(real, clf.features(classifier, splits.train.float()[: cfg.fid_n])),
            "noise": M.fid_from_features(real, clf.features(classifier, noise)),
            "blur": M.fid_from_features(real, clf.features(classifier, _blur(grey_test))),
        }
        _REFERENCES.clear()  # keep one entry: features of 10k images are small, but need not pile up
        _REFERENCES[key] = (classifier, clf_metrics, refs)
    return _REFERENCES[key]


def _probes(mu_train, y_train, mu_test, y_test) -> dict[str, float]:
    """Linear-probe (logistic regression) and 5-NN accuracy of the posterior means."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415
    from sklearn.neighbors import KNeighborsClassifier  # noqa: PLC0415
    from sklearn.preprocessing import StandardScaler  # noqa: PLC0415

    scaler = StandardScaler().fit(mu_train.numpy())
    a, b = scaler.transform(mu_train.numpy()), scaler.transform(mu_test.numpy())
    lin = LogisticRegression(max_iter=2000).fit(a, y_train.numpy())
    knn = KNeighborsClassifier(n_neighbors=5).fit(a, y_train.numpy())
    return {"probe_linear_accuracy": float(lin.score(b, y_test.numpy())),
            "probe_knn_accuracy": float(knn.score(b, y_test.numpy()))}  # fmt: skip


ROWS = [
    ("test_elbo", "negative ELBO (one sample), nats/example", "{:.2f}"),
    ("test_recon", "reconstruction term, nats/example", "{:.2f}"),
    ("test_kl", "KL term, nats/example", "{:.2f}"),
    ("test_nll_iwae", "-log p(x), IWAE bound", "{:.2f}"),
    ("iwae_k", "IWAE samples k", "{}"),
    ("iwae_n", "IWAE test examples", "{}"),
    ("active_units", "active units (Var[mu] > 0.01)", "{}"),
    ("latent_dim", "latent dimensions", "{}"),
    ("test_mse", "test MSE per pixel", "{:.4f}"),
    ("test_ssim", "test SSIM", "{:.3f}"),
    ("test_psnr", "test PSNR, dB", "{:.2f}"),
    ("train_ssim", "train SSIM", "{:.3f}"),
    ("train_psnr", "train PSNR, dB", "{:.2f}"),
    ("fid_samples", "FID, prior samples vs test (domain features)", "{:.2f}"),
    ("fid_recon", "FID, reconstructions vs test", "{:.2f}"),
    ("fid_floor", "FID floor, train vs test images", "{:.2f}"),
    ("fid_ref_blur", "FID reference, blurred test images", "{:.2f}"),
    ("fid_ref_noise", "FID reference, Gaussian noise", "{:.2f}"),
    ("classifier_test_accuracy", "domain classifier test accuracy (feature network)", "{:.4f}"),
    ("precision", "precision (k-NN manifolds)", "{:.3f}"),
    ("recall", "recall (k-NN manifolds)", "{:.3f}"),
    ("class_entropy", "class entropy of samples, nats (max log 10 = 2.303)", "{:.3f}"),
    ("diversity_pixel_l2", "sample diversity, mean pairwise L2 (pixels)", "{:.2f}"),
    ("diversity_feature_l2", "sample diversity, mean pairwise L2 (features)", "{:.2f}"),
    ("probe_linear_accuracy", "linear probe accuracy on mu", "{:.3f}"),
    ("probe_knn_accuracy", "5-NN accuracy on mu", "{:.3f}"),
    ("ood_auroc_nll", "OOD AUROC, negative ELBO", "{:.3f}"),
    ("ood_auroc_complexity", "OOD AUROC, complexity-corrected", "{:.3f}"),
    ("ood_auroc_regret", "OOD AUROC, posterior regret", "{:.3f}"),
    ("ood_aupr_nll", "OOD AUPR, negative ELBO", "{:.3f}"),
    ("ood_aupr_complexity", "OOD AUPR, complexity-corrected", "{:.3f}"),
    ("ood_aupr_regret", "OOD AUPR, posterior regret", "{:.3f}"),
]


def metrics_markdown(run: Run, m: dict[str, Any]) -> str:
    """A two-column Markdown table of the headline metrics."""
    lines = [f"| metric ({run.path.name}) | value |", "| --- | --- |"]
    for key, label, fmt in ROWS:
        if m.get(key) is not None:
            lines.append(f"| {label} | {fmt.format(m[key])} |")
    lines.append("")
    lines.append(
        "FIDs use the penultimate features of a classifier trained in this project: they are comparable with "
        "each other, not with published Inception-v3 FIDs."
    )
    return "\n".join(lines) + "\n"
