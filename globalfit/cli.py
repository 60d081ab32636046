"""Command-line interface: ``globalfit list | check | run | limits | compare | evaluate``.

User errors (:class:`~globalfit.errors.GlobalfitError`) are printed to stderr as one or two plain sentences
and the command exits with code 2, leaving no partial output folder; anything else is a bug and keeps its
traceback. Heavy libraries are imported only by the verbs that need them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Sequence

from globalfit import __version__
from globalfit.errors import ConfigError, GlobalfitError


def _parse_at(text: str) -> dict[str, float]:
    """``"gprime=1e-3,mass_GeV=0.1"`` -> mapping; a clear ConfigError otherwise."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise ConfigError(f"--at expects name=value pairs separated by commas, got {part!r}")
        k, v = (s.strip() for s in part.split("=", 1))
        try:
            out[k] = float(v)
        except ValueError:
            raise ConfigError(f"--at value for {k!r} is not a number: {v!r}") from None
    if not out:
        raise ConfigError("--at needs at least one name=value pair")
    return out


def _out_dir(cfg, args, suffix: str = "") -> Path:
    return Path(args.out) if args.out else Path(cfg.output.dir + suffix)


def cmd_list(args: argparse.Namespace) -> int:
    from globalfit.catalogue import SECTIONS, Catalogue
    from globalfit.physics.charges import PRESETS

    cat = Catalogue()
    for section in SECTIONS:
        print(f"{section}:")
        ids = cat.ids(section)
        if not ids:
            print("  (none)")
        for i in ids:
            e = cat.entries[section][i]
            print(f"  {i:<34} {e.kind:<22} {e.description}")
    print("charge presets:")
    for name, (expr, desc) in PRESETS.items():
        print(f"  {name:<34} {expr:<22} {desc}")
    print("charge expressions: combinations of B, L, Le, Lmu, Ltau with rational coefficients, e.g. B-3Lmu, Lmu-Ltau, B-3/2(Lmu+Ltau)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import yaml

    cfg = _checked_config(args)
    spec = cfg.theory_spec()
    print(yaml.safe_dump(cfg.resolved_dict(), sort_keys=False), end="")
    extra = f" charges {spec.charges.expression()} (Q_q, Q_e, Q_mu, Q_tau) = {tuple(str(x) for x in (spec.charges.q, spec.charges.e, spec.charges.mu, spec.charges.tau))}" if spec.charges else ""
    print(f"# {args.run}: valid ({spec.mode} model{extra}; "
          f"{len(cfg.likelihoods)} likelihoods, {len(cfg.priors)} priors)", file=sys.stderr)
    return 0


def _checked_config(args: argparse.Namespace):
    """The run config named on the command line, validated, with its datasets found and verified."""
    from globalfit.config import check_datasets, load_config

    cfg = load_config(args.run)
    check_datasets(cfg)
    return cfg


def cmd_run(args: argparse.Namespace) -> int:
    import shutil

    from globalfit.inference.run import partial_dir_for, run
    from globalfit.output import check_output

    cfg = _checked_config(args)
    out = check_output(_out_dir(cfg, args), args.force)
    # the checkpoint lives next to the result folder so that --resume finds it after an interruption
    partial = partial_dir_for(out)
    result = run(cfg, checkpoint_dir=partial, resume=args.resume, strict=args.strict)
    result.save(out, force=args.force)
    shutil.rmtree(partial, ignore_errors=True)
    print(f"results written to {out}")
    return 0


def cmd_limits(args: argparse.Namespace) -> int:
    from globalfit.frequentist import limits
    from globalfit.output import check_output

    cfg = _checked_config(args)
    out = check_output(_out_dir(cfg, args, "_limits"), args.force)
    limits(cfg, expected=args.expected).save(out, force=args.force)
    print(f"limits written to {out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from globalfit.comparison import compare
    from globalfit.output import check_output
    from globalfit.results import COMPARE_NOTE

    cfg = _checked_config(args)
    out = check_output(_out_dir(cfg, args, "_compare"), args.force)
    result = compare(cfg)
    result.save(out, force=args.force)
    print(result.text())
    print(COMPARE_NOTE)
    print(f"model comparison written to {out}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    at = _parse_at(args.at)
    from globalfit.model import evaluate_point

    cfg = _checked_config(args)
    table = evaluate_point(cfg, at)
    print(table.to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="globalfit",
        description="Bayesian global fits of neutrino NSI from a U(1)' Z' boson.",
        epilog="Example: globalfit check runs/quickstart.yaml && globalfit run runs/quickstart.yaml",
    )
    p.add_argument("--version", action="version", version=f"globalfit {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    s = sub.add_parser("list", help="list likelihoods, priors and charge presets")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("check", help="validate a run config and print it resolved")
    s.add_argument("run", help="run config (YAML)")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("run", help="run a Bayesian fit (nested sampling or NUTS)")
    s.add_argument("run", help="run config (YAML)")
    s.add_argument("--out", help="result folder (default: output.dir of the config)")
    s.add_argument("--resume", action="store_true", help="continue an interrupted nested-sampling run")
    s.add_argument("--force", action="store_true", help="replace an existing result folder")
    s.add_argument("--strict", action="store_true", help="fail when NUTS diagnostics (R-hat, ESS, divergences) are bad")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("limits", help="frequentist upper limits on the coupling vs mass (delta chi^2, CLs)")
    s.add_argument("run", help="run config (YAML)")
    s.add_argument("--out", help="result folder (default: output.dir of the config + '_limits')")
    s.add_argument("--expected", action="store_true",
                   help="also write expected_limits.csv: Asimov median expected limits with +-1/2 sigma bands")
    s.add_argument("--force", action="store_true", help="replace an existing result folder")
    s.set_defaults(func=cmd_limits)

    s = sub.add_parser("compare", help="compare charge assignments by Bayes factors")
    s.add_argument("run", help="run config (YAML)")
    s.add_argument("--out", help="result folder (default: output.dir of the config + '_compare')")
    s.add_argument("--force", action="store_true", help="replace an existing result folder")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("evaluate", help="per-component chi^2 and pulls at one parameter point")
    s.add_argument("run", help="run config (YAML)")
    s.add_argument("--at", required=True, help="parameter values, e.g. gprime=1e-3,mass_GeV=0.1")
    s.set_defaults(func=cmd_evaluate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``globalfit`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s" if args.verbose else "%(message)s",
        stream=sys.stderr,
    )
    # our own progress and notes at INFO; other libraries' INFO chatter (e.g. arviz.preview) only with --verbose
    logging.getLogger("globalfit").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return int(args.func(args) or 0)
    except GlobalfitError as exc:
        print(f"globalfit {args.verb}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"globalfit {args.verb}: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
