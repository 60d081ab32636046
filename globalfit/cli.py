"""Command-line interface: ``globalfit list | check | run | limits | scan | compare | sweep | evaluate | plot | map | describe``.

Common flags on every verb, before or after it: ``-v`` (globalfit's own DEBUG lines), ``-vv`` (DEBUG of every
library), ``-q`` (warnings only), ``-j N`` (at most N worker processes), ``--scheduler ADDRESS`` (a Dask scheduler).

User errors (:class:`~globalfit.errors.GlobalfitError`) are printed to stderr as one line each and the command exits
with code 2, leaving no partial output folder; anything else is a bug and keeps its traceback. Ctrl-C and SIGTERM
print one line (saying whether there is something to ``--resume``) and exit with 130. The verbs that write a result
folder probe its location before any work and hold its lock (``<out>.lock``) while they run. Heavy libraries are
imported only by the verbs that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import shutil
import signal
import sys
from pathlib import Path
from typing import Callable, Iterator, Sequence

from globalfit import __version__
from globalfit.errors import ConfigError, GlobalfitError
from globalfit.safe_yaml import clip


# ----------------------------------------------------------------------------------------------------
# helpers of the verbs
class _Errors(GlobalfitError):
    """Several user errors found at once (``globalfit check``): printed one line each."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


def _parse_at(text: str) -> dict[str, float]:
    """``"gprime=1e-3,mass_GeV=0.1"`` -> mapping of finite numbers; a clear ConfigError naming ``--at`` otherwise
    (names and bounds are checked against the run config by :func:`globalfit.model.evaluate_point`)."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise ConfigError(f"--at expects name=value pairs separated by commas, got {clip(part)}")
        k, v = (s.strip() for s in part.split("=", 1))
        if k in out:
            raise ConfigError(f"--at gives {clip(k)} twice")
        try:
            out[k] = float(v)
        except ValueError:
            raise ConfigError(f"--at value for {clip(k)} is not a number: {clip(v)}") from None
        if not math.isfinite(out[k]):
            raise ConfigError(f"--at value for {clip(k)} is not a finite number: {clip(v)}")
    if not out:
        raise ConfigError("--at needs at least one name=value pair")
    return out


def _out_dir(cfg, args, suffix: str = "") -> Path:
    """The verb's result folder, probed (usable, writable, free space) before any work."""
    from globalfit.locking import probe_output

    if getattr(args, "out", None) is not None:
        return probe_output(args.out, key="--out")
    return probe_output(cfg.output.dir + suffix, key="output.dir")


@contextlib.contextmanager
def _writing(out: Path) -> Iterator[Path]:
    """Hold the lock of result folder ``out`` for the whole verb; staging folders of killed runs are removed first."""
    from globalfit.locking import OutputLock, remove_stale_staging

    with OutputLock(out):
        remove_stale_staging(out)
        yield out


def _partial(args: argparse.Namespace, out: Path, has_state: Callable[[Path], bool], what: str) -> Path:
    """The resumable state of a verb writing to ``out`` (``<out>.partial/``): refuse to start over it without
    ``--resume`` or ``--force`` (hours of work lost to a forgotten flag), clear it with ``--force``, and remember it
    for the interruption message.

    Parameters
    ----------
    has_state
        Whether the folder holds something to resume (a checkpoint, finished pieces).
    what
        What it holds, for messages (``"the checkpoint of an interrupted run"``).
    """
    from globalfit.errors import InferenceError
    from globalfit.output import partial_dir_for

    partial = partial_dir_for(out)
    present = has_state(partial)
    if present and not args.resume:
        if not args.force:
            raise InferenceError(f"{partial} holds {what}; continue it with --resume, or start afresh with --force")
        shutil.rmtree(partial)
    if args.resume and not present:
        raise InferenceError(f"--resume: nothing to resume in {partial}; run without --resume to start afresh.")
    args.checkpoint = partial
    return partial


def _store_present(partial: Path) -> bool:
    from globalfit.checkpoint import FinishedStore

    return FinishedStore(partial, {}).exists()


@contextlib.contextmanager
def _held_notes(verbose: bool) -> Iterator[list[logging.LogRecord]]:
    """Hold back globalfit's INFO notes (dataset ranges, insensitive datasets) within the block and yield them, so
    that ``check`` can show them once on success and report nothing but its errors otherwise."""
    held: list[logging.LogRecord] = []
    if verbose:
        yield held
        return

    class Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(record)

    log = logging.getLogger("globalfit")
    handler, propagate = Hold(logging.INFO), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield held
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


