#!/usr/bin/env python3
"""Tally pabulib files with the reference library pabutools (pinned: pabutools==1.2.3).

For each file given: parse, greedy by support, and the Method of Equal Shares with cost
utility and the "add1" completion, each timed inside this process (Python start-up and imports
are not counted). Prints one JSON object per file:

  {"file": NAME, "voters": N, "parse_s": …, "greedy_s": …, "mes_s": …,
   "greedy": [sorted project ids], "mes": [sorted project ids]}

Greedy is pabutools' greedy_utilitarian_welfare with Cost_Sat: with approval ballots it funds
projects by approval count, skipping those that do not fit, which is pabulib's `greedy`.
Ties are broken by pabutools' default, project id in lexicographic order.

`sportello bench pb` and the CI equality check call this script; only approval and choose-1
files are meaningful (the comparison is defined on them).
"""
import json
import sys
import time

from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares


def main(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        t0 = time.perf_counter()
        instance, profile = parse_pabulib_from_string(text)
        t1 = time.perf_counter()
        greedy = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
        t2 = time.perf_counter()
        mes = method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, voter_budget_increment=1
        )
        t3 = time.perf_counter()
        print(
            json.dumps(
                {
                    "file": path.rsplit("/", 1)[-1],
                    "voters": profile.num_ballots(),
                    "parse_s": t1 - t0,
                    "greedy_s": t2 - t1,
                    "mes_s": t3 - t2,
                    "greedy": sorted(p.name for p in greedy),
                    "mes": sorted(p.name for p in mes),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
