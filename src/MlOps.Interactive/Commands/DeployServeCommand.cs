namespace MlOps.Interactive.Commands;

/// <summary>`#!deploy serve` (also `#!deploy --model ...` with no subcommand).</summary>
public sealed class DeployServeCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Package { get; set; }

    public string? Stage { get; set; }

    public string? Alias { get; set; }

    public string? Version { get; set; }

    public string? Port { get; set; }

    public string? Host { get; set; }

    public string? Token { get; set; }

    public bool RefuseExtraColumns { get; set; }

    public string? MaxBodyBytes { get; set; }

    public bool NoFollow { get; set; }

    public string? PollSeconds { get; set; }

    public string? ShadowVersion { get; set; }

    public string? ShadowAlias { get; set; }

    public string? LogSampleRate { get; set; }

    internal override SubcommandSpec Spec => DeploySyntax.Serve;
}
