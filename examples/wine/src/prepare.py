"""Load scikit-learn's wine data set and write a stratified train/test split."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split

DATA_DIR = Path("data")


def simple_name(name: str) -> str:
    """'od280/od315_of_diluted_wines' -> 'od280_od315_of_diluted_wines'."""
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def load_params() -> dict[str, Any]:
    params: dict[str, Any] = yaml.safe_load(Path("params.yaml").read_text("utf-8"))["prepare"]
    return params


def main() -> None:
    params = load_params()
    frame: pd.DataFrame = load_wine(as_frame=True).frame.rename(columns=simple_name)
    frame["target"] = frame["target"].astype("int64")

    train, test = train_test_split(
        frame,
        test_size=float(params["test_size"]),
        random_state=int(params["seed"]),
        stratify=frame["target"],  # keep the three classes in the same proportions
    )
    DATA_DIR.mkdir(exist_ok=True)
    train.to_csv(DATA_DIR / "train.csv", index=False)
    test.to_csv(DATA_DIR / "test.csv", index=False)
    print(f"prepare: {len(train)} train rows, {len(test)} test rows")


if __name__ == "__main__":
    main()
