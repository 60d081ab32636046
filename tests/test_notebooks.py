"""Every reproduction notebook in notebooks/ runs top to bottom with reduced settings, and its own comparisons of
published and globalfit numbers hold (each notebook asserts the tolerances it states in its last cell, so a number
outside its tolerance fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Reduced settings injected after each notebook's cell tagged "parameters" (the papermill convention), chosen so each
#: notebook runs in well under a minute on one core; `make notebooks` runs them with their own (full) settings.
REDUCED: dict[str, dict] = {
    "paper000_lhc.ipynb": {"MASSES_TABLE_GEV": [2000.0], "MASSES_FIG_GEV": [2000.0],
                           "DATASETS": ["lhc_cms_monojet_2017"], "PROJECTIONS": ["hllhc_cms_monojet_300"],
                           "PROCESSES": 1, "PLANE_N": 5},
    "model_comparison.ipynb": {"NLIVE": 12, "DLOGZ": 2.0, "MODELS": ["A", "Lmu-Ltau"],
                               "LIKELIHOODS": ["oscillation_esteban2018"], "PROCESSES": 1},
    "paper001_coherent_lhc.ipynb": {"MASSES_GEV": [50.0, 150.0], "FLAVOURS": ["e"], "QUARKS": ["u+d"],
                                    "FIG3_MASSES_GEV": [50.0, 150.0, 1000.0],
                                    "COHERENT": ["coherent_lar_2020"], "PLANE_N": 4, "PROCESSES": 1},
    "paper004_flavoured_zprime.ipynb": {"FIG_MODELS": ["B-3/2(Lmu+Ltau)", "Lmu-Ltau"], "MASSES_FIG_GEV": [0.045],
                                        "CROSSOVER_MASSES_GEV": {"B-3/2(Lmu+Ltau)": [0.025, 0.045, 0.9, 1.2]},
                                        "LMUTAU_MIXING": ["loop"], "PROCESSES": 1},
    "paper002_nsi_zprime.ipynb": {"CASES": ["C"], "MASSES_GEV": [0.01, 1.0],
                                  "DATASETS": {"C": ["oscillation_esteban2018_single"]},
                                  "PROJECTIONS": {"C": ["dune_t2hk_projection"]}, "DOMINANCE_CASES": ["A"],
                                  "DOMINANCE_MASSES_GEV": [0.01, 0.04, 0.5, 2.0],
                                  "DOMINANCE_DATASETS": ["coherent_csi_2017", "lhcb_darkphoton_2019",
                                                         "dune_t2hk_projection", "coherent_lar750_projection"],
                                  "PROCESSES": 1},
}


def inject_parameters(nb, values: dict) -> None:
    """Insert a cell assigning ``values`` right after the cell tagged ``parameters`` (as papermill does, tagged
    ``injected-parameters``).

    Raises
    ------
    AssertionError
        If the notebook has no cell tagged ``parameters``, or the cell does not define every injected name.
    """
    import nbformat

    idx = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(idx) == 1, "a notebook needs exactly one cell tagged 'parameters'"
    defined = nb.cells[idx[0]].source
    for name in values:
        assert f"\n{name} =" in f"\n{defined}", f"{name} is not a parameter of the notebook"
    src = "\n".join(f"{k} = {v!r}" for k, v in values.items())
    nb.cells.insert(idx[0] + 1, nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]}))


def execute(name: str, values: dict, workdir: Path):
    """Run notebooks/<name> with ``values`` injected, in ``workdir`` (the notebook finds runs/ next to the package);
    returns the executed notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    inject_parameters(nb, {**values, "OUT_DIR": str(workdir / "out")})
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}}).execute()
    return nb


def test_every_notebook_has_reduced_settings():
    """A new notebook in notebooks/ (other than the quickstart, tested in test_notebook.py) must be listed in
    REDUCED, so the suite runs it."""
    found = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} - {"quickstart.ipynb"}
    assert found == set(REDUCED), f"notebooks without reduced settings or missing: {found ^ set(REDUCED)}"


def test_injected_parameter_must_exist():
    """Injecting a name the parameters cell does not define is an error (a renamed parameter cannot go unnoticed)."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("NLIVE = 400", metadata={"tags": ["parameters"]})])
    inject_parameters(nb, {"NLIVE": 20})
    assert nb.cells[1].source == "NLIVE = 20"
    with pytest.raises(AssertionError, match="NLIV"):
        inject_parameters(nb, {"NLIV": 20})


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REDUCED))
def test_notebook_reproduces_with_reduced_settings(name, tmp_path, monkeypatch):
    """The notebook executes with REDUCED[name]; its last cell asserts that every published number it compares lies
    within the tolerance it states (the tolerances and references are in the notebook's markdown and its comparison
    table), so the table shown is the table tested."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = execute(name, REDUCED[name], tmp_path)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "reproduced within the stated tolerances" in text or "move as stated" in text
