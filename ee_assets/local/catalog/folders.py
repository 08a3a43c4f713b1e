"""Asset folders as listAssets shows them: the assets and sub-folders directly under a folder of asset ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable

PUBLIC_PROJECT = "earthengine-public"


def asset_name(asset_id: str) -> str:
    """An asset id's REST name (`projects/earthengine-public/assets/ID`)."""
    return f"projects/{PUBLIC_PROJECT}/assets/{asset_id}"


def folder_children(prefix: str, asset_ids: Iterable[str], describe: Callable[[str], dict]) -> dict[str, dict]:
    """By name, the entries directly under folder `prefix` (`""`: the top): `describe(id)` for an asset, a FOLDER
    for a name that has assets further below."""
    head = f"{prefix}/" if prefix else ""
    children: dict[str, dict] = {}
    for asset_id in asset_ids:
        if not asset_id.startswith(head):
            continue
        rest = asset_id[len(head):]
        name = rest.split("/", 1)[0]
        if "/" in rest:
            children.setdefault(name, {"type": "FOLDER", "name": asset_name(head + name), "id": head + name})
        else:
            children[name] = describe(asset_id)
    return children
