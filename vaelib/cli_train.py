"""CLI commands that train and use models: `train`, `sample`, `reconstruct`."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch

from vaelib.config_check import choices
from vaelib.errors import VaelibError
from vaelib.losses import ObjectiveConfig
from vaelib.models import CONFIGS
from vaelib.runs import DataConfig, RunConfig, load_data, load_run, run_dir_for, train_run
from vaelib.train import OptimConfig

HELP = argparse.ArgumentDefaultsHelpFormatter


class CLIError(VaelibError):
    """A bad command line: printed as one line, exit status 1 (like every `VaelibError`)."""


# CLI flag -> (config section, field). Defaults come from the dataclasses, so --help shows the real ones.
_FLAGS = {
    "dataset": ("data", "dataset"),
    "classes": ("data", "classes"),
    "val_fraction": ("data", "val_fraction"),
    "max_train": ("data", "max_train"),
    "latent_dim": ("model", "latent_dim"),
    "hidden": ("model", "hidden"),
    "ae": ("model", "deterministic"),
    "likelihood": ("objective", "likelihood"),
    "reduction": ("objective", "reduction"),
    "beta": ("objective", "beta"),
    "beta_schedule": ("objective", "beta_schedule"),
    "warmup_epochs": ("objective", "warmup_epochs"),
    "free_bits": ("objective", "free_bits"),
    "epochs": ("optim", "num_epochs"),
    "patience": ("optim", "patience"),
    "batch_size": ("optim", "batch_size"),
    "lr": ("optim", "lr"),
    "optimizer": ("optim", "optimizer"),
    "binarize": ("optim", "binarize"),
    "seed": ("optim", "seed"),
    "compile": ("optim", "compile"),
}


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(t) for t in text.replace(",", " ").split())


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register train/sample/reconstruct."""
    d, o, ob = DataConfig(), OptimConfig(), ObjectiveConfig()
    p = sub.add_parser(
        "train",
        help="train a model into a run directory",
        formatter_class=HELP,
        allow_abbrev=False,  # typed flags override --config: abbreviations would hide which were typed
        description="Train a VAE (or the AE baseline). Every option can also come from --config FILE.json "
        "(sections data/model/objective/optim, and sharp for a sharper decoder, as in a run's config.json); flags "
        "given on the command line win.",
    )
    p.add_argument("--config", default=None, help="JSON config file (a run's config.json works)")
    p.add_argument("--dataset", default=d.dataset, choices=["mnist", "fashion-mnist"], help="data set")
    p.add_argument("--classes", type=_ints, default=None, help="keep only these classes, e.g. 0,1,7")
    p.add_argument("--val-fraction", type=float, default=d.val_fraction, help="validation share of the train file")
    p.add_argument("--max-train", type=int, default=None, help="use only the first N training examples")
    p.add_argument("--model", default="mlp", choices=sorted(CONFIGS), help="architecture")
    p.add_argument("--latent-dim", type=int, default=20, help="latent dimensions")
    p.add_argument(
        "--hidden", type=_ints, default=None, help="MLP hidden sizes, e.g. 400,400 (mlp only; model default 400)"
    )
    p.add_argument("--ae", action="store_true", help="deterministic autoencoder baseline (no KL, no sampling)")
    p.add_argument(
        "--likelihood", default=ob.likelihood, choices=choices(ObjectiveConfig, "likelihood"), help="decoder likelihood"
    )
    p.add_argument(
        "--reduction",
        default=ob.reduction,
        choices=choices(ObjectiveConfig, "reduction"),
        help="reconstruction term summed over pixels (nats per example) or averaged over them (Keras' mse; "
        "beta then weighs the KL C*H*W times more)",
    )
    p.add_argument("--beta", type=float, default=ob.beta, help="KL weight")
    p.add_argument(
        "--beta-schedule",
        default=ob.beta_schedule,
        choices=choices(ObjectiveConfig, "beta_schedule"),
        help="KL weight schedule",
    )
    p.add_argument(
        "--warmup-epochs",
        type=float,
        default=ob.warmup_epochs,
        help="KL warm-up / cycle span in epochs (linear and cyclical need one)",
    )
    p.add_argument("--free-bits", type=float, default=ob.free_bits, help="free bits per latent dim (nats)")
    p.add_argument("--epochs", type=int, default=o.num_epochs, help="number of epochs")
    p.add_argument(
        "--patience",
        type=int,
        default=o.patience,
        help="early stopping: stop after this many epochs without a better validation loss (--epochs is the most)",
    )
    p.add_argument("--batch-size", type=int, default=o.batch_size, help="batch size")
    p.add_argument("--lr", type=float, default=o.lr, help="learning rate")
    p.add_argument(
        "--optimizer",
        default=o.optimizer,
        choices=choices(OptimConfig, "optimizer"),
        help="optimizer (fused where possible)",
    )
    p.add_argument("--binarize", default=o.binarize, choices=choices(OptimConfig, "binarize"), help="binarization")
    p.add_argument("--seed", type=int, default=o.seed, help="random seed")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--device", default="auto", help="auto (cuda, mps, cpu) or a torch device name")
    p.add_argument("--data-root", default="data", help="data folder")
    p.add_argument("--out", default=None, help="run directory (default runs/<name derived from the config>)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("sample", help="decode samples from the prior N(0, I) into an image grid", formatter_class=HELP)
    p.add_argument("run", help="run directory")
    p.add_argument("--n", type=int, default=64, help="number of samples")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--out", required=True, help="output PNG")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "reconstruct", help="test images (top rows) and their reconstructions (bottom rows)", formatter_class=HELP
    )
    p.add_argument("run", help="run directory")
    p.add_argument("--n", type=int, default=32, help="number of test images")
    p.add_argument("--data-root", default="data", help="data folder")
    p.add_argument("--out", required=True, help="output PNG")
    p.set_defaults(func=cmd_reconstruct)
    add_evaluate_command(sub)
    add_experiment_command(sub)


