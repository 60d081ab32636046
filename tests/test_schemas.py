"""Dataset schemas and the checks of a load: every defect of a dataset folder is a DataError naming the dataset, the
file and the key or column; `globalfit check` turns it into exit 2 and one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from globalfit import datatools
from globalfit.catalogue import MANIFEST_NAME, Catalogue
from globalfit.cli import main
from globalfit.datatools import refresh_manifest, write_dataset
from globalfit.errors import DataError
from globalfit.schemas import SCHEMAS, validate_spec
from globalfit.util import sha256_file

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "runs" / "quickstart.yaml"
CSI = "coherent_csi_2017"


def copy_dataset(root: Path, source: str = CSI, new_id: str = "csi_copy", section: str = "likelihoods") -> Path:
    """A copy of a shipped dataset folder under ``root/<section>/<new_id>``."""
    dst = root / section / new_id
    shutil.copytree(ROOT / section / source, dst)
    return dst


def edit_spec(folder: Path, fn, refresh: bool = True) -> None:
    """Apply ``fn`` to the parsed spec, write it back and (by default) record it in the manifest."""
    spec = yaml.safe_load((folder / "spec.yaml").read_text())
    fn(spec)
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    if refresh:
        refresh_manifest(folder)


def rename_column(folder: Path, name: str, old: str, new: str) -> None:
    """Rename a CSV column and record the new checksum in the spec and manifest (a consistent, wrong folder)."""
    path = folder / name
    path.write_text(path.read_text().replace(old, new, 1))
    edit_spec(folder, lambda s: s["files"].__setitem__(name, sha256_file(path)))


def load_error(root: Path, dataset_id: str = "csi_copy", section: str = "likelihoods") -> str:
    with pytest.raises(DataError) as exc:
        Catalogue([root]).get(dataset_id, section)
    msg = str(exc.value)
    assert "\n" not in msg
    assert repr(dataset_id) in msg
    return msg


# -- the schema registry ------------------------------------------------------------------------------------------
def test_every_component_kind_has_a_schema():
    """The schema registry and the component registry name the same kinds (the schemas import no component)."""
    from globalfit.components.base import registered_kinds

    assert set(SCHEMAS) == set(registered_kinds())


def test_shipped_specs_validate_and_declare_their_files():
    """Every shipped spec validates and every file its kind reads is listed under files."""
    cat = Catalogue()
    for section in ("likelihoods", "priors"):
        for i in cat.ids(section):
            schema = cat.get(i, section).verify()
            assert set(schema.required_columns()) <= set(schema.files), i


# -- spec keys ----------------------------------------------------------------------------------------------------
def test_missing_required_key(tmp_path):
    edit_spec(copy_dataset(tmp_path), lambda s: s.pop("pot"))
    msg = load_error(tmp_path)
    assert "spec.yaml" in msg and "missing required key 'pot'" in msg


def test_misspelled_key_suggests(tmp_path):
    edit_spec(copy_dataset(tmp_path), lambda s: s.__setitem__("distnce_m", s.pop("distance_m")))
    msg = load_error(tmp_path)
    assert "spec.yaml" in msg and "unknown key 'distnce_m' (did you mean 'distance_m'?)" in msg
    assert "1 more problem" in msg  # distance_m is also missing


def test_misspelled_nested_key_suggests(tmp_path):
    edit_spec(copy_dataset(tmp_path), lambda s: s["acceptance"].__setitem__("threshhold_pe",
                                                                            s["acceptance"].pop("threshold_pe")))
    msg = load_error(tmp_path)
    assert "unknown key 'acceptance.threshhold_pe' (did you mean 'threshold_pe'?)" in msg


def test_wrong_value_type(tmp_path):
    edit_spec(copy_dataset(tmp_path), lambda s: s.__setitem__("pot", "lots"))
    msg = load_error(tmp_path)
    assert "key 'pot'" in msg and "valid number" in msg and "'lots'" in msg


def test_non_positive_exposure(tmp_path):
    edit_spec(copy_dataset(tmp_path), lambda s: s.__setitem__("distance_m", -19.3))
    assert "key 'distance_m'" in load_error(tmp_path)


def test_unknown_kind_suggests(tmp_path):
    edit_spec(copy_dataset(tmp_path), lambda s: s.__setitem__("kind", "coherent_csi2017"))
    assert "unknown kind 'coherent_csi2017' (did you mean 'coherent_csi_2017'?)" in load_error(tmp_path)


def test_literal_values(tmp_path):
    edit_spec(copy_dataset(tmp_path, "oscillation_esteban2018", "osc"), lambda s: s.__setitem__("mode", "singel"))
    msg = load_error(tmp_path, "osc")
    assert "key 'mode'" in msg and "'differences' or 'single'" in msg


def test_validate_spec_without_a_folder():
    with pytest.raises(DataError, match=r"dataset 'x' \(here\): missing required key 'citation'"):
        validate_spec({"kind": "trident", "description": "d", "files": {}}, "x", "here")


# -- columns ------------------------------------------------------------------------------------------------------
def test_renamed_column_with_correct_checksum(tmp_path):
    """Checksums vouch for the bytes, not for the content: a renamed column is caught by the schema."""
    folder = copy_dataset(tmp_path)
    rename_column(folder, "counts.csv", "coincidence", "coincidense")
    msg = load_error(tmp_path)
    assert "counts.csv" in msg and "no column 'coincidence' (did you mean 'coincidense'?)" in msg


def test_column_of_a_spec_named_file(tmp_path):
    """recast_limit reads the columns of its limit_file; lhcb_darkphoton needs the production fractions."""
    folder = copy_dataset(tmp_path, "lhcb_darkphoton_2019", "lhcb", "priors")
    rename_column(folder, "limit.csv", "omega_pi0", "omega_pio")
    msg = load_error(tmp_path, "lhcb", "priors")
    assert "limit.csv" in msg and "no column 'omega_pi0'" in msg


def test_file_read_by_the_kind_must_be_listed(tmp_path):
    edit_spec(copy_dataset(tmp_path, "ccfr_trident", "trident", "priors"),
              lambda s: s.__setitem__("measurement_file", "other.csv"))
    msg = load_error(tmp_path, "trident", "priors")
    assert "'other.csv'" in msg and "not listed under 'files'" in msg


# -- the spec's own checksum ---------------------------------------------------------------------------------------
def test_edited_spec_is_detected(tmp_path):
    folder = copy_dataset(tmp_path)
    edit_spec(folder, lambda s: s.__setitem__("pot", 2.0e23), refresh=False)
    msg = load_error(tmp_path)
    assert str(folder / "spec.yaml") in msg and "was edited" in msg and "rerun its converter" in msg


def test_whitespace_edit_is_detected_and_refresh_accepts_it(tmp_path):
    folder = copy_dataset(tmp_path)
    data = {p.name: p.read_bytes() for p in folder.glob("*.csv")}
    (folder / "spec.yaml").write_text((folder / "spec.yaml").read_text() + "\n")
    assert "was edited" in load_error(tmp_path)
    refresh_manifest(folder)
    Catalogue([tmp_path]).get("csi_copy")
    assert data == {p.name: p.read_bytes() for p in folder.glob("*.csv")}


def test_missing_manifest(tmp_path):
    folder = copy_dataset(tmp_path)
    (folder / MANIFEST_NAME).unlink()
    assert f"{MANIFEST_NAME} is missing" in load_error(tmp_path)


def test_garbled_manifest(tmp_path):
    folder = copy_dataset(tmp_path)
    (folder / MANIFEST_NAME).write_text("not a checksum\n")
    with pytest.raises(DataError, match=rf"{MANIFEST_NAME}, line 1"):
        Catalogue([tmp_path]).get("csi_copy")


# -- file entries that leave the folder --------------------------------------------------------------------------
def add_file_entry(folder: Path, name: str, target: Path) -> None:
    edit_spec(folder, lambda s: s["files"].__setitem__(name, sha256_file(target)))


@pytest.mark.parametrize("name", ["../outside.csv", "sub/../../outside.csv", "/etc/hostname", "a\\..\\b.csv"])
def test_file_entry_outside_the_folder(tmp_path, name):
    folder = copy_dataset(tmp_path / "root")
    outside = tmp_path / "root" / "likelihoods" / "outside.csv"
    outside.write_text("a,b\n1,2\n")
    add_file_entry(folder, name, outside)
    msg = load_error(tmp_path / "root")
    assert repr(name) in msg and "plain name inside the dataset folder" in msg


def test_symlinked_file_entry(tmp_path):
    folder = copy_dataset(tmp_path)
    (folder / "link.csv").symlink_to(folder / "counts.csv")
    add_file_entry(folder, "link.csv", folder / "counts.csv")
    msg = load_error(tmp_path)
    assert "'link.csv' is a symlink" in msg


def test_symlinked_data_file(tmp_path):
    """A listed file replaced by a symlink (to a file with the right bytes) is refused too."""
    folder = copy_dataset(tmp_path)
    (folder / "brn.csv").rename(tmp_path / "brn.csv")
    (folder / "brn.csv").symlink_to(tmp_path / "brn.csv")
    assert "'brn.csv' is a symlink" in load_error(tmp_path)


def test_symlinked_directory_in_entry(tmp_path):
    folder = copy_dataset(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(folder / "brn.csv", tmp_path / "elsewhere" / "x.csv")
    (folder / "sub").symlink_to(tmp_path / "elsewhere")
    add_file_entry(folder, "sub/x.csv", tmp_path / "elsewhere" / "x.csv")
    assert "'sub/x.csv' is a symlink" in load_error(tmp_path)


# -- shadowing of built-in datasets ---------------------------------------------------------------------------------
def test_user_dataset_may_not_shadow_a_builtin_one(tmp_path, monkeypatch):
    folder = copy_dataset(tmp_path, CSI, CSI)
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(tmp_path))
    with pytest.raises(DataError) as exc:
        Catalogue().get(CSI)
    msg = str(exc.value)
    assert str(folder) in msg and "built-in" in msg and "allow_shadowing: true" in msg
    assert Catalogue(allow_shadowing=True).get(CSI).folder == folder
    Catalogue().get("coherent_lar_2020")  # other ids are unaffected


def test_user_dataset_with_a_new_id_is_fine(tmp_path, monkeypatch):
    copy_dataset(tmp_path)
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(tmp_path))
    assert Catalogue().get("csi_copy").folder.parent.parent == tmp_path


# -- writing datasets ---------------------------------------------------------------------------------------------
def test_write_dataset_refuses_an_invalid_spec(tmp_path):
    with pytest.raises(DataError, match="unknown key 'meen'"):
        write_dataset("likelihoods", "toy", {"kind": "gaussian_toy", "description": "d", "citation": "c",
                                             "parameter": "eps_u_ee", "meen": 0.0, "mean": 0.0, "sigma": 1.0},
                      {"note.txt": "toy\n"}, "# toy\n", root=tmp_path)
    assert list((tmp_path / "likelihoods").iterdir()) == []  # no half-written or temporary folder left


def test_write_dataset_checks_columns(tmp_path):
    with pytest.raises(DataError, match="measurement.csv has no column 'error'"):
        write_dataset("priors", "t", {"kind": "trident", "description": "d", "citation": "c"},
                      {"measurement.csv": pd.DataFrame({"ratio": [0.8], "err": [0.3]})}, "# t\n", root=tmp_path)


def test_write_dataset_writes_a_manifest(tmp_path):
    folder = write_dataset("priors", "t", {"kind": "trident", "description": "d", "citation": "c"},
                           {"measurement.csv": pd.DataFrame({"ratio": [0.8], "error": [0.3]})}, "# t\n",
                           root=tmp_path)
    assert (folder / MANIFEST_NAME).read_text() == f"{sha256_file(folder / 'spec.yaml')}  spec.yaml\n"
    assert Catalogue([tmp_path]).get("t", "priors").checksums()["spec.yaml"] == sha256_file(folder / "spec.yaml")


def test_write_dataset_never_writes_into_the_package(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="into the globalfit package"):
        write_dataset("priors", "t", {}, {}, "", root=datatools.PACKAGE_DIR / "_data")
    monkeypatch.setattr(datatools, "REPO_ROOT", tmp_path)  # as in an installed wheel: no checkout around
    with pytest.raises(DataError, match="installed package.*pass root="):
        write_dataset("priors", "t", {}, {}, "")


def test_write_dataset_unknown_section(tmp_path):
    with pytest.raises(DataError, match="unknown section 'prior'"):
        write_dataset("prior", "t", {}, {}, "", root=tmp_path)


# -- through the command line ------------------------------------------------------------------------------------
def defect_missing_key(folder: Path) -> None:
    edit_spec(folder, lambda s: s.pop("sigma_beta"))


def defect_column(folder: Path) -> None:
    rename_column(folder, "brn.csv", "counts_per_GWhr", "counts_per_GWh")


def defect_edited(folder: Path) -> None:
    edit_spec(folder, lambda s: s.__setitem__("sigma_beta", 0.1), refresh=False)


def defect_dotdot(folder: Path) -> None:
    add_file_entry(folder, "../../escape.csv", folder / "brn.csv")


@pytest.mark.parametrize("defect, words", [
    (defect_missing_key, ("spec.yaml", "missing required key 'sigma_beta'")),
    (defect_column, ("brn.csv", "no column 'counts_per_GWhr'")),
    (defect_edited, ("spec.yaml", "was edited")),
    (defect_dotdot, ("spec.yaml", "'../../escape.csv'")),
    (None, ("data/likelihoods/coherent_csi_2017", "built-in", "allow_shadowing")),
])
def test_check_exits_2_naming_dataset_file_and_key(tmp_path, monkeypatch, capsys, defect, words):
    """`globalfit check` on the quickstart with a defective copy of its CsI dataset from GLOBALFIT_DATA_PATH (under a new
    id, or under the built-in id for the shadowing case): exit 2, one line naming the dataset, file and key."""
    new_id = CSI if defect is None else "csi_copy"
    folder = copy_dataset(tmp_path / "data", CSI, new_id)
    if defect is not None:
        defect(folder)
    monkeypatch.setenv("GLOBALFIT_DATA_PATH", str(tmp_path / "data"))
    raw = yaml.safe_load(QUICKSTART.read_text())
    raw["likelihoods"] = [new_id if x == CSI else x for x in raw["likelihoods"]]
    run = tmp_path / "run.yaml"
    run.write_text(yaml.safe_dump(raw))
    code = main(["check", str(run)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert repr(new_id) in err
    for w in words:
        assert w in err


def test_schema_constants_match_their_components():
    """Where a schema restates a component's constant (it may not import components), the two agree."""
    import typing

    from globalfit.components.limit_curve import PRODUCTION_COLUMNS
    from globalfit.components.oscillation import COMBINATIONS
    from globalfit.schemas import LHCB_PRODUCTION_COLUMNS, NsiIntervalsSpec

    assert LHCB_PRODUCTION_COLUMNS == PRODUCTION_COLUMNS
    assert set(typing.get_args(NsiIntervalsSpec.model_fields["default_matter"].annotation)) == set(COMBINATIONS)
