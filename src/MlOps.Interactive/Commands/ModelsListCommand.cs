namespace MlOps.Interactive.Commands;

/// <summary>`#!models list`.</summary>
public sealed class ModelsListCommand : MlOpsDirectiveCommand
{
    internal override SubcommandSpec Spec => RegistrySyntax.List;
}
