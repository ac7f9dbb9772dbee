namespace MlOps.Interactive.Commands;

/// <summary>`#!catalog describe`.</summary>
public sealed class CatalogDescribeCommand : MlOpsDirectiveCommand
{
    public string? Catalog { get; set; }

    public string? Model { get; set; }

    public string? Owner { get; set; }

    public string? Purpose { get; set; }

    public string? Tag { get; set; }

    public string? DataSource { get; set; }

    internal override SubcommandSpec Spec => CatalogSyntax.Describe;
}
