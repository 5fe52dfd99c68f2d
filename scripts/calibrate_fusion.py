"""Learn the fusion model trucewatch ships (src/trucewatch/data/fusion_model.json).

    python scripts/calibrate_fusion.py [--reports 200000] [--seed 2017]

EM (``trucewatch.incidents.batch.learn``) on the candidate pairs of the labelled generator's
reports (benchmarks/fusion_data.py, coded as the service codes stored reports), without using its
labels: the same unsupervised fit ``trucewatch fuse --full`` makes on a mechanism's own reports.
New reports are placed with this model until a full re-fusion learns one from the real reports.
The generator draws on the gazetteer (OCHA COD, CC BY 3.0 IGO; GeoNames, CC BY 4.0) and UCDP GED
(CC BY 4.0); see src/trucewatch/data/CREDITS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from fusion import TYPES, accounts  # noqa: E402
from fusion_data import generate  # noqa: E402
from trucewatch.geo.admin import syria_gazetteer  # noqa: E402
from trucewatch.incidents.batch import learn, partitions  # noqa: E402
from trucewatch.incidents.columns import to_reports  # noqa: E402
from trucewatch.reports.taxonomy import confusable_matrix  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    reports = to_reports(accounts(generate(args.reports, seed=args.seed).frame), TYPES, syria_gazetteer())
    model, _ = learn(partitions(reports, confusable_matrix(TYPES)), int((~reports.coarse).sum()))
    if model is None:
        raise SystemExit("too few candidate pairs to learn from: give more --reports")
    data = {"source": f"EM on benchmarks/fusion_data.py, {args.reports} reports, seed {args.seed}", **model.as_json()}
    out = ROOT / "src" / "trucewatch" / "data" / "fusion_model.json"
    out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} ({model.iterations} EM iterations, prior {model.prior:.4f})")


if __name__ == "__main__":
    main()
