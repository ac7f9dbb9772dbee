namespace MlOps.Interactive.Commands;

/// <summary>`#!monitor history --model m`: the time view.</summary>
public sealed class MonitorHistoryCommand : MlOpsDirectiveCommand
{
    public string? Model { get; set; }

    internal override SubcommandSpec Spec => MonitorSyntax.History;
}