def _config_errors(path: str) -> tuple[object | None, list[str]]:
    """The run config at ``path`` and every error of its schema (pydantic reports them all; each is explained with
    its YAML path), or the first physics-level error."""
    from pydantic import ValidationError

    from globalfit.config import RunConfig, _explain, parse_config
    from globalfit.safe_yaml import load_yaml

    raw = load_yaml(path, "run config")
    if isinstance(raw, dict):
        try:
            RunConfig.model_validate(raw)
        except ValidationError as exc:
            # one error per key: a union type (a mass list or grid, charges as a name or numbers) fails once per branch
            first: dict[tuple, dict] = {}
            for e in exc.errors():
                first.setdefault(tuple(e["loc"][:2]), e)
            return None, [str(_explain(_OneError(e), raw)) for e in first.values()]
    return parse_config(raw, str(path)), []


class _OneError:
    """One entry of a pydantic ValidationError, in the shape :func:`globalfit.config._explain` reads."""

    def __init__(self, error: dict):
        self.error = error

    def errors(self) -> list[dict]:
        return [self.error]


def _dataset_errors(cfg) -> list[str]:
    """One error at most per dataset of ``cfg``: unknown id, failed checksum, unsupported mode, bad options."""
    from globalfit.catalogue import Catalogue
    from globalfit.model import build_component

    cat = Catalogue(allow_shadowing=cfg.allow_shadowing)
    spec = cfg.theory_spec()
    errors: list[str] = []
    seen: set[str] = set()
    for sec in ("likelihoods", "priors"):
        for i, ref in enumerate(getattr(cfg, sec)):
            try:
                entry = cat.get(ref.id, sec)
                build_component(entry, spec, ref.options)  # validates the options and the mode
            except GlobalfitError as exc:
                msg = str(exc)
                path = getattr(exc, "path", None)
                if path and msg.startswith(f"{path}: "):
                    msg = msg[len(path) + 2:]
                if msg not in seen:  # a broken data root fails every lookup alike: say it once
                    seen.add(msg)
                    errors.append(str(ConfigError(msg, f"{sec}[{i}]")))
    return errors


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
    """Everything ``run`` would refuse, all at once: the schema, the output folder, each dataset, then the Fit itself
    (sensitivity, nuisance names, parameters no dataset reads)."""
    import yaml

    from globalfit.errors import OutputError
    from globalfit.locking import probe_output

    cfg, errors = _config_errors(args.run)
    if cfg is None:
        raise _Errors(errors)
    try:
        probe_output(cfg.output.dir, key="output.dir")
    except OutputError as exc:
        errors.append(str(exc))
    with _held_notes(args.verbose) as notes:
        errors += _dataset_errors(cfg)
        if not errors:  # with a broken dataset the Fit would only repeat its first error
            from globalfit.model import Fit

            try:
                fit = Fit(cfg)
            except GlobalfitError as exc:
                errors.append(str(exc))
    if errors:
        raise _Errors(errors)
    shown = set()
    for record in notes:  # once each: the datasets were built twice (alone, then in the Fit)
        if (record.name, record.getMessage()) not in shown:
            shown.add((record.name, record.getMessage()))
            logging.getLogger(record.name).handle(record)
    spec = cfg.theory_spec()
    print(yaml.safe_dump(cfg.resolved_dict(), sort_keys=False), end="")
    extra = f" charges {spec.charges.expression()} (Q_q, Q_e, Q_mu, Q_tau) = {tuple(str(x) for x in (spec.charges.q, spec.charges.e, spec.charges.mu, spec.charges.tau))}" if spec.charges else ""
    unused = f"; without sensitivity: {', '.join([*fit.dropped, *fit.insensitive])}" if (fit.dropped or fit.insensitive) else ""
    print(f"# {args.run}: valid ({spec.mode} model{extra}; "
          f"{len(cfg.likelihoods)} likelihoods, {len(cfg.priors)} priors; {len(fit.free)} free parameters{unused})",
          file=sys.stderr)
    return 0


def _checked_config(args: argparse.Namespace):
    """The run config named on the command line, validated, with its datasets found and verified."""
    from globalfit.config import check_datasets, load_config

    cfg = load_config(args.run)
    check_datasets(cfg)
    return cfg


