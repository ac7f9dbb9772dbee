using MlOps.Registry;

namespace MlOps.Serving;

/// <summary>Which version of a model to serve: by stage (default Production), alias or number; at most one selector.</summary>
public static class ServedVersion
{
    public static ModelVersion Resolve(ModelRegistry registry, string model, string? stage = null, string? alias = null, int? version = null)
    {
        if (new object?[] { stage, alias, version }.Count(x => x is not null) > 1)
            throw new MlOpsException("Choose the version to serve with one of --stage, --alias or --version, not several.");
        if (version is { } n)
            return registry.Version(model, n);
        if (alias is not null)
            return registry.ByAlias(model, alias);
        var wanted = stage?.Trim().ToLowerInvariant() switch
        {
            null or "" or "production" => ModelStage.Production,
            "staging" => ModelStage.Staging,
            _ => throw new MlOpsException($"Only a Production or Staging version can be served by stage, not '{RegistryNames.Printable(stage)}'. Use --version <n> for any other."),
        };
        return registry.Versions(model).FirstOrDefault(v => v.Stage == wanted) ?? throw new MlOpsException(
            $"Model '{model}' has no {wanted} version. Promote one with `mlops promote --model {model} --version <n> --stage {wanted} --reason \"...\"`, or serve one with --version <n>.");
    }
}
