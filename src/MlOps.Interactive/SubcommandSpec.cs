namespace MlOps.Interactive;

/// <summary>
/// One command of a notebook directive: `#!experiment run` (a subcommand of its directive) or `#!promote` (a verb
/// directive, whose one spec is named after the directive and written without a subcommand name).
/// </summary>
internal sealed record SubcommandSpec(string Name, string Description, IReadOnlyList<OptionSpec> Options)
{
    public string Directive { get; init; } = ExperimentSyntax.Directive;

    /// <summary>True for `#!register`, `#!promote`, ...: the directive is the verb, as the CLI's top-level verbs are.</summary>
    public bool IsVerb => Directive == "#!" + Name;

    /// <summary>The subcommand a directive line without one means (`#!deploy --model m` = `#!deploy serve --model m`).</summary>
    public bool IsDefault { get; init; }

    /// <summary>How the command is written: `#!experiment run` or `#!promote`.</summary>
    public string Usage => IsVerb ? Directive : $"{Directive} {Name}";

    /// <summary>
    /// Options every subcommand of the directive takes: --store and --var by default (the CLI's --store is on every verb;
    /// --var is the notebook's --json); the catalog takes --catalog instead of --store.
    /// </summary>
    public IReadOnlyList<OptionSpec> Shared { get; init; } = ExperimentSyntax.Shared;

    public OptionSpec? Find(string name) => Options.FirstOrDefault(o => o.Name == name) ?? Shared.FirstOrDefault(o => o.Name == name);

    public IEnumerable<OptionSpec> AllOptions => Options.Concat(Shared);
}
