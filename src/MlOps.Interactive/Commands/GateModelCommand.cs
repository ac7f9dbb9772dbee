namespace MlOps.Interactive.Commands;

/// <summary>`#!gate`. --gate may repeat on the line; as JSON, give the thresholds separated by ';'.</summary>
public sealed class GateModelCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Version { get; set; }

    public string? Stage { get; set; }

    public string? Gate { get; set; }

    public bool AcceptSchemaChange { get; set; }

    public string? Gates { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.Gate;
}
