namespace MlOps.Interactive.Commands;

/// <summary>`#!deploy package`.</summary>
public sealed class DeployPackageCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Stage { get; set; }

    public string? Alias { get; set; }

    public string? Version { get; set; }

    public string? Out { get; set; }

    public bool Force { get; set; }

    public bool NoOnnx { get; set; }

    internal override SubcommandSpec Spec => DeploySyntax.Package;
}