def add_evaluate_command(sub: argparse._SubParsersAction) -> None:
    """Register `evaluate`."""
    from vaelib.evaluate import EvalConfig

    e = EvalConfig()
    p = sub.add_parser(
        "evaluate",
        help="every metric of the report for a run: metrics.json and metrics.md",
        formatter_class=HELP,
        description="Test ELBO (recon + KL), IWAE log-likelihood (Bernoulli VAEs), MSE/SSIM/PSNR, domain FID with "
        "its floor and references, precision/recall, class coverage, latent diagnostics and OOD AUROCs.",
    )
    p.add_argument("run", help="run directory")
    p.add_argument("--iwae-k", type=int, default=e.iwae_k, help="importance samples per example (0 skips IWAE)")
    p.add_argument("--iwae-n", type=int, default=e.iwae_n, help="test examples for IWAE (0: all)")
    p.add_argument("--fid-n", type=int, default=e.fid_n, help="images per FID set")
    p.add_argument("--pr-n", type=int, default=e.pr_n, help="images per precision/recall set")
    p.add_argument("--no-ood", action="store_true", help="skip the out-of-distribution scores")
    p.add_argument("--seed", type=int, default=e.seed, help="random seed")
    p.add_argument("--data-root", default="data", help="data folder")
    p.add_argument("--runs-root", default="runs", help="run cache (the domain classifier lives there)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate a run and print its Markdown table."""
    from vaelib.evaluate import EvalConfig, evaluate_run

    run = _load(args.run)
    cfg = EvalConfig(
        iwae_k=args.iwae_k,
        iwae_n=args.iwae_n or None,
        fid_n=args.fid_n,
        pr_n=args.pr_n,
        ood=not args.no_ood,
        seed=args.seed,
    )
    evaluate_run(run, args.data_root, args.runs_root, cfg, quiet=args.quiet)
    print((run.path / "metrics.md").read_text(), end="")
    return 0


def add_experiment_command(sub: argparse._SubParsersAction) -> None:
    """Register `experiment`."""
    from vaelib.experiments import EXPERIMENTS

    p = sub.add_parser(
        "experiment",
        help="train (or load from the run cache) named experiments, optionally evaluate them",
        formatter_class=HELP,
    )
    p.add_argument(
        "names",
        nargs="+",
        choices=[*EXPERIMENTS, "all"],
        metavar="NAME",
        help=f"one of {', '.join(EXPERIMENTS)}, or all",
    )
    p.add_argument("--evaluate", action="store_true", help="also run `evaluate` with the experiment's settings")
    p.add_argument(
        "--export", default=None, metavar="DIR", help="copy each run's config and generated metrics files to DIR/NAME/"
    )
    p.add_argument("--data-root", default="data", help="data folder")
    p.add_argument("--runs-root", default="runs", help="run cache")
    p.add_argument("--device", default="auto", help="auto (cuda, mps, cpu) or a torch device name")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_experiment)


