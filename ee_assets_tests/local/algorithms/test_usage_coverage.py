"""How much of the usage-ranked top 300 the local backend implements (the ranking is a fact file,
usage_ranking.txt, copied from the project's usage survey). The share is printed (`pytest -s`) and must not fall:
the algorithms still missing are listed here, so implementing one means removing it, and losing one fails."""

from __future__ import annotations

from pathlib import Path

from ee_assets.local.algorithms import implemented

RANKING = Path(__file__).with_name("usage_ranking.txt")
# Graph features the evaluator handles itself, counted in the survey as if they were algorithms.
EVALUATOR_FEATURES = {"<functionReference>"}
# The top-300 algorithms not implemented yet: Image.loadZarrV2Array (rank 222) reads Zarr arrays from Cloud Storage
# (the bucket root stands in for it, as for Image.loadGeoTIFF, but no Zarr reader is written yet).
NOT_YET = {"Image.loadZarrV2Array"}


def ranked() -> list[str]:
    return [line.strip() for line in RANKING.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_share_of_the_usage_ranked_top_300():
    names = ranked()
    assert len(names) == 300 and len(set(names)) == 300
    done = set(implemented()) | EVALUATOR_FEATURES
    missing = [n for n in names if n not in done]
    share = 1 - len(missing) / len(names)
    print(f"\n{len(done) - len(EVALUATOR_FEATURES)} algorithms implemented; top 300 by usage: "
          f"{len(names) - len(missing)}/300 ({share:.1%}); missing: {', '.join(missing) or 'none'}")
    assert set(missing) == NOT_YET
