"""The heavier dependencies of some algorithm families (in the `local` extra), imported on first use, here only.

SciPy gives the special functions (Number.erfInv, Array.gamma, …) and the LU decomposition; scikit-learn the
classifiers. Importing scikit-learn alone costs a process about 1.5 s and 170 MiB, which every local server would
pay at start-up for algorithms most requests never call; if they are missing, those algorithms fail with an error
saying what to install.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace

from ee_assets.local.errors import InvalidArgument

INSTALL = "pip install 'ee_assets[local]'"


def _missing(what: str, error: ImportError) -> InvalidArgument:
    return InvalidArgument(f"this algorithm needs {what}, which is not installed; {INSTALL} ({error}).")


def scipy_special() -> ModuleType:
    """scipy.special (gamma, erf, erfinv, digamma, polygamma, gammainc …)."""
    try:
        from scipy import special
    except ImportError as e:
        raise _missing("SciPy", e) from e
    return special


def scipy_linalg() -> ModuleType:
    """scipy.linalg (the LU decomposition)."""
    try:
        from scipy import linalg
    except ImportError as e:
        raise _missing("SciPy", e) from e
    return linalg


def sklearn() -> SimpleNamespace:
    """The scikit-learn modules the classifiers use: tree, ensemble, neighbors, svm and calibration."""
    try:
        from sklearn import calibration, ensemble, neighbors, svm, tree
    except ImportError as e:
        raise _missing("scikit-learn", e) from e
    return SimpleNamespace(tree=tree, ensemble=ensemble, neighbors=neighbors, svm=svm, calibration=calibration)


def scipy_stats() -> ModuleType:
    """scipy.stats (Pearson, Spearman and Kendall correlations with their p-values)."""
    try:
        from scipy import stats
    except ImportError as e:
        raise _missing("SciPy", e) from e
    return stats


def scipy_ndimage() -> ModuleType:
    """scipy.ndimage (the Euclidean distance transform)."""
    try:
        from scipy import ndimage
    except ImportError as e:
        raise _missing("SciPy", e) from e
    return ndimage


def scipy_sparse_graph() -> SimpleNamespace:
    """scipy.sparse's csr_array and scipy.sparse.csgraph's dijkstra (least-cost paths)."""
    try:
        from scipy.sparse import csgraph, csr_array
    except ImportError as e:
        raise _missing("SciPy", e) from e
    return SimpleNamespace(csr_array=csr_array, dijkstra=csgraph.dijkstra)
