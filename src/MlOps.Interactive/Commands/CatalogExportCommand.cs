namespace MlOps.Interactive.Commands;

/// <summary>`#!catalog export`.</summary>
public sealed class CatalogExportCommand : MlOpsDirectiveCommand
{
    public string? Catalog { get; set; }

    public string? Html { get; set; }

    internal override SubcommandSpec Spec => CatalogSyntax.Export;
}
