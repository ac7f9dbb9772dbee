namespace MlOps.Interactive.Commands;

/// <summary>`#!models trained-on`.</summary>
public sealed class ModelsTrainedOnCommand : MlOpsDirectiveCommand
{
    public string? Data { get; set; }

    internal override SubcommandSpec Spec => RegistrySyntax.TrainedOn;
}
