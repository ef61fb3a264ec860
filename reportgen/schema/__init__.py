"""The run directory's files as typed schemas: what training writes and analysis and rendering read.
It imports neither torch nor matplotlib, so any tool can read a run with it.

    base       Finite (a number that may not be finite: null in JSON, None in memory), RunFile and
               the schema version of each JSON file kind
    run        dataset.json, environment.json, metrics.json, history.csv, predictions.csv and the
               tuning summary: what training and the search write
    analysis   the Analysis tree (analysis.json): every fact, table and figure a report needs

The experiment copy (experiment.toml) is reportgen.config.Experiment. reportgen.rundir writes
(`write_model`) and reads (`read_model`) them.
"""