def _config_and_out(args: argparse.Namespace, suffix: str = ""):
    """:func:`_checked_config` and the verb's result folder, probed and guarded (``--force``) before the datasets are
    read, so that a bad output location is refused in bounded time."""
    from globalfit.config import check_datasets, load_config
    from globalfit.output import check_output

    cfg = load_config(args.run)
    out = check_output(_out_dir(cfg, args, suffix), args.force)
    check_datasets(cfg)
    return cfg, out


def _executor(cfg, args: argparse.Namespace):
    """The run's executor (its ``executor:`` block, or the Dask scheduler of ``--scheduler``) for the verb's work."""
    from globalfit.executor import using

    return using(cfg.executor, scheduler=getattr(args, "scheduler", None))


def cmd_run(args: argparse.Namespace) -> int:
    from globalfit.inference.nested import CHECKPOINT
    from globalfit.inference.run import run

    cfg, out = _config_and_out(args)
    with _writing(out):
        # the checkpoint lives next to the result folder so that --resume finds it after an interruption
        partial = _partial(args, out, lambda p: (p / CHECKPOINT).exists(), "the checkpoint of an interrupted run")
        args.checkpoint = partial / CHECKPOINT
        result = run(cfg, checkpoint_dir=partial, resume=args.resume, strict=args.strict)
        result.save(out, force=args.force)
        shutil.rmtree(partial, ignore_errors=True)
    print(f"results written to {out}")
    return 0


def _resumable_verb(args: argparse.Namespace, suffix: str, what: str, compute, precheck=None):
    """The shared body of limits, compare and sweep: config and output checks, the lock, the resumable pieces in
    ``<out>.partial/`` (``what`` names them in messages), the executor, ``compute(cfg, partial_dir=, resume=)`` and
    the staged save; returns (output folder, result)."""
    cfg, out = _config_and_out(args, suffix)
    if precheck is not None:
        precheck(cfg)
    with _writing(out):
        partial = _partial(args, out, _store_present, what)
        with _executor(cfg, args):
            result = compute(cfg, partial_dir=partial, resume=args.resume)
        result.save(out, force=args.force)
        shutil.rmtree(partial, ignore_errors=True)
    return out, result


