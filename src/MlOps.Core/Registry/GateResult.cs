namespace MlOps.Registry;

/// <summary>One gate's verdict: its name ("auc >= 0.95", "smoke", "schema", "no-regression"), pass/fail and why.</summary>
public sealed record GateResult(string Name, bool Passed, string Detail);
