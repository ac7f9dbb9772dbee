namespace MlOps.Interactive.Commands;

/// <summary>`#!catalog show`.</summary>
public sealed class CatalogShowCommand : MlOpsDirectiveCommand
{
    public string? Catalog { get; set; }

    public string? Model { get; set; }

    internal override SubcommandSpec Spec => CatalogSyntax.Show;
}
