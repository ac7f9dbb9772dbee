"""The Python stack MLflow's scoring server uses, as a serving baseline for `MlOps.Bench serve`.

scikit-learn RandomForestClassifier (n_estimators=100) trained at start-up on cwurData exactly as params.yaml
featurizes it (world_rank <= 100, label world_rank < 50, country label-encoded, train on every year but the
last), served by FastAPI + uvicorn: POST /invocations parses MLflow's dataframe_split into a pandas DataFrame
and calls predict_proba. No auth, no access log (run with --no-access-log), like the bare .NET endpoint.

Run (system Python, which has fastapi/uvicorn/sklearn/pandas):
  /usr/bin/python3 -m uvicorn fastapi_server:app --app-dir bench/baselines --host 127.0.0.1 --port 8000 \
      --no-access-log --log-level warning [--workers 2]
"""
import os

import pandas as pd
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sklearn.ensemble import RandomForestClassifier

FEATURES = ["alumni_employment", "publications", "citations", "quality_of_education", "country", "national_rank"]
DATA = os.environ.get("MLOPS_BENCH_DATA") or os.path.join(
    os.path.dirname(__file__), "..", "..", "assets", "data", "world-university-rankings", "cwurData.csv")


def train():
    df = pd.read_csv(DATA)
    df = df[df.world_rank <= 100]
    codes = {c: i for i, c in enumerate(sorted(df.country.unique()))}
    train = df[df.year < df.year.max()]
    x = train[FEATURES].assign(country=train.country.map(codes)).astype(float)
    model = RandomForestClassifier(n_estimators=100, random_state=42)
    model.fit(x.values, (train.world_rank < 50).values)
    return model, codes


MODEL, CODES = train()
app = FastAPI()


@app.get("/health")
def health():
    return PlainTextResponse("ok")


@app.post("/invocations")
async def invocations(request: Request):
    try:
        split = (await request.json())["dataframe_split"]
        frame = pd.DataFrame(split["data"], columns=split["columns"])
        frame["country"] = frame["country"].map(CODES).fillna(-1)
        x = frame[FEATURES].astype(float).values
    except (ValueError, KeyError, TypeError) as e:
        raise HTTPException(status_code=400, detail=str(e))
    probability = MODEL.predict_proba(x)[:, 1]
    return JSONResponse({"predictions": [
        {"label": bool(p >= 0.5), "probability": float(p)} for p in probability]})