def cmd_experiment(args: argparse.Namespace) -> int:
    """Train/load each named experiment; evaluate when asked."""
    from vaelib.evaluate import evaluate_run
    from vaelib.experiments import EXPERIMENTS
    from vaelib.runs import get_or_train

    names = list(EXPERIMENTS) if "all" in args.names else args.names
    for name in names:
        config, eval_cfg = EXPERIMENTS[name]
        run = get_or_train(config, args.runs_root, args.data_root, args.device, args.quiet)
        print(f"{name}: {run.path} (train {run.metrics.get('train_seconds', 0):.0f} s)", flush=True)
        if args.evaluate:
            metrics = evaluate_run(run, args.data_root, args.runs_root, eval_cfg, quiet=args.quiet)
            print((run.path / "metrics.md").read_text(), flush=True)
            if name == "burda":
                from vaelib.experiments import burda_comparison

                merged = {**run.metrics, **metrics}
                (run.path / "burda_comparison.md").write_text(burda_comparison(merged, run.config))
                print((run.path / "burda_comparison.md").read_text(), flush=True)
        if args.export:
            dest = Path(args.export) / name.replace("/", "_")
            dest.mkdir(parents=True, exist_ok=True)
            for fname in ("config.json", "history.csv", "metrics.json", "metrics.md", "burda_comparison.md"):
                if (run.path / fname).exists():
                    shutil.copyfile(run.path / fname, dest / fname)
            print(f"exported {name} -> {dest}")
    return 0


def config_from_args(args: argparse.Namespace, argv_flags: set[str]) -> RunConfig:
    """Defaults, then the --config file, then the flags the user actually typed."""

    base: dict = {"data": {}, "model": {"kind": args.model}, "objective": {}, "optim": {}}
    if args.config:
        try:
            loaded = json.loads(Path(args.config).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise CLIError(f"{args.config}: cannot read config ({e})") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, dict | None) for v in loaded.values()):
            raise CLIError(f"{args.config}: expected a JSON object of sections (data, model, objective, optim, sharp)")
        # Every section goes on to RunConfig.from_dict, which rejects unknown ones; `sharp` (a sharper decoder's
        # extra terms) only when set, as a null one means a plain VAE.
        for section, values in loaded.items():
            if values is not None:
                base.setdefault(section, {}).update(values)
    explicit = lambda name: args.config is None or name in argv_flags  # noqa: E731
    if explicit("model"):
        base["model"]["kind"] = args.model
    for flag, (section, key) in _FLAGS.items():
        value = getattr(args, flag)
        if value is None or not explicit(flag):
            continue
        if flag == "hidden" and base["model"].get("kind", args.model) != "mlp":
            raise CLIError("--hidden applies to --model mlp only")
        base[section][key] = value
    try:
        config = RunConfig.from_dict(base)
    except (TypeError, ValueError, KeyError) as e:
        raise CLIError(f"invalid configuration: {e}") from None
    ob = config.objective
    # `beta_at` treats a zero span as the constant schedule (runs stored that way still load); asked for on the
    # command line, that silent no-op is a mistake.
    if ob.beta_schedule != "constant" and ob.warmup_epochs <= 0:
        raise CLIError(f"--beta-schedule {ob.beta_schedule} needs warmup_epochs > 0 (--warmup-epochs, its span)")
    return config


def cmd_train(args: argparse.Namespace) -> int:
    """Train a run and print where it went and its final losses."""

    config = config_from_args(args, args.explicit_flags)
    out = Path(args.out) if args.out else run_dir_for(config)
    # Bad settings, data, checkpoints or a diverged loss are VaelibErrors, printed by `cli.main` as one line;
    # anything else is a bug and keeps its traceback.
    run = train_run(config, out, args.data_root, args.device, args.quiet)
    m = run.metrics
    print(f"run {out}: val loss {m.get('val_loss', float('nan')):.3f}, test loss {m['test_loss']:.3f} ({m['units']})")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    """Write a grid of prior samples."""
    from vaelib.plots import save_image_grid  # matplotlib only when drawing

    run = _load(args.run)
    images = run.model.sample(args.n, torch.Generator().manual_seed(args.seed))
    save_image_grid(images, args.out)
    print(f"wrote {args.n} samples to {args.out}")
    return 0


def cmd_reconstruct(args: argparse.Namespace) -> int:
    """Write originals above their reconstructions."""
    from vaelib.plots import save_image_grid

    run = _load(args.run)
    x = load_data(run.config, args.data_root).test.float()[: args.n]
    x_hat = run.model.reconstruct(x)
    save_image_grid(torch.cat([x, x_hat]), args.out, nrow=min(args.n, 16))
    print(f"wrote {len(x)} reconstructions to {args.out}")
    return 0


def _load(path: str):

    try:
        return load_run(path)
    except FileNotFoundError as e:
        raise CLIError(str(e)) from None
