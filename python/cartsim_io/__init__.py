"""cartsim_io: read cartsim run files and ensemble directories (docs/PYTHON.md).

    import cartsim_io
    run = cartsim_io.load_run("demo.h5")
    run.timeseries["cart_blood_per_ul"], run.timeseries.units["cart_blood_per_ul"]
    run.summary["cr_day"], run.scenario["car_t"]["dose_cells"]
    run.snapshot(day=14).car_t.count_by_state()
    cohort = cartsim_io.load_ensemble("out/cohort")
    cohort.table["cr_day"], cohort.aggregate["cr_rate"], cohort.load_run(0)
"""
from .ensemble import Ensemble, load_ensemble
from .errors import CartsimFileError
from .run import Run, load_run
from .snapshot import Population, Snapshot, SnapshotInfo
from .timeseries import TimeSeries

__version__ = "0.1.0"
__all__ = ["CartsimFileError", "Ensemble", "Population", "Run", "Snapshot", "SnapshotInfo",
           "TimeSeries", "load_ensemble", "load_run"]
