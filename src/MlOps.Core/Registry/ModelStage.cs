namespace MlOps.Registry;

/// <summary>Where a model version is in its life: registered (None), being tried (Staging), serving (Production), retired (Archived).</summary>
public enum ModelStage
{
    None,
    Staging,
    Production,
    Archived,
}
