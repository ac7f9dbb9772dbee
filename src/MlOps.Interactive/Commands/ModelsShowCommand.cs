namespace MlOps.Interactive.Commands;

/// <summary>`#!models show`.</summary>
public sealed class ModelsShowCommand : MlOpsDirectiveCommand
{
    public string? Name { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.Show;
}
