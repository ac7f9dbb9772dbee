namespace MlOps.Interactive;

/// <summary>Every directive the extension declares, as one list of specs (#!experiment's subcommands and the registry's).</summary>
internal static class DirectiveSyntax
{
    public static IReadOnlyList<SubcommandSpec> All { get; } = [.. ExperimentSyntax.Subcommands, .. RegistrySyntax.All, .. DeploySyntax.All, .. CatalogSyntax.All, .. MonitorSyntax.All];

    public static IEnumerable<string> Directives => All.Select(s => s.Directive).Distinct();

    public static IReadOnlyList<SubcommandSpec> Of(string directive) => All.Where(s => s.Directive == directive).ToList();
}
