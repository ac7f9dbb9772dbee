namespace MlOps.Interactive;

/// <summary>
/// One option of a #!experiment subcommand. <see cref="Positional"/> options are the CLI's arguments (a run id, a
/// file): in a directive they may be written without their name.
/// </summary>
internal sealed record OptionSpec(string Name, string Description, bool Flag = false, bool Repeatable = false, bool Positional = false, bool Required = false)
{
    /// <summary>Options that take a number: checked before the engine sees them, as the CLI's typed options are.</summary>
    public string? NumberKind { get; init; }

    /// <summary>How a repeatable option's values are joined in a command sent as JSON (';' when a value holds spaces).</summary>
    public char Separator { get; init; } = ' ';
}
