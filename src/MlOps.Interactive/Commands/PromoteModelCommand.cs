namespace MlOps.Interactive.Commands;

/// <summary>`#!promote`. --gate may repeat on the line; as JSON, give the thresholds separated by ';'.</summary>
public sealed class PromoteModelCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Version { get; set; }

    public string? Stage { get; set; }

    public string? Reason { get; set; }

    public string? Gate { get; set; }

    public bool KeepPrevious { get; set; }

    public bool AcceptSchemaChange { get; set; }

    public string? Gates { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.Promote;
}
