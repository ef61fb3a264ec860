"""The run directory's files as typed schemas: what training writes and analysis and rendering read.

    analysis   the Analysis tree (analysis.json): every fact, table and figure a report needs
"""
