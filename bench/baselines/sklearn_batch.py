"""Baseline for `MlOps.Bench batch`: scikit-learn's RandomForestClassifier on the same task as params.yaml.

Same training rows (cwurData: world_rank <= 100, label world_rank < 50, train on every year but the last), the same
six features (country label-encoded, missing numbers filled with the training median), n_estimators as given,
n_jobs=-1. Times predict_proba on a feature matrix already in memory, and the whole CSV path (read_csv, featurize,
predict_proba, write the scores with the key columns). Prints one JSON object with the medians.

Run with the Debian python (apt-get install python3-sklearn python3-pandas):
  /usr/bin/python3 bench/baselines/sklearn_batch.py <cwurData.csv> <input.csv> <output.csv> <n_estimators> <repetitions>
"""
import json
import statistics
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

FEATURES = ["alumni_employment", "publications", "citations", "quality_of_education", "country", "national_rank"]
NUMBERS = [f for f in FEATURES if f != "country"]


def featurize(frame, codes, fills):
    x = frame[NUMBERS].apply(pd.to_numeric, errors="coerce").fillna(fills)
    x.insert(4, "country", frame["country"].map(codes).fillna(-1))
    return x[FEATURES].to_numpy(dtype=np.float32)


def main():
    train_csv, input_csv, output_csv, trees, repetitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    data = pd.read_csv(train_csv)
    data = data[data.world_rank <= 100]
    train = data[data.year != data.year.max()]
    codes = {c: i for i, c in enumerate(sorted(train.country.dropna().unique()))}
    fills = train[NUMBERS].apply(pd.to_numeric, errors="coerce").median()
    model = RandomForestClassifier(n_estimators=trees, n_jobs=-1, random_state=42)
    model.fit(featurize(train, codes, fills), train.world_rank < 50)

    frame = pd.read_csv(input_csv)
    features = featurize(frame, codes, fills)
    model.predict_proba(features[:1000])  # warm up the worker pool
    memory, csv = [], []
    for _ in range(repetitions):
        start = time.perf_counter()
        model.predict_proba(features)
        memory.append(time.perf_counter() - start)
    for _ in range(repetitions):
        start = time.perf_counter()
        frame = pd.read_csv(input_csv)
        probability = model.predict_proba(featurize(frame, codes, fills))[:, 1]
        keys = frame[[c for c in frame.columns if c not in FEATURES]]
        keys.assign(predicted_label=probability >= 0.5, predicted_probability=probability).to_csv(output_csv, index=False)
        csv.append(time.perf_counter() - start)
    rows = len(features)
    print(json.dumps({"rows": rows, "memory_seconds": statistics.median(memory), "csv_seconds": statistics.median(csv),
                      "sklearn": __import__("sklearn").__version__}))


if __name__ == "__main__":
    main()
