namespace MlOps.Interactive;

internal sealed record SubcommandSpec(string Name, string Description, IReadOnlyList<OptionSpec> Options)
{
    public OptionSpec? Find(string name) => Options.FirstOrDefault(o => o.Name == name) ?? ExperimentSyntax.Shared.FirstOrDefault(o => o.Name == name);

    public IEnumerable<OptionSpec> AllOptions => Options.Concat(ExperimentSyntax.Shared);
}
