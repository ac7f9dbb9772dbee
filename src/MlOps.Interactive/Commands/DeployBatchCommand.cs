namespace MlOps.Interactive.Commands;

/// <summary>`#!deploy batch`.</summary>
public sealed class DeployBatchCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Stage { get; set; }

    public string? Alias { get; set; }

    public string? Version { get; set; }

    public string? Input { get; set; }

    public string? Output { get; set; }

    public string? Rejects { get; set; }

    public string? Key { get; set; }

    public string? LogSampleRate { get; set; }

    internal override SubcommandSpec Spec => DeploySyntax.Batch;
}
