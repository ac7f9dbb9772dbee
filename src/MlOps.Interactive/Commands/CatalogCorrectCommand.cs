namespace MlOps.Interactive.Commands;

/// <summary>`#!catalog correct`.</summary>
public sealed class CatalogCorrectCommand : MlOpsDirectiveCommand
{
    public string? Catalog { get; set; }

    public string? Record { get; set; }

    public string? Set { get; set; }

    public string? Reason { get; set; }

    internal override SubcommandSpec Spec => CatalogSyntax.Correct;
}
