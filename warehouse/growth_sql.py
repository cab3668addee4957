"""The SQL of trade_flow_growth: each monthly figure with its change on a year earlier and its year to date.

One row per monthly figure of a line (source, reporter, partner, flow, commodity, currency):

- a published month (`period_months` 1);
- a January-February figure published only as such (a January-to-2 cumulative with neither month
  published on its own: GACC's first release of a year) is one row with `period_months` 2;
- a month given only inside January-to-N cumulatives is derived as cumulative(N) - cumulative(N-1)
  (`derived` true); a published month is never replaced by a derived one.

`ytd_value` is the publisher's own January-to-N figure where it has one, else the sum of the months from
January, and NULL when a month is missing (never a partial sum). Percent changes are NULL when the figure a
year earlier is missing or zero. Months are compared as integers (year * 12 + month - 1), so only turning a
date into that integer and back is written per dialect.

The view (migration 0007) is this query over trade_flow_latest. tradeflow's own reads of one line
(`warehouse.growth`) run it over that line's rows only: neither SQLite nor PostgreSQL pushes a filter on the
view down through its self-joins, so the view computes every line of the warehouse first.
"""

from __future__ import annotations

LINE = ("source", "reporter", "partner", "flow", "commodity_system", "commodity_code", "currency")

_MONTH_INDEX = {  # a date as year * 12 + month - 1
    "sqlite": "(CAST(strftime('%Y', period) AS INTEGER) * 12 + CAST(strftime('%m', period) AS INTEGER) - 1)",
    "postgresql": "(CAST(EXTRACT(YEAR FROM period) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM period) AS INTEGER) - 1)",
}
_FIRST_DAY = {  # that integer back to the first day of its month, as trade_flow stores dates
    "sqlite": "date(printf('%04d-%02d-01', {ym} / 12, {ym} % 12 + 1))",
    "postgresql": "make_date({ym} / 12, {ym} % 12 + 1, 1)",
}
_BOOLEAN = {"sqlite": ("1", "0"), "postgresql": ("TRUE", "FALSE")}


def _same(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in LINE)


def _cols(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in LINE)


def growth_query(dialect: str, base: str = "trade_flow_latest", part_months: bool = True) -> str:
    """The rows of trade_flow_growth computed over `base` (trade_flow_latest, or a subquery of it holding
    whole lines: every step joins within a line, so a line's rows come out the same).

    `part_months` (migration 0013): figures for days 1 to N of a month (`period_days` N) are rows of their
    own, compared with the same days of the same month a year earlier, and never count as a month; with
    False, the query migration 0007 made, from before `period_days` existed."""
    true, false = _BOOLEAN[dialect]
    derived_period = _FIRST_DAY[dialect].format(ym="(c.ym + c.period_months - 1)")
    days = ", period_days" if part_months else ""
    whole = " AND period_days = 0" if part_months else ""
    whole_p = " AND p.period_days = 0" if part_months else ""
    windows = (
        f"""
    UNION ALL
    -- days 1 to N of a month: against the same days of that month a year earlier; no year to date
    SELECT {_cols("w")}, w.period, 1, w.value, py.value, NULL, NULL, NULL, {false}, w.provisional,
           w.released_at, w.period_days
    FROM f w
    LEFT JOIN f py ON {_same("py", "w")} AND py.ym = w.ym - 12 AND py.period_days = w.period_days
    WHERE w.period_days > 0"""
        if part_months
        else ""
    )
    return f"""
WITH f AS (
    SELECT {", ".join(LINE)}, period, period_months{days}, value, provisional, released_at,
           {_MONTH_INDEX[dialect]} AS ym
    FROM {base} b
),
mon AS (SELECT * FROM f WHERE period_months = 1{whole}),
cum AS (SELECT * FROM f WHERE period_months BETWEEN 2 AND 12 AND ym % 12 = 0{whole}),
monthly AS (
    SELECT {_cols("m")}, m.period, m.period_months, m.ym AS end_ym, m.value, m.provisional,
           m.released_at, {false} AS derived
    FROM mon m
    UNION ALL
    SELECT {_cols("c")}, c.period, 2, c.ym + 1, c.value, c.provisional, c.released_at, {false}
    FROM cum c
    WHERE c.period_months = 2
      AND NOT EXISTS (SELECT 1 FROM mon m WHERE {_same("m", "c")} AND m.ym IN (c.ym, c.ym + 1))
    UNION ALL
    SELECT {_cols("c")}, {derived_period}, 1, c.ym + c.period_months - 1, c.value - p.value,
           CASE WHEN c.provisional OR p.provisional THEN {true} ELSE {false} END, c.released_at, {true}
    FROM cum c
    JOIN f p ON {_same("p", "c")} AND p.ym = c.ym AND p.period_months = c.period_months - 1{whole_p}
    WHERE NOT EXISTS (SELECT 1 FROM mon m WHERE {_same("m", "c")} AND m.ym = c.ym + c.period_months - 1)
),
ends AS (
    SELECT {", ".join(LINE)}, end_ym FROM monthly
    UNION
    SELECT {", ".join(LINE)}, end_ym - 12 FROM monthly
),
sums AS (
    SELECT {_cols("k")}, k.end_ym, SUM(b.value) AS total, SUM(b.period_months) AS covered
    FROM ends k
    JOIN monthly b ON {_same("b", "k")} AND b.end_ym <= k.end_ym AND b.end_ym >= k.end_ym - k.end_ym % 12
    GROUP BY {_cols("k")}, k.end_ym
),
ytd AS (
    SELECT {_cols("k")}, k.end_ym, k.end_ym % 12 + 1 AS ytd_months,
           COALESCE(c.value, CASE WHEN s.covered = k.end_ym % 12 + 1 THEN s.total END) AS ytd_value
    FROM ends k
    LEFT JOIN cum c ON {_same("c", "k")} AND c.ym = k.end_ym - k.end_ym % 12
         AND c.period_months = k.end_ym % 12 + 1
    LEFT JOIN sums s ON {_same("s", "k")} AND s.end_ym = k.end_ym
)
SELECT {_cols("g")}, g.period, g.period_months, g.value, g.prior_year_value, g.ytd_value,
       g.ytd_prior_year_value, g.ytd_months, g.derived, g.provisional, g.released_at,
       CASE WHEN g.prior_year_value <> 0 THEN (g.value / g.prior_year_value - 1) * 100 END AS yoy_pct,
       CASE WHEN g.ytd_prior_year_value <> 0 THEN (g.ytd_value / g.ytd_prior_year_value - 1) * 100 END
           AS ytd_yoy_pct{", g.period_days" if part_months else ""}
FROM (
    -- A January-February row is its own year to date: a year earlier, it compares with January-February
    -- however that year was published (as one figure or as two months).
    SELECT {_cols("m")}, m.period, m.period_months, m.value,
           CASE WHEN m.period_months = 2 THEN yp.ytd_value ELSE py.value END AS prior_year_value,
           y.ytd_value, yp.ytd_value AS ytd_prior_year_value, y.ytd_months, m.derived, m.provisional,
           m.released_at{", 0 AS period_days" if part_months else ""}
    FROM monthly m
    LEFT JOIN monthly py ON {_same("py", "m")} AND py.end_ym = m.end_ym - 12 AND py.period_months = 1
    JOIN ytd y ON {_same("y", "m")} AND y.end_ym = m.end_ym
    LEFT JOIN ytd yp ON {_same("yp", "m")} AND yp.end_ym = m.end_ym - 12{windows}
) g
"""
