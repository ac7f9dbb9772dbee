namespace MlOps.Interactive.Commands;

/// <summary>`#!monitor --model m --data window.csv [--apply]` (also `#!monitor check ...`).</summary>
public sealed class MonitorCheckCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    public string? Data { get; set; }

    public bool FromLog { get; set; }

    public string? Since { get; set; }

    public string? Until { get; set; }

    public string? Version { get; set; }

    public string? Stage { get; set; }

    public bool Apply { get; set; }

    public bool DryRun { get; set; }

    public string? Window { get; set; }

    public string? Catalog { get; set; }

    public string? Gates { get; set; }

    internal override SubcommandSpec Spec => MonitorSyntax.Check;
}
