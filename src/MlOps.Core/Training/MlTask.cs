namespace MlOps.Training;

/// <summary>The three supervised tasks the engine trains. Names on the wire: binary, multiclass, regression.</summary>
public enum MlTask
{
    Binary,
    Multiclass,
    Regression,
}

public static class MlTaskNames
{
    public static string ToName(this MlTask task) => task switch
    {
        MlTask.Binary => "binary",
        MlTask.Multiclass => "multiclass",
        _ => "regression",
    };

    public static MlTask Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "binary" or "binaryclassification" or "classification" => MlTask.Binary,
        "multiclass" or "multiclassclassification" => MlTask.Multiclass,
        "regression" => MlTask.Regression,
        _ => throw new MlOpsException(
            $"Unknown task '{name}'. Use one of: binary, multiclass, regression (or leave --task out to infer it from the label)."),
    };
}