def cmd_limits(args: argparse.Namespace) -> int:
    from globalfit.frequentist import limits

    out, _ = _resumable_verb(args, "_limits", "the finished masses of an interrupted scan",
                             lambda cfg, **kw: limits(cfg, expected=args.expected, intervals=True, **kw))
    print(f"limits written to {out}")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from globalfit.frequentist.scan2d import SCAN_CSV, scan2d

    out, _ = _resumable_verb(args, "_scan", "the finished rows of an interrupted 2-D scan",
                             lambda cfg, **kw: scan2d(cfg, args.x, args.y, args.n, **kw))
    print(f"{SCAN_CSV} and plots/scan2d.png written to {out}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from globalfit.comparison import compare
    from globalfit.results import COMPARE_NOTE

    out, result = _resumable_verb(args, "_compare", "the finished models of an interrupted comparison", compare)
    print(result.text())
    print(COMPARE_NOTE)
    print(f"model comparison written to {out}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from globalfit.sweep import sweep, sweep_points

    out, result = _resumable_verb(args, "_sweep", "the finished points of an interrupted sweep", sweep,
                                  precheck=sweep_points)  # a bad sweep block is refused before any work
    print(f"sweep ({result.metadata['points']} points x {len(result.metadata['masses_GeV'])} masses) written to {out}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    at = _parse_at(args.at)
    from globalfit.model import evaluate_point

    cfg = _checked_config(args)
    table = evaluate_point(cfg, at)  # checks the names and bounds of the point before it builds the Fit
    print(table.to_string(index=False))
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from globalfit.plots import redraw

    for path in redraw(args.dir, args.format):
        print(path)
    return 0


def _mass_list(text: str | None) -> list[float] | None:
    """``"0.01,1,100"`` -> masses in GeV; None when not given."""
    if not text:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--masses expects numbers separated by commas (GeV), got {text!r}") from None


def cmd_map(args: argparse.Namespace) -> int:
    from globalfit import dominance
    from globalfit.output import check_output

    source = Path(args.run)
    if source.is_dir() or source.suffix == ".csv":
        import pandas as pd

        table_path = source / "limits.csv" if source.is_dir() else source
        if not table_path.is_file():
            raise ConfigError(f"{table_path} not found: give a run config or a folder written by `globalfit limits`")
        import yaml

        from globalfit.plots.style import model_title

        cfg_path = table_path.parent / "config.yaml"
        title = model_title(yaml.safe_load(cfg_path.read_text())) if cfg_path.is_file() else ""
        result = dominance.from_table(pd.read_csv(table_path), title)
        out = Path(args.out) if args.out else (table_path.parent / "map")
    else:
        cfg = _checked_config(args)
        result = dominance.dominance_map(cfg, charges=args.charges, masses=_mass_list(args.masses))
        suffix = f"_map_{args.charges}" if args.charges else "_map"
        out = Path(args.out) if args.out else Path(cfg.output.dir + suffix.replace("/", "_"))
    check_output(out, args.force)
    result.save(out, force=args.force)
    print(result.text())
    print(f"map written to {out}")
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    from globalfit.describe import describe

    print(describe(args.id))
    return 0


def _common_flags(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """``-v``/``-vv``, ``-q`` and ``-j N``; on the verbs their defaults are suppressed, so that a flag given before
    the verb is not reset by the verb's parser."""
    d = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument("-v", "--verbose", action="count", help="-v: globalfit debug lines; -vv: every library's",
                        **(d or {"default": 0}))
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only", **d)
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="at most N worker processes", **(d or {"default": None}))
    parser.add_argument("--scheduler", metavar="ADDRESS", help="send the work to the Dask scheduler at ADDRESS "
                        "(tcp://host:8786; needs the dask extra)", **(d or {"default": None}))


_LOG_HANDLER: logging.Handler | None = None


def setup_logging(args: argparse.Namespace) -> None:
    """Log levels from the common flags: globalfit's INFO (progress, notes) by default, its DEBUG with ``-v``, every
    library's DEBUG with ``-vv``, warnings only with ``-q``; ``-j N`` caps the executor's processes."""
    import os

    global _LOG_HANDLER
    verbose, quiet = getattr(args, "verbose", 0) or 0, getattr(args, "quiet", False)
    root = logging.getLogger()
    # one handler of ours on the current stderr (replaced on each call, other handlers - pytest's - left alone)
    if _LOG_HANDLER is not None:
        root.removeHandler(_LOG_HANDLER)
    _LOG_HANDLER = logging.StreamHandler(sys.stderr)
    _LOG_HANDLER.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s"))
    root.addHandler(_LOG_HANDLER)
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    # other libraries' INFO chatter (arviz.preview, filelock...) only with -vv
    logging.getLogger("globalfit").setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)
    if getattr(args, "jobs", None):
        if args.jobs < 1:
            raise ConfigError(f"-j needs a positive number of processes, got {args.jobs}")
        os.environ["GLOBALFIT_PROCESSES"] = str(args.jobs)


def _add_new_verbs(sub) -> None:
    s = sub.add_parser("plot", help="redraw every plot of a result folder (run, limits, compare)")
    s.add_argument("dir", help="result folder")
    s.add_argument("--format", default="png", choices=["png", "pdf"], help="image format (default png)")
    s.set_defaults(func=cmd_plot)

    s = sub.add_parser("map", help="which dataset sets the strongest limit at each mass (who dominates where)")
    s.add_argument("run", help="run config (YAML), or a limits folder / limits.csv to map without recomputing")
    s.add_argument("--charges", help="charge assignment instead of the config's (e.g. A, B-3Ltau)")
    s.add_argument("--masses", help="masses in GeV separated by commas instead of the config's limits grid")
    s.add_argument("--out", help="result folder (default: output.dir of the config + '_map')")
    s.add_argument("--force", action="store_true", help="replace an existing result folder")
    s.set_defaults(func=cmd_map)

    s = sub.add_parser("describe", help="a dataset's options, nuisances with priors, mass range and citation")
    s.add_argument("id", help="dataset id (see `globalfit list`)")
    s.set_defaults(func=cmd_describe)


def cmd_export(args: argparse.Namespace) -> int:
    from globalfit.interop.pyhf import export

    cfg = _checked_config(args)
    out, coupling = export(cfg, args.mass, _out_dir(cfg, args, "_pyhf"), force=args.force)
    print(f"pyhf workspace at M = {args.mass:g} GeV (signal at {cfg.theory_spec().coupling_name} = {coupling:.6g}, "
          f"signal strength mu scales it) and patchset written to {out}")
    return 0


def _result_verb(sub, name: str, help_text: str, func, suffix: str, resume_help: str | None = None,
                 run_help: str = "run config (YAML)") -> argparse.ArgumentParser:
    """A verb that reads a run config and writes a result folder: RUN, --out, --force and (if it can) --resume."""
    s = sub.add_parser(name, help=help_text)
    s.add_argument("run", help=run_help)
    s.add_argument("--out", help=f"result folder (default: output.dir of the config + '{suffix}')")
    if resume_help:
        s.add_argument("--resume", action="store_true", help=resume_help)
    s.add_argument("--force", action="store_true", help="replace an existing result folder")
    s.set_defaults(func=func)
    return s


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="globalfit",
        description="Bayesian global fits of neutrino NSI from a U(1)' Z' boson.",
        epilog="Example: globalfit check runs/quickstart.yaml && globalfit run runs/quickstart.yaml",
    )
    p.add_argument("--version", action="version", version=f"globalfit {__version__}")
    _common_flags(p, suppress=False)
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
    s.add_argument("--force", action="store_true",
                   help="replace an existing result folder (and the checkpoint of an interrupted run, without --resume)")
    s.add_argument("--strict", action="store_true", help="fail when NUTS diagnostics (R-hat, ESS, divergences) are bad")
    s.set_defaults(func=cmd_run)

    s = _result_verb(sub, "limits", "frequentist upper limits on the coupling vs mass (delta chi^2, CLs)", cmd_limits,
                     "_limits", "continue an interrupted scan, skipping its finished masses")
    s.add_argument("--expected", action="store_true",
                   help="also write expected_limits.csv: Asimov median expected limits with +-1/2 sigma bands")

    s = _result_verb(sub, "scan", "2-D profile Delta chi^2 scan of two parameters, 68/95 %% regions per dataset",
                     cmd_scan, "_scan", "continue an interrupted scan, skipping its finished rows")
    s.add_argument("--x", help="parameter on the x axis (default: scan.x of the config)")
    s.add_argument("--y", help="parameter on the y axis (default: scan.y of the config)")
    s.add_argument("--n", type=int, help="grid points per axis (default: scan.n of the config)")

    _result_verb(sub, "compare", "compare charge assignments by Bayes factors", cmd_compare, "_compare",
                 "continue an interrupted comparison, skipping finished models")
    _result_verb(sub, "sweep", "limits over charge assignments (r-basis grid or list), dataset sets and masses",
                 cmd_sweep, "_sweep", "continue an interrupted sweep, skipping finished points",
                 run_help="run config (YAML) with a sweep: block")

    s = sub.add_parser("evaluate", help="per-component chi^2 and pulls at one parameter point")
    s.add_argument("run", help="run config (YAML)")
    s.add_argument("--at", required=True, help="parameter values, e.g. gprime=1e-3,mass_GeV=0.1")
    s.set_defaults(func=cmd_evaluate)
    s = sub.add_parser("export", help="export the counting LHC datasets as a pyhf workspace")
    s.add_argument("format", choices=["pyhf"], help="export format")
    s.add_argument("run", help="run config (YAML)")
    s.add_argument("--mass", type=float, required=True, help="Z' mass of the workspace's signal [GeV]")
    s.add_argument("--out", help="output folder (default: output.dir of the config + '_pyhf')")
    s.add_argument("--force", action="store_true", help="replace an existing output folder")
    s.set_defaults(func=cmd_export)
    _add_new_verbs(sub)
    for verb in sub.choices.values():
        _common_flags(verb, suppress=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``globalfit`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from globalfit.locking import interruption_message, terminate_as_interrupt

    try:
        setup_logging(args)
        # SIGTERM (kill, a batch system's time limit) gets the same clean ending as Ctrl-C; both go through the handler
        # so that a sampler can hold them back to a safe point (see globalfit.inference.nested)
        with terminate_as_interrupt((signal.SIGTERM, signal.SIGINT)):
            return int(args.func(args) or 0)
    except _Errors as exc:
        for message in exc.messages:
            print(f"globalfit {args.verb}: {message}", file=sys.stderr)
        return 2
    except GlobalfitError as exc:
        print(f"globalfit {args.verb}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # also locking.Terminated
        print(interruption_message(args.verb, exc, getattr(args, "checkpoint", None)), file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except Exception as exc:
        # PyTensor serialises compilation through a file lock in its compile cache; when another process holds it
        # longer than pytensor.config.compile__timeout the user needs to know which lock, not filelock's traceback
        if type(exc).__module__.startswith("filelock"):
            print(f"globalfit {args.verb}: {exc} Another process is compiling into the same PyTensor cache; run "
                  "again when it is done, or give this run its own cache with PYTENSOR_FLAGS=compiledir=DIR.",
                  file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
