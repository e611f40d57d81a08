"""`python -m vaelib ...`: a thin command-line shell over the library's functions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from vaelib import cli_train, data
from vaelib.cli_train import CLIError
from vaelib.errors import VaelibError

HELP = argparse.ArgumentDefaultsHelpFormatter


def _add_data_commands(sub: argparse._SubParsersAction) -> None:
    p_data = sub.add_parser("data", help="fetch, verify and convert the data sets", formatter_class=HELP)
    dsub = p_data.add_subparsers(dest="data_command", required=True, metavar="{fetch,verify,export-csv}")

    p = dsub.add_parser("fetch", help="put verified IDX files under ROOT (torchvision layout)", formatter_class=HELP)
    p.add_argument("dataset", nargs="?", default="all", choices=["all", *data.DATASETS], help="which data set")
    p.add_argument("--root", default="data", help="data folder")
    p.add_argument("--no-mirrors", action="store_true", help="skip the official mirrors, use the offline sources")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a mirror")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_data_fetch)

    p = dsub.add_parser("verify", help="check presence, IDX headers, sizes and checksums", formatter_class=HELP)
    p.add_argument("--root", default="data", help="data folder")
    p.add_argument("dataset", nargs="?", default="all", choices=["all", *data.DATASETS], help="which data set")
    p.set_defaults(func=cmd_data_verify)

    p = dsub.add_parser(
        "export-csv", help="write a split as a Kaggle-style CSV (label,pixel1..pixelP)", formatter_class=HELP
    )
    p.add_argument("dataset", choices=list(data.DATASETS), help="which data set")
    p.add_argument("--split", default="train", choices=list(data.SPLIT_FILES), help="which split")
    p.add_argument("--root", default="data", help="data folder")
    p.add_argument("--out", default=None, help="output file (default ROOT/csv/<dataset>_<split>.csv)")
    p.set_defaults(func=cmd_data_export_csv)


def cmd_data_fetch(args: argparse.Namespace) -> int:
    """Fetch one or all data sets."""
    sources = data.fetch(args.dataset, args.root, mirrors=not args.no_mirrors, timeout=args.timeout, quiet=args.quiet)
    for name, source in sources.items():
        print(f"{name}: {source}")
    return 0


def cmd_data_verify(args: argparse.Namespace) -> int:
    """Print one row per split; exit non-zero with one line per problem."""
    names = None if args.dataset == "all" else (args.dataset,)
    rows = data.verify(args.root, names)
    print(f"{'dataset':<14} {'split':<6} {'status':<7} detail")
    for r in rows:
        print(f"{r.dataset:<14} {r.split:<6} {'OK' if r.ok else 'FAIL':<7} {r.detail if r.ok else ''}")
    problems = [r for r in rows if not r.ok]
    for r in problems:
        print(f"error: {r.dataset} {r.split}: {r.detail}", file=sys.stderr)
    return 1 if problems else 0


def cmd_data_export_csv(args: argparse.Namespace) -> int:
    """Write a split to CSV."""
    ds = data.load_dataset(args.dataset, args.split, args.root)
    out = Path(args.out) if args.out else Path(args.root) / "csv" / f"{args.dataset}_{args.split}.csv"
    data.write_csv(out, ds.images.numpy(), ds.labels.numpy())
    print(f"wrote {len(ds)} rows to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (subcommands register themselves here)."""
    parser = argparse.ArgumentParser(
        prog="python -m vaelib",
        description="VAEs on MNIST and Fashion-MNIST: data, training, evaluation.",
        allow_abbrev=False,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_data_commands(sub)
    cli_train.add_commands(sub)
    p = sub.add_parser(
        "notebooks",
        help="execute the report's notebooks (papermill) in a profile",
        formatter_class=HELP,
        description="Execute notebooks/NN_*.ipynb top to bottom. full: in place, writing assets/ and recording "
        "seconds per notebook in assets/notebook_times.md; smoke: a few hundred images and one epoch per run, "
        "everything written under build/smoke/. Stops at the first error.",
    )
    p.add_argument("names", nargs="*", help="only notebooks whose name starts with these (e.g. 01 04_beta)")
    p.add_argument("--profile", default="smoke", choices=["smoke", "full"], help="smoke or full")
    p.add_argument(
        "--label",
        default=None,
        help="full profile: record the times under this column ('auto': cold, warm or partly warm, from what the "
        "run cache held and what had to be trained)",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a notebook parameter (VALUE read as JSON, else as text), e.g. EXTENDED_GRID=true for notebook 09; "
        "the executed copy then goes to build/notebooks/ and no time is recorded",
    )
    p.set_defaults(func=cmd_notebooks)
    p = sub.add_parser(
        "train-all",
        help="train every run the report's notebooks need, side by side, before they run",
        formatter_class=HELP,
        description="Train the runs of the report's plan (vaelib.experiments.report_plan) that are not yet in the "
        "run cache: classifiers first, then the runs longest first, JOBS at a time, each in its own process with "
        "the same fixed thread count (a run's weights do not depend on JOBS or on the machine's cores). One line "
        "per finished run, then a summary. A failing run stops the pool with its error; finished runs stay cached.",
    )
    p.add_argument("names", nargs="*", help="only the runs of notebooks whose name starts with these (e.g. 02 04_beta)")
    p.add_argument("--profile", default="full", choices=["smoke", "full"], help="smoke or full")
    p.add_argument("--jobs", type=int, default=None, help="runs at a time (default: the machine's cores / threads)")
    p.add_argument("--threads", type=int, default=None, help="torch threads per run (default: TRAIN_THREADS, 2)")
    p.add_argument("--extended-sharp", action="store_true", help="also notebook 09's extended grid")
    p.add_argument("--dry-run", action="store_true", help="list the plan with expected seconds; train nothing")
    p.set_defaults(func=cmd_train_all)
    p = sub.add_parser(
        "lab",
        help="open the notebooks in JupyterLab on this environment's kernel",
        formatter_class=HELP,
        description="Register this Python as the Jupyter kernel 'Python (vaelib)' (the notebooks' metadata name it) "
        "and start JupyterLab on 127.0.0.1 with the notebooks folder open; it prints the address with its token. "
        "No browser is opened. Ctrl-C stops it.",
    )
    p.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1")
    p.set_defaults(func=cmd_lab)
    return parser


def cmd_lab(args: argparse.Namespace) -> int:
    """Replace this process with JupyterLab on the project's notebooks and kernel."""
    from vaelib.notebooks import lab_command

    if not 0 < args.port < 65536:
        raise CLIError(f"--port must be between 1 and 65535, got {args.port}")
    try:
        argv = lab_command(args.port)
    except FileNotFoundError as e:
        raise CLIError(str(e)) from e
    print(" ".join(argv), flush=True)
    os.execv(argv[0], argv)
    return 0  # not reached: exec replaces the process


def cmd_train_all(args: argparse.Namespace) -> int:
    """Train the report's plan with a pool of worker processes (or list it)."""
    from vaelib import pool

    for flag in ("jobs", "threads"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            raise CLIError(f"--{flag} must be at least 1, got {getattr(args, flag)}")
    if args.dry_run:
        runs_root = pool.report.Context("plan", args.profile, planned=False).runs_root
        for job in pool.plan_jobs(args.profile, extended_sharp=args.extended_sharp, notebooks=args.names or None):
            state = "cached" if (runs_root / job.name / "metrics.json").exists() else "to train"
            guess = " (estimate)" if job.estimated else ""
            print(f"{job.expected_s:8.0f} s{guess:11s} {state:9s} {job.notebook:20s} {job.name}")
        return 0
    pool.train_all(
        args.profile, args.jobs, args.threads, extended_sharp=args.extended_sharp, notebooks=args.names or None
    )
    return 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    """Execute the notebooks; a failing cell becomes a one-line error naming the notebook."""
    from papermill.exceptions import PapermillExecutionError

    from vaelib.notebooks import run_notebooks

    parameters = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier():
            raise CLIError(f"--param takes NAME=VALUE, got {item!r}")
        try:
            parameters[name] = json.loads(value)
        except json.JSONDecodeError:
            parameters[name] = value
    try:
        run_notebooks(args.profile, args.names or None, args.label, parameters or None)
    except PapermillExecutionError as e:
        raise CLIError(f"notebook failed: {e.ename}: {e.evalue} (cell {e.exec_count}); see the executed copy") from e
    except FileNotFoundError as e:
        raise CLIError(str(e)) from e
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: library errors become a one-line message and exit status 1, never a traceback."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    # Which flags were typed (config-file values yield to these, and only these).
    args.explicit_flags = {a[2:].split("=")[0].replace("-", "_") for a in argv if a.startswith("--")}
    try:
        return args.func(args)
    except VaelibError as e:  # the library's own errors: one line; anything else is a bug and shows its traceback
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
