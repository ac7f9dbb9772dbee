using MlOps.Hashing;

namespace MlOps.Pipeline;

/// <summary>
/// Cache keys: each stage's key hashes its input's key, the parameters that change its output, and its code
/// version. Descriptive things (experiment name, tags) are left out, so they never invalidate the cache.
/// Bump a version when that stage's code changes what it produces.
/// </summary>
internal static class StageKeys
{
    public const string Load = "load", Validate = "validate", Featurize = "featurize", Split = "split", Train = "train", Evaluate = "evaluate";

    public static string ForLoad(string dataHash) => ContentHash.Combine("load/v1", dataHash).Hex;

    /// <summary>Validation checks the parameters against the data's schema: it passes again for the same pair.</summary>
    public static string ForValidate(string loadKey, ParamSet p, string codeHash) =>
        ContentHash.Combine("validate/v1", loadKey, p.Canonical("featurize", "split"), codeHash).Hex;

    public static string ForFeaturize(string loadKey, ParamSet p, string dataName, string codeHash) =>
        ContentHash.Combine("featurize/v1", loadKey, dataName, p.Canonical("featurize", "split.by", "train.task"), codeHash).Hex;

    public static string ForSplit(string featurizeKey, ParamSet p) =>
        ContentHash.Combine("split/v1", featurizeKey, p.Canonical("split", "seed")).Hex;

    // train/v2: linear trainers standardize their features inside the model.
    public static string ForTrain(string splitKey, string task, string trainer, IReadOnlyDictionary<string, string> options, int seed) =>
        ContentHash.Combine("train/v2", splitKey, task, trainer, string.Join("\n", options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => o.Key + "=" + o.Value)),
            seed.ToString(System.Globalization.CultureInfo.InvariantCulture)).Hex;

    public static string ForEvaluate(string trainKey, ParamSet p) => ContentHash.Combine("evaluate/v1", trainKey, p.Canonical("evaluate")).Hex;
}
