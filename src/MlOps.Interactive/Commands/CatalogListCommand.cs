namespace MlOps.Interactive.Commands;

/// <summary>`#!catalog list`.</summary>
public sealed class CatalogListCommand : MlOpsDirectiveCommand
{
    public string? Catalog { get; set; }

    public string? Owner { get; set; }

    public string? Tag { get; set; }

    public string? Status { get; set; }

    public string? DataSource { get; set; }

    public string? TrainedOn { get; set; }

    public string? Project { get; set; }

    internal override SubcommandSpec Spec => CatalogSyntax.List;
}
