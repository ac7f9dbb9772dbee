namespace MlOps.Interactive.Commands;

/// <summary>`#!experiment compare RUN RUN...`. As JSON, give the run ids separated by spaces.</summary>
public sealed class ExperimentCompareCommand : ExperimentDirectiveCommand
{
    public string? Runs { get; set; }

    public bool All { get; set; }

    internal override SubcommandSpec Spec => ExperimentSyntax.Compare;
}
